use axum_jwt_guard::scoped;

#[scoped(require_all = false, "admin")]
async fn handler() {}

fn main() {}
