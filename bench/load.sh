#!/usr/bin/env bash
# Load test of the quickstart (release build) on 127.0.0.1 with wrk: requests per second of
# GET /health (open), GET /protected (#[jwt_required], HS256) and GET /users
# (#[scoped("user:read")]), 64 connections, 10 s per run, ROUNDS rounds interleaved; each
# route is compared with /health of the same round and the median of those ratios reported.
#
# Three set-ups of the same binary:
# - the default configuration (verified-token cache on), one token on every request;
# - the default configuration, 1,000 different tokens in turn (bench/tokens.lua), against
#   /health driven by the same script, and (the control) the same script sending one token
#   1,000 times, so that only the tokens differ;
# - the cache off (JWT_TOKEN_CACHE=0): every request verified in full.
# The last two lines are the ratios of the default configuration.
#
# Besides requests per second, each run reports the server's user CPU time per request (from
# /proc/PID/stat, all its threads), and the summary the median over rounds of a guarded
# route's time beyond /health's in the same round: what the guard and the handler cost the
# server, to set beside the in-process benchmarks. It drifts with the machine's other tenants
# too, but is not diluted by the load generator's share of the cores. System time is left out:
# the kernel's share of a request depends on how many it batches per wake-up, so on how fast
# the run went, more than on the route.
#
# Usage: bench/load.sh [ROUNDS] (default 3). Request logging is off (RUST_LOG=warn) so the
# figures measure authentication, not the terminal.
#
# LOAD_MODE=redis compares the revocation stores (bench/revocation_load.sh).
# LOAD_MODE=oidc runs the same routes with the quickstart as a resource server: a real
# OpenID provider (tests/oidc/provider.mjs, panva's oidc-provider; `scripts/test` installs
# it) on loopback, keys by discovery, RS256 access tokens by the client-credentials grant.
set -euo pipefail
cd "$(dirname "$0")/.."
# LOAD_MODE=redis: the revocation stores compared (memory, Redis with the local view, Redis
# strict), in bench/revocation_load.sh.
if [ "${LOAD_MODE:-}" = redis ]; then
    exec bash bench/revocation_load.sh "$@"
fi
rounds=${1:-3}
duration=${LOAD_DURATION:-10s}  # per run; LOAD_DURATION=2s for a quick check
connections=64

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -p quickstart -q

. bench/lib.sh

