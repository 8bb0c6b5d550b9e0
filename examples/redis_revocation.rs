//! Revocation shared by two instances through Redis:
//! `REDIS_URL=redis://127.0.0.1:6379/ cargo run --example redis_revocation --features redis`.
//!
//! Two routers with two `Jwt` handles (two instances of one service behind a load balancer)
//! share one Redis. A token revoked through instance A is refused by A at once, by instance B
//! within the propagation bound (100 ms; B answers from its local view of Redis, without a
//! round trip per request), and by a freshly started instance C. The program checks each step
//! and exits with an error if one fails.

use axum::routing::{get, post};
use axum::{Json, Router};
use axum_jwt_guard::{DEFAULT_PROPAGATION_BOUND, Jwt, RedisStore, Token, jwt_required};
use serde_json::{Value, json};

#[jwt_required]
async fn protected(token: Token) -> String {
    token.identity().to_owned()
}

#[jwt_required]
async fn logout(jwt: Jwt, token: Token) -> Result<Json<Value>, axum::response::Response> {
    jwt.logout(&token, None)
        .await
        .map_err(|e| jwt.error_response(&e))?;
    Ok(Json(json!({ "logged_out": true })))
}

/// One instance: its own handle on the shared secret and the shared Redis.
async fn instance(secret: &[u8], url: &str) -> Result<(Jwt, String), Box<dyn std::error::Error>> {
    let jwt = Jwt::builder()
        .secret(secret)
        .revocation_store(RedisStore::connect(url).await?)
        .build()?;
    let app = Router::new()
        .route("/protected", get(protected))
        .route("/logout", post(logout))
        .layer(jwt.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((jwt, base))
}

/// A minimal HTTP/1.1 request over a fresh connection; returns the status.
async fn status(method: &str, url: &str, token: &str) -> Result<u16, Box<dyn std::error::Error>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').map_or((rest, "/"), |(h, p)| (h, p));
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    let request = format!(
        "{method} /{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    Ok(response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no status line")?)
}

fn check(step: &str, ok: bool) -> Result<(), Box<dyn std::error::Error>> {
    println!("{} {step}", if ok { "ok  " } else { "FAIL" });
    if ok {
        Ok(())
    } else {
        Err(format!("step failed: {step}").into())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let mut secret = [0u8; 48];
    getrandom::fill(&mut secret).map_err(|e| format!("no randomness: {e}"))?;
    let (jwt_a, a) = instance(&secret, &url).await?;
    let (_, b) = instance(&secret, &url).await?;

    let pair = jwt_a.login("alice").sign().await?;
    let token = pair.access_token;
    check(
        "B accepts a token A issued",
        status("GET", &format!("{b}/protected"), &token).await? == 200,
    )?;
    check(
        "A logs the token out",
        status("POST", &format!("{a}/logout"), &token).await? == 200,
    )?;
    check(
        "A refuses it on the next request",
        status("GET", &format!("{a}/protected"), &token).await? == 401,
    )?;
    tokio::time::sleep(DEFAULT_PROPAGATION_BOUND).await;
    check(
        "B refuses it within the propagation bound",
        status("GET", &format!("{b}/protected"), &token).await? == 401,
    )?;
    let (_, c) = instance(&secret, &url).await?;
    check(
        "a restarted instance refuses it too",
        status("GET", &format!("{c}/protected"), &token).await? == 401,
    )?;
    Ok(())
}
