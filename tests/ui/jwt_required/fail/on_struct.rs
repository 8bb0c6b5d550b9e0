use axum_jwt::jwt_required;

#[jwt_required]
struct Handler;

fn main() {}
