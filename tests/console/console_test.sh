#!/usr/bin/env bash
# The web console in a real browser: `oversight init`, the matcher with the real model, the
# HTTPS proxy, real searches with the AWS CLI and curl --aws-sigv4 (so the ledger holds allowed
# and denied entries), then console_test.mjs drives Debian's Chromium (playwright-core) through
# every view as an auditor, a policy analyst and an investigator, and signs in with a client
# certificate (init's tls.client_certs "optional", then "required" after a restart).
# Screenshots go to OUT_DIR.
#
#   console_test.sh OVERSIGHT_BINARY MODELS_DIR [OUT_DIR]
#
# Exit 77 (skipped) only when a tool is missing: /usr/bin/chromium, tests/console/node_modules
# (scripts/setup runs `npm ci` there), the model package, or the AWS CLI.
set -euo pipefail
OVERSIGHT=$1
MODELS=$2
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${3:-${OUT:-$PWD/console-screenshots}}
PHOTOS="$MODELS/node_modules/@vladmandic/face-api/demo"
CHROMIUM=${OVERSIGHT_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "skip: no Chromium at $CHROMIUM (apt-get install chromium)"; exit 77; }
[ -f "$HERE/node_modules/playwright-core/package.json" ] || {
  echo "skip: no $HERE/node_modules (run scripts/setup, or npm ci in tests/console)"; exit 77; }
command -v node >/dev/null || { echo "skip: no node"; exit 77; }
[ -f "$PHOTOS/sample1.jpg" ] || { echo "skip: no model package at $MODELS"; exit 77; }
command -v aws >/dev/null || { echo "skip: no aws CLI"; exit 77; }

# shellcheck source=../support/harness.sh
source "$(dirname "$0")/../support/harness.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
set_config() {  # set_config PYTHON-STATEMENT: edits oversight.json as c
  python3 - "$CONFIG" "$1" <<'PY'
import json, sys
path, stmt = sys.argv[1], sys.argv[2]
c = json.load(open(path))
exec(stmt)
json.dump(c, open(path, "w"), indent=2)
PY
}

export OVERSIGHT_MODELS_DIR="$MODELS"
PORT=$(free_port)
"$OVERSIGHT" init --dir "$T/d" --port "$PORT" >"$T/init.log" 2>&1 || { cat "$T/init.log"; fail init; }
CONFIG="$T/d/oversight.json"
# Checkpoints only when asked (the auditor's button, or POST): the figures the page shows and
# the CLI's stay tied to the same signed checkpoint for the whole test.
set_config 'c.setdefault("ledger", {}).update(checkpoint_every_entries=0, checkpoint_every_seconds=0)'

"$OVERSIGHT" matcher serve --config "$CONFIG" >"$T/matcher.log" 2>&1 &
PIDS+=($!)
wait_for "$T/matcher.log" "matcher: serving"
start_proxy() {
  : >"$T/proxy.log"
  "$OVERSIGHT" serve --config "$CONFIG" --no-purge >>"$T/proxy.log" 2>&1 &
  PROXY_PID=$!
  PIDS+=($PROXY_PID)
  wait_for "$T/proxy.log" "oversight: serving"
}
start_proxy
clients_for "$PORT"

echo "== the ledger gets allowed and denied searches (aws CLI, curl --aws-sigv4)"
"${AWS[@]}" --profile rec.admin rekognition create-collection --collection-id booking >/dev/null
for i in 1 2; do
  "${AWS[@]}" --profile rec.admin rekognition index-faces --collection-id booking \
    --image-bytes "fileb://$PHOTOS/sample$i.jpg" --external-image-id "booking-$i" >/dev/null
done
out=$("${AWS[@]}" --profile det.jones rekognition search-faces-by-image --collection-id booking \
  --image-bytes "fileb://$PHOTOS/sample1.jpg" 2>&1 || true)
check "no warrant" "AccessDeniedException" "$out"
eval "$(AWS_PROFILE=det.jones "$OVERSIGHT" session start --endpoint "$ENDPOINT" --ca-bundle "$CA" \
  --warrant W-2026-0042 --case C-2026-1187 --purpose criminal_investigation --source cctv_still \
  --mode retrospective)"
for i in 1 2; do
  out=$("${AWS[@]}" rekognition search-faces-by-image --collection-id booking \
    --image-bytes "fileb://$PHOTOS/sample$i.jpg")
  check "warranted search" '"FaceMatches"' "$out"
done
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
B64=$(base64 -w0 "$PHOTOS/sample1.jpg")
printf '{"CollectionId":"booking","Image":{"Bytes":"%s"}}' "$B64" >"$T/probe.json"
out=$(signed_curl det.jones -H "Content-Type: application/x-amz-json-1.1" \
  -H "X-Amz-Target: RekognitionService.SearchFacesByImage" \
  -H "X-Oversight-Warrant-Id: W-2026-0042" -H "X-Oversight-Case-Id: C-2026-1187" \
  -H "X-Oversight-Purpose: criminal_investigation" -H "X-Oversight-Mode: retrospective" \
  -H "X-Oversight-Source: live_stream" -d @"$T/probe.json" "$ENDPOINT/")
check "live video" "forbid-live-sources" "$out"
out=$(signed_curl aud.smith -X POST -H "Content-Type: application/json" -d '{}' \
  "$ENDPOINT/oversight/v1/ledger/checkpoint")
check "checkpoint" '"Note"' "$out"

echo "== the console in Chromium"
mkdir -p "$OUT"
# Playwright's own TLS (used for client certificates) and its API requests trust the demo CA.
export NODE_EXTRA_CA_CERTS="$CA"
export CONSOLE_BASE="$ENDPOINT" CONSOLE_CONFIG="$CONFIG" CONSOLE_DIR="$T/d" CONSOLE_OUT="$OUT"
export CONSOLE_OVERSIGHT="$OVERSIGHT" CONSOLE_CHROMIUM="$CHROMIUM" CONSOLE_TMP="$T"
export CONSOLE_SPKI
CONSOLE_SPKI=$(openssl x509 -in "$T/d/tls/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
  openssl dgst -sha256 -binary | base64)
export CONSOLE_SEARCHES_ALLOWED=2 CONSOLE_SEARCHES_DENIED=2
node "$HERE/console_test.mjs" phase1 || fail "the console (signed-in views)"

echo "== client certificates required (proxy restarted with tls.client_certs = required)"
kill -TERM "$PROXY_PID"
wait "$PROXY_PID" || true
set_config 'c["tls"].update(client_ca="tls/ca.pem", client_certs="required")'
start_proxy
node "$HERE/console_test.mjs" phase2 || fail "the console (client certificate)"
echo "PASS"
