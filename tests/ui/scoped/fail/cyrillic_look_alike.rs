use axum_jwt_guard::scoped;

#[scoped("аdmin")]
async fn handler() {}

fn main() {}
