#!/usr/bin/env bash
# The proxy under load, next to nginx, in one run (docs/performance.md "Proxy" has the figures).
#
#   bench/proxy_load.sh [BUILD_DIR]            throughput and latency (a few minutes)
#   MEMORY_MINUTES=10 bench/proxy_load.sh      ... then resident memory over a 10-minute load,
#                                              per idle connection and per in-flight search
#   bench/proxy_load.sh BUILD_ASAN_DIR         with an OVERSIGHT_SANITIZE=ON build: the same
#                                              load, then a clean stop, and LeakSanitizer must
#                                              report no leak
#
# What runs: `oversight init` in a scratch directory; a 10,000-face gallery (the enrolled demo
# photo plus synthetic faces, bench/proxy_fill_gallery.cc); the real matcher and `oversight
# serve` with the init's config (rate limit raised out of the way, purge off); nginx (Debian)
# on the same certificate, protocols, ciphers and groups, answering every request with a static
# 200. wrk drives both with the same pre-signed request (bench/proxy_presign.cc): one client
# thread, CONNECTIONS keep-alive connections, rounds alternating between the two servers.
#   (a) denied searches: no warrant, so policy + a durable ledger append, no matcher
#   (b) allowed searches: a warranted search for sample1.jpg's face in the 10k gallery
#       (throughput with wrk; latency next to the matcher's own, bench/proxy_latency.cc)
#
# Environment: SECONDS_PER_RUN (15), ROUNDS (3), CONNECTIONS (64), GALLERY (10000),
# MEMORY_MINUTES (0), IDLE_CONNECTIONS (500), PROBE (an image; default sample1.jpg), WORKERS
# (the proxy's worker_threads; default the init's). PERF_OUT=FILE records a perf profile of the
# proxy during each denied-search run (`perf report -i FILE`; PERF_ARGS, default -g, adds
# options). Needs root for apt-get if wrk or nginx is absent.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
OVERSIGHT="$BUILD/cli/oversight"
PHOTO="${PROBE:-$ROOT/models/node_modules/@vladmandic/face-api/demo/sample1.jpg}"
SECONDS_PER_RUN=${SECONDS_PER_RUN:-15}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
GALLERY=${GALLERY:-10000}
MEMORY_MINUTES=${MEMORY_MINUTES:-0}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-500}
SANITIZED=$(grep -c "OVERSIGHT_SANITIZE:BOOL=ON" "$BUILD/CMakeCache.txt" || true)

for tool in wrk nginx; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
done
for exe in "$OVERSIGHT" "$BUILD"/bench/proxy_{presign,latency,fill_gallery}; do
  [ -x "$exe" ] || { echo "missing $exe: build first (cmake --build $BUILD)" >&2; exit 2; }
done
[ -f "$PHOTO" ] || { echo "missing $PHOTO: run scripts/setup" >&2; exit 2; }

