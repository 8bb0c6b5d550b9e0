use axum_jwt_guard::scoped;

#[scoped("a b")]
async fn handler() {}

fn main() {}
