#!/usr/bin/env bash
# Oversight's policy engine against Cedar on the baseline pack: same decisions, and the speed of
# each. Needs a build with -DOVERSIGHT_BUILD_BENCH=ON and Node; installs Cedar under $prefix.
#   bench/policy_compare.sh [BUILD_DIR=build] [SECONDS=2]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
SECONDS_EACH="${2:-2}"
prefix="${BENCH_NODE_PREFIX:-/tmp/oversight-bench-cedar}"
if [[ ! -d "$prefix/node_modules/@cedar-policy/cedar-wasm" ]]; then
  npm install --prefix "$prefix" --no-save --ignore-scripts --no-audit --no-fund \
    @cedar-policy/cedar-wasm@4.13.0 >/dev/null
fi
cases="$(mktemp /tmp/policy_cases.XXXXXX.jsonl)"
trap 'rm -f "$cases"' EXIT
"$BUILD/bench/policy_eval" --seconds "$SECONDS_EACH" --dump-cases "$cases" | tee /tmp/policy_eval.out
BENCH_NODE_PREFIX="$prefix" node "$ROOT/bench/policy_cedar.js" "$cases" --seconds "$SECONDS_EACH" \
  | tee /tmp/policy_cedar.out
ours=$(awk '/^baseline /{for(i=1;i<=NF;i++) if ($i ~ /^decisions\/s=/) {sub("decisions/s=","",$i); print $i}}' /tmp/policy_eval.out)
theirs=$(awk '/^cedar-baseline/{for(i=1;i<=NF;i++) if ($i ~ /^decisions\/s=/) {sub("decisions/s=","",$i); print $i}}' /tmp/policy_cedar.out)
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "oversight/cedar decisions per second: %.1fx\n", a / b }'
