//! RS256 with PEM key files: `cargo run --example rsa_keys`.
//!
//! Reads `JWT_PRIVATE_KEY_FILE` and `JWT_PUBLIC_KEY_FILE` (PKCS#8 PEM, RSA ≥ 2048 bits); without
//! them it uses the test-only pair in `tests/fixtures/`. Generate your own with:
//!
//! ```text
//! openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out private.pem
//! openssl pkey -in private.pem -pubout -out public.pem
//! ```
//!
//! A second handle built from the public key alone shows a verify-only service (an API that
//! accepts tokens another service issues).

use std::net::SocketAddr;

use axum::routing::{get, post};
use axum::{Json, Router};
use axum_jwt_guard::{Algorithm, Jwt, SignError, Token, jwt_required};
use serde_json::{Value, json};

#[jwt_required]
async fn protected(token: Token) -> Json<Value> {
    Json(json!({ "identity": token.identity(), "role": token.role() }))
}

/// `POST /token`: a demo token for alice (no password: this example is about keys).
async fn token(jwt: Jwt) -> Result<Json<Value>, SignError> {
    let pair = jwt.login("alice").role("USER").sign().await?;
    Ok(Json(json!({ "access_token": pair.access_token })))
}

fn key_file(var: &str, fallback: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        let path = format!("{}/tests/fixtures/{fallback}", env!("CARGO_MANIFEST_DIR"));
        tracing::warn!("{var} is not set: using the test-only key {path}");
        path
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();
    let private = key_file("JWT_PRIVATE_KEY_FILE", "rsa_private.pem");
    let public = key_file("JWT_PUBLIC_KEY_FILE", "rsa_public.pem");
    // The issuer signs with the private key and verifies with the public one.
    let issuer = Jwt::builder()
        .algorithm(Algorithm::RS256)
        .private_key_file(&private)
        .public_key_file(&public)
        .issuer("rsa-example")
        .build()?;
    // A verify-only service: the public key alone.
    let verifier = Jwt::builder()
        .algorithm(Algorithm::RS256)
        .public_key_file(&public)
        .issuer("rsa-example")
        .build()?;
    let sample = issuer.access_token("alice").sign()?;
    let checked = verifier.verify_access::<()>(&sample)?;
    tracing::info!(
        identity = checked.identity(),
        "the verify-only handle accepts the issuer's token"
    );

    let app = Router::new()
        .route("/token", post(token))
        .route("/protected", get(protected))
        .layer(issuer.layer());
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
