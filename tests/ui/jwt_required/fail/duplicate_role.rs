use axum_jwt_guard::jwt_required;

#[jwt_required(deny = ["BANNED", "BANNED"])]
async fn handler() {}

fn main() {}
