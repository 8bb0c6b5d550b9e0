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
use axum_jwt::{ClaimWriter, ClaimsError, Jwt, JwtBuilder, PrivateClaims, Token};
use serde::Deserialize;
use serde_json::{Value, json};

/// The private claims of the demo, written as `{prefix}_user_id` and
/// `{prefix}_permission_level`.
#[derive(Debug, Clone)]
struct Profile {
    user_id: u64,
    permission_level: u8,
}

// Written by hand until `#[derive(PrivateClaims)]` exists.
impl PrivateClaims for Profile {
    type Partial = (Option<u64>, Option<u8>);
    const FIELDS: &'static [&'static str] = &["user_id", "permission_level"];

    fn read_field<'de, D: serde::Deserializer<'de>>(
        partial: &mut Self::Partial,
        field: &str,
        value: D,
    ) -> Result<bool, D::Error> {
        use serde::de::Error as _;
        match field {
            "user_id" if partial.0.is_some() => Err(D::Error::duplicate_field("user_id")),
            "user_id" => Ok(partial.0.replace(u64::deserialize(value)?).is_none()),
            "permission_level" if partial.1.is_some() => {
                Err(D::Error::duplicate_field("permission_level"))
            }
            "permission_level" => Ok(partial.1.replace(u8::deserialize(value)?).is_none()),
            _ => Ok(false),
        }
    }

    fn finish(partial: Self::Partial) -> Result<Self, ClaimsError> {
        Ok(Profile {
            user_id: partial.0.ok_or(ClaimsError::missing("user_id"))?,
            permission_level: partial.1.ok_or(ClaimsError::missing("permission_level"))?,
        })
    }

    fn write(&self, out: &mut ClaimWriter<'_>) -> Result<(), ClaimsError> {
        out.field("user_id", &self.user_id)?;
        out.field("permission_level", &self.permission_level)
    }
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
async fn protected(token: Token<Profile>) -> Json<Value> {
    let p = token.private_claims();
    Json(json!({
        "identity": token.identity(),
        "role": token.role(),
        "private_claims": { "user_id": p.user_id, "permission_level": p.permission_level },
    }))
}

/// `GET /greeting`: greets the identity, or "anonymous" without a token.
async fn greeting(token: Option<Token>) -> Json<Value> {
    let name = token.as_ref().map_or("anonymous", |t| t.identity());
    Json(json!({ "greeting": format!("hello, {name}") }))
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
        .route("/protected", get(protected))
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
