use axum_jwt_guard::{Token, jwt_optional};

#[jwt_optional]
async fn handler(token: Token) -> String {
    token.identity().to_owned()
}

fn main() {}
