use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile {
    #[claim(rename = "level")]
    permission_level: u8,
    level: u8,
}

fn main() {}
