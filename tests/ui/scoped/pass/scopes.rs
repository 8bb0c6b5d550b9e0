#![deny(warnings)]

use axum::routing::get;
use axum::Router;
use axum_jwt_guard::{Token, jwt_required, scoped};

#[scoped("admin")]
async fn one() {}

#[scoped("user:read", "user:write")]
async fn all() {}

#[scoped("user:read", "admin", require_all = false)]
async fn any() {}

#[scoped(":read:write", require_all_actions = false)]
async fn any_action() {}

#[scoped("user:read")]
#[jwt_required(allow = ["ADMIN"])]
async fn stacked(token: Token) -> String {
    token.identity().to_owned()
}

#[jwt_required(deny = ["BANNED"])]
#[scoped("user:read:write", require_all = true, require_all_actions = true)]
async fn stacked_other_order(token: Token) -> String {
    token.identity().to_owned()
}

#[scoped("user:read")]
async fn token_first_then_body(token: Token, body: String) -> String {
    format!("{} {body}", token.identity())
}

fn main() {
    let _app: Router = Router::new()
        .route("/1", get(one))
        .route("/2", get(all))
        .route("/3", get(any))
        .route("/4", get(any_action))
        .route("/5", get(stacked))
        .route("/6", get(stacked_other_order))
        .route("/7", get(token_first_then_body));
}
