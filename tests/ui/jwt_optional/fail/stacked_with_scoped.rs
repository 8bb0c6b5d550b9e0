use axum_jwt::{jwt_optional, scoped};

#[scoped("admin")]
#[jwt_optional]
async fn handler() {}

fn main() {}
