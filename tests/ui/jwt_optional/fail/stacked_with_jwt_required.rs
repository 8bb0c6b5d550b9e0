use axum_jwt::{jwt_optional, jwt_required};

#[jwt_optional]
#[jwt_required]
async fn handler() {}

fn main() {}
