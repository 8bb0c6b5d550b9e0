use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(rename = "csrf")]
    value: u64,
}

fn main() {}
