#!/usr/bin/env bash
# Load test of the quickstart (release build) on 127.0.0.1 with wrk: requests per second of
# GET /health (open), GET /protected (#[jwt_required], HS256) and GET /users
# (#[scoped("user:read")]), 64 connections, 10 s per run, ROUNDS rounds interleaved; the
# medians are compared. The last two lines are the ratios to /health.
#
# Usage: bench/load.sh [ROUNDS] (default 3). Request logging is off (RUST_LOG=warn) so the
# figures measure authentication, not the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
duration=10s
connections=64

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --example quickstart -q

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
JWT_SECRET="load-test-secret-of-at-least-32-bytes-long" RUST_LOG=warn BIND="127.0.0.1:$port" \
    target/release/examples/quickstart >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('$base/health')" 2>/dev/null && break
    sleep 0.1
done

token=$(python3 - "$base" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/auth",
    data=json.dumps({"username": "alice", "password": "alice-password"}).encode(),
    headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))["access_token"])
PY
)

# One run: prints "requests_per_second p99_ms".
run() {
    local path=$1
    shift
    wrk -t2 -c"$connections" -d"$duration" --latency "$@" "$base$path" | awk '
        /Requests\/sec/ { rps = $2 }
        /^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v = v / 1000 }
                   else if (v ~ /ms$/) { sub(/ms/, "", v) }
                   else if (v ~ /s$/) { sub(/s/, "", v); v = v * 1000 }
                   p99 = v }
        / Non-2xx/ { bad = $NF }
        END { if (bad > 0) { print "non-2xx responses: " bad > "/dev/stderr"; exit 1 }
              printf "%s %s\n", rps, p99 }'
}

declare -A rps p99
for r in $(seq 1 "$rounds"); do
    for route in health health_hdr protected users; do
        case $route in
            health) out=$(run /health) ;;
            health_hdr) out=$(run /health -H "Authorization: Bearer $token") ;;
            protected) out=$(run /protected -H "Authorization: Bearer $token") ;;
            users) out=$(run /users -H "Authorization: Bearer $token") ;;
        esac
        rps[$route]+="${out%% *} "
        p99[$route]+="${out##* } "
        echo "round $r $route: ${out%% *} req/s, p99 ${out##* } ms"
    done
done

python3 - "${rps[health]}" "${rps[health_hdr]}" "${rps[protected]}" "${rps[users]}" \
    "${p99[health]}" "${p99[health_hdr]}" "${p99[protected]}" "${p99[users]}" "$(nproc)" <<'PY'
import statistics, sys
h, hh, p, u, lh, lhh, lp, lu = ([float(x) for x in a.split()] for a in sys.argv[1:9])
med = statistics.median
print(f"machine: {sys.argv[9]} cores; wrk -t2 -c64 -d10s sharing them; {len(h)} rounds, medians")
print(f"{'route':<50}{'req/s':>10}{'p99 ms':>9}")
for name, r, l in [("GET /health (open, no token sent)", h, lh),
                   ("GET /health (open, same Authorization header)", hh, lhh),
                   ("GET /protected (#[jwt_required])", p, lp),
                   ("GET /users (#[scoped(\"user:read\")])", u, lu)]:
    print(f"{name:<50}{med(r):>10.0f}{med(l):>9.2f}")
print(f"protected/health ratio, /health without a token: {med(p) / med(h):.3f}")
print(f"scoped/health ratio, /health without a token: {med(u) / med(h):.3f}")
print(f"protected/health ratio: {med(p) / med(hh):.3f}")
print(f"scoped/health ratio: {med(u) / med(hh):.3f}")
PY
