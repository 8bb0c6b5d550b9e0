use axum_jwt::scoped;

#[scoped(require_all = false, "admin")]
async fn handler() {}

fn main() {}
