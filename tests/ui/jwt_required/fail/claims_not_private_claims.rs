use axum_jwt_guard::{Token, jwt_required};

struct Profile {
    user_id: u64,
}

#[jwt_required]
async fn handler(token: Token<Profile>) -> String {
    token.private_claims().user_id.to_string()
}

fn main() {}
