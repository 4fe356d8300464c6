// Unit tests of the console's verification module (proxy/console/js/verify.js) under Node 20's
// WebCrypto:  node --test tests/console/verify.test.mjs
//
// Vectors: the C2SP/Go signed-note example (golang.org/x/mod/sumdb/note), the RFC 6962 root
// hashes of transparency-dev/merkle (as tests/ledger/merkle_test.cc uses them), every
// transparency-dev inclusion and consistency proof vector in tests/ledger/testdata/merkle
// (positive and negative), and a real ledger made with `oversight ledger` (testdata/ledger/,
// see testdata/ledger/README.md). Each positive case has a flipped-byte negative twin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateKeyPairSync, sign as nodeSign, createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const V = await import(join(repo, 'proxy/console/js/verify.js'));

const flipByte = (bytes, at = 0, bit = 1) => {
  const c = Uint8Array.from(bytes);
  c[at % c.length] ^= bit;
  return c;
};
const flipB64 = (b64, at = 0) => V.base64Encode(flipByte(V.base64Decode(b64), at));

// ------------------------------------------------------------------ encodings

test('base64 round trip and strictness', () => {
  for (const n of [0, 1, 2, 3, 4, 31, 32, 33, 64]) {
    const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
    const e = V.base64Encode(b);
    assert.equal(e, Buffer.from(b).toString('base64'));
    assert.deepEqual(V.base64Decode(e), b);
  }
  assert.throws(() => V.base64Decode('abc'), V.VerifyError);
  assert.throws(() => V.base64Decode('ab c'), V.VerifyError);
  assert.throws(() => V.base64Decode('ab-_'), V.VerifyError);
  assert.throws(() => V.base64Decode('QR=='), V.VerifyError, 'unused bits set');
  assert.deepEqual(V.base64Decode('QQ=='), Uint8Array.of(0x41));
});

test('hex', () => {
  assert.equal(V.toHex(Uint8Array.of(0, 1, 0xab)), '0001ab');
  assert.deepEqual(V.fromHex('0001ab'), Uint8Array.of(0, 1, 0xab));
  assert.throws(() => V.fromHex('0g'), V.VerifyError);
});

// ------------------------------------------------------------------ hashes

const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

test('RFC 6962 leaf and node hashes (transparency-dev rfc6962_test.go)', async () => {
  assert.equal(V.toHex(await V.leafHash(new Uint8Array(0))), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  assert.equal(V.toHex(await V.leafHash('L123456')), '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
  assert.equal(V.toHex(await V.nodeHash(V.utf8('N123'), V.utf8('N456'))), 'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb');
});

test('RFC 6962 root hashes of sizes 0..8 (transparency-dev testonly/constants.go)', async () => {
  const leaves = await Promise.all(LEAF_INPUTS.map((h) => V.leafHash(V.fromHex(h))));
  for (let n = 0; n <= 8; n++) {
    assert.equal(V.toHex(await V.merkleRoot(leaves.slice(0, n))), ROOTS[n], `size ${n}`);
  }
});

// ------------------------------------------------------------------ proof vectors

function vectorFiles(kind) {
  const root = join(repo, 'tests/ledger/testdata/merkle', kind);
  const out = [];
  for (const d of readdirSync(root)) {
    const dir = join(root, d);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.json')) out.push(join(dir, f));
  }
  return out.sort();
}

// A vector fails if verification throws (malformed input) or answers ok = false.
async function outcome(fn) {
  try {
    return (await fn()).ok;
  } catch (e) {
    if (!(e instanceof V.VerifyError)) throw e;
    return false;
  }
}

test('transparency-dev inclusion vectors (positive and negative)', async () => {
  const files = vectorFiles('inclusion');
  assert.ok(files.length >= 20, `found ${files.length} inclusion vectors`);
  let positive = 0;
  for (const f of files) {
    const v = JSON.parse(readFileSync(f, 'utf8'));
    const index = v.leafIdx ?? v.leafIndex;
    const ok = await outcome(() => V.verifyInclusion(index, v.treeSize, v.leafHash, v.proof ?? [], v.root));
    assert.equal(ok, !v.wantErr, `${f}: ${v.desc}`);
    if (!v.wantErr) positive++;
  }
  assert.ok(positive >= 5);
});

test('transparency-dev consistency vectors (positive and negative)', async () => {
  const files = vectorFiles('consistency');
  assert.ok(files.length >= 30, `found ${files.length} consistency vectors`);
  for (const f of files) {
    const v = JSON.parse(readFileSync(f, 'utf8'));
    // Two positive vectors between equal sizes use "don't care" roots that are not 32 bytes,
    // where only their equality matters: as tests/ledger/merkle_proof_test.cc does, a SHA-256
    // of those bytes stands in for them. Negative vectors keep their bytes (and must fail).
    const standIn = async (r) => (v.wantErr || V.base64Decode(r).length === 32 ? r : V.sha256(V.base64Decode(r)));
    const [root1, root2] = [await standIn(v.root1), await standIn(v.root2)];
    const ok = await outcome(() => V.verifyConsistency(v.size1, v.size2, root1, root2, v.proof ?? []));
    assert.equal(ok, !v.wantErr, `${f}: ${v.desc}`);
  }
});

// ------------------------------------------------------------------ signed notes

// golang.org/x/mod/sumdb/note: the doc comment's example key and note.
const PN_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PN_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PN_SIG = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const PN_NOTE = `${PN_TEXT}\n${PN_SIG}`;

test('Ed25519 is available in this WebCrypto', async () => {
  assert.equal(await V.ed25519Supported(), true);
});

test('verifier key parsing checks the key ID', async () => {
  const k = await V.parseVerifierKey(PN_VKEY);
  assert.equal(k.name, 'PeterNeumann');
  assert.equal(k.keyIdHex, 'c74f20a3');
  assert.equal(k.publicKey.length, 32);
  await assert.rejects(V.parseVerifierKey(PN_VKEY.replace('c74f20a3', 'c74f20a4')), /does not match/);
  await assert.rejects(V.parseVerifierKey('PeterNeumann+c74f20a3'), V.VerifyError);
  await assert.rejects(V.parseVerifierKey(PN_VKEY.replace('+AR', '+Ah')), V.VerifyError);
});

// A key of our own (Node's Ed25519, independent of verify.js), chosen so that its base64 holds
// '+' and '/': a verifier key is split at its first two '+' only.
function makeKey(name) {
  for (;;) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.concat([Buffer.from([1]), publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)]);
    const b64 = raw.toString('base64');
    if (!b64.includes('+') || !b64.includes('/')) continue;
    const id = createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), raw])).digest().subarray(0, 4);
    const signNote = (text) => `${text}\n\u2014 ${name} ${Buffer.concat([id, nodeSign(null, Buffer.from(text), privateKey)]).toString('base64')}\n`;
    return { vkey: `${name}+${id.toString('hex')}+${b64}`, signNote };
  }
}

