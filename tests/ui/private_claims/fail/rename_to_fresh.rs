use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(rename = "fresh")]
    value: u64,
}

fn main() {}
