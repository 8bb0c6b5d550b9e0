use axum_jwt_guard::scoped;

#[scoped(admin)]
async fn admin() {}

#[scoped(user:read)]
async fn users() {}

fn main() {}
