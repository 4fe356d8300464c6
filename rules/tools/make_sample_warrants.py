#!/usr/bin/env python3
"""Makes sample court keys and a signed sample warrant registry (rules/warrants.sample.json).

Private keys are written only to --key-dir (default: a fresh temporary directory, mode 0700)
and are never part of the repository; the registry holds public keys and signatures only.
Each court signs  b"oversight-warrant-v1\\n" + RFC 8785 canonical JSON of the warrant without
its "signature" member. For the ASCII strings used here, json.dumps(sort_keys=True,
separators=(",", ":")) is exactly RFC 8785.

Usage: rules/tools/make_sample_warrants.py [--out rules/warrants.sample.json] [--key-dir DIR]
Needs: python3, openssl (3.x, for Ed25519).
"""
import argparse
import base64
import json
import os
import subprocess
import tempfile

DOMAIN = b"oversight-warrant-v1\n"

COURTS = [
    {"id": "king-county-superior", "name": "King County Superior Court (sample)"},
    {"id": "mt-first-judicial-district", "name": "Montana First Judicial District Court (sample)"},
]

WARRANTS = [
    {"id": "W-2026-0042", "court": "king-county-superior", "status": "active",
     "issued_at": "2026-02-21T09:00:00Z", "expires_at": "2026-03-21T09:00:00Z",
     "case_ids": ["C-2026-1187"], "purposes": ["criminal_investigation"]},
    {"id": "W-2026-0043", "court": "king-county-superior", "status": "revoked",
     "issued_at": "2026-02-22T09:00:00Z", "expires_at": "2026-03-22T09:00:00Z",
     "case_ids": ["C-2026-1190"], "purposes": ["criminal_investigation"]},
    {"id": "W-2026-0100", "court": "mt-first-judicial-district", "status": "active",
     "issued_at": "2026-02-25T15:30:00Z", "expires_at": "2026-04-25T15:30:00Z",
     "case_ids": ["MT-2026-0077"], "purposes": ["criminal_investigation"]},
]

# Signed by a key the registry does not trust: loads with signature_valid = false.
FORGED = {"id": "W-2026-0666", "court": "king-county-superior", "status": "active",
          "issued_at": "2026-02-21T09:00:00Z", "expires_at": "2026-12-31T00:00:00Z",
          "case_ids": ["C-2026-1187"], "purposes": ["criminal_investigation"]}


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True, capture_output=True).stdout


def make_key(path):
    openssl("genpkey", "-algorithm", "ed25519", "-out", path)
    os.chmod(path, 0o600)
    der = openssl("pkey", "-in", path, "-pubout", "-outform", "DER")
    return base64.b64encode(der[-32:]).decode()  # raw key = last 32 bytes of the SPKI


def sign(key_path, warrant):
    message = DOMAIN + json.dumps(warrant, sort_keys=True, separators=(",", ":")).encode()
    with tempfile.NamedTemporaryFile() as msg:
        msg.write(message)
        msg.flush()
        sig = openssl("pkeyutl", "-sign", "-rawin", "-inkey", key_path, "-in", msg.name)
    return base64.b64encode(sig).decode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "warrants.sample.json"))
    ap.add_argument("--key-dir", default=None, help="where private keys go (never the repo)")
    args = ap.parse_args()
    key_dir = args.key_dir or tempfile.mkdtemp(prefix="oversight-court-keys-")
    os.makedirs(key_dir, mode=0o700, exist_ok=True)
    courts, keys = [], {}
    for c in COURTS:
        keys[c["id"]] = os.path.join(key_dir, c["id"] + ".pem")
        courts.append(dict(c, public_key=make_key(keys[c["id"]])))
    warrants = [dict(w, signature=sign(keys[w["court"]], w)) for w in WARRANTS]
    rogue = os.path.join(key_dir, "untrusted.pem")
    make_key(rogue)
    warrants.append(dict(FORGED, signature=sign(rogue, FORGED)))
    with open(args.out, "w") as f:
        json.dump({"format": 1, "courts": courts, "warrants": warrants}, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}; private keys in {key_dir} (do not commit them)")


if __name__ == "__main__":
    main()
