use axum_jwt::scoped;

#[scoped("admin")]
#[scoped("user:read")]
async fn handler() {}

fn main() {}
