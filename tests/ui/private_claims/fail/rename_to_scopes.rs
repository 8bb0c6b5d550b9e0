use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(rename = "scopes")]
    value: u64,
}

fn main() {}
