use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile;

fn main() {}
