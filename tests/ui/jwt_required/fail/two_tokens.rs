use axum_jwt::{Token, jwt_required};

#[jwt_required]
async fn handler(first: Token, second: Token) -> String {
    format!("{}{}", first.identity(), second.identity())
}

fn main() {}
