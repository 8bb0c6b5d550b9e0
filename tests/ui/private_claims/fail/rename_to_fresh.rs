use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(rename = "fresh")]
    value: u64,
}

fn main() {}
