use axum_jwt::scoped;

#[scoped("user::read")]
async fn handler() {}

fn main() {}
