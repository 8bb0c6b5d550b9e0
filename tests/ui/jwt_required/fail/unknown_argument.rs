use axum_jwt::jwt_required;

#[jwt_required(roles = ["ADMIN"])]
async fn handler() {}

fn main() {}
