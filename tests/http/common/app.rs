//! The routes every test server has, and a real server on 127.0.0.1:0.

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_jwt_guard::{ClaimWriter, ClaimsError, Jwt, PrivateClaims, Token};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The quickstart's private claims, implemented by hand (the derive comes with the macros).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub user_id: u64,
    pub permission_level: u8,
}

impl PrivateClaims for Profile {
    type Partial = (Option<u64>, Option<u8>);
    const FIELDS: &'static [&'static str] = &["user_id", "permission_level"];

    fn read_field<'de, D: serde::Deserializer<'de>>(
        partial: &mut Self::Partial,
        field: &str,
        value: D,
    ) -> Result<bool, D::Error> {
        use serde::de::Error;
        match field {
            "user_id" if partial.0.is_some() => Err(D::Error::duplicate_field("user_id"))?,
            "user_id" => partial.0 = Some(u64::deserialize(value)?),
            "permission_level" if partial.1.is_some() => {
                Err(D::Error::duplicate_field("permission_level"))?
            }
            "permission_level" => partial.1 = Some(u8::deserialize(value)?),
            _ => return Ok(false),
        }
        Ok(true)
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

fn describe<C>(token: &Token<C>) -> Value {
    json!({
        "identity": token.identity(),
        "role": token.role(),
        "scopes": token.scopes(),
        "kind": token.kind().as_str(),
        "fresh": token.fresh(),
        "jti": token.jti(),
        "iat": token.issued_at(),
        "exp": token.expires_at(),
        "nbf": token.not_before(),
        "iss": token.issuer(),
        "aud": token.audience(),
        "public": token.public_claims(),
    })
}

async fn protected(token: Token) -> Json<Value> {
    Json(describe(&token))
}

async fn profile(token: Token<Profile>) -> Json<Value> {
    let mut v = describe(&token);
    let p = token.private_claims();
    v["private_claims"] = json!({"user_id": p.user_id, "permission_level": p.permission_level});
    Json(v)
}

async fn optional(token: Option<Token>) -> Json<Value> {
    Json(json!({ "identity": token.as_ref().map(|t| t.identity()) }))
}

#[derive(Deserialize)]
struct Login {
    identity: String,
}

async fn login(jwt: Jwt, Json(body): Json<Login>) -> Result<Json<Value>, (StatusCode, String)> {
    let err = |e: axum_jwt_guard::SignError| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    let access = jwt
        .access_token(&body.identity)
        .fresh(true)
        .sign()
        .map_err(err)?;
    let refresh = jwt.refresh_token(&body.identity).sign().map_err(err)?;
    Ok(Json(
        json!({ "access_token": access, "refresh_token": refresh }),
    ))
}

/// The routes every test server has.
pub fn app() -> Router {
    Router::new()
        .route("/protected", get(protected))
        .route("/profile", get(profile))
        .route("/optional", get(optional))
        .route("/login", post(login))
}

/// A running server; it stops when the test's runtime ends.
pub struct Server {
    pub addr: std::net::SocketAddr,
}

pub async fn serve(jwt: &Jwt) -> Server {
    serve_router(app().layer(jwt.layer())).await
}

/// Serves `router` on a listener the test bound (to know its address first).
pub fn serve_on(listener: TcpListener, router: Router) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("server runs");
    })
}

pub async fn serve_router(router: Router) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("server runs");
    });
    Server { addr }
}
