//! Looking at the real Redis the suite runs against (the tests of the `redis` feature).

use std::time::{Duration, Instant};

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
    service_from_env("REDIS_URL", "Redis")
}

/// Where a service a test needs listens, from the environment variable `name` (which
/// `scripts/test` sets after starting `service`): a failure under `CI=true` when unset,
/// otherwise `None` with a printed reason, and the test skips.
pub fn service_from_env(name: &str, service: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Some(value),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "{name} is not set under CI=true: scripts/test starts {service} and exports it"
            );
            eprintln!("SKIPPED: {name} is not set (run scripts/test to start {service})");
            None
        }
    }
}

/// A redis-server of a test's own on a loopback port, stopped by process id when dropped: for
/// tests that stop and restart it, pause it, or configure it (an evicting memory policy).
pub struct OwnRedis {
    child: tokio::process::Child,
    pub port: u16,
}

impl OwnRedis {
    /// Starts `redis-server` without persistence, plus `extra` arguments; `None` when it is
    /// not installed (a failure under `CI=true`, a printed skip otherwise).
    pub async fn start(port: u16, extra: &[&str]) -> Option<OwnRedis> {
        let port_arg = port.to_string();
        let mut args = vec![
            "--port",
            &port_arg,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ];
        args.extend_from_slice(extra);
        let spawned = tokio::process::Command::new("redis-server")
            .args(&args)
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn();
        let Ok(child) = spawned else {
            assert!(
                std::env::var("CI").is_err(),
                "redis-server is not installed under CI=true"
            );
            eprintln!("SKIPPED: redis-server is not installed (scripts/test installs it)");
            return None;
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Some(OwnRedis { child, port });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not listen on port {port} within 10 s");
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Stops it (by its process id) and waits for it to exit.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        let _ = self.child.wait().await;
    }
}
