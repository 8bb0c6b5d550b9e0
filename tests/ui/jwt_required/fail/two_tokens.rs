use axum_jwt_guard::{Token, jwt_required};

#[jwt_required]
async fn handler(first: Token, second: Token) -> String {
    format!("{}{}", first.identity(), second.identity())
}

fn main() {}
