use axum_jwt::jwt_required;

#[jwt_required(allow = ["ADMIN"], allow = ["STAFF"])]
async fn handler() {}

fn main() {}
