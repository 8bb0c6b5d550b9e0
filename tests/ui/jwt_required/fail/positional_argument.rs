use axum_jwt_guard::jwt_required;

#[jwt_required("admin")]
async fn handler() {}

fn main() {}
