use axum_jwt_guard::{Token, jwt_required};

#[jwt_required]
async fn handler(token: Option<Token>) -> String {
    token.map(|t| t.identity().to_owned()).unwrap_or_default()
}

fn main() {}
