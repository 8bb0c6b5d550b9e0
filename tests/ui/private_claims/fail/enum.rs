use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
enum Profile {
    User { id: u64 },
}

fn main() {}
