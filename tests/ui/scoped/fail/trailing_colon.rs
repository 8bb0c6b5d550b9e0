use axum_jwt::scoped;

#[scoped("user:")]
async fn handler() {}

fn main() {}
