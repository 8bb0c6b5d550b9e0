use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    user_id: u64,
    exp: u64,
}

fn main() {}
