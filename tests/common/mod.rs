//! Shared helpers of the integration tests: a real server on 127.0.0.1:0, a real HTTP client,
//! a raw TCP client for requests no well-behaved client sends, and token forging.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_jwt::{ClaimWriter, ClaimsError, Jwt, PrivateClaims, Token};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const SECRET: &str = "test-secret-of-at-least-32-bytes!!";
pub const OTHER_SECRET: &str = "another-secret-of-32-bytes-or-more";

pub fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture exists")
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

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
    let err = |e: axum_jwt::SignError| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
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
    pub base: String,
    pub addr: std::net::SocketAddr,
}

pub async fn serve(jwt: &Jwt) -> Server {
    serve_router(app().layer(jwt.layer())).await
}

pub async fn serve_router(router: Router) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("server runs");
    });
    Server {
        base: format!("http://{addr}"),
        addr,
    }
}

/// What a test looks at in a response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub www_authenticate: Option<String>,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn reason(&self) -> &str {
        self.body["reason"].as_str().unwrap_or("<no reason>")
    }

    /// Asserts a 401 `invalid_token` with the given reason.
    #[track_caller]
    pub fn assert_invalid_token(&self, reason: &str) {
        assert_eq!(self.status, 401, "{self:?}");
        assert_eq!(self.reason(), reason, "{self:?}");
        assert_eq!(self.body["error"], "invalid_token", "{self:?}");
        let challenge = self.www_authenticate.as_deref().unwrap_or("");
        assert!(
            challenge.starts_with("Bearer ") && challenge.contains("error=\"invalid_token\""),
            "{self:?}"
        );
    }
}

impl Reply {
    /// All values of a response header.
    pub fn header_values(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends one request over a new HTTP/1.1 connection with hyper's client.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        use http_body_util::{BodyExt, Full};
        let stream = TcpStream::connect(self.addr).await.expect("connect");
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .expect("handshake");
        tokio::spawn(connection);
        let mut req = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.addr.to_string());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(axum::body::Bytes::from(body.unwrap_or_default())))
            .expect("request");
        let response = sender.send_request(req).await.expect("response");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            www_authenticate: headers
                .get("www-authenticate")
                .map(|v| v.to_str().expect("ascii challenge").to_owned()),
            headers,
            body,
        }
    }

    /// POST a JSON body.
    pub async fn post_json(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Reply {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.request("POST", path, &all, Some(body.to_string().into_bytes()))
            .await
    }

    /// GET with `Authorization: Bearer <token>`.
    pub async fn get_bearer(&self, path: &str, token: &str) -> Reply {
        self.get_with(path, &[("authorization", &format!("Bearer {token}"))])
            .await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.request("GET", path, headers, None).await
    }

    pub async fn login(&self, identity: &str) -> (String, String) {
        self.token_pair("/login", &json!({ "identity": identity }))
            .await
    }

    /// POSTs `body` to a login route and returns `(access_token, refresh_token)`.
    pub async fn token_pair(&self, path: &str, body: &Value) -> (String, String) {
        let r = self.post_json(path, &[], body).await;
        assert_eq!(r.status, 200, "{r:?}");
        (
            r.body["access_token"].as_str().expect("access").to_owned(),
            r.body["refresh_token"]
                .as_str()
                .expect("refresh")
                .to_owned(),
        )
    }

    /// Sends raw bytes as an HTTP/1.1 request and returns (status, whole response text).
    pub async fn raw(&self, request: &[u8]) -> (u16, String) {
        let mut stream = TcpStream::connect(self.addr).await.expect("connect");
        // The server may answer and close before it read everything (431): ignore write errors.
        let _ = stream.write_all(request).await;
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf).await;
        let text = String::from_utf8_lossy(&buf).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, text)
    }

    /// GET `path` with one raw header line (any bytes) and `Connection: close`.
    pub async fn raw_get(&self, path: &str, header_line: &[u8]) -> (u16, String) {
        let mut req =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n").into_bytes();
        req.extend_from_slice(header_line);
        req.extend_from_slice(b"\r\n\r\n");
        self.raw(&req).await
    }
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs arbitrary header and payload JSON with `key` using `alg`: the tool for building
/// tokens no honest issuer would.
pub fn forge(header: &str, payload: &str, key: &EncodingKey, alg: Algorithm) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).expect("sign");
    format!("{input}.{sig}")
}

