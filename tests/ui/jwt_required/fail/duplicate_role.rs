use axum_jwt::jwt_required;

#[jwt_required(deny = ["BANNED", "BANNED"])]
async fn handler() {}

fn main() {}
