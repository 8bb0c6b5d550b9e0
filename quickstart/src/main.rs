//! The quickstart service: `cargo run -p quickstart` serves the HTTP contract the README walks
//! through on http://127.0.0.1:3000 with nothing set, and its OpenAPI document at
//! `GET /openapi.json` (the security requirements come from the attributes).
//!
//! ```text
//! ACCESS=$(curl -s localhost:3000/auth -H 'content-type: application/json' \
//!   -d '{"username":"alice","password":"alice-password"}' | jq -r .access_token)
//! curl -s localhost:3000/protected -H "authorization: Bearer $ACCESS"
//! ```
//!
//! Environment: `BIND`, `JWT_SECRET`, `JWT_ALGORITHM` with `JWT_PRIVATE_KEY_FILE` /
//! `JWT_PUBLIC_KEY_FILE`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_ACCESS_TTL_SECS`,
//! `JWT_REFRESH_TTL_SECS`, `JWT_LEEWAY_SECS`, `JWT_PRIVATE_CLAIM_PREFIX` (default
//! `quickstart`), `JWT_TOKEN_LOCATIONS` (default `header`), `JWT_TOKEN_CACHE` (verified-token
//! cache capacity, default 4096, `0` for off), `JWT_REFRESH_GRACE_SECS` (default 30),
//! `JWT_MAX_LOGINS_PER_IDENTITY` (default 200), `JWT_VERIFY_ONLY_SECRETS` /
//! `JWT_VERIFY_ONLY_PUBLIC_KEY_FILES` (keys being rotated in or out), `REDIS_URL` (revocation
//! in Redis; `REDIS_ALLOW_EVICTING_POLICY=1` accepts a Redis whose
//! `maxmemory-policy` is not `noeviction`; `REDIS_STRICT=1` asks Redis on every guarded request
//! instead of answering from the local view). With a public-key algorithm it publishes its keys
//! at `/.well-known/jwks.json` (and `/.well-known/openid-configuration` when `JWT_ISSUER` is
//! a URL).
//!
//! **As a resource server** behind an OpenID provider: with `JWT_OIDC_ISSUER` (discovery) or
//! `JWT_JWKS_URL` / `JWT_JWKS_FILE` (with `JWT_ISSUER` optional) set, it verifies that
//! provider's access tokens instead of minting its own. `JWT_AUDIENCE` is then required;
//! `JWT_ROLES_CLAIM` is a JSON pointer (`/realm_access/roles`), `JWT_ALGORITHMS` a comma
//! separated set (default `RS256`), `JWT_JWKS_MAX_AGE_SECS` (default 300) and
//! `JWT_JWKS_COOLDOWN_SECS` (default 10) bound the key refreshes; `JWT_CLAIM_PROFILE=axum-jwt-guard`
//! (with `JWT_PROVIDER_PRIVATE_CLAIM_PREFIX=quickstart`) reads another quickstart's tokens
//! through its JWKS URL, `sanic-jwt` / `sanic-jwt-extended` a Python service's. It then serves `/health`,
//! `/protected`, `/users`, `/admin`, `/staff`, `/greeting` and `/echo`, and no `/auth` routes.

use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::extract::{Json, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_jwt_guard::{
    AuthError, Authenticator, Jwt, JwtBuilder, OnRefresh, Payload, PrivateClaims, Token,
    fresh_jwt_required, jwt_optional, jwt_required, scoped,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use utoipa::OpenApi;

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

#[derive(Serialize)]
struct UserView {
    username: String,
    role: Option<String>,
    scopes: Vec<String>,
    user_id: u64,
    permission_level: u8,
}

/// Compares without stopping at the first difference, so the time does not tell how much
/// of a guess was right. (A real service compares password hashes.)
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The demo users behind `/auth`.
struct DemoUsers;

impl Authenticator for DemoUsers {
    type Credentials = Credentials;
    type User = &'static DemoUser;
    type UserView = UserView;
    type Claims = Profile;

    async fn authenticate(&self, c: Credentials) -> Result<&'static DemoUser, AuthError> {
        // Every user is compared, known or not: the same work and the same answer either way.
        let mut found = None;
        for user in &USERS {
            let name_ok = same(user.username, &c.username);
            let password_ok = same(user.password, &c.password);
            if name_ok && password_ok {
                found = Some(user);
            }
        }
        found.ok_or(AuthError::AuthenticationFailed)
    }

    fn identity(&self, user: &&'static DemoUser) -> String {
        user.username.to_owned()
    }

    fn scopes(&self, user: &&'static DemoUser) -> Vec<String> {
        user.scopes.iter().map(|s| (*s).to_owned()).collect()
    }

    fn role(&self, user: &&'static DemoUser) -> Option<String> {
        Some(user.role.to_owned())
    }

    fn extend_payload(&self, user: &&'static DemoUser, payload: &mut Payload<'_>) {
        payload.private_claims(&user.profile);
    }

    /// Every refresh re-reads the user, so a changed role or scope reaches the new tokens and
    /// a removed user's refresh is refused.
    async fn on_refresh(&self, token: &Token) -> Result<OnRefresh<&'static DemoUser>, AuthError> {
        Ok(
            match USERS.iter().find(|u| u.username == token.identity()) {
                Some(user) => OnRefresh::Reissue(user),
                None => OnRefresh::Refuse,
            },
        )
    }

    async fn retrieve_user(&self, token: &Token<Profile>) -> Option<UserView> {
        let p = token.private_claims();
        Some(UserView {
            username: token.identity().to_owned(),
            role: token.role().map(str::to_owned),
            scopes: token.scopes().to_vec(),
            user_id: p.user_id,
            permission_level: p.permission_level,
        })
    }
}

