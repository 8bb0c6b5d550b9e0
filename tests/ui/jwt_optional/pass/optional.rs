#![deny(warnings)]

use axum::routing::get;
use axum::Router;
use axum_jwt_guard::{PrivateClaims, Token, jwt_optional};

#[derive(PrivateClaims)]
struct Profile {
    user_id: u64,
}

#[jwt_optional]
async fn greeting(token: Option<Token>) -> String {
    token.map_or_else(|| "anonymous".to_owned(), |t| t.identity().to_owned())
}

#[jwt_optional]
async fn typed(token: Option<Token<Profile>>) -> String {
    token.map_or(0, |t| t.private_claims().user_id).to_string()
}

#[jwt_optional]
async fn no_token_argument() -> &'static str {
    "ok"
}

fn main() {
    let _app: Router = Router::new()
        .route("/a", get(greeting))
        .route("/b", get(typed))
        .route("/c", get(no_token_argument));
}
