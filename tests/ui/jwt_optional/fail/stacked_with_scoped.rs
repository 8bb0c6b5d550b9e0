use axum_jwt_guard::{jwt_optional, scoped};

#[scoped("admin")]
#[jwt_optional]
async fn handler() {}

fn main() {}
