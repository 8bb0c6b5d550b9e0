use axum_jwt_guard::{jwt_optional, jwt_required};

#[jwt_optional]
#[jwt_required]
async fn handler() {}

fn main() {}
