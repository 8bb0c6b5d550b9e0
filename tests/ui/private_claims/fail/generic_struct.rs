use axum_jwt_guard::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile<T> {
    user_id: T,
}

fn main() {}
