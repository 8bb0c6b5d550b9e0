use axum_jwt::{fresh_jwt_required, jwt_required};

#[fresh_jwt_required]
#[jwt_required(allow = ["ADMIN"])]
async fn handler() {}

fn main() {}
