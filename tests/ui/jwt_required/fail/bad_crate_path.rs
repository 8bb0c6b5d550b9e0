use axum_jwt_guard::jwt_required;

#[jwt_required(crate = "not a path")]
async fn handler() {}

fn main() {}
