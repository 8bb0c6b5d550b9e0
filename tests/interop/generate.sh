#!/usr/bin/env bash
# Generates the interop fixtures once (they are committed; the test suite only reads them):
# runs a real sanic-jwt 1.8 service and a real sanic-jwt-extended 1.0 service, with PyJWT,
# all from PyPI, on loopback, and records the tokens they mint (and tokens PyJWT signs with
# their secrets) with the status each of their protected routes answers.
#
# Usage: tests/interop/generate.sh       (needs python3 with venv, and network for PyPI)
# Writes tests/fixtures/interop/{sanic_jwt_defaults,sanic_jwt_claims,sanic_jwt_extended}.json
set -euo pipefail
cd "$(dirname "$0")"
out=../fixtures/interop
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

venv() { # name, requirements...
    python3 -m venv "$work/$1"
    "$work/$1/bin/pip" install -q --disable-pip-version-check "${@:2}"
}
# sanic-jwt 1.8 on a Sanic of its time; sanic-jwt-extended's last release line (1.0.dev12,
# the one with private_claim_prefix and create_access_token(identity, role, ...)) needs
# PyJWT 1.x.
venv sj "sanic-jwt==1.8.0" "sanic==22.12.0" "pyjwt==2.10.1"
venv sje "sanic-jwt-extended==1.0.dev12" "sanic==22.12.0" "pyjwt==1.7.1"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

run() { # venv, script, output, extra args...
    local port
    port=$(free_port)
    "$work/$1/bin/python" "$2" serve "$port" "${@:4}" >"$work/$3.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 1 100); do
        if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then break; fi
        sleep 0.1
    done
    "$work/$1/bin/python" "$2" record "$port" "${@:4}" >"$out/$3.json"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    echo "wrote $out/$3.json"
}

run sj sanic_jwt_service.py sanic_jwt_defaults defaults
run sj sanic_jwt_service.py sanic_jwt_claims claims
run sje sanic_jwt_extended_service.py sanic_jwt_extended
