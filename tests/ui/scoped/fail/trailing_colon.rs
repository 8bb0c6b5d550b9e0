use axum_jwt_guard::scoped;

#[scoped("user:")]
async fn handler() {}

fn main() {}
