use axum_jwt::scoped;

#[scoped("аdmin")]
async fn handler() {}

fn main() {}
