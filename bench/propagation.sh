#!/usr/bin/env bash
# How long a revocation takes to reach another instance: two release quickstarts (A and B)
# on one Redis of the script's own, with the local view (the default). COUNT times: log in on
# A, check that B accepts the access token, log out on A, then poll B (GET /protected, keep-
# alive, back to back) until it answers 401; the time from A's logout answer to B's first
# 401 is one sample. Prints the distribution; the bound the store guarantees is 100 ms.
#
# Usage: bench/propagation.sh [COUNT] (default 300). Bounded: COUNT samples, each polled for at
# most 2 s. Servers and Redis are stopped by process id.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-300}
command -v redis-server >/dev/null 2>&1 || { echo "redis-server is needed"; exit 1; }
cargo build --release -p quickstart -q

. bench/lib.sh
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

ports=()
for _ in a b; do
    port=$(free_port)
    REDIS_URL="redis://127.0.0.1:$redis_port/" JWT_SECRET="propagation-secret-of-at-least-32-bytes" \
        JWT_MAX_LOGINS_PER_IDENTITY=100000 RUST_LOG=warn BIND="127.0.0.1:$port" \
        target/release/quickstart >/dev/null 2>&1 &
    pids+=($!)
    ports+=("$port")
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
done
sleep 1

python3 - "${ports[0]}" "${ports[1]}" "$count" <<'PY'
import http.client, json, statistics, sys, time
a = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
b = http.client.HTTPConnection("127.0.0.1", int(sys.argv[2]))
def call(conn, method, path, token=None, body=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = conn.getresponse()
    return r.status, r.read()
samples = []
first = 0
for _ in range(int(sys.argv[3])):
    status, body = call(a, "POST", "/auth", body={"username": "alice", "password": "alice-password"})
    assert status == 200, body
    access = json.loads(body)["access_token"]
    status, _ = call(b, "GET", "/protected", access)
    assert status == 200, status
    status, _ = call(a, "POST", "/auth/logout", access, body={})
    assert status == 200, status
    start = time.perf_counter()
    polls = 0
    while True:
        status, _ = call(b, "GET", "/protected", access)
        polls += 1
        elapsed = time.perf_counter() - start
        if status == 401:
            break
        assert status == 200, status
        if elapsed > 2:
            sys.exit("B still accepts the token 2 s after the logout")
    samples.append(elapsed * 1000)
    first += polls == 1
samples.sort()
q = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))]
print(f"{len(samples)} revocations on A, time until B refuses the token (ms):")
print(f"  min {samples[0]:.2f}  p50 {q(0.5):.2f}  p90 {q(0.9):.2f}  p99 {q(0.99):.2f}  max {samples[-1]:.2f}")
print(f"  refused by B's first request after the logout: {first} of {len(samples)}")
PY
