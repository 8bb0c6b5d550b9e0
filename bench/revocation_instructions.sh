#!/usr/bin/env bash
# Instructions per guarded request under callgrind with each revocation store: the memory
# store, Redis's local view (the default) and strict mode (the client's share of its round
# trip). Only what runs inside one request is counted (the view's reader, on its own timer,
# is not: callgrind slows wall time down); each figure is (count at 1,010 requests - count at
# 10) / 1,000, so the first requests' warm-up cancels out. Starts a redis-server on a free
# loopback port and stops it by pid.
# Usage: bench/revocation_instructions.sh   (needs valgrind and redis-server; a few minutes)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bin=$(cargo bench --features redis --bench revocation_instructions --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "revocation_instructions" and m.get("executable"):
        print(m["executable"])')
. bench/lib.sh
port=$(free_port)
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
trap 'kill "$(cat "$dir/redis.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$dir"' EXIT
export REDIS_URL="redis://127.0.0.1:$port/"
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
count() {
    REVOCATION_MODE=$1 REVOCATION_COUNT=$2 valgrind --tool=callgrind --toggle-collect="*revocation_instructions::serve" \
        --callgrind-out-file=/dev/null "$bin" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
hgets() { redis-cli -p "$port" info commandstats | sed -n 's/^cmdstat_hget:calls=\([0-9]*\),.*/\1/p'; }
declare -A per
for mode in memory view strict; do
    low=$(count "$mode" 10)
    before=$(hgets); before=${before:-0}
    high=$(count "$mode" 1010)
    after=$(hgets); after=${after:-0}
    per[$mode]=$(( (high - low) / 1000 ))
    echo "$mode: ${per[$mode]} instructions per request (Redis HGETs during the 1,010-request run: $((after - before)))"
done
python3 -c "print(f'view / memory: {${per[view]} / ${per[memory]}:.3f}; strict / memory: {${per[strict]} / ${per[memory]}:.3f}')"
