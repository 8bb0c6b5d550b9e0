use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(rename = "scopes")]
    value: u64,
}

fn main() {}
