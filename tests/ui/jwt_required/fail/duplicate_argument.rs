use axum_jwt_guard::jwt_required;

#[jwt_required(allow = ["ADMIN"], allow = ["STAFF"])]
async fn handler() {}

fn main() {}
