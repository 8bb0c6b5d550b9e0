use axum_jwt_guard::refresh_jwt_required;

#[refresh_jwt_required]
#[refresh_jwt_required(allow = ["ADMIN"])]
async fn handler() {}

fn main() {}
