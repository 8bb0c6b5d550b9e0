use axum_jwt::scoped;

#[scoped("admin", require_all = "no")]
async fn handler() {}

fn main() {}
