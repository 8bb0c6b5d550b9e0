use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(skip_serializing_if_none)]
    user_id: u64,
}

fn main() {}
