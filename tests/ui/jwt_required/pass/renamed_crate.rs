#![deny(warnings)]

extern crate axum_jwt_guard as my_jwt;

use axum::routing::get;
use axum::Router;

#[derive(my_jwt::PrivateClaims)]
#[private_claims(crate = "::my_jwt")]
struct Profile {
    user_id: u64,
}

#[my_jwt::jwt_required(crate = "::my_jwt", allow = ["ADMIN"])]
async fn handler(token: my_jwt::Token<Profile>) -> String {
    token.private_claims().user_id.to_string()
}

#[my_jwt::scoped("admin", crate = "::my_jwt")]
async fn scoped() {}

fn main() {
    let _app: Router = Router::new()
        .route("/", get(handler))
        .route("/scoped", get(scoped));
}
