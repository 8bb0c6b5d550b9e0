use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
union Profile {
    id: u64,
    level: u8,
}

fn main() {}
