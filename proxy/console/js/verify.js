// The console's verification code: C2SP signed notes (Ed25519), tlog checkpoints, RFC 6962
// leaf and node hashes, and RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proof
// verification. Only WebCrypto (globalThis.crypto.subtle) is used, so the same module runs
// in the browser and under Node 20 (tests/console/verify.test.mjs).
//
// Every check answers a result object rather than throwing for a failed verification, so a
// page can show each step; malformed input (bad base64, a note without signatures) throws a
// VerifyError with a message meant for a person.

export class VerifyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'VerifyError';
  }
}

const subtle = () => {
  const c = globalThis.crypto;
  if (!c || !c.subtle) {
    throw new VerifyError('this browser has no WebCrypto (crypto.subtle); pages must be served over HTTPS');
  }
  return c.subtle;
};

const encoder = new TextEncoder();

// ---------------------------------------------------------------- bytes and encodings

export function utf8(text) {
  return encoder.encode(text);
}

export function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(hex) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new VerifyError(`not hexadecimal: ${String(hex).slice(0, 40)}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

// Standard base64 (RFC 4648 §4) with padding, strictly: no whitespace, no URL alphabet, and
// the unused bits of the last character must be zero (so each byte string has one encoding).
export function base64Decode(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0) {
    throw new VerifyError(`not standard base64: ${String(text).slice(0, 40)}`);
  }
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const n = (text.length / 4) * 3 - pad;
  const out = new Uint8Array(n);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const v = [0, 0, 0, 0];
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      const last = i + 4 === text.length;
      if (c === 61 /* = */ && last && j >= 4 - pad) {
        v[j] = 0;
        continue;
      }
      const d = c < 128 ? B64_INDEX[c] : -1;
      if (d < 0) throw new VerifyError(`not standard base64: ${text.slice(0, 40)}`);
      v[j] = d;
    }
    const triple = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    if (o < n) out[o++] = (triple >> 16) & 0xff;
    if (o < n) out[o++] = (triple >> 8) & 0xff;
    if (o < n) out[o++] = triple & 0xff;
    if (i + 4 === text.length && pad && (triple & (pad === 2 ? 0xffff : 0xff)) !== 0) {
      throw new VerifyError(`not canonical base64 (unused bits set): ${text.slice(0, 40)}`);
    }
  }
  return out;
}

export function base64Encode(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i];
    const b = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2] : 0;
    const t = (a << 16) | (b << 8) | c;
    s += B64[(t >> 18) & 63] + B64[(t >> 12) & 63];
    s += i + 1 < bytes.length ? B64[(t >> 6) & 63] : '=';
    s += i + 2 < bytes.length ? B64[t & 63] : '=';
  }
  return s;
}

// ---------------------------------------------------------------- hashes (RFC 6962 §2.1)

export async function sha256(bytes) {
  return new Uint8Array(await subtle().digest('SHA-256', bytes));
}

// Leaf hash of an entry's canonical bytes (a string is taken as its UTF-8 bytes).
export async function leafHash(entry) {
  const bytes = typeof entry === 'string' ? utf8(entry) : entry;
  return sha256(concat(Uint8Array.of(0), bytes));
}

export async function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

// The Merkle tree hash MTH of a list of leaf hashes (for tests and small trees).
export async function merkleRoot(leafHashes) {
  if (leafHashes.length === 0) return sha256(new Uint8Array(0));
  if (leafHashes.length === 1) return leafHashes[0];
  let k = 1;
  while (k * 2 < leafHashes.length) k *= 2;
  return nodeHash(await merkleRoot(leafHashes.slice(0, k)), await merkleRoot(leafHashes.slice(k)));
}

const hashArg = (h, what) => {
  const b = typeof h === 'string' ? base64Decode(h) : h;
  if (!(b instanceof Uint8Array) || b.length !== 32) {
    throw new VerifyError(`${what} is not a 32-byte SHA-256 hash`);
  }
  return b;
};

const sizeArg = (n, what) => {
  const v = typeof n === 'bigint' ? n : BigInt(n);
  if (v < 0n) throw new VerifyError(`${what} is negative`);
  return v;
};

// ---------------------------------------------------------------- proofs (RFC 9162)

// RFC 9162 §2.1.3.2: does `proof` prove that the leaf with hash `leaf` is at `index` in the
// tree of `size` leaves whose root is `root`? Hashes are Uint8Arrays or base64 strings.
// Answers {ok, reason, computedRoot}.
export async function verifyInclusion(index, size, leaf, proof, root) {
  const i = sizeArg(index, 'index');
  const n = sizeArg(size, 'tree size');
  const leafBytes = hashArg(leaf, 'the leaf hash');
  const rootBytes = hashArg(root, 'the root');
  const path = proof.map((p, k) => hashArg(p, `proof hash ${k + 1}`));
  if (i >= n) return { ok: false, reason: `index ${i} is not below the tree size ${n}` };
  let fn = i;
  let sn = n - 1n;
  let r = leafBytes;
  for (const p of path) {
    if (sn === 0n) return { ok: false, reason: 'the proof has more hashes than the tree needs' };
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return { ok: false, reason: 'the proof has fewer hashes than the tree needs', computedRoot: r };
  if (!equalBytes(r, rootBytes)) {
    return { ok: false, reason: 'the root computed from the proof differs from the checkpoint root', computedRoot: r };
  }
  return { ok: true, reason: 'the root computed from the leaf and the proof equals the checkpoint root', computedRoot: r };
}

// RFC 9162 §2.1.4.2: is the tree of size2 leaves (root2) an extension of the tree of size1
// leaves (root1)? Answers {ok, reason}.
export async function verifyConsistency(size1, size2, root1, root2, proof) {
  const m = sizeArg(size1, 'the first size');
  const n = sizeArg(size2, 'the second size');
  const first = hashArg(root1, 'the first root');
  const second = hashArg(root2, 'the second root');
  let path = proof.map((p, k) => hashArg(p, `proof hash ${k + 1}`));
  if (m > n) return { ok: false, reason: `the first size ${m} is larger than the second ${n}` };
  if (m === n) {
    if (path.length !== 0) return { ok: false, reason: 'a proof between equal sizes must be empty' };
    return equalBytes(first, second)
      ? { ok: true, reason: 'same size and same root' }
      : { ok: false, reason: 'same size but different roots: the log has forked' };
  }
  if (m === 0n) {
    // As transparency-dev/merkle: a proof from the empty tree proves nothing, so it is refused.
    return { ok: false, reason: 'a consistency proof from the empty tree proves nothing' };
  }
  if (path.length === 0) return { ok: false, reason: 'the proof is empty' };
  if ((m & (m - 1n)) === 0n) path = [first, ...path];
  let fn = m - 1n;
  let sn = n - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return { ok: false, reason: 'the proof has more hashes than the trees need' };
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return { ok: false, reason: 'the proof has fewer hashes than the trees need' };
  if (!equalBytes(fr, first)) return { ok: false, reason: 'the proof does not reproduce the first root' };
  if (!equalBytes(sr, second)) return { ok: false, reason: 'the proof does not reproduce the second root' };
  return { ok: true, reason: 'the proof reproduces both roots: the new tree extends the old one' };
}

// ---------------------------------------------------------------- signed notes (C2SP)

const KEY_NAME = /^[^\s+]+$/u;

// A verifier key `<name>+<hex8 key ID>+<base64(0x01 ‖ 32-byte Ed25519 public key)>`.
// Checks that the key ID is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[0:4].
export async function parseVerifierKey(vkey) {
  const text = String(vkey).trim();
  // Split at the first two '+' only (as Go's note.NewVerifier does): base64 has '+' too.
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw new VerifyError('a verifier key is <name>+<hex key ID>+<base64 key>');
  const [name, idHex, keyB64] = [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
  if (!KEY_NAME.test(name)) throw new VerifyError('the verifier key has an invalid name');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new VerifyError('the verifier key ID is not 8 lowercase hex digits');
  const raw = base64Decode(keyB64);
  if (raw.length !== 33 || raw[0] !== 0x01) {
    throw new VerifyError('the verifier key is not an Ed25519 key (algorithm byte 0x01 and 32 bytes)');
  }
  const publicKey = raw.slice(1);
  const keyId = fromHex(idHex);
  const want = (await sha256(concat(utf8(name), Uint8Array.of(0x0a), raw))).slice(0, 4);
  if (!equalBytes(want, keyId)) {
    throw new VerifyError(`the verifier key ID ${idHex} does not match its name and key (${toHex(want)})`);
  }
  return { name, keyId, keyIdHex: idHex, publicKey, text };
}

// Splits a signed note into its text (the signed bytes: up to and including the newline
// before the last blank line) and its signature lines.
export function parseNote(note) {
  if (typeof note !== 'string') throw new VerifyError('the note is not text');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x09\x0b-\x1f\x7f]/.test(note)) throw new VerifyError('the note holds control characters');
  if (!note.endsWith('\n')) throw new VerifyError('the note does not end with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new VerifyError('the note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const sigLines = note.slice(split + 2, -1).split('\n');
  const signatures = sigLines.map((line) => {
    const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
    if (!m) throw new VerifyError(`not a signature line: ${line.slice(0, 60)}`);
    const blob = base64Decode(m[2]);
    if (blob.length < 5) throw new VerifyError('a signature is too short');
    return { name: m[1], keyId: blob.slice(0, 4), signature: blob.slice(4), line };
  });
  if (signatures.length === 0) throw new VerifyError('the note has no signatures');
  return { text, signatures };
}

// Does this environment's WebCrypto verify Ed25519? (Chromium 137+, Firefox 129+,
// Safari 17+, Node 20.) Detected by importing a key, not by asking for the name.
export async function ed25519Supported() {
  try {
    // The encoding of Ed25519's base point: a valid public key, so any error means no Ed25519.
    const base = new Uint8Array(32).fill(0x66);
    base[0] = 0x58;
    const key = await subtle().importKey('raw', base, { name: 'Ed25519' }, false, ['verify']);
    return !!key;
  } catch (e) {
    return false;
  }
}

// Verifies a signed note against a verifier key. Answers {ok, reason, text, signature}:
// ok is true only if a signature line whose name and key ID are the key's verifies. Throws
// a VerifyError with code 'no-ed25519' if WebCrypto lacks Ed25519.
export async function verifyNote(note, vkey) {
  const key = typeof vkey === 'string' ? await parseVerifierKey(vkey) : vkey;
  const parsed = parseNote(note);
  const mine = parsed.signatures.filter((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));
  if (mine.length === 0) {
    return { ok: false, reason: `no signature by the key ${key.name}+${key.keyIdHex}`, text: parsed.text };
  }
  let cryptoKey;
  try {
    cryptoKey = await subtle().importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch (e) {
    const err = new VerifyError(`this browser's WebCrypto cannot verify Ed25519 signatures (${e.message || e.name})`);
    err.code = 'no-ed25519';
    throw err;
  }
  for (const s of mine) {
    if (s.signature.length !== 64) {
      return { ok: false, reason: 'the signature is not 64 bytes long', text: parsed.text };
    }
    const good = await subtle().verify({ name: 'Ed25519' }, cryptoKey, s.signature, utf8(parsed.text));
    if (!good) {
      return { ok: false, reason: 'the Ed25519 signature does not verify: the note was altered or signed by another key', text: parsed.text, signature: s };
    }
    return { ok: true, reason: `Ed25519 signature by ${key.name}+${key.keyIdHex} verifies`, text: parsed.text, signature: s };
  }
  return { ok: false, reason: 'unreachable', text: parsed.text };
}

