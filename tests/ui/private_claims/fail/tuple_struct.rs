use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile(u64, u8);

fn main() {}
