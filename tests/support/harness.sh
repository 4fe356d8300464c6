# Shared by the shell tests that run the real services (tests/proxy/e2e_test.sh,
# tests/console/console_test.sh): a scratch directory $T removed at exit with every process
# in PIDS stopped, and the small checks they all use. Source it; it sets an EXIT trap.
T=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- proxy log" >&2; tail -20 "$T/proxy.log" >&2 || true; exit 1; }
check() { grep -q -- "$2" <<<"$3" || fail "$1: expected '$2' in: $3"; }
wait_for() {  # wait_for FILE PATTERN: up to 60 s for a log line
  for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  cat "$1" >&2
  fail "timed out waiting for '$2' in $1"
}
