use axum_jwt_guard::scoped;

#[scoped("admin", require_all = "no")]
async fn handler() {}

fn main() {}
