#!/usr/bin/env bash
# Regenerates the samples in docs/examples from the bundled demo scenario
# (synthetic, non-explicit): runs `lifeguard demo`, applies a fixed set of
# moderator decisions (crates/referrals/examples/demo_decisions.rs), then the
# `lifeguard report` commands. IP addresses are documentation ranges.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=docs/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cargo build -q -p lifeguard-cli
cargo build -q -p lifeguard-referrals --example demo_decisions
bin=target/debug/lifeguard
"$bin" demo --no-serve --dir "$tmp/demo" --listen 127.0.0.1:0 > /dev/null
db="$tmp/demo/lifeguard.db"
case=$(target/debug/examples/demo_decisions "$db" | tee /dev/stderr | sed -n "s/^refer //p")

rm -rf "$out/referral" "$out/statements"
"$bin" report referral --db "$db" --case "$case" --as casey \
    --ip-events "$out/sample-ip-events.json" --out "$out/referral"
cp "$out/referral/report.xml" "$out/sample-referral.xml"
"$bin" report verify "$out/referral/evidence-bundle.zip"
for format in html csv json; do
    "$bin" report transparency --db "$db" --from 2026-11-01 --to 2026-11-30 \
        --format "$format" --out "$out/sample-transparency.$format"
done
"$bin" report statements --db "$db" --out "$out/statements"
"$bin" report holds --db "$db"
