#!/usr/bin/env bash
# End to end: `oversight matcher serve` with the real face model, driven by curl over its Unix
# socket exactly as the proxy's upstream speaks to it (AWS JSON 1.1 over plain HTTP/1.1).
#   matcher_serve_test.sh OVERSIGHT_BINARY MODELS_DIR
# Exit 77 (skipped) only when the model or the demo photos were not fetched.
set -euo pipefail
OVERSIGHT=$1
MODELS=${OVERSIGHT_MODELS_DIR:-$2}
PACKAGE=$MODELS/node_modules/@vladmandic/face-api
if [ -f "$MODELS/face_recognition_model.bin" ]; then PACKAGE=$MODELS/..; fi  # the model/ folder
PHOTO=$PACKAGE/demo/sample2.jpg  # a portrait: one face
if [ ! -f "$PHOTO" ] || [ ! -f "$PACKAGE/model/face_recognition_model.bin" ]; then
  echo "SKIPPED LOUDLY: face model or demo photos missing under $MODELS (run scripts/fetch-models)"
  exit 77
fi

T=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$T"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- server stdout"; cat "$T/out" 2>/dev/null || true
  echo "--- server stderr"; cat "$T/err" 2>/dev/null || true
  exit 1
}

"$OVERSIGHT" gallery init --dir "$T/gallery" >/dev/null
SOCK=$T/run/matcher.sock
mkdir -p "$T/run"
"$OVERSIGHT" matcher serve --socket "$SOCK" --gallery "$T/gallery/gallery.db" \
  --gallery-key "$T/gallery/gallery.key" --models "$MODELS" --workers 2 >"$T/out" 2>"$T/err" &
SERVER_PID=$!
for _ in $(seq 1 1200); do
  grep -q "serving on" "$T/out" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited before it was ready"
  sleep 0.1
done
grep -q "matcher: serving on $SOCK (gallery $T/gallery/gallery.db, 0 faces)" "$T/out" ||
  fail "no ready line"
[ -S "$SOCK" ] || fail "no socket at $SOCK"
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "socket mode is $(stat -c %a "$SOCK"), not 600"

# call OP BODY_FILE: prints the body, then the HTTP status on a line of its own.
call() {
  curl -sS --max-time 120 --unix-socket "$SOCK" -H 'Content-Type: application/x-amz-json-1.1' \
    -H "X-Amz-Target: RekognitionService.$1" -H "x-amzn-RequestId: e2e-$1" \
    --data-binary "@$2" -w '\n%{http_code}' http://localhost/
}
expect() {  # expect OP BODY_FILE STATUS PATTERN
  local out
  out=$(call "$1" "$2") || fail "$1: curl failed"
  [ "$(tail -n1 <<<"$out")" = "$3" ] || fail "$1: expected HTTP $3, got: $out"
  grep -q -- "$4" <<<"$out" || fail "$1: no '$4' in: $out"
  REPLY_BODY=$(head -n -1 <<<"$out")
}

echo '{"CollectionId":"e2e"}' >"$T/create.json"
expect CreateCollection "$T/create.json" 200 '"StatusCode":200'

printf '{"CollectionId":"e2e","ExternalImageId":"portrait","MaxFaces":1,"Image":{"Bytes":"%s"}}' \
  "$(base64 -w0 "$PHOTO")" >"$T/index.json"
expect IndexFaces "$T/index.json" 200 '"FaceRecords":\[{'
FACE_ID=$(grep -o '"FaceId":"[^"]*"' <<<"$REPLY_BODY" | head -n1 | cut -d'"' -f4)
[ -n "$FACE_ID" ] || fail "IndexFaces returned no FaceId"

printf '{"CollectionId":"e2e","Image":{"Bytes":"%s"}}' "$(base64 -w0 "$PHOTO")" >"$T/search.json"
expect SearchFacesByImage "$T/search.json" 200 "\"FaceId\":\"$FACE_ID\""
SIMILARITY=$(grep -o '"Similarity":[0-9.eE+-]*' <<<"$REPLY_BODY" | head -n1 | cut -d: -f2)
awk -v s="$SIMILARITY" 'BEGIN { exit !(s > 99) }' || fail "similarity $SIMILARITY, want > 99"

expect DoSomethingElse "$T/create.json" 400 'UnknownOperationException'

# A non-JSON-1.1 request (GET, no target) is an error in the same protocol.
out=$(curl -sS --max-time 30 --unix-socket "$SOCK" -w '\n%{http_code}' http://localhost/other)
[ "$(tail -n1 <<<"$out")" = 400 ] || fail "GET /other: $out"
grep -q '"__type"' <<<"$out" || fail "GET /other: not a JSON 1.1 error: $out"

# One log line per call with the caller's request id, and never image bytes.
grep -q "e2e-SearchFacesByImage SearchFacesByImage 200" "$T/err" || fail "no log line for search"
if grep -q "$(base64 -w0 "$PHOTO" | head -c 40)" "$T/err"; then fail "image bytes in the log"; fi

kill -TERM "$SERVER_PID"
set +e
wait "$SERVER_PID"
RC=$?
set -e
SERVER_PID=
[ "$RC" = 0 ] || fail "exit code $RC after SIGTERM"
[ ! -e "$SOCK" ] || fail "socket still there after stop"
echo "OK: matcher serve answered CreateCollection, IndexFaces, SearchFacesByImage (similarity" \
  "$SIMILARITY), refused an unknown operation, and stopped cleanly on SIGTERM"
