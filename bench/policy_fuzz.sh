#!/usr/bin/env bash
# Builds the policy libFuzzer targets with clang++-14 (ASan + UBSan + libFuzzer) and runs each
# for the given number of minutes, starting from the seed corpus in tests/policy/fuzz_corpus.
#
#   bench/policy_fuzz.sh [MINUTES_PER_TARGET=10] [TARGET...]
#   targets: pack_parser (rule pack text), evaluate (request cases against every shipped pack)
#
# New inputs go to a scratch corpus under $OUT (default /tmp/oversight-policy-fuzz), never into
# the repository; crashes are written there as crash-* files and the script exits non-zero.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MINUTES="${1:-10}"
shift || true
if ! [[ "$MINUTES" =~ ^[1-9][0-9]*$ ]]; then
  echo "MINUTES must be a whole number >= 1 (libFuzzer treats 0 as 'forever')" >&2
  exit 2
fi
TARGETS=("${@:-pack_parser evaluate}")
read -r -a TARGETS <<< "${TARGETS[*]}"
OUT="${OUT:-/tmp/oversight-policy-fuzz}"
CXX="${CXX_FUZZ:-clang++-14}"
mkdir -p "$OUT/obj"

FLAGS=(-std=c++20 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
       -I"$ROOT/common/include" -I"$ROOT/policy/include" -I"$ROOT/policy/src")
OBJS=()
for src in "$ROOT"/common/src/*.cc "$ROOT"/policy/src/*.cc; do
  obj="$OUT/obj/$(basename "$(dirname "$(dirname "$src")")")_$(basename "$src" .cc).o"
  if [[ ! -f "$obj" || "$src" -nt "$obj" ]]; then
    "$CXX" "${FLAGS[@]}" -c "$src" -o "$obj"
  fi
  OBJS+=("$obj")
done

status=0
for target in "${TARGETS[@]}"; do
  case "$target" in
    pack_parser) seeds="$ROOT/tests/policy/fuzz_corpus/pack" ;;
    evaluate) seeds="$ROOT/tests/policy/fuzz_corpus/request" ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
  bin="$OUT/${target}_fuzz"
  "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer "$ROOT/tests/policy/fuzz/${target}_fuzz.cc" "${OBJS[@]}" \
    -lcrypto -o "$bin"
  mkdir -p "$OUT/corpus/$target" "$OUT/artifacts/$target"
  echo "== fuzzing $target for $MINUTES minute(s)"
  OVERSIGHT_FUZZ_RULES_DIR="$ROOT/rules" "$bin" "$OUT/corpus/$target" "$seeds" \
    -max_total_time=$((MINUTES * 60)) -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$OUT/artifacts/$target/" -print_final_stats=1 || status=$?
done
exit $status
