//! Secrets, key files and the clock the tests share.

use std::time::{SystemTime, UNIX_EPOCH};

use axum_jwt_guard::Jwt;

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

pub fn hs256_jwt() -> Jwt {
    Jwt::builder().secret(SECRET).build().expect("valid config")
}

/// A port the OS picked as free on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
