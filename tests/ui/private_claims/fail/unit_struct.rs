use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile;

fn main() {}
