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

# clients_for PORT: ENDPOINT, CA and the AWS CLI (the array AWS) aimed at the proxy that
# `oversight init --dir $T/d` configured, on PORT, with the init's profiles.
clients_for() {
  ENDPOINT="https://localhost:$1"
  CA="$T/d/tls/ca.pem"
  export AWS_SHARED_CREDENTIALS_FILE="$T/d/aws/credentials" AWS_CONFIG_FILE="$T/d/aws/config"
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
  AWS=(aws --endpoint-url "$ENDPOINT" --ca-bundle "$CA")
}
# key_of PROFILE FIELD: a value from the init's AWS credentials file.
key_of() { awk -v p="[$1]" '$0==p{f=1;next} /^\[/{f=0} f&&$1==k{print $3}' k="$2" "$AWS_SHARED_CREDENTIALS_FILE"; }
signed_curl() {  # signed_curl PROFILE ARGS...: curl signing with PROFILE's long-term key
  local who=$1
  shift
  curl -sS --cacert "$CA" --aws-sigv4 "aws:amz:us-east-1:rekognition" \
    --user "$(key_of "$who" aws_access_key_id):$(key_of "$who" aws_secret_access_key)" "$@"
}