/// HS256 with the test secret.
pub fn forge_hs256(header: &str, payload: &str) -> String {
    forge(
        header,
        payload,
        &EncodingKey::from_secret(SECRET.as_bytes()),
        Algorithm::HS256,
    )
}

/// A valid access-token payload for `sub` with extra members spliced in.
pub fn payload(extra: &str) -> String {
    let now = now();
    let sep = if extra.is_empty() { "" } else { "," };
    format!(
        r#"{{"sub":"alice","type":"access","jti":"j-1","iat":{now},"exp":{}{sep}{extra}}}"#,
        now + 600
    )
}

pub fn hs256_jwt() -> Jwt {
    Jwt::builder().secret(SECRET).build().expect("valid config")
}

/// Marks a claim to remove in [`claims`].
pub const REMOVE: &str = "__remove__";

/// A valid access-token payload with claims overridden (or removed with [`REMOVE`]).
pub fn claims(overrides: Value) -> String {
    let now = now();
    let mut base = json!({
        "sub": "alice", "type": "access", "jti": "j-1", "iat": now, "exp": now + 600,
    });
    if let (Some(map), Value::Object(over)) = (base.as_object_mut(), overrides) {
        for (k, v) in over {
            if v == REMOVE {
                map.remove(&k);
            } else {
                map.insert(k, v);
            }
        }
    }
    base.to_string()
}

pub const HS256_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// A minimal RESP client for looking at Redis from the tests (the library's own Redis code
/// is what is under test, so the tests do not reuse it).
pub async fn redis_command(url: &str, args: &[&str]) -> String {
    let addr = url
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .split('/')
        .next()
        .expect("host:port")
        .to_owned();
    let mut stream = TcpStream::connect(addr).await.expect("redis reachable");
    let mut request = format!("*{}\r\n", args.len());
    for a in args {
        request.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 64 * 1024];
    let n = stream.read(&mut buf).await.expect("read");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// The Redis to test against: `REDIS_URL`. In CI (`CI=true`) a missing Redis is a failure;
/// locally the Redis tests are skipped with a printed reason.
pub fn redis_url() -> Option<String> {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "REDIS_URL is not set under CI=true: scripts/test starts Redis and exports it"
            );
            eprintln!("SKIPPED: REDIS_URL is not set (run scripts/test to start a Redis)");
            None
        }
    }
}

/// The compiled example `name`, built with this test's features (a no-op when `cargo test`
/// already built it so; a binary left by another build could lack a feature).
pub fn example_binary(name: &str) -> std::path::PathBuf {
    // target/debug/deps/<test>-<hash> -> target/debug/examples/<name>
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .join("examples");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = std::process::Command::new(cargo);
    build.args(["build", "--quiet", "--example", name]);
    if cfg!(feature = "redis") {
        build.args(["--features", "redis"]);
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "building the {name} example failed");
    dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// A running example binary: its process, its address, and every line it printed so far.
pub struct Example {
    pub child: std::process::Child,
    pub addr: std::net::SocketAddr,
    pub output: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Example {
    pub fn server(&self) -> Server {
        Server {
            base: format!("http://{}", self.addr),
            addr: self.addr,
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.output.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts an example binary on a free loopback port and returns it with the address it
/// printed (`listening on http://ADDR`).
pub fn spawn_example(name: &str, env: &[(&str, &str)]) -> Example {
    use std::io::{BufRead, BufReader};
    let mut cmd = std::process::Command::new(example_binary(name));
    cmd.env_clear()
        .env("BIND", "127.0.0.1:0")
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("example starts");
    let stdout = child.stdout.take().expect("stdout");
    let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let lines = output.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("http://").nth(1) {
                let addr: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                    .collect();
                if let Ok(addr) = addr.parse::<std::net::SocketAddr>() {
                    let _ = tx.send(addr);
                }
            }
            if let Ok(mut all) = lines.lock() {
                all.push(line);
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Ok(addr) = rx.recv_timeout(std::time::Duration::from_millis(100)) {
            return Example {
                child,
                addr,
                output,
            };
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{name} exited early: {status}");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{name} did not say where it listens"
        );
    }
}