#[derive(Serialize)]
struct ProtectedView<'a> {
    identity: &'a str,
    role: Option<&'a str>,
    private_claims: ProfileView,
}

#[derive(Serialize)]
struct ProfileView {
    user_id: u64,
    permission_level: u8,
}

/// `GET /protected`: any valid access token.
#[utoipa::path(get, path = "/protected", responses((status = 200, description = "the token's identity, role and private claims")))]
#[jwt_required]
async fn protected(token: Token<Profile>) -> Response {
    let p = token.private_claims();
    Json(ProtectedView {
        identity: token.identity(),
        role: token.role(),
        private_claims: ProfileView {
            user_id: p.user_id,
            permission_level: p.permission_level,
        },
    })
    .into_response()
}

/// `GET /protected` as a resource server: any valid access token of the provider.
#[utoipa::path(get, path = "/protected", responses((status = 200, description = "the token's identity, scopes, roles, issuer and audience")))]
#[jwt_required]
async fn provider_protected(token: Token) -> Json<Value> {
    Json(json!({
        "identity": token.identity(),
        "scopes": token.scopes(),
        "roles": token.roles().collect::<Vec<_>>(),
        "issuer": token.issuer(),
        "audience": token.audience(),
    }))
}

/// `POST /echo`: the JSON body is only read once the token passed.
#[jwt_required]
#[utoipa::path(post, path = "/echo", request_body = Value, responses((status = 200, description = "the identity and the body")))]
async fn echo(token: Token, Json(body): Json<Value>) -> Json<Value> {
    Json(json!({ "identity": token.identity(), "body": body }))
}

/// `GET /admin`: the `admin` scope.
#[scoped("admin")]
#[utoipa::path(get, path = "/admin", responses((status = 200, description = "admins only")))]
async fn admin(token: Token) -> Json<Value> {
    Json(json!({ "admin": true, "identity": token.identity() }))
}

#[derive(Serialize)]
struct UsersView {
    users: [&'static str; 2],
}

/// `GET /users`: the `user:read` scope (`user:read:write` and `user` grant it too).
#[utoipa::path(get, path = "/users", responses((status = 200, description = "the user names")))]
#[scoped("user:read")]
async fn users() -> Json<UsersView> {
    Json(UsersView {
        users: [USERS[0].username, USERS[1].username],
    })
}

/// `GET /staff`: role `ADMIN` only.
#[utoipa::path(get, path = "/staff", responses((status = 200, description = "staff only")))]
#[jwt_required(allow = ["ADMIN"])]
async fn staff(token: Token) -> Json<Value> {
    Json(json!({ "staff": true, "identity": token.identity() }))
}

/// `POST /account/password`: a fresh token (from a login, not a refresh).
#[utoipa::path(post, path = "/account/password", responses((status = 200, description = "changed")))]
#[fresh_jwt_required]
async fn change_password(token: Token) -> Json<Value> {
    Json(json!({ "changed": true, "identity": token.identity() }))
}

/// `GET /greeting`: greets the identity, or "anonymous" without a token.
#[utoipa::path(get, path = "/greeting", responses((status = 200, description = "a greeting")))]
#[jwt_optional]
async fn greeting(token: Option<Token>) -> Json<Value> {
    let name = token.as_ref().map_or("anonymous", |t| t.identity());
    Json(json!({ "greeting": format!("hello, {name}") }))
}

/// `GET /health`: open.
#[utoipa::path(get, path = "/health", responses((status = 200, description = "up")))]
async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The document of the routes above; `Jwt::openapi_document` adds the security schemes.
#[derive(OpenApi)]
#[openapi(
    info(title = "axum-jwt-guard quickstart"),
    paths(
        health,
        protected,
        echo,
        admin,
        users,
        staff,
        change_password,
        greeting
    )
)]
struct QuickstartApi;

/// The same routes as a resource server (its `/protected` says what a provider's token holds).
#[derive(OpenApi)]
#[openapi(
    info(title = "axum-jwt-guard quickstart (resource server)"),
    paths(health, provider_protected, echo, admin, users, staff, greeting)
)]
struct ResourceServerApi;

/// `GET /openapi.json`, serialised once.
fn openapi_route(jwt: &Jwt) -> Router {
    let doc = if resource_server() {
        ResourceServerApi::openapi()
    } else {
        QuickstartApi::openapi()
    };
    let body = jwt
        .openapi_document(doc)
        .to_json()
        .unwrap_or_else(|_| "{}".to_owned());
    Router::new().route(
        "/openapi.json",
        get(move || {
            let body = body.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body,
                )
            }
        }),
    )
}

