use axum_jwt_guard::{Token, jwt_required};

#[jwt_required]
fn handler(token: Token) -> String {
    token.identity().to_owned()
}

fn main() {}
