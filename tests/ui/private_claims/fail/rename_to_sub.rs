use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(rename = "sub")]
    value: u64,
}

fn main() {}
