use axum_jwt_guard::jwt_required;

#[jwt_required]
struct Handler;

fn main() {}
