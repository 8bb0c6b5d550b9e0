//! The browser flow: `cargo run --example cookies`, then open http://localhost:3000/.
//!
//! The page logs in through `POST /auth` (HttpOnly token cookies plus readable CSRF
//! cookies), calls a protected `POST` with the `X-CSRF-TOKEN` header read from the CSRF
//! cookie, shows that the same call without the header is refused, and logs out.

use std::net::SocketAddr;

use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_jwt_guard::{AuthError, Authenticator, Jwt, Token, TokenLocation, jwt_required};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

struct DemoUsers;

impl Authenticator for DemoUsers {
    type Credentials = Credentials;
    type User = String;
    type UserView = Value;
    type Claims = ();

    async fn authenticate(&self, c: Credentials) -> Result<String, AuthError> {
        // A demo: real code compares password hashes in constant time.
        if c.username == "alice" && c.password == "alice-password" {
            Ok(c.username)
        } else {
            Err(AuthError::AuthenticationFailed)
        }
    }

    fn identity(&self, user: &String) -> String {
        user.clone()
    }

    async fn retrieve_user(&self, token: &Token) -> Option<Value> {
        Some(json!({ "username": token.identity() }))
    }
}

#[jwt_required]
async fn whoami(token: Token) -> String {
    token.identity().to_owned()
}

#[jwt_required]
async fn save_note(token: Token, Json(note): Json<Value>) -> Json<Value> {
    Json(json!({ "saved": note, "by": token.identity() }))
}

async fn page() -> Html<&'static str> {
    Html(include_str!("static/cookies.html"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();
    let mut secret = [0u8; 48];
    getrandom::fill(&mut secret).map_err(|e| format!("no randomness: {e}"))?;
    // Cookies only: the browser never sees a token, and unsafe methods need the CSRF header.
    let jwt = Jwt::builder()
        .secret(secret)
        .token_locations([TokenLocation::Cookie])
        .build()?;
    let app = Router::new()
        .route("/", get(page))
        .route("/api/whoami", get(whoami))
        .route("/api/notes", post(save_note))
        .layer(jwt.layer())
        .merge(jwt.auth_routes(DemoUsers));
    let bind: SocketAddr = std::env::var("BIND")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    tracing::info!("cookie demo on http://localhost:{}/", addr.port());
    println!("listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
