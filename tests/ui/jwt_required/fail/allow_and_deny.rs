use axum_jwt::jwt_required;

#[jwt_required(allow = ["ADMIN"], deny = ["BANNED"])]
async fn handler() {}

fn main() {}
