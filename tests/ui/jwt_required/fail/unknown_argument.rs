use axum_jwt_guard::jwt_required;

#[jwt_required(roles = ["ADMIN"])]
async fn handler() {}

fn main() {}
