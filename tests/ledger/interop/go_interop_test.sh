#!/usr/bin/env bash
# Interop: Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's golang-golang-x-mod-dev)
# verify Oversight's signed checkpoints, a tlog-proof and a consistency proof unchanged.
#   go_interop_test.sh OVERSIGHT_BINARY
set -euo pipefail
OVERSIGHT=$1
HERE=$(cd "$(dirname "$0")" && pwd)
GOPATH_X=/usr/share/gocode
if ! command -v go >/dev/null || [ ! -d "$GOPATH_X/src/golang.org/x/mod/sumdb" ]; then
  echo "SKIPPED LOUDLY: go or golang-golang-x-mod-dev missing (scripts/setup installs them)"
  exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
L=$T/ledger
"$OVERSIGHT" ledger init --dir "$L" --origin interop.oversight.test/log >/dev/null
for i in $(seq 0 6); do echo "{\"i\":$i}" | "$OVERSIGHT" ledger append --dir "$L" --kind t >/dev/null; done
"$OVERSIGHT" ledger checkpoint --sign --dir "$L" > "$T/old.checkpoint"
for i in $(seq 7 10); do echo "{\"i\":$i}" | "$OVERSIGHT" ledger append --dir "$L" --kind t >/dev/null; done
"$OVERSIGHT" ledger checkpoint --sign --dir "$L" >/dev/null
"$OVERSIGHT" ledger prove --dir "$L" --index 3 > "$T/e3.tlog-proof"
"$OVERSIGHT" ledger consistency --dir "$L" --from 7 --to 11 --json > "$T/consistency.json"
cd "$T"
GO111MODULE=off GOPATH=$GOPATH_X GOCACHE=$T/gocache GOFLAGS= \
  go run "$HERE/goverify.go" "$L/ledger.vkey" "$T/e3.tlog-proof" "$T/old.checkpoint" "$T/consistency.json"
# And it must refuse a proof for another entry.
sed -i 's/^index 3$/index 4/' "$T/e3.tlog-proof"
if GO111MODULE=off GOPATH=$GOPATH_X GOCACHE=$T/gocache go run "$HERE/goverify.go" \
    "$L/ledger.vkey" "$T/e3.tlog-proof" "$T/old.checkpoint" "$T/consistency.json" 2>/dev/null; then
  echo "FAIL: Go accepted a proof for the wrong index"
  exit 1
fi
echo "OK: Go rejected a proof for the wrong index"
