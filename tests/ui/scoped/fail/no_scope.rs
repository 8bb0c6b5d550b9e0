use axum_jwt::scoped;

#[scoped]
async fn handler() {}

fn main() {}
