use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
enum Profile {
    User { id: u64 },
}

fn main() {}
