use axum_jwt_guard::scoped;

#[scoped("")]
async fn handler() {}

fn main() {}
