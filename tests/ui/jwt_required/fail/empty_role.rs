use axum_jwt_guard::jwt_required;

#[jwt_required(allow = [""])]
async fn handler() {}

fn main() {}
