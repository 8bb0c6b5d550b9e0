use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile(u64, u8);

fn main() {}