test('a verifier key whose base64 holds + and / parses, and its notes verify', async () => {
  const { vkey, signNote } = makeKey('example.com/log');
  const k = await V.parseVerifierKey(vkey);
  assert.equal(k.name, 'example.com/log');
  const note = signNote('example.com/log\n3\n' + Buffer.alloc(32, 7).toString('base64') + '\n');
  const r = await V.verifyCheckpoint(note, vkey);
  assert.equal(r.ok, true, r.reason);
  assert.equal(r.checkpoint.size, 3);
  assert.equal((await V.verifyCheckpoint(note.replace('\n3\n', '\n4\n'), vkey)).ok, false);
  const other = makeKey('example.com/log');
  assert.equal((await V.verifyCheckpoint(note, other.vkey)).ok, false, 'another key of the same name');
});

test('the Go signed-note vector verifies', async () => {
  const r = await V.verifyNote(PN_NOTE, PN_VKEY);
  assert.equal(r.ok, true, r.reason);
  assert.equal(r.text, PN_TEXT);
});

test('a signed note with a flipped byte fails', async () => {
  const altered = PN_NOTE.replace('cryptography', 'cryptographY');
  assert.equal((await V.verifyNote(altered, PN_VKEY)).ok, false);
  const sigB64 = PN_SIG.split(' ')[2].trim();
  const badSig = PN_NOTE.replace(sigB64, flipB64(sigB64, 10));
  assert.equal((await V.verifyNote(badSig, PN_VKEY)).ok, false);
  const wrongKeyId = PN_NOTE.replace(sigB64, flipB64(sigB64, 0));
  const r = await V.verifyNote(wrongKeyId, PN_VKEY);
  assert.equal(r.ok, false);
  assert.match(r.reason, /no signature by the key/);
});

test('malformed notes are refused', async () => {
  await assert.rejects(V.verifyNote(PN_TEXT, PN_VKEY), /no blank line/);
  await assert.rejects(V.verifyNote(PN_NOTE.replace('\u2014', '-'), PN_VKEY), /not a signature line/);
  await assert.rejects(V.verifyNote(PN_NOTE.slice(0, -1), PN_VKEY), /newline/);
  await assert.rejects(V.verifyNote(PN_NOTE.replace('If', 'I\tf'), PN_VKEY), /control/);
});

// ------------------------------------------------------------------ a real Oversight ledger

const LEDGER = join(here, 'testdata/ledger');
const real = {
  vkey: readFileSync(join(LEDGER, 'ledger.vkey'), 'utf8').trim(),
  entries: readFileSync(join(LEDGER, 'export.jsonl'), 'utf8').split('\n').filter((l) => l.length),
  checkpoint: readFileSync(join(LEDGER, 'export.jsonl.checkpoint'), 'utf8'),
  old: readFileSync(join(LEDGER, 'old.checkpoint'), 'utf8'),
  prove: JSON.parse(readFileSync(join(LEDGER, 'prove.json'), 'utf8')),
  consistency: JSON.parse(readFileSync(join(LEDGER, 'consistency.json'), 'utf8')),
};

