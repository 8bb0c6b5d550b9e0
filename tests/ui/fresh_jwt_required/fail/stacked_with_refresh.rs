use axum_jwt_guard::{fresh_jwt_required, refresh_jwt_required};

#[refresh_jwt_required]
#[fresh_jwt_required]
async fn handler() {}

fn main() {}
