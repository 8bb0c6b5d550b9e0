use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(rename = "jti")]
    value: u64,
}

fn main() {}
