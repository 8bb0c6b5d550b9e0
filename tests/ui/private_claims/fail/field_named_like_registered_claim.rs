use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    user_id: u64,
    exp: u64,
}

fn main() {}
