use axum_jwt_guard::scoped;

#[scoped("user::read")]
async fn handler() {}

fn main() {}