test('a real checkpoint verifies against its verifier key, and not when altered', async () => {
  const r = await V.verifyCheckpoint(real.checkpoint, real.vkey);
  assert.equal(r.ok, true, r.reason);
  assert.equal(r.checkpoint.size, real.entries.length);
  const lines = real.checkpoint.split('\n');
  const altered = [lines[0], String(r.checkpoint.size + 1), ...lines.slice(2)].join('\n');
  assert.equal((await V.verifyCheckpoint(altered, real.vkey)).ok, false);
  const rootB64 = lines[2];
  const otherRoot = real.checkpoint.replace(rootB64, flipB64(rootB64, 31));
  assert.equal((await V.verifyCheckpoint(otherRoot, real.vkey)).ok, false);
  const other = await V.verifyNote(real.checkpoint, PN_VKEY);
  assert.equal(other.ok, false, 'another key finds no signature');
});

test('a real ledger: leaf hashes, root, and the hash chain', async () => {
  const cp = (await V.verifyCheckpoint(real.checkpoint, real.vkey)).checkpoint;
  const leaves = [];
  for (const [seq, line] of real.entries.entries()) {
    const e = JSON.parse(line);
    assert.equal(e.seq, seq);
    const prev = seq === 0 ? '0'.repeat(64) : V.toHex(leaves[seq - 1]);
    assert.equal(e.prev, prev, `chain at ${seq}`);
    leaves.push(await V.leafHash(line));
  }
  assert.deepEqual(await V.merkleRoot(leaves), cp.root);
  const flipped = real.entries.slice();
  flipped[1] = flipped[1].replace('"seq":1', '"seq":2');
  const bad = await Promise.all(flipped.map((l) => V.leafHash(l)));
  assert.notDeepEqual(await V.merkleRoot(bad), cp.root);
});

test('a real inclusion proof (oversight ledger prove --json) verifies, and fails when altered', async () => {
  const p = real.prove;
  assert.equal(p.entry, real.entries[p.index], 'prove --json carries the entry\'s exact bytes');
  const leaf = await V.leafHash(p.entry);
  assert.equal(V.base64Encode(leaf), p.leaf_hash);
  let r = await V.verifyInclusion(p.index, p.size, leaf, p.proof, p.root);
  assert.equal(r.ok, true, r.reason);
  assert.equal((await V.verifyInclusion(p.index, p.size, flipByte(leaf, 5), p.proof, p.root)).ok, false);
  assert.equal((await V.verifyInclusion(p.index + 1, p.size, leaf, p.proof, p.root)).ok, false);
  assert.equal((await V.verifyInclusion(p.index, p.size, leaf, p.proof, flipB64(p.root, 3))).ok, false);
  for (let k = 0; k < p.proof.length; k++) {
    const proof = p.proof.slice();
    proof[k] = flipB64(proof[k], 17);
    r = await V.verifyInclusion(p.index, p.size, leaf, proof, p.root);
    assert.equal(r.ok, false, `proof hash ${k} flipped`);
  }
  assert.equal((await V.verifyInclusion(p.index, p.size, leaf, p.proof.slice(1), p.root)).ok, false);
  assert.equal((await V.verifyInclusion(p.index, p.size, leaf, [...p.proof, p.root], p.root)).ok, false);
});

test('a real consistency proof between two signed checkpoints verifies, and fails when altered', async () => {
  const c = real.consistency;
  const oldCp = (await V.verifyCheckpoint(real.old, real.vkey)).checkpoint;
  const newCp = (await V.verifyCheckpoint(real.checkpoint, real.vkey)).checkpoint;
  assert.equal(c.size1, oldCp.size);
  assert.equal(c.size2, newCp.size);
  assert.equal(c.root1, oldCp.rootBase64);
  assert.equal(c.root2, newCp.rootBase64);
  const r = await V.verifyConsistency(oldCp.size, newCp.size, oldCp.root, newCp.root, c.proof);
  assert.equal(r.ok, true, r.reason);
  assert.equal((await V.verifyConsistency(oldCp.size, newCp.size, flipByte(oldCp.root), newCp.root, c.proof)).ok, false);
  assert.equal((await V.verifyConsistency(oldCp.size, newCp.size, oldCp.root, flipByte(newCp.root, 9), c.proof)).ok, false);
  assert.equal((await V.verifyConsistency(oldCp.size, newCp.size, oldCp.root, newCp.root, [flipB64(c.proof[0]), ...c.proof.slice(1)])).ok, false);
  assert.equal((await V.verifyConsistency(oldCp.size + 1, newCp.size, oldCp.root, newCp.root, c.proof)).ok, false);
});
