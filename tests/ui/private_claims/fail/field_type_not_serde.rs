use axum_jwt::PrivateClaims;

struct Opaque;

#[derive(PrivateClaims)]
struct Profile {
    user_id: u64,
    opaque: Opaque,
}

fn main() {}
