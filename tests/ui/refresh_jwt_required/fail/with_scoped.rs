use axum_jwt_guard::{refresh_jwt_required, scoped};

#[refresh_jwt_required]
#[scoped("admin")]
async fn handler() {}

fn main() {}
