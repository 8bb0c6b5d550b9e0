use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(rename = "role")]
    value: u64,
}

fn main() {}
