use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
union Profile {
    id: u64,
    level: u8,
}

fn main() {}