T=$(mktemp -d /tmp/oversight-load.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then  # a failed run shows what the services said last
    for log in proxy matcher; do
      [ -f "$T/$log.log" ] && { echo "--- last lines of the $log's log" >&2; tail -n 15 "$T/$log.log" >&2; }
    done
  fi
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  [ -f "$T/nginx/nginx.pid" ] && kill -QUIT "$(cat "$T/nginx/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
wait_for() {
  for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  cat "$1" >&2
  echo "timed out waiting for '$2' in $1" >&2
  exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# --- the proxy and its matcher, from `oversight init`
export OVERSIGHT_MODELS_DIR="$ROOT/models"
"$OVERSIGHT" init --dir "$T/d" --port 0 >"$T/init.log" 2>&1 || { cat "$T/init.log"; exit 1; }
python3 - "$T/d/oversight.json" <<'PY'
import json, os, sys
path = sys.argv[1]
c = json.load(open(path))
c["rate_limit"] = {"per_second": 1e6, "burst": 1e6}  # the bench measures the path, not the limiter
if os.environ.get("WORKERS"):
    c["limits"]["worker_threads"] = int(os.environ["WORKERS"])
json.dump(c, open(path, "w"), indent=2)
PY
"$BUILD/bench/proxy_fill_gallery" "$T/d/gallery/gallery.db" "$T/d/gallery/gallery.key" booking \
  $((GALLERY - 1)) >/dev/null
"$OVERSIGHT" matcher serve --config "$T/d/oversight.json" >"$T/matcher.log" 2>&1 &
MATCHER_PID=$!
PIDS+=($MATCHER_PID)
wait_for "$T/matcher.log" "matcher: serving"
"$OVERSIGHT" serve --config "$T/d/oversight.json" --no-purge >"$T/proxy.log" 2>&1 &
PROXY_PID=$!
PIDS+=($PROXY_PID)
wait_for "$T/proxy.log" "oversight: serving"
PORT=$(sed -n 's|.*https://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/proxy.log" | head -1)
CREDS="$T/d/aws/credentials"
key_of() { awk -v p="[$1]" '$0==p{f=1;next} /^\[/{f=0} f&&$1==k{print $3}' k="$2" "$CREDS"; }

python3 -c 'import base64,json,sys; print(json.dumps({"CollectionId":"booking","Image":{"Bytes":base64.b64encode(open(sys.argv[1],"rb").read()).decode()}}))' \
  "$PHOTO" >"$T/search.json"
enrolled=$(curl -sS --cacert "$T/d/tls/ca.pem" --aws-sigv4 "aws:amz:us-east-1:rekognition" \
  --user "$(key_of rec.admin aws_access_key_id):$(key_of rec.admin aws_secret_access_key)" \
  -H "Content-Type: application/x-amz-json-1.1" -H "X-Amz-Target: RekognitionService.IndexFaces" \
  -H "X-Oversight-Record-Charge-Status: charged" --data-binary "@$T/search.json" \
  "https://localhost:$PORT/")
grep -q '"FaceId"' <<<"$enrolled" || { echo "enrolment failed: $enrolled" >&2; exit 1; }

WARRANT=(--header "X-Oversight-Warrant-Id: W-2026-0042" --header "X-Oversight-Case-Id: C-2026-1187"
  --header "X-Oversight-Purpose: criminal_investigation" --header "X-Oversight-Source: cctv_still"
  --header "X-Oversight-Mode: retrospective")
presign() {  # presign OUT VARIANTS [HEADER ARGS]
  local out=$1 variants=$2
  shift 2
  "$BUILD/bench/proxy_presign" --credentials "$CREDS" --profile det.jones \
    --host "localhost:$PORT" --target SearchFacesByImage --body "$T/search.json" \
    --variants "$variants" "$@" >"$out"
}
presign "$T/denied.lua" 1
presign "$T/allowed.lua" 1 "${WARRANT[@]}"

# --- nginx: same certificate, TLS versions, ciphers and groups (proxy/src/tls_context.h)
mkdir -p "$T/nginx/logs"
NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$T/nginx/nginx.conf" <<NGINX
worker_processes 2;
user root;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_max_body_size 16m;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $T/d/tls/server.pem;
    ssl_certificate_key $T/d/tls/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256;
    ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256;
    ssl_ecdh_curve X25519:P-256:P-384;
    location / { return 200 '{}'; }
  }
}
NGINX
/usr/sbin/nginx -p "$T/nginx" -c "$T/nginx/nginx.conf"

run_wrk() {  # run_wrk URL SCRIPT CONNECTIONS SECONDS: prints "rps p50_ms p99_ms errors"
  wrk -t1 -c"$3" -d"$4"s --latency -s "$2" "$1" >"$T/wrk.out" 2>&1
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; return v * 1000 }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { non2xx = $5 }
    /Socket errors/ { errors = $0 }
    END { printf "%.0f %.2f %.2f non-2xx:%d %s\n", rps, p50, p99, non2xx, errors }' "$T/wrk.out"
}
wait_perf() { [ -z "${PERF_OUT:-}" ] || wait "$(jobs -p | tail -1)" 2>/dev/null || true; }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