# Two servers of the same binary: the default configuration, and one with the verified-token
# cache off. Idle, a server costs nothing while the other is measured.
servers=()
tick_ns=$((1000000000 / $(getconf CLK_TCK)))
tokens_file=$(mktemp)
same_file=$(mktemp)
wrk_out=$(mktemp)
op_pid="" op_keys=""
trap 'kill "${servers[@]}" $op_pid 2>/dev/null || true; rm -f "$tokens_file" "$same_file" "$wrk_out" $op_keys' EXIT
mode=${LOAD_MODE:-own}
mode_env=()
if [ "$mode" = oidc ]; then
    [ -d tests/oidc/node_modules/oidc-provider ] || (cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error)
    op_port=$(free_port)
    op_keys=$(mktemp -u)
    (cd tests/oidc && exec env PORT="$op_port" KEYS="$op_keys" node provider.mjs >/dev/null 2>&1) &
    op_pid=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$op_port/jwks" >/dev/null 2>&1 && break
        sleep 0.1
    done
    issuer="http://127.0.0.1:$op_port"
    mode_env=(JWT_OIDC_ISSUER="$issuer" JWT_AUDIENCE=https://api.test JWT_ROLES_CLAIM=/realm_access/roles)
else
    # 1,001 logins of one demo user below: allow them all (the default is 200 per identity).
    mode_env=(JWT_SECRET="load-test-secret-of-at-least-32-bytes-long" JWT_MAX_LOGINS_PER_IDENTITY=1001)
fi
start() {
    local port=$1
    shift
    env "$@" "${mode_env[@]}" RUST_LOG=warn \
        BIND="127.0.0.1:$port" target/release/quickstart >/dev/null 2>&1 &
    servers+=($!)
    for _ in $(seq 1 100); do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health')" \
            2>/dev/null && return 0
        sleep 0.1
    done
    echo "the quickstart did not start on port $port" >&2
    exit 1
}
port=$(free_port)
start "$port"
off_port=$(free_port)
start "$off_port" JWT_TOKEN_CACHE=0
pid=${servers[0]} off_pid=${servers[1]}
base="http://127.0.0.1:$port"
off="http://127.0.0.1:$off_port"

# 1,001 logins: one token for the single-token runs (and, 1,000 times over, for the control),
# 1,000 for bench/tokens.lua. In oidc mode, 1,001 access tokens of the provider.
token=$(python3 - "$base" "$tokens_file" "$same_file" "$mode" "${issuer:-}" <<'PY'
import base64, json, sys, urllib.parse, urllib.request
def login():
    if sys.argv[4] == "oidc":
        req = urllib.request.Request(sys.argv[5] + "/token",
            data=urllib.parse.urlencode({"grant_type": "client_credentials",
                "scope": "user:read orders:read", "resource": "https://api.test"}).encode(),
            headers={"authorization": "Basic " + base64.b64encode(b"reader:reader-secret").decode()})
        return json.load(urllib.request.urlopen(req))["access_token"]
    req = urllib.request.Request(sys.argv[1] + "/auth",
        data=json.dumps({"username": "alice", "password": "alice-password"}).encode(),
        headers={"content-type": "application/json"})
    return json.load(urllib.request.urlopen(req))["access_token"]
many = [login() for _ in range(1000)]
assert len(set(many)) == 1000
with open(sys.argv[2], "w") as f:
    f.write("\n".join(many) + "\n")
one = login()
with open(sys.argv[3], "w") as f:
    f.write("\n".join([one] * 1000) + "\n")
print(one)
PY
)

# One run: prints "requests_per_second p99_ms server_user_cpu_us_per_request".
# Usage: run SERVER_PID URL [wrk options] [-- script args]
run() {
    local server=$1 url=$2
    shift 2
    local opts=() script_args=()
    while [ $# -gt 0 ]; do
        if [ "$1" = "--" ]; then
            shift
            script_args=("$@")
            break
        fi
        opts+=("$1")
        shift
    done
    local before after
    before=$(cpu_ticks "$server")
    wrk -t2 -c"$connections" -d"$duration" --latency "${opts[@]}" "$url" ${script_args[@]+-- "${script_args[@]}"} >"$wrk_out"
    after=$(cpu_ticks "$server")
    wrk_summary $(((after - before) * tick_ns)) "$wrk_out"
}

# The cache-off server's own login: a login lives in the revocation store of the server that
# recorded it. A provider's token is good at both.
if [ "$mode" = oidc ]; then
    off_token=$token
else
off_token=$(python3 - "$off" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/auth",
    data=json.dumps({"username": "alice", "password": "alice-password"}).encode(),
    headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))["access_token"])
PY
)
fi

routes="health health_hdr protected users many_health many_protected same_health same_protected off_health_hdr off_protected off_users"
declare -A rps p99 cpu
for r in $(seq 1 "$rounds"); do
    for route in $routes; do
        auth=(-H "Authorization: Bearer $token")
        off_auth=(-H "Authorization: Bearer $off_token")
        many=(-s bench/tokens.lua)
        case $route in
            health) out=$(run "$pid" "$base/health") ;;
            health_hdr) out=$(run "$pid" "$base/health" "${auth[@]}") ;;
            protected) out=$(run "$pid" "$base/protected" "${auth[@]}") ;;
            users) out=$(run "$pid" "$base/users" "${auth[@]}") ;;
            many_health) out=$(run "$pid" "$base/health" "${many[@]}" -- "$tokens_file") ;;
            many_protected) out=$(run "$pid" "$base/protected" "${many[@]}" -- "$tokens_file") ;;
            same_health) out=$(run "$pid" "$base/health" "${many[@]}" -- "$same_file") ;;
            same_protected) out=$(run "$pid" "$base/protected" "${many[@]}" -- "$same_file") ;;
            off_health_hdr) out=$(run "$off_pid" "$off/health" "${off_auth[@]}") ;;
            off_protected) out=$(run "$off_pid" "$off/protected" "${off_auth[@]}") ;;
            off_users) out=$(run "$off_pid" "$off/users" "${off_auth[@]}") ;;
        esac
        read -r route_rps route_p99 route_cpu <<<"$out"
        rps[$route]+="$route_rps "
        p99[$route]+="$route_p99 "
        cpu[$route]+="$route_cpu "
        echo "round $r $route: $route_rps req/s, p99 $route_p99 ms, server user CPU $route_cpu us/request"
    done
