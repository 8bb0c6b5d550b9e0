use axum_jwt::scoped;

#[scoped(admin)]
async fn admin() {}

#[scoped(user:read)]
async fn users() {}

fn main() {}
