#![deny(warnings)]

use axum::routing::post;
use axum::Router;
use axum_jwt_guard::{Jwt, Token, refresh_jwt_required};

#[refresh_jwt_required]
async fn refresh(jwt: Jwt, token: Token) -> Result<String, axum_jwt_guard::SignError> {
    jwt.access_token(token.identity()).sign()
}

#[refresh_jwt_required(deny = ["BANNED"])]
async fn refresh_denied() {}

fn main() {
    let _app: Router = Router::new()
        .route("/a", post(refresh))
        .route("/b", post(refresh_denied));
}
