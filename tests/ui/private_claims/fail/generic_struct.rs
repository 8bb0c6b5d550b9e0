use axum_jwt::PrivateClaims;

#[derive(PrivateClaims)]
struct Profile<T> {
    user_id: T,
}

fn main() {}
