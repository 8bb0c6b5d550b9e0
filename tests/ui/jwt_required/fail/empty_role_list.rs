use axum_jwt::jwt_required;

#[jwt_required(allow = [])]
async fn handler() {}

fn main() {}
