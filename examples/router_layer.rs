//! Protecting a whole nested router without macros: `cargo run --example router_layer`.
//!
//! `jwt.require(requirement)` is a `route_layer`: every route under `/admin` needs an access
//! token with the `admin` scope, and those under `/reports` a token whose role is `ANALYST`
//! or `ADMIN`. Handlers may still take `Token` (no second decode).

use std::net::SocketAddr;

use axum::routing::{get, post};
use axum::{Json, Router};
use axum_jwt_guard::{Jwt, Requirement, SignError, Token};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Demo {
    identity: String,
    role: String,
    scopes: Vec<String>,
}

/// `POST /token`: a demo token with whatever role and scopes the body asks for.
async fn token(jwt: Jwt, Json(d): Json<Demo>) -> Result<Json<Value>, SignError> {
    let pair = jwt
        .login(d.identity)
        .role(d.role)
        .scopes(d.scopes)
        .sign()
        .await?;
    Ok(Json(json!({ "access_token": pair.access_token })))
}

async fn list_users(token: Token) -> Json<Value> {
    Json(json!({ "users": ["alice", "admin"], "asked_by": token.identity() }))
}

async fn delete_user() -> Json<Value> {
    Json(json!({ "deleted": true }))
}

async fn report() -> Json<Value> {
    Json(json!({ "report": "all good" }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();
    let mut secret = [0u8; 48];
    getrandom::fill(&mut secret).map_err(|e| format!("no randomness: {e}"))?;
    let jwt = Jwt::builder().secret(secret).build()?;

    let admin = Router::new()
        .route("/users", get(list_users))
        .route("/users/delete", post(delete_user))
        .route_layer(jwt.require(Requirement::access().scopes(["admin"])?));
    let reports = Router::new()
        .route("/daily", get(report))
        .route_layer(jwt.require(Requirement::access().allow_roles(["ANALYST", "ADMIN"])));
    let app = Router::new()
        .route("/token", post(token))
        .nest("/admin", admin)
        .nest("/reports", reports)
        .layer(jwt.layer());

    let bind: SocketAddr = std::env::var("BIND")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
