//! The example binaries, run as a user runs them.

use super::Server;

/// The compiled example `name` (the quickstart is a package of its own: `-p quickstart`),
/// built with this test's features (a no-op when `cargo test` already built it so; a binary
/// left by another build could lack a feature).
pub fn example_binary(name: &str) -> std::path::PathBuf {
    // target/debug/deps/<test>-<hash> -> target/debug/{examples/<name>, quickstart}
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .to_owned();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = std::process::Command::new(cargo);
    let path = if name == "quickstart" {
        build.args(["build", "--quiet", "-p", "quickstart"]);
        profile_dir.join(name)
    } else {
        build.args(["build", "--quiet", "--example", name]);
        if cfg!(feature = "redis") {
            build.args(["--features", "redis"]);
        }
        profile_dir.join("examples").join(name)
    };
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "building the {name} example failed");
    path.with_extension(std::env::consts::EXE_EXTENSION)
}

/// A running example binary: its process, its address, and every line it printed so far.
pub struct Example {
    pub child: std::process::Child,
    pub addr: std::net::SocketAddr,
    pub output: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Example {
    pub fn server(&self) -> Server {
        Server { addr: self.addr }
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
/// printed (`listening on http://ADDR`; other URLs in its log are not its address).
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
            if let Some(rest) = line.split("listening on http://").nth(1) {
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
