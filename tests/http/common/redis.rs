//! Looking at the real Redis the suite runs against (the tests of the `redis` feature).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