memory_per_connection() {  # on the fresh proxy, before the throughput runs
  # Idle connections: TLS handshakes done, then nothing sent (the read timeout is 30 s).
  idle_before=$(rss_kb "$PROXY_PID")
  python3 - "$PORT" "$T/d/tls/ca.pem" "$IDLE_CONNECTIONS" >"$T/idle.out" 2>&1 <<'PY' &
import socket, ssl, sys, time
port, ca, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context(cafile=ca)
held = [ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
        for _ in range(n)]
print("open", len(held), flush=True)
time.sleep(15)
PY
  IDLE_PID=$!
  wait_for "$T/idle.out" "open"
  sleep 1
  idle_after=$(rss_kb "$PROXY_PID")
  kill "$IDLE_PID" 2>/dev/null || true
  wait "$IDLE_PID" 2>/dev/null || true
  awk -v a="$idle_before" -v b="$idle_after" -v n="$IDLE_CONNECTIONS" 'BEGIN {
    printf "memory: %d idle TLS connections add %.0f KiB (%.1f KiB each); RSS %d -> %d KiB\n", n, b - a, (b - a) / n, a, b }'

  # In-flight searches: 64 connections of allowed searches; peak RSS against the idle RSS.
  sleep 2
  local base peak r
  base=$(rss_kb "$PROXY_PID")
  wrk -t1 -c64 -d20s -s "$T/allowed.lua" "https://127.0.0.1:$PORT/" >"$T/inflight.out" 2>&1 &
  WRK_PID=$!
  peak=$base
  while kill -0 "$WRK_PID" 2>/dev/null; do
    r=$(rss_kb "$PROXY_PID")
    [ "$r" -gt "$peak" ] && peak=$r
    sleep 0.2
  done
  awk -v a="$base" -v p="$peak" 'BEGIN {
    printf "memory: 64 in-flight allowed searches: peak RSS %d KiB over %d KiB at rest (%.0f KiB per search)\n", p, a, (p - a) / 64 }'

}
[ "$MEMORY_MINUTES" -gt 0 ] && memory_per_connection

