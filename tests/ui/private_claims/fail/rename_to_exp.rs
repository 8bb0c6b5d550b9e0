use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(rename = "exp")]
    value: u64,
}

fn main() {}
