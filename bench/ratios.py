#!/usr/bin/env python3
"""Prints the table of `cargo bench --bench verify` with the ratios to jsonwebtoken.

Reads criterion's medians from target/criterion/*/*/new/estimates.json, so run the benchmark
first:  cargo bench --bench verify && python3 bench/ratios.py
"""
import json
import os
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "criterion")


def median_us(group, function):
    path = os.path.join(root, group, function, "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"] / 1000.0
    except FileNotFoundError:
        return None


def fmt(v):
    return "—" if v is None else f"{v:.3f} µs"


if not os.path.isdir(root):
    sys.exit("no criterion results: run `cargo bench --bench verify` first")

print(f"machine: {os.cpu_count()} cores")
print("| per token | axum-jwt | jsonwebtoken | ratio | floor (signature alone) | floor ratio "
      "| `.token_cache(n)` hit |")
print("|---|---|---|---|---|---|---|")
for alg in ["hs256", "rs256", "ps256", "es256", "eddsa"]:
    group = f"verify_{alg}"
    ours = median_us(group, "axum_jwt")
    base = median_us(group, "jsonwebtoken_decode")
    floor = median_us(group, "floor_hmac_only") or median_us(group, "floor_signature_only")
    hit = median_us(group, "axum_jwt_token_cache_hit")
    if ours is None or base is None:
        continue
    floor_ratio = "—" if floor is None else f"{floor / base:.2f}"
    print(f"| {alg.upper()} verify | {fmt(ours)} | {fmt(base)} | {ours / base:.2f} "
          f"| {fmt(floor)} | {floor_ratio} | {fmt(hit)} |")
ours = median_us("sign_rs256", "axum_jwt")
base = median_us("sign_rs256", "jsonwebtoken_encode")
floor = median_us("sign_rs256", "floor_signature_only")
if ours is not None and base is not None:
    floor_ratio = "—" if floor is None else f"{floor / base:.2f}"
    print(f"| RS256 sign | {fmt(ours)} | {fmt(base)} | {ours / base:.2f} | {fmt(floor)} "
          f"| {floor_ratio} | — |")
