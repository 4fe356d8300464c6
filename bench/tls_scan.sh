#!/usr/bin/env bash
# Scans a running `oversight serve` with Debian's testssl.sh and fails unless every protocol
# below TLS 1.2 and every weak cipher class is "not offered". Starts its own proxy from a
# throwaway `oversight init` (no matcher needed: the handshake is what is scanned).
#   bench/tls_scan.sh [OVERSIGHT_BINARY]      (default build/cli/oversight)
# Prints testssl's findings for protocols and cipher classes; the full JSON is kept in
# $TMPDIR/oversight-tls-scan.json.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OVERSIGHT=${1:-$ROOT/build/cli/oversight}
command -v testssl >/dev/null || { echo "testssl.sh is not installed (scripts/setup installs it)"; exit 77; }
T=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT

"$OVERSIGHT" init --dir "$T/d" --port 0 >/dev/null
"$OVERSIGHT" serve --config "$T/d/oversight.json" --no-purge >"$T/proxy.log" 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q "oversight: serving" "$T/proxy.log" && break; sleep 0.1; done
PORT=$(sed -n 's|.*https://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/proxy.log" | head -1)
[ -n "$PORT" ] || { cat "$T/proxy.log"; exit 1; }

OUT=${TMPDIR:-/tmp}/oversight-tls-scan.json
rm -f "$OUT"
# -p protocols, -s cipher classes ("standard ciphers"), -f forward secrecy; no network lookups.
testssl --quiet --color 0 --warnings off --sneaky --jsonfile "$OUT" -p -s -f "127.0.0.1:$PORT" \
  >"$T/testssl.txt" 2>&1 || true

python3 - "$OUT" <<'EOF'
import json, sys
findings = {f["id"]: f for f in json.load(open(sys.argv[1]))}
must_not = ["SSLv2", "SSLv3", "TLS1", "TLS1_1",
            "cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW",
            "cipherlist_3DES_IDEA", "cipherlist_AVERAGE"]  # AVERAGE: testssl 3.0's obsolete CBC class
must = ["TLS1_2", "TLS1_3", "cipherlist_STRONG"]
bad = False
for key in must_not + must:
    f = findings.get(key)
    text = f["finding"] if f else "(missing from the scan)"
    ok = f is not None and (("not offered" in text) if key in must_not else text.startswith("offered"))
    bad |= not ok
    print(f"{'ok  ' if ok else 'FAIL'} {key:22} {text}")
for key in ("PFS", "PFS_ciphers", "FS", "FS_ciphers"):
    if key in findings:
        print(f"     {key:22} {findings[key]['finding'][:100]}")
sys.exit(1 if bad else 0)
EOF
