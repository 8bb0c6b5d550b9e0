use axum_jwt_guard::jwt_optional;

#[jwt_optional(allow = ["ADMIN"])]
async fn handler() {}

fn main() {}
