#!/usr/bin/env bash
# The README's first command on a clean checkout, against a bare axum + jsonwebtoken server:
# seconds from `cargo run` to the first HTTP answer, each from an empty target folder, on this
# machine, in this run.
#
# 1. quickstart: this checkout's committed files copied to a temporary folder, then
#    `cargo run -p quickstart` (the README's first command, debug build, every mode in);
# 2. bare: a temporary crate with axum, tokio, serde and jsonwebtoken (`aws_lc_rs`, the
#    backend its README names first) serving `/health` and one HS256-guarded route, then
#    `cargo run`.
#
# Both read the same Cargo.lock (the bare crate gets a copy: the same versions of axum, tokio
# and jsonwebtoken, and no index update) and the same local registry, so downloads are not
# measured: on a machine without them, both runs pay them.
#
# Usage: bench/build_time.sh [RUNS]   (default 1; each run builds both from empty targets;
# about six minutes a run on 2 cores). Servers are stopped by process id.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-1}
work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

. "$repo/bench/lib.sh"

# Starts `cargo run ...` in $1 with BIND on a free port and prints the seconds until
# GET /health answers 200 (bounded: 30 minutes).
time_to_first_answer() {
    local dir=$1
    shift
    local port
    port=$(free_port)
    local start
    start=$(date +%s.%N)
    (cd "$dir" && BIND="127.0.0.1:$port" RUST_LOG=warn exec cargo run -q "$@") >"$dir/run.log" 2>&1 &
    server=$!
    local deadline=$(($(date +%s) + 1800))
    until curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
        if ! kill -0 "$server" 2>/dev/null; then
            echo "cargo run failed in $dir:" >&2
            cat "$dir/run.log" >&2
            exit 1
        fi
        if [ "$(date +%s)" -gt "$deadline" ]; then
            echo "no answer after 30 minutes" >&2
            exit 1
        fi
        sleep 0.2
    done
    local end
    end=$(date +%s.%N)
    # cargo run's child is the server: stop both by process id.
    pkill -P "$server" 2>/dev/null || true
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
    python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.1f}")' "$start" "$end"
}

# 1. The checkout as committed (no target, no local files).
mkdir -p "$work/checkout"
git -C "$repo" archive HEAD | tar -x -C "$work/checkout"

# 2. The bare server.
mkdir -p "$work/bare/src"
cp "$repo/Cargo.lock" "$repo/rust-toolchain.toml" "$work/bare/"
cat >"$work/bare/Cargo.toml" <<'TOML'
[package]
name = "bare"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
axum = "0.8"
tokio = { version = "1.48", features = ["macros", "rt-multi-thread", "net"] }
serde = { version = "1", features = ["derive"] }
jsonwebtoken = { version = "11", features = ["aws_lc_rs"] }

[workspace]
TOML
cat >"$work/bare/src/main.rs" <<'RUST'
use axum::http::{HeaderMap, StatusCode};
use axum::{Router, routing::get};
use jsonwebtoken::{DecodingKey, Validation, decode};

#[derive(serde::Deserialize)]
struct Claims {
    sub: String,
}

async fn protected(headers: HeaderMap) -> Result<String, StatusCode> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let key = DecodingKey::from_secret(b"a secret of at least thirty-two bytes!!");
    let data = decode::<Claims>(token, &key, &Validation::default())
        .map_err(|_| StatusCode::UNAUTHORIZED)?;
    Ok(data.claims.sub)
}

#[tokio::main]
async fn main() {
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/protected", get(protected));
    let listener = tokio::net::TcpListener::bind(bind).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
RUST

echo "cores: $(nproc); $(cargo --version); registry warm, targets empty"
for run in $(seq 1 "$runs"); do
    rm -rf "$work/bare/target" "$work/checkout/target"
    bare=$(time_to_first_answer "$work/bare")
    quickstart=$(time_to_first_answer "$work/checkout" -p quickstart)
    python3 -c 'import sys
b, q = float(sys.argv[2]), float(sys.argv[3])
print(f"run {sys.argv[1]}: bare axum + jsonwebtoken {b:.1f} s, `cargo run -p quickstart` {q:.1f} s, ratio {q / b:.2f}")' \
        "$run" "$bare" "$quickstart"
done
