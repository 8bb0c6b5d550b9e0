use axum_jwt::jwt_required;

#[jwt_required("admin")]
async fn handler() {}

fn main() {}
