use axum_jwt::jwt_required;

#[jwt_required(crate = "not a path")]
async fn handler() {}

fn main() {}
