//! A real OpenID provider for the identity-provider tests: panva's `oidc-provider` run by
//! `tests/oidc/provider.mjs` under node, on a loopback port, stopped by process id.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::{Reply, Server};

/// The resource (the `aud` of every access token) the provider serves.
pub const RESOURCE: &str = "https://api.test";

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// Whether node and the provider's npm packages are here; under `CI=true` their absence is
/// a failure, otherwise the test is skipped with a printed reason.
pub fn oidc_available() -> bool {
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let modules = provider_dir().join("node_modules/oidc-provider").is_dir();
    if node && modules {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "node or tests/oidc/node_modules is missing under CI=true: scripts/test installs them"
    );
    eprintln!("SKIPPED: node or oidc-provider is not installed (run scripts/test)");
    false
}

/// A directory for one test's key files, removed when dropped.
pub struct KeyDir(pub PathBuf);

impl KeyDir {
    pub fn new(name: &str) -> KeyDir {
        let dir = std::env::temp_dir().join(format!(
            "axum-jwt-oidc-{name}-{}-{}",
            std::process::id(),
            super::now()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        KeyDir(dir)
    }

    /// A new RSA signing key with this `kid`, written by the provider script itself.
    pub fn generate(&self, kid: &str) -> PathBuf {
        let path = self.0.join(format!("{kid}.json"));
        let status = std::process::Command::new("node")
            .arg("provider.mjs")
            .current_dir(provider_dir())
            .env("KEYS", &path)
            .env("GENERATE", kid)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("node runs");
        assert!(status.success(), "generating key {kid}");
        path
    }

    /// A key file holding the keys of `files`, in order (the first signs).
    pub fn combine(&self, name: &str, files: &[&Path]) -> PathBuf {
        let mut keys = Vec::new();
        for f in files {
            let doc: Value =
                serde_json::from_slice(&std::fs::read(f).expect("key file")).expect("json");
            keys.extend(doc["keys"].as_array().cloned().unwrap_or_default());
        }
        let path = self.0.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::json!({ "keys": keys }).to_string()).expect("write");
        path
    }
}

impl Drop for KeyDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running provider.
pub struct OidcProvider {
    child: tokio::process::Child,
    pub port: u16,
}

impl OidcProvider {
    /// Starts the provider with the keys of `keys` on `port` (0: the OS picks).
    pub async fn start(keys: &Path, port: u16) -> OidcProvider {
        Self::start_with(keys, port, &[]).await
    }

    /// [`start`](Self::start) with extra environment (`RESOURCE`).
    pub async fn start_with(keys: &Path, port: u16, env: &[(&str, &str)]) -> OidcProvider {
        let mut child = tokio::process::Command::new("node")
            .arg("provider.mjs")
            .current_dir(provider_dir())
            .env("KEYS", keys)
            .env("PORT", port.to_string())
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the provider starts within 20 s")
            .expect("read stdout")
            .expect("a line");
        let port = line
            .strip_prefix("listening ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected provider output {line:?}"));
        OidcProvider { child, port }
    }

    /// `http://127.0.0.1:{port}`: the issuer of its tokens.
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn server(&self) -> Server {
        Server {
            addr: ([127, 0, 0, 1], self.port).into(),
        }
    }

    /// An access token for `client` with `scope`, by the client-credentials grant.
    pub async fn token(&self, client: &str, scope: &str) -> String {
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{client}:{client}-secret"));
        let body = format!(
            "grant_type=client_credentials&resource={}&scope={}",
            RESOURCE.replace(':', "%3A").replace('/', "%2F"),
            scope.replace(' ', "+").replace(':', "%3A")
        );
        let reply: Reply = self
            .server()
            .request(
                "POST",
                "/token",
                &[
                    ("authorization", &format!("Basic {basic}")),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
                Some(body.into_bytes()),
            )
            .await;
        assert_eq!(reply.status, 200, "token for {client}: {reply:?}");
        reply.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// How many discovery and JWKS documents it served: `(discovery, jwks)`.
    pub async fn counts(&self) -> (u64, u64) {
        let reply = self.server().get_with("/test/counts", &[]).await;
        (
            reply.body["discovery"].as_u64().expect("discovery count"),
            reply.body["jwks"].as_u64().expect("jwks count"),
        )
    }

    /// Its JWKS document.
    pub async fn jwks(&self) -> Value {
        self.server().get_with("/jwks", &[]).await.body
    }

    /// Stops it and starts it again on the same port (so with the same issuer) with the
    /// keys of `keys`: how a provider rotates its keys.
    pub async fn restart(self, keys: &Path) -> OidcProvider {
        let port = self.port;
        self.stop().await;
        Self::start(keys, port).await
    }

    /// Stops it by its process id and waits for it to exit.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        let _ = self.child.wait().await;
    }
}

/// The header and payload of a token, decoded (for reading a `kid`).
pub fn decode_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("part");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("json")
}
