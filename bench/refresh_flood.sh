#!/usr/bin/env bash
# Refresh flood: GET /protected latency (p50/p99, another user's token) with and without one
# account flooding POST /auth/refresh, against the quickstart (release build) on 127.0.0.1.
#
# The flooding account holds FLOOD_CONNECTIONS logins (default 8) and each wrk connection
# refreshes its own in a loop with the token the previous answer returned, as a client looping
# refresh would. Before the lifecycle fix, every refresh wrote an entry living 30 days: such a
# flood filled the default memory store (1,000,000 entries) in about 85 s, after which refresh
# and logout were 503 for everyone and every refused write swept the store under its lock.
# Now a login is one entry whatever number of refreshes it makes.
#
# Usage: bench/refresh_flood.sh [SECONDS] (default 10 per phase). With REDIS_URL set, the
# quickstart revokes in that Redis. Bounded: two phases of
# SECONDS each; the server is stopped by process id on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
flood_connections=${FLOOD_CONNECTIONS:-8}

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -p quickstart -q

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
tokens_file=$(mktemp)
protected_out=$(mktemp)
flood_out=$(mktemp)
JWT_SECRET="flood-test-secret-of-at-least-32-bytes-long" RUST_LOG=error BIND="127.0.0.1:$port" \
    target/release/quickstart >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$tokens_file" "$protected_out" "$flood_out"' EXIT
for _ in $(seq 1 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('$base/health')" 2>/dev/null && break
    sleep 0.1
done

# The victim's access token (admin), and one login of the flooding account per connection.
victim=$(python3 - "$base" "$tokens_file" "$flood_connections" <<'PY'
import json, sys, urllib.request
def login(user):
    req = urllib.request.Request(sys.argv[1] + "/auth",
        data=json.dumps({"username": user, "password": user + "-password"}).encode(),
        headers={"content-type": "application/json"})
    return json.load(urllib.request.urlopen(req))
with open(sys.argv[2], "w") as f:
    for _ in range(int(sys.argv[3])):
        f.write(login("alice")["refresh_token"] + "\n")
print(login("admin")["access_token"])
PY
)

# "p50 p99" in ms from wrk --latency output.
percentiles() {
    awk 'function ms(v) { if (v ~ /us$/) { sub(/us/, "", v); return v / 1000 }
                          if (v ~ /ms$/) { sub(/ms/, "", v); return v + 0 }
                          sub(/s/, "", v); return v * 1000 }
         /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
         / Non-2xx/ { bad = $NF }
         END { printf "%.3f %.3f %d\n", p50, p99, bad }' "$1"
}
protected() {
    wrk -t1 -c16 -d"${seconds}s" --latency -H "Authorization: Bearer $victim" \
        "$base/protected" >"$protected_out"
}

echo "== /protected alone (${seconds}s, 16 connections)"
protected
read -r base_p50 base_p99 base_bad < <(percentiles "$protected_out")

echo "== /protected while alice floods /auth/refresh ($flood_connections connections)"
wrk -t"$flood_connections" -c"$flood_connections" -d"$((seconds + 2))s" \
    -s bench/refresh_flood.lua "$base/auth/refresh" -- "$tokens_file" >"$flood_out" &
flood=$!
sleep 1
protected
wait "$flood"
read -r flood_p50 flood_p99 flood_bad < <(percentiles "$protected_out")
refreshes=$(awk '/^ +[0-9]+ requests in/ { print $1 }' "$flood_out")
refresh_rps=$(awk '/Requests\/sec/ { print $2 }' "$flood_out")
refresh_bad=$(awk '/ Non-2xx/ { print $NF } END { }' "$flood_out")

# After the flood: the victim can still refresh and log out (nothing is full).
after=$(python3 - "$base" <<'PY'
import json, sys, urllib.request
def post(path, body, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    req = urllib.request.Request(sys.argv[1] + path, data=json.dumps(body).encode(), headers=headers)
    return json.load(urllib.request.urlopen(req))
pair = post("/auth", {"username": "admin", "password": "admin-password"})
pair = post("/auth/refresh", {"refresh_token": pair["refresh_token"]})
post("/auth/logout", {"refresh_token": pair["refresh_token"]}, pair["access_token"])
print("refresh and logout of another user: 200")
PY
)

printf '\n%-34s %10s %10s %8s\n' "" "p50 ms" "p99 ms" "non-2xx"
printf '%-34s %10s %10s %8s\n' "/protected alone" "$base_p50" "$base_p99" "$base_bad"
printf '%-34s %10s %10s %8s\n' "/protected during the flood" "$flood_p50" "$flood_p99" "$flood_bad"
echo "flood: $refreshes refreshes by one account ($refresh_rps/s), refused: ${refresh_bad:-0}"
echo "$after"
