use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(flatten)]
    user_id: u64,
}

fn main() {}
