use axum_jwt_guard::PrivateClaims;

struct Opaque;

#[derive(PrivateClaims)]
struct Profile {
    user_id: u64,
    opaque: Opaque,
}

fn main() {}
