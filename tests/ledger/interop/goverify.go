// goverify checks Oversight's checkpoints and proofs with Go's own transparency-log code,
// golang.org/x/mod/sumdb/note and sumdb/tlog, unchanged: an independent implementation.
//
//	goverify VKEY PROOF.tlog-proof OLD_CHECKPOINT CONSISTENCY.json
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type tree struct {
	origin string
	size   int64
	root   tlog.Hash
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "goverify: "+format+"\n", args...)
	os.Exit(1)
}

func readFile(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	return b
}

func hashOf(b64 string) tlog.Hash {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != tlog.HashSize {
		fail("bad hash %q", b64)
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

// openCheckpoint verifies the signed note with note.Open and parses the checkpoint body.
func openCheckpoint(signed []byte, verifiers note.Verifiers) tree {
	n, err := note.Open(signed, verifiers)
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("checkpoint has too few lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	return tree{lines[0], size, hashOf(lines[2])}
}

func main() {
	if len(os.Args) != 5 {
		fail("usage: goverify VKEY PROOF OLD_CHECKPOINT CONSISTENCY_JSON")
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(readFile(os.Args[1]))))
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	verifiers := note.VerifierList(v)

	// The tlog-proof: header, extra (the entry), index, hashes, blank line, checkpoint.
	proof := readFile(os.Args[2])
	parts := bytes.SplitN(proof, []byte("\n\n"), 2)
	head := strings.Split(string(parts[0]), "\n")
	if head[0] != "c2sp.org/tlog-proof@v1" {
		fail("not a tlog-proof")
	}
	entry, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(head[1], "extra "))
	if err != nil {
		fail("extra: %v", err)
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(head[2], "index "), 10, 64)
	if err != nil {
		fail("index: %v", err)
	}
	var rp tlog.RecordProof
	for _, line := range head[3:] {
		rp = append(rp, hashOf(line))
	}
	latest := openCheckpoint(parts[1], verifiers)
	if err := tlog.CheckRecord(rp, latest.size, latest.root, index, tlog.RecordHash(entry)); err != nil {
		fail("tlog.CheckRecord: %v", err)
	}

	// Consistency of the older checkpoint with the latest one.
	old := openCheckpoint(readFile(os.Args[3]), verifiers)
	var c struct {
		Size1 int64    `json:"size1"`
		Size2 int64    `json:"size2"`
		Proof []string `json:"proof"`
	}
	if err := json.Unmarshal(readFile(os.Args[4]), &c); err != nil {
		fail("consistency json: %v", err)
	}
	if c.Size1 != old.size || c.Size2 != latest.size {
		fail("consistency proof is for %d->%d, checkpoints are %d->%d", c.Size1, c.Size2, old.size, latest.size)
	}
	var tp tlog.TreeProof
	for _, h := range c.Proof {
		tp = append(tp, hashOf(h))
	}
	if err := tlog.CheckTree(tp, latest.size, latest.root, old.size, old.root); err != nil {
		fail("tlog.CheckTree: %v", err)
	}
	fmt.Printf("OK: Go note+tlog verified entry %d in %s at size %d, consistent with size %d\n",
		index, latest.origin, latest.size, old.size)
}
