use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(rename = "role")]
    value: u64,
}

fn main() {}
