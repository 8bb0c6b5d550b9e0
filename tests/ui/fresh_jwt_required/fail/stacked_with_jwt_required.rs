use axum_jwt_guard::{fresh_jwt_required, jwt_required};

#[fresh_jwt_required]
#[jwt_required(allow = ["ADMIN"])]
async fn handler() {}

fn main() {}
