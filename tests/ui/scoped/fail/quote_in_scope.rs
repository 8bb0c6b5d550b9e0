use axum_jwt::scoped;

#[scoped("ad\"min")]
async fn handler() {}

fn main() {}
