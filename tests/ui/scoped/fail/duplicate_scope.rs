use axum_jwt::scoped;

#[scoped("admin", "user:read", "admin")]
async fn handler() {}

fn main() {}
