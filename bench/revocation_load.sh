#!/usr/bin/env bash
# Guarded throughput by revocation store, in one run: the release quickstart three times (the
# memory store; Redis with the local view, the default; Redis in strict mode, REDIS_STRICT=1,
# one round trip per guarded request), one Redis of the script's own on loopback. wrk -t2 -c64
# on GET /health, /protected (#[jwt_required]) and /users (#[scoped("user:read")]) of each,
# ROUNDS rounds alternated; each guarded route is compared with /health of the same server in
# the same round, and the medians of those ratios and of p99 are reported, with the server's
# user CPU time per request (bench/lib.sh), which the machine's other tenants move less.
#
# Usage: bench/revocation_load.sh [ROUNDS] (default 3; LOAD_DURATION per run, default 8s), or
# LOAD_MODE=redis bench/load.sh [ROUNDS]. Servers and Redis are stopped by process id.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
duration=${LOAD_DURATION:-8s}

command -v wrk >/dev/null 2>&1 || { echo "wrk is needed (apt-get install wrk)"; exit 1; }
command -v redis-server >/dev/null 2>&1 || { echo "redis-server is needed"; exit 1; }
cargo build --release -p quickstart -q

. bench/lib.sh
pids=()
wrk_out=$(mktemp)
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -f "$wrk_out"' EXIT

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis_url="redis://127.0.0.1:$redis_port/"

declare -A base pid
start() {
    local name=$1 port
    shift
    port=$(free_port)
    env "$@" JWT_SECRET="load-test-secret-of-at-least-32-bytes-long" RUST_LOG=warn \
        BIND="127.0.0.1:$port" target/release/quickstart >/dev/null 2>&1 &
    pids+=($!)
    pid[$name]=$!
    base[$name]="http://127.0.0.1:$port"
    for _ in $(seq 1 100); do
        curl -sf "${base[$name]}/health" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "the quickstart ($name) did not start" >&2
    exit 1
}
start memory
start view REDIS_URL="$redis_url"
start strict REDIS_URL="$redis_url" REDIS_STRICT=1

declare -A token
for name in memory view strict; do
    token[$name]=$(curl -sf "${base[$name]}/auth" -H 'content-type: application/json' \
        -d '{"username":"alice","password":"alice-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
done
sleep 1  # the view server's copy and first reads of the log

# One run: "requests_per_second p99_ms server_user_cpu_us_per_request".
# Usage: run SERVER_PID [wrk options] URL
run() {
    local server=$1 before after
    shift
    before=$(cpu_ticks "$server")
    wrk -t2 -c64 -d"$duration" --latency "$@" >"$wrk_out"
    after=$(cpu_ticks "$server")
    wrk_summary $(((after - before) * tick_ns)) "$wrk_out"
}
tick_ns=$((1000000000 / $(getconf CLK_TCK)))

results=()
for r in $(seq 1 "$rounds"); do
    for name in memory view strict; do
        for route in health protected users; do
            if [ "$route" = health ]; then
                out=$(run "${pid[$name]}" "${base[$name]}/health")
            else
                out=$(run "${pid[$name]}" -H "Authorization: Bearer ${token[$name]}" "${base[$name]}/$route")
            fi
            echo "round $r $name $route: $out"
            results+=("$name $route $out")
        done
    done
done

printf '%s\n' "${results[@]}" | python3 -c '
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in sys.stdin:
    name, route, rps, p99, cpu = line.split()
    rows[(name, route)].append((float(rps), float(p99), float(cpu)))
med = statistics.median
# Ratio: the median over rounds of the route against /health of the same server in the same
# round. Beyond: the server user CPU time per request beyond that of /health in the same round,
# what the guard and the store cost the server; time stolen by other tenants of the machine is
# not charged to it, so it moves less than requests per second do.
print("store    route        req/s  p99 ms  user us/req  beyond /health  ratio to /health")
for name in ["memory", "view", "strict"]:
    health = rows[(name, "health")]
    for route in ["health", "protected", "users"]:
        runs = rows[(name, route)]
        ratio = med([r[0] / h[0] for r, h in zip(runs, health)])
        beyond = med([r[2] - h[2] for r, h in zip(runs, health)])
        print(f"{name:<8} {route:<10} {med([r[0] for r in runs]):>7.0f} {med([r[1] for r in runs]):>7.2f}"
              f" {med([r[2] for r in runs]):>12.2f} {beyond:>12.2f} us {ratio:>12.3f}")
'