echo "# $(uname -srm), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1))"
echo "# $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg); gallery $GALLERY faces"
echo "# wrk -t1 -c$CONNECTIONS -d${SECONDS_PER_RUN}s, the same pre-signed SearchFacesByImage"
echo "# ($(stat -c %s "$T/search.json") bytes) to both servers, $ROUNDS alternating rounds"
: >"$T/nginx.rps"
: >"$T/denied.rps"
for round in $(seq "$ROUNDS"); do
  read -r rps p50 p99 err < <(run_wrk "https://127.0.0.1:$NGINX_PORT/" "$T/denied.lua" "$CONNECTIONS" "$SECONDS_PER_RUN")
  echo "$rps" >>"$T/nginx.rps"
  printf 'round %d  nginx static 200      %7s req/s  p50 %6s ms  p99 %6s ms  %s\n' "$round" "$rps" "$p50" "$p99" "$err"
  before=$(cpu_ticks "$PROXY_PID")
  [ -n "${PERF_OUT:-}" ] && { perf record ${PERF_ARGS:--g} -o "$PERF_OUT" -p "$PROXY_PID" -- sleep "$SECONDS_PER_RUN" 2>/dev/null & }
  read -r rps p50 p99 err < <(run_wrk "https://127.0.0.1:$PORT/" "$T/denied.lua" "$CONNECTIONS" "$SECONDS_PER_RUN")
  wait_perf
  kill -0 "$PROXY_PID" 2>/dev/null || { echo "the proxy exited during the run" >&2; exit 1; }
  cpu=$(awk -v t=$(($(cpu_ticks "$PROXY_PID") - before)) -v hz="$(getconf CLK_TCK)" -v n="$rps" \
    -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%.3f", 1000 * t / hz / (n * s) }')
  echo "$rps" >>"$T/denied.rps"
  printf 'round %d  oversight, denied     %7s req/s  p50 %6s ms  p99 %6s ms  %s  (proxy CPU %s ms/request)\n' "$round" "$rps" "$p50" "$p99" "$err" "$cpu"
done
NGINX_RPS=$(median <"$T/nginx.rps")
DENIED_RPS=$(median <"$T/denied.rps")
awk -v d="$DENIED_RPS" -v n="$NGINX_RPS" 'BEGIN { printf "(a) denied searches: median %d req/s = %.0f%% of nginx (%d req/s); goal >= 40%%\n", d, 100 * d / n, n }'

read -r rps p50 p99 err < <(run_wrk "https://127.0.0.1:$PORT/" "$T/allowed.lua" 4 "$SECONDS_PER_RUN")
printf '(b) allowed searches, 4 connections: %s req/s  p50 %s ms  p99 %s ms  %s\n' "$rps" "$p50" "$p99" "$err"
"$BUILD/bench/proxy_latency" --socket "$T/d/run/matcher.sock" --port "$PORT" --ca "$T/d/tls/ca.pem" \
  --credentials "$CREDS" --profile det.jones --body "$T/search.json" "${WARRANT[@]}" --requests 200 |
  sed 's/^/(b) /'

if [ "$MEMORY_MINUTES" -gt 0 ]; then
  # Resident memory over a long mixed load: denied and allowed searches at once.
  presign "$T/denied-long.lua" $((MEMORY_MINUTES / 4 + 2)) --spacing 240
  presign "$T/allowed-long.lua" $((MEMORY_MINUTES / 4 + 2)) --spacing 240 "${WARRANT[@]}"
  wrk -t1 -c32 -d"${MEMORY_MINUTES}m" -s "$T/denied-long.lua" "https://127.0.0.1:$PORT/" >"$T/long-denied.out" 2>&1 &
  W1=$!
  wrk -t1 -c4 -d"${MEMORY_MINUTES}m" -s "$T/allowed-long.lua" "https://127.0.0.1:$PORT/" >"$T/long-allowed.out" 2>&1 &
  W2=$!
  : >"$T/rss.tsv"
  start=$(date +%s)
  while kill -0 "$W1" 2>/dev/null || kill -0 "$W2" 2>/dev/null; do
    echo "$(($(date +%s) - start)) $(rss_kb "$PROXY_PID")" >>"$T/rss.tsv"
    sleep 10
  done
  awk -v from=$((MEMORY_MINUTES >= 5 ? 60 : 10)) '{ t = $1; r = $2; if (t >= from && warm == "") warm = r; if (warm != "" && r > max) max = r;
         if (t % 60 < 10) printf "memory: after %2d min RSS %d KiB\n", t / 60, r }
       END { printf "memory: RSS after warm-up (%d s) %d KiB, highest after %d KiB: growth %.1f%% (goal <= 10%%)\n", from, warm, max, 100 * (max - warm) / warm }' "$T/rss.tsv"
  for f in long-denied long-allowed; do
    printf 'memory: %s: %s req/s, %s\n' "$f" "$(awk '/Requests\/sec/ {print $2}' "$T/$f.out")" \
      "$(grep -E "Non-2xx|Socket errors" "$T/$f.out" | tr -s ' ' | paste -sd';' -)"
  done
fi

if [ "$SANITIZED" -gt 0 ]; then
  # LeakSanitizer reports at exit: stop both services cleanly and read their logs.
  for name in proxy matcher; do
    pid=$([ "$name" = proxy ] && echo "$PROXY_PID" || echo "$MATCHER_PID")
    kill -TERM "$pid"
    wait "$pid" || echo "sanitizer: the $name exited with status $?"
    if grep -q "LeakSanitizer\|AddressSanitizer\|runtime error" "$T/$name.log"; then
      grep -B2 -A30 "Sanitizer\|runtime error" "$T/$name.log" | head -60
      echo "sanitizer: the $name REPORTED A PROBLEM (above)"
      exit 1
    fi
    echo "sanitizer: the $name stopped cleanly; LeakSanitizer reported no leak"
  done
fi

"$OVERSIGHT" ledger verify --dir "$T/d/ledger" --json >"$T/verify.json" 2>&1 || true
python3 - "$T/verify.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
print("ledger after the runs: %s entries, %s" % (v.get("entries"), "verified" if v.get("ok", v.get("valid")) else "NOT VERIFIED: " + json.dumps(v)))
PY
