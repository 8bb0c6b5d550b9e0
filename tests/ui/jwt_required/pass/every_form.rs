#![deny(warnings)]

use axum::extract::{Json, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use axum_jwt_guard::{Jwt, PrivateClaims, Token, jwt_required};

#[derive(PrivateClaims)]
struct Profile {
    user_id: u64,
}

#[derive(Clone)]
struct AppState;

/// Documentation and other attributes are kept.
#[jwt_required]
#[allow(clippy::unused_async)]
async fn plain() -> &'static str {
    "ok"
}

#[jwt_required(allow = ["ADMIN", "STAFF"])]
async fn allow(token: Token) -> String {
    token.identity().to_owned()
}

#[jwt_required(deny = ["BANNED"])]
async fn deny(token: Token<Profile>) -> String {
    token.private_claims().user_id.to_string()
}

#[jwt_required]
async fn with_state_path_body(
    State(_): State<AppState>,
    Path(id): Path<u32>,
    token: Token,
    Json(body): Json<serde_json::Value>,
) -> Result<impl IntoResponse, StatusCode> {
    if id == 0 {
        return Err(StatusCode::NOT_FOUND);
    }
    let n: u8 = u8::try_from(id).map_err(|_| StatusCode::BAD_REQUEST)?;
    Ok(format!("{n} {} {body}", token.identity()))
}

#[jwt_required]
async fn generic<S: Send + Sync + 'static>(State(_): State<S>, token: Token) -> String {
    token.identity().to_owned()
}

#[jwt_required]
pub async fn public(token: Token) -> String {
    token.identity().to_owned()
}

#[axum::debug_handler]
#[jwt_required(allow = ["ADMIN"])]
async fn debug_outer(State(_): State<AppState>, token: Token) -> String {
    token.identity().to_owned()
}

#[jwt_required(allow = ["ADMIN"])]
#[axum::debug_handler]
async fn debug_inner(State(_): State<AppState>, token: Token) -> String {
    token.identity().to_owned()
}

fn main() {
    let jwt = Jwt::builder().secret([7u8; 32]).build().expect("config");
    let _app: Router = Router::new()
        .route("/plain", get(plain))
        .route("/allow", get(allow))
        .route("/deny", get(deny))
        .route("/items/{id}", post(with_state_path_body))
        .route("/generic", get(generic::<AppState>))
        .route("/public", get(public))
        .route("/debug-outer", get(debug_outer))
        .route("/debug-inner", get(debug_inner))
        .with_state(AppState)
        .layer(jwt.layer());
}
