#!/usr/bin/env python3
"""Prints the table of `cargo bench --bench verify` with the ratios to jsonwebtoken.

Reads criterion's medians (<group>/<function>/new/estimates.json). With no argument, from the
last run in target/criterion:  cargo bench --bench verify && python3 bench/ratios.py
With several run directories (bench/verify.sh makes them), every figure is the median over the
runs, and each ratio is computed within a run before the median is taken. "Decoding alone" is
base64 and a typed parse of the payload (`floor_decoding_only`): with the signature check, the
least any verifier built on the same base64 and serde_json crates must do.
"""
import json
import os
import statistics
import sys

here = os.path.dirname(os.path.abspath(__file__))
runs = sys.argv[1:] or [os.path.join(here, "..", "target", "criterion")]
for run in runs:
    if not os.path.isdir(run):
        sys.exit(f"no criterion results in {run}: run `cargo bench --bench verify` first")


def median_us(run, group, function):
    path = os.path.join(run, group, function, "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"] / 1000.0
    except FileNotFoundError:
        return None


def over_runs(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def row(label, group, ours_fn, base_fn, floor_fns, hit_fn):
    ours, base, floor, hit, ratio, floor_ratio = [], [], [], [], [], []
    decoding, both_ratio = [], []
    for run in runs:
        o = median_us(run, group, ours_fn)
        b = median_us(run, group, base_fn)
        f = next((v for v in (median_us(run, group, n) for n in floor_fns) if v), None)
        d = median_us(run, group, "floor_decoding_only")
        if o is None or b is None:
            continue
        ours.append(o)
        base.append(b)
        ratio.append(o / b)
        floor.append(f)
        floor_ratio.append(f / b if f else None)
        decoding.append(d)
        both_ratio.append((f + d) / b if f and d else None)
        hit.append(median_us(run, group, hit_fn) if hit_fn else None)
    if not ours:
        return

    def us(v):
        v = over_runs(v)
        return "—" if v is None else f"{v:.3f} µs"

    def r(v):
        v = over_runs(v)
        return "—" if v is None else f"{v:.3f}"

    spread = f"{min(ratio):.3f}–{max(ratio):.3f}" if len(ratio) > 1 else "—"
    print(f"| {label} | {us(ours)} | {us(base)} | {r(ratio)} | {spread} | {us(floor)} "
          f"| {r(floor_ratio)} | {us(decoding)} | {r(both_ratio)} | {us(hit)} |")


print(f"machine: {os.cpu_count()} cores; {len(runs)} run(s), medians over runs")
print("| per token | axum-jwt-guard | jsonwebtoken | ratio | ratio range | floor (signature alone) "
      "| floor ratio | decoding alone | (signature + decoding) ratio "
      "| default config, repeat token |")
print("|---|---|---|---|---|---|---|---|---|---|")
for alg in ["hs256", "rs256", "ps256", "es256", "eddsa"]:
    row(f"{alg.upper()} verify", f"verify_{alg}", "axum_jwt_guard", "jsonwebtoken_decode",
        ["floor_hmac_only", "floor_signature_only"], "axum_jwt_token_cache_hit")
row("RS256 sign", "sign_rs256", "axum_jwt_guard", "jsonwebtoken_encode", ["floor_signature_only"],
    None)


def jwks_row():
    """The provider's token with JWKS keys against our own with a static key, same run."""
    ratio, static, jwks, hit = [], [], [], []
    for run in runs:
        st = median_us(run, "verify_rs256_jwks", "static_key")
        jw = median_us(run, "verify_rs256_jwks", "jwks_url_key")
        if st is None or jw is None:
            continue
        static.append(st)
        jwks.append(jw)
        ratio.append(jw / st)
        hit.append(median_us(run, "verify_rs256_jwks", "jwks_url_key_cache_hit"))
    if not ratio:
        return
    m = over_runs
    hit_text = "—" if m(hit) is None else f"{m(hit):.3f} µs"
    print()
    print("| RS256, keys | static key (ours) | JWKS URL key (a provider's token) | ratio "
          "| ratio range | JWKS, repeat token |")
    print("|---|---|---|---|---|---|")
    print(f"| verify | {m(static):.3f} µs | {m(jwks):.3f} µs | {m(ratio):.3f} "
          f"| {min(ratio):.3f}–{max(ratio):.3f} | {hit_text} |")


jwks_row()
