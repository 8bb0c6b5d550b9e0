use axum_jwt_guard::jwt_required;

#[jwt_required(allow = ["ADMIN"], deny = ["BANNED"])]
async fn handler() {}

fn main() {}
