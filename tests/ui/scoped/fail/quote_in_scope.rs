use axum_jwt_guard::scoped;

#[scoped("ad\"min")]
async fn handler() {}

fn main() {}
