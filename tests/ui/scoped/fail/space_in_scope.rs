use axum_jwt::scoped;

#[scoped("a b")]
async fn handler() {}

fn main() {}