done

echo "tokens: $mode (LOAD_MODE)"
args=()
for route in $routes; do args+=("${rps[$route]}" "${p99[$route]}" "${cpu[$route]}"); done
python3 - "$(nproc)" "$routes" "${args[@]}" <<'PY'
import statistics, sys
med = statistics.median
cores, routes, rest = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
rps, p99, cpu = ({r: [float(x) for x in rest[3 * i + k].split()] for i, r in enumerate(routes)}
                 for k in range(3))
names = {
    "health": "GET /health (open, no token sent)",
    "health_hdr": "GET /health (open, same Authorization header)",
    "protected": "GET /protected (#[jwt_required])",
    "users": "GET /users (#[scoped(\"user:read\")])",
    "many_health": "1,000 tokens: GET /health",
    "many_protected": "1,000 tokens: GET /protected",
    "same_health": "one token by the same script: GET /health",
    "same_protected": "one token by the same script: GET /protected",
    "off_health_hdr": "cache off: GET /health (same header)",
    "off_protected": "cache off: GET /protected",
    "off_users": "cache off: GET /users",
}
print(f"machine: {cores} cores; wrk -t2 -c64 sharing them; {len(rps['health'])} rounds;")
print("ratios: median over rounds of the route against /health in the same round")
print(f"{'route':<50}{'req/s':>10}{'p99 ms':>9}{'user us/req':>13}")
for r in routes:
    print(f"{names[r]:<50}{med(rps[r]):>10.0f}{med(p99[r]):>9.2f}{med(cpu[r]):>13.2f}")
# The server's user CPU time per request beyond /health's in the same round: what the route
# (guard and handler) costs the server.
extra = lambda a, b: med([x - y for x, y in zip(cpu[a], cpu[b])])
print("server user CPU per request beyond /health in the same round (median over rounds):")
for label, a, b in [
    ("GET /protected", "protected", "health_hdr"),
    ("GET /users", "users", "health_hdr"),
    ("1,000 tokens: GET /protected", "many_protected", "many_health"),
    ("one token by the same script: GET /protected", "same_protected", "same_health"),
    ("cache off: GET /protected", "off_protected", "off_health_hdr"),
    ("cache off: GET /users", "off_users", "off_health_hdr"),
]:
    print(f"  {label:<48}{extra(a, b):>6.2f} us")
# Each route is compared with /health of the same round (runs minutes apart drift on a shared
# machine), and the median of those per-round ratios is reported.
ratio = lambda a, b: med([x / y for x, y in zip(rps[a], rps[b])])
print(f"protected/health ratio, /health without a token: {ratio('protected', 'health'):.3f}")
print(f"token cache off (JWT_TOKEN_CACHE=0), protected/health ratio: {ratio('off_protected', 'off_health_hdr'):.3f}")
print(f"token cache off (JWT_TOKEN_CACHE=0), scoped/health ratio: {ratio('off_users', 'off_health_hdr'):.3f}")
print(f"1,000 different tokens, protected/health ratio: {ratio('many_protected', 'many_health'):.3f}")
print(f"one token by the same script (control), protected/health ratio: {ratio('same_protected', 'same_health'):.3f}")
print(f"protected/health ratio: {ratio('protected', 'health_hdr'):.3f}")
print(f"scoped/health ratio: {ratio('users', 'health_hdr'):.3f}")
PY
