#!/usr/bin/env bash
# Instructions per verification under callgrind: RS256, our own token with a static key
# against an identity provider's token whose key is chosen by `kid` from a JWKS; HS256, our
# own token with one key against the same with two verify-only keys configured. Each figure
# is (count at 210 verifications - count at 10) / 200, so set-up cancels out.
# Usage: bench/verify_instructions.sh   (needs valgrind; about a minute)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bin=$(cargo bench --bench verify_instructions --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "verify_instructions" and m.get("executable"):
        print(m["executable"])')
count() {
    VERIFY_MODE=$1 VERIFY_COUNT=$2 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
declare -A per
for mode in static jwks hs256 hs256-keys; do
    low=$(count "$mode" 10)
    high=$(count "$mode" 210)
    per[$mode]=$(( (high - low) / 200 ))
    echo "$mode: ${per[$mode]} instructions per verification"
done
python3 -c "print(f'jwks / static: {${per[jwks]} / ${per[static]}:.3f}')"
python3 -c "print(f'hs256 with 3 keys / with 1: {${per[hs256-keys]} / ${per[hs256]}:.3f}')"
