#![deny(warnings)]

use axum::extract::Json;
use axum::routing::post;
use axum::Router;
use axum_jwt_guard::{Token, fresh_jwt_required, scoped};

#[fresh_jwt_required]
async fn change_password(token: Token, Json(_body): Json<serde_json::Value>) -> String {
    token.identity().to_owned()
}

#[fresh_jwt_required(allow = ["ADMIN"])]
#[scoped("admin")]
async fn dangerous() {}

fn main() {
    let _app: Router = Router::new()
        .route("/a", post(change_password))
        .route("/b", post(dangerous));
}
