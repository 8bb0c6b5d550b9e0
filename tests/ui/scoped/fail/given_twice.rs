use axum_jwt_guard::scoped;

#[scoped("admin")]
#[scoped("user:read")]
async fn handler() {}

fn main() {}