/// One line per request: method, path, status, the reason of a rejection, the time taken.
/// Never a token: the path is logged without its query string.
async fn log_requests(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let reason = response
        .extensions()
        .get::<AuthError>()
        .map(AuthError::reason);
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        reason = reason.unwrap_or("-"),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

/// Whether the environment names an identity provider: the quickstart is then a resource
/// server that verifies the provider's tokens and mints none.
fn resource_server() -> bool {
    ["JWT_OIDC_ISSUER", "JWT_JWKS_URL", "JWT_JWKS_FILE"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()))
}

async fn configure() -> Result<Jwt, Box<dyn std::error::Error>> {
    let mut builder = JwtBuilder::from_env()?;
    if std::env::var_os("JWT_PRIVATE_CLAIM_PREFIX").is_none() {
        builder = builder.private_claim_prefix("quickstart");
    }
    if let Ok(url) = std::env::var("REDIS_URL") {
        builder = with_redis(builder, &url).await?;
    }
    if resource_server() {
        let jwt = builder.build()?;
        // Discovery and the first keys now, so a misconfiguration shows at start. A provider
        // that is down does not stop the service: guarded routes answer 503 until it is back.
        match jwt.load_keys().await {
            Ok(()) => tracing::info!("identity provider keys loaded"),
            Err(error) => tracing::warn!(
                %error,
                "the identity provider's keys could not be loaded yet; guarded routes answer \
                 503 keys_unavailable until they can"
            ),
        }
        return Ok(jwt);
    }
    if !builder.has_key() {
        let mut secret = [0u8; 48];
        getrandom::fill(&mut secret).map_err(|e| format!("no randomness available: {e}"))?;
        tracing::warn!(
            "JWT_SECRET is not set: using a random secret for this run; tokens will not \
             survive a restart. Set JWT_SECRET (32+ bytes) in production."
        );
        builder = builder.secret(secret);
    }
    Ok(builder.build()?)
}

async fn with_redis(
    builder: JwtBuilder,
    url: &str,
) -> Result<JwtBuilder, Box<dyn std::error::Error>> {
    // Redis must not evict revocations: connecting refuses any maxmemory-policy but
    // noeviction, unless REDIS_ALLOW_EVICTING_POLICY=1 says this Redis never fills up.
    let mut options = axum_jwt_guard::RedisStore::options();
    if std::env::var("REDIS_ALLOW_EVICTING_POLICY").as_deref() == Ok("1") {
        options = options.allow_evicting_policy();
    }
    // REDIS_STRICT=1: one Redis round trip per guarded request instead of the local view.
    let strict = std::env::var("REDIS_STRICT").as_deref() == Ok("1");
    if strict {
        options = options.strict();
    }
    let store = options.connect(url).await?;
    tracing::info!(strict, "revocation in Redis");
    Ok(builder.revocation_store(store))
}

fn app(jwt: &Jwt) -> Router {
    if resource_server() {
        return Router::new()
            .route("/health", get(health))
            .route("/protected", get(provider_protected))
            .route("/echo", post(echo))
            .route("/admin", get(admin))
            .route("/users", get(users))
            .route("/staff", get(staff))
            .route("/greeting", get(greeting))
            .layer(jwt.layer())
            .merge(openapi_route(jwt))
            .layer(middleware::from_fn(log_requests));
    }
    Router::new()
        .route("/health", get(health))
        .route("/protected", get(protected))
        .route("/echo", post(echo))
        .route("/admin", get(admin))
        .route("/users", get(users))
        .route("/staff", get(staff))
        .route("/account/password", post(change_password))
        .route("/greeting", get(greeting))
        .layer(jwt.layer())
        .merge(jwt.auth_routes(DemoUsers))
        .merge(openapi_route(jwt))
        .layer(middleware::from_fn(log_requests))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // RUST_LOG as `target=level` directives (`info`, `axum_jwt_guard=debug,warn`): tracing's
    // `Targets` filter, which needs no regex engine (EnvFilter's span and field filters do).
    let default = Targets::new().with_default(tracing::Level::INFO);
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) => directives.parse().unwrap_or_else(|error| {
            eprintln!("RUST_LOG is not a list of target=level directives ({error}); using info");
            default
        }),
        Err(_) => default,
    };
    tracing_subscriber::fmt().finish().with(filter).init();
    let jwt = configure().await?;
    let bind: SocketAddr = std::env::var("BIND")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()
        .map_err(|e| format!("BIND is not an address like 127.0.0.1:3000: {e}"))?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    if resource_server() {
        tracing::info!("quickstart (a resource server) listening on http://{addr}");
    } else {
        tracing::info!(algorithm = ?jwt.algorithm(), "quickstart listening on http://{addr}");
    }
    axum::serve(listener, app(&jwt))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
        .await?;
    Ok(())
}
