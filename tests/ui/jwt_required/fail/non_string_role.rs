use axum_jwt_guard::jwt_required;

#[jwt_required(allow = ["ADMIN", 42])]
async fn handler() {}

fn main() {}
