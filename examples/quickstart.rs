//! The quickstart service: `cargo run --example quickstart`.
//!
//! Configuration comes from the environment (see README): with nothing set it serves HS256
//! with a freshly generated secret on 127.0.0.1:3000.
//!
//! ```text
//! curl -s localhost:3000/auth -H 'content-type: application/json' \
//!      -d '{"username":"alice","password":"alice-password"}'
//! curl -s localhost:3000/protected -H "authorization: Bearer $ACCESS"
//! ```

use std::net::SocketAddr;

use axum::Router;
use axum::extract::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_jwt::{
    Jwt, JwtBuilder, PrivateClaims, Token, fresh_jwt_required, jwt_optional, jwt_required, scoped,
};
use serde::Deserialize;
use serde_json::{Value, json};

/// The private claims of the demo, written as `{prefix}_user_id` and
/// `{prefix}_permission_level` (prefix `quickstart` unless `JWT_PRIVATE_CLAIM_PREFIX` says
/// otherwise).
#[derive(Debug, Clone, PrivateClaims)]
struct Profile {
    user_id: u64,
    permission_level: u8,
}

struct DemoUser {
    username: &'static str,
    password: &'static str,
    role: &'static str,
    scopes: &'static [&'static str],
    profile: Profile,
}

const USERS: [DemoUser; 2] = [
    DemoUser {
        username: "alice",
        password: "alice-password",
        role: "USER",
        scopes: &["user:read"],
        profile: Profile {
            user_id: 1,
            permission_level: 1,
        },
    },
    DemoUser {
        username: "admin",
        password: "admin-password",
        role: "ADMIN",
        scopes: &["admin", "user:read:write"],
        profile: Profile {
            user_id: 2,
            permission_level: 9,
        },
    },
];

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

fn authentication_failed() -> Response {
    let body = json!({
        "error": "authentication_failed",
        "reason": "authentication_failed",
        "message": "wrong username or password",
    });
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

/// `POST /auth`: a fresh access token and a refresh token for a demo user.
async fn login(jwt: Jwt, Json(credentials): Json<Credentials>) -> Response {
    let Some(user) = USERS
        .iter()
        .find(|u| u.username == credentials.username && u.password == credentials.password)
    else {
        return authentication_failed();
    };
    let tokens = (|| {
        let access = jwt
            .access_token(user.username)
            .role(user.role)
            .scopes(user.scopes.iter().copied())
            .private_claims(&user.profile)
            .fresh(true)
            .sign()?;
        let refresh = jwt
            .refresh_token(user.username)
            .role(user.role)
            .scopes(user.scopes.iter().copied())
            .private_claims(&user.profile)
            .sign()?;
        Ok::<_, axum_jwt::SignError>(json!({ "access_token": access, "refresh_token": refresh }))
    })();
    match tokens {
        Ok(body) => Json(body).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /protected`: any valid access token.
#[jwt_required]
async fn protected(token: Token<Profile>) -> Json<Value> {
    let p = token.private_claims();
    Json(json!({
        "identity": token.identity(),
        "role": token.role(),
        "private_claims": { "user_id": p.user_id, "permission_level": p.permission_level },
    }))
}

/// `POST /echo`: the JSON body is only read once the token passed.
#[jwt_required]
async fn echo(token: Token, Json(body): Json<Value>) -> Json<Value> {
    Json(json!({ "identity": token.identity(), "body": body }))
}

/// `GET /admin`: the `admin` scope.
#[scoped("admin")]
async fn admin(token: Token) -> Json<Value> {
    Json(json!({ "admin": true, "identity": token.identity() }))
}

/// `GET /users`: the `user:read` scope (`user:read:write` and `user` grant it too).
#[scoped("user:read")]
async fn users() -> Json<Value> {
    Json(json!({ "users": USERS.iter().map(|u| u.username).collect::<Vec<_>>() }))
}

/// `GET /staff`: role `ADMIN` only.
#[jwt_required(allow = ["ADMIN"])]
async fn staff(token: Token) -> Json<Value> {
    Json(json!({ "staff": true, "identity": token.identity() }))
}

/// `POST /account/password`: a fresh token (from a login, not a refresh).
#[fresh_jwt_required]
async fn change_password(token: Token) -> Json<Value> {
    Json(json!({ "changed": true, "identity": token.identity() }))
}

/// `GET /greeting`: greets the identity, or "anonymous" without a token.
#[jwt_optional]
async fn greeting(token: Option<Token>) -> Json<Value> {
    let name = token.as_ref().map_or("anonymous", |t| t.identity());
    Json(json!({ "greeting": format!("hello, {name}") }))
}

/// `GET /auth/verify`: whether the token is valid.
#[jwt_required]
async fn verify() -> Json<Value> {
    Json(json!({ "valid": true }))
}

/// `GET /auth/me`: the user behind the token.
#[jwt_required]
async fn me(token: Token<Profile>) -> Json<Value> {
    let p = token.private_claims();
    Json(json!({ "me": {
        "username": token.identity(),
        "role": token.role(),
        "scopes": token.scopes(),
        "user_id": p.user_id,
        "permission_level": p.permission_level,
    }}))
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

fn configure() -> Result<Jwt, axum_jwt::ConfigError> {
    let mut builder = JwtBuilder::from_env()?;
    if std::env::var_os("JWT_PRIVATE_CLAIM_PREFIX").is_none() {
        builder = builder.private_claim_prefix("quickstart");
    }
    if !builder.has_key() {
        let mut secret = [0u8; 48];
        getrandom::fill(&mut secret).map_err(|e| axum_jwt::ConfigError::Invalid {
            setting: "secret",
            reason: format!("no randomness available: {e}"),
        })?;
        tracing::warn!(
            "JWT_SECRET is not set: using a random secret for this run; tokens will not \
             survive a restart. Set JWT_SECRET (32+ bytes) in production."
        );
        builder = builder.secret(secret);
    }
    builder.build()
}

fn app(jwt: &Jwt) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/auth", post(login))
        .route("/auth/verify", get(verify))
        .route("/auth/me", get(me))
        .route("/protected", get(protected))
        .route("/echo", post(echo))
        .route("/admin", get(admin))
        .route("/users", get(users))
        .route("/staff", get(staff))
        .route("/account/password", post(change_password))
        .route("/greeting", get(greeting))
        .layer(jwt.layer())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let jwt = configure()?;
    let bind: SocketAddr = std::env::var("BIND")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()
        .map_err(|e| format!("BIND is not an address like 127.0.0.1:3000: {e}"))?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    tracing::info!(algorithm = ?jwt.algorithm(), "quickstart listening on http://{addr}");
    axum::serve(listener, app(&jwt))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
        .await?;
    Ok(())
}
