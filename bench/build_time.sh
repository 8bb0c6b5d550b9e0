#!/usr/bin/env bash
# Release build time from clean of the quickstart as a user builds it: a throw-away crate whose
# main.rs is examples/quickstart.rs and which depends on this checkout of axum-jwt, once per
# crypto backend. (`cargo build --example quickstart` would also build the dev-dependencies:
# criterion, trybuild, the test HTTP client, and aws-lc-rs for the benches' floor.)
#
# Usage: bench/build_time.sh   (about two minutes per backend on 2 cores; needs the crates in
# the local registry or network access)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
cp "$repo/examples/quickstart.rs" "$work/src/main.rs"
cp "$repo/rust-toolchain.toml" "$repo/Cargo.lock" "$work/"
cat >"$work/Cargo.toml" <<TOML
[package]
name = "quickstart-build-time"
version = "0.0.0"
edition = "2024"
publish = false

[features]
default = ["aws-lc-rs"]
aws-lc-rs = ["axum-jwt/aws-lc-rs"]
rust-crypto = ["axum-jwt/rust-crypto"]
redis = ["axum-jwt/redis"]

[dependencies]
axum-jwt = { path = "$repo", default-features = false }
axum = { version = "0.8", features = ["tokio", "http1", "json", "query", "macros"] }
tokio = { version = "1.48", features = ["macros", "rt-multi-thread", "net", "signal"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tracing = { version = "0.1", default-features = false, features = ["std"] }
getrandom = "0.3"
tracing-subscriber = { version = "0.3", default-features = false, features = ["fmt", "ansi", "env-filter"] }

[workspace]
TOML
cd "$work"
for backend in aws-lc-rs rust-crypto; do
    rm -rf target
    start=$(date +%s.%N)
    cargo build -q --release --no-default-features --features "$backend"
    end=$(date +%s.%N)
    python3 -c 'import sys; print(f"quickstart, release, from clean, {sys.argv[1]}: "
        f"{float(sys.argv[3]) - float(sys.argv[2]):.1f} s wall ({sys.argv[4]} cores)")' \
        "$backend" "$start" "$end" "$(nproc)"
done
