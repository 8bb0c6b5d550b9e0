use axum_jwt_guard::scoped;

#[scoped("admin", "user:read", "admin")]
async fn handler() {}

fn main() {}