// Parses a tlog-checkpoint note text (C2SP): origin, decimal size, base64 root, extensions.
export function parseCheckpointText(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw new VerifyError('a checkpoint has at least three lines');
  const [origin, sizeText, rootText] = lines;
  if (!origin) throw new VerifyError('the checkpoint has no origin');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new VerifyError(`the checkpoint size is not a decimal number: ${sizeText}`);
  const root = base64Decode(rootText);
  if (root.length !== 32) throw new VerifyError('the checkpoint root is not a 32-byte hash');
  const size = BigInt(sizeText);
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new VerifyError('the checkpoint size is too large');
  return { origin, size: Number(size), root, rootBase64: rootText, extensions: lines.slice(3, -1) };
}

// Verifies a checkpoint note's signature and parses it. Answers {ok, reason, checkpoint}.
export async function verifyCheckpoint(note, vkey) {
  const key = typeof vkey === 'string' ? await parseVerifierKey(vkey) : vkey;
  const sig = await verifyNote(note, key);
  const checkpoint = parseCheckpointText(sig.text);
  if (sig.ok && checkpoint.origin !== key.name) {
    return { ok: false, reason: `the checkpoint's origin ${checkpoint.origin} is not the key's name ${key.name}`, checkpoint };
  }
  return { ok: sig.ok, reason: sig.reason, checkpoint };
}
