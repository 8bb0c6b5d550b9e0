use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(rename = "nbf")]
    value: u64,
}

fn main() {}
