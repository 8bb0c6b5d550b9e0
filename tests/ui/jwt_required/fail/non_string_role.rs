use axum_jwt::jwt_required;

#[jwt_required(allow = ["ADMIN", 42])]
async fn handler() {}

fn main() {}
