#!/usr/bin/env bash
# End to end with real parts only: `oversight init`, the matcher service with the real model on
# a Unix socket, the HTTPS proxy on a free port, and real clients (the AWS CLI, curl
# --aws-sigv4, openssl s_client). Exit 77 (skipped) if the model or the AWS CLI is missing.
#   e2e_test.sh OVERSIGHT_BINARY MODELS_DIR
set -euo pipefail
OVERSIGHT=$1
MODELS=$2
PHOTOS="$MODELS/node_modules/@vladmandic/face-api/demo"
[ -f "$PHOTOS/sample1.jpg" ] || { echo "skip: no model package at $MODELS"; exit 77; }
command -v aws >/dev/null || { echo "skip: no aws CLI"; exit 77; }

# shellcheck source=../support/harness.sh
source "$(dirname "$0")/../support/harness.sh"

export OVERSIGHT_MODELS_DIR="$MODELS"
"$OVERSIGHT" init --dir "$T/d" --port 0 >"$T/init.log" 2>&1 || { cat "$T/init.log"; fail init; }
CONFIG="$T/d/oversight.json"
"$OVERSIGHT" matcher serve --config "$CONFIG" >"$T/matcher.log" 2>&1 &
PIDS+=($!)
wait_for "$T/matcher.log" "matcher: serving"
"$OVERSIGHT" serve --config "$CONFIG" --no-purge >"$T/proxy.log" 2>&1 &
PROXY_PID=$!
PIDS+=($PROXY_PID)
wait_for "$T/proxy.log" "oversight: serving"
PORT=$(sed -n 's|.*https://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/proxy.log" | head -1)
clients_for "$PORT"

echo "== TLS: 1.2 and 1.3 accepted, 1.1 refused (openssl s_client)"
echo | openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 -CAfile "$CA" >/dev/null 2>&1 || fail "TLS 1.2 refused"
echo | openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 -CAfile "$CA" >/dev/null 2>&1 || fail "TLS 1.3 refused"
if echo | openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 -CAfile "$CA" >/dev/null 2>&1; then
  fail "TLS 1.1 accepted"
fi

echo "== enrolment through the proxy (aws rekognition, records_admin)"
"${AWS[@]}" --profile rec.admin rekognition create-collection --collection-id booking >/dev/null
IDS=$("${AWS[@]}" --profile rec.admin rekognition index-faces --collection-id booking \
  --image-bytes "fileb://$PHOTOS/sample1.jpg" --external-image-id s1 \
  --query 'FaceRecords[].Face.FaceId' --output text)
[ -n "$IDS" ] || fail "no face indexed"
for id in $IDS; do
  out=$(signed_curl rec.admin -H "Content-Type: application/json" \
    -d '{"charge_status":"charged","reason":"e2e"}' "$ENDPOINT/oversight/v1/records/$id/status")
  check "record status" '"ChargeStatus":"charged"' "$out"
done

echo "== an investigator may not enrol (role), and it is refused"
out=$("${AWS[@]}" --profile det.jones rekognition index-faces --collection-id booking \
  --image-bytes "fileb://$PHOTOS/sample1.jpg" 2>&1 || true)
check "role refusal" "AccessDeniedException" "$out"
check "role refusal" "may not call IndexFaces" "$out"

echo "== a search without a warrant is denied (aws, long-term key)"
out=$("${AWS[@]}" --profile det.jones rekognition search-faces-by-image --collection-id booking \
  --image-bytes "fileb://$PHOTOS/sample1.jpg" 2>&1 || true)
check "no warrant" "AccessDeniedException" "$out"
check "no warrant" "ledger entry" "$out"

echo "== a warranted search through a case session (aws) returns matches and a receipt"
eval "$(AWS_PROFILE=det.jones "$OVERSIGHT" session start --endpoint "$ENDPOINT" --ca-bundle "$CA" --warrant W-2026-0042 \
  --case C-2026-1187 --purpose criminal_investigation --source cctv_still --mode retrospective)"
out=$("${AWS[@]}" rekognition search-faces-by-image --collection-id booking \
  --image-bytes "fileb://$PHOTOS/sample1.jpg" --debug 2>"$T/debug.log")
check "warranted search" '"Similarity": 100' "$out"
grep -qi "x-oversight-receipt': 'seq=" "$T/debug.log" || fail "no receipt header"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

echo "== a live-video search is denied naming the rule (curl --aws-sigv4 with context headers)"
B64=$(base64 -w0 "$PHOTOS/sample1.jpg")
printf '{"CollectionId":"booking","Image":{"Bytes":"%s"}}' "$B64" >"$T/probe.json"
warranted_search() {  # warranted_search SOURCE: det.jones searches probe.json under W-2026-0042
  signed_curl det.jones -H "Content-Type: application/x-amz-json-1.1" \
    -H "X-Amz-Target: RekognitionService.SearchFacesByImage" \
    -H "X-Oversight-Warrant-Id: W-2026-0042" -H "X-Oversight-Case-Id: C-2026-1187" \
    -H "X-Oversight-Purpose: criminal_investigation" -H "X-Oversight-Mode: retrospective" \
    -H "X-Oversight-Source: $1" -d @"$T/probe.json" "$ENDPOINT/"
}
out=$(warranted_search live_stream)
check "live video" "forbid-live-sources" "$out"

echo "== not_charged: excluded at once, then purged"
for id in $IDS; do
  signed_curl rec.admin -H "Content-Type: application/json" \
    -d '{"charge_status":"not_charged","reason":"released"}' \
    "$ENDPOINT/oversight/v1/records/$id/status" >/dev/null
done
out=$(warranted_search cctv_still)
check "excluded" '"FaceMatches":\[\]' "$out"
out=$(signed_curl rec.admin -X POST -H "Content-Type: application/json" -d '{}' "$ENDPOINT/oversight/v1/purge")
check "purge" "\"Purged\":$(wc -w <<<"$IDS")" "$out"
first=$(awk '{print $1}' <<<"$IDS")
out=$(signed_curl rec.admin "$ENDPOINT/oversight/v1/records/$first")
check "purged record" "ResourceNotFoundException" "$out"

echo "== slow-loris clients do not stop a legitimate request"
python3 - "$PORT" "$CA" >"$T/loris.log" 2>&1 <<'PY' &
import socket, ssl, sys, time
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
conns = [ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
         for _ in range(100)]
for c in conns:
    c.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\n")
print("holding", len(conns), flush=True)
for _ in range(20):  # a header byte per connection per second, never finishing
    for c in conns:
        try:
            c.sendall(b"X")
        except OSError:
            pass
    time.sleep(1)
PY
LORIS_PID=$!
PIDS+=($LORIS_PID)
wait_for "$T/loris.log" "holding"
start=$(date +%s)
out=$(signed_curl aud.smith -X POST -H "Content-Type: application/json" -d '{}' \
  "$ENDPOINT/oversight/v1/ledger/checkpoint")
check "request beside slow-loris clients" '"Note"' "$out"
[ $(($(date +%s) - start)) -lt 5 ] || fail "a request took $(($(date +%s) - start)) s beside slow-loris clients"
kill "$LORIS_PID" 2>/dev/null || true

echo "== SIGHUP reloads the rule pack: a broken pack is refused (the old one decides), a good one taken"
PACK="$T/d/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rules"]["pack"])' "$CONFIG")"
cp "$PACK" "$T/pack.good"
echo '{ "this is": not a rule pack' >"$PACK"
kill -HUP "$PROXY_PID"
wait_for "$T/proxy.log" "rules reload: "
grep "rules reload: " "$T/proxy.log" | tail -1 | grep -qv "accepted" || fail "a broken pack was accepted"
out=$(warranted_search live_stream)
check "old pack still decides" "forbid-live-sources" "$out"
cp "$T/pack.good" "$PACK"
kill -HUP "$PROXY_PID"
for _ in $(seq 100); do [ "$(grep -c "rules reload: " "$T/proxy.log")" -ge 2 ] && break; sleep 0.1; done
grep "rules reload: " "$T/proxy.log" | tail -1 | grep -q "accepted" || fail "the good pack was not taken"

echo "== the auditor verifies the ledger while the proxy runs"
signed_curl aud.smith -X POST -H "Content-Type: application/json" -d '{}' \
  "$ENDPOINT/oversight/v1/ledger/checkpoint" >/dev/null
"$OVERSIGHT" ledger verify --dir "$T/d/ledger" || fail "ledger verify"

echo "== SIGTERM stops the proxy cleanly"
kill -TERM "$PROXY_PID"
wait "$PROXY_PID" || fail "proxy exit status $?"

echo "== both reloads are ledger entries, the refused one first"
"$OVERSIGHT" ledger export --dir "$T/d/ledger" --out "$T/export.jsonl" >/dev/null || fail "export"
reloads=$(python3 - "$T/export.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("kind") == "rules" and e["payload"].get("action") == "reload":
        print(e["payload"]["accepted"])
PY
)
[ "$(echo $reloads)" = "False True" ] || fail "reload entries: $reloads"
echo "PASS"
