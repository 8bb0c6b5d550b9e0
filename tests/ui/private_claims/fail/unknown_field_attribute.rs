use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(flatten)]
    user_id: u64,
}

fn main() {}
