use axum_jwt::jwt_optional;

#[jwt_optional(allow = ["ADMIN"])]
async fn handler() {}

fn main() {}
