// The auditor's views: ledger status (the signed checkpoint, verified here), the entries table,
// one entry with its inclusion proof (verified here), and the report with charts.
import { api, v1, ApiError } from './api.js';
import { h, clear, statusItem, table, decisionBadge, fmtTime, field, code } from './dom.js';
import * as V from './verify.js';
import * as T from './trust.js';
import { stackedBarChart, groupedBarChart } from './charts.js';

// ------------------------------------------------------------------ the checkpoint

// The last result of checkLedger() in this page, so the entry view need not redo it.
let latest = null;

// Fetches the latest checkpoint and verifies it: the verifier key against the pinned one, the
// note's Ed25519 signature (WebCrypto), and consistency from the last checkpoint this browser
// verified (RFC 9162 §2.1.4.2). Answers {checkpoint, steps, signature: 'ok'|'fail'|'unsupported',
// consistent: true|false|null, serverKey, trustedKey, previous}.
export async function checkLedger() {
  const steps = [];
  const res = await api(v1('ledger/checkpoint'));
  const note = res.Note;
  const serverKey = String(res.VerifierKey || '').trim();
  let parsedText;
  try {
    parsedText = V.parseCheckpointText(V.parseNote(note).text);
  } catch (e) {
    steps.push({ kind: 'fail', title: 'The checkpoint is malformed', detail: e.message });
    return (latest = { steps, signature: 'fail', consistent: null, note, serverKey });
  }
  steps.push({ kind: 'info', title: `Latest signed checkpoint: ${parsedText.size} entries`, detail: `log ${parsedText.origin}, root ${parsedText.rootBase64}` });

  // 1. Which key to trust: the pinned one, else the proxy's (pinned below once it verifies).
  const pinned = T.pinnedKey();
  const trustedKey = pinned ? pinned.key : serverKey;
  if (!pinned) {
    steps.push({ kind: 'warn', title: 'First visit: no verifier key was pinned in this browser yet', detail: `Using the key the proxy names, ${serverKey}. Compare it with the key your deployment handed you (ledger.vkey); once the signature verifies it is pinned here and later checkpoints must verify under it.` });
  } else if (pinned.key === serverKey) {
    steps.push({ kind: 'ok', title: 'The proxy\'s verifier key matches the key pinned in this browser', detail: `${pinned.key} (pinned ${fmtTime(pinned.pinnedAt)})` });
  } else {
    steps.push({ kind: 'fail', title: 'The proxy\'s verifier key differs from the key pinned in this browser', detail: `pinned ${pinned.key} on ${fmtTime(pinned.pinnedAt)}; the proxy now names ${serverKey}. The checkpoint is checked against the pinned key.` });
  }

  // 2. The signature.
  let signature = 'fail';
  let checkpoint = parsedText;
  if (!(await V.ed25519Supported())) {
    signature = 'unsupported';
    steps.push({ kind: 'warn', title: 'Signature NOT verified: this browser\'s WebCrypto has no Ed25519', detail: 'Use a current Chromium, Firefox or Safari, or verify offline with `oversight ledger verify-proof`. Nothing below is claimed as verified against the signing key.' });
  } else {
    try {
      const r = await V.verifyCheckpoint(note, trustedKey);
      signature = r.ok ? 'ok' : 'fail';
      checkpoint = r.checkpoint;
      steps.push({ kind: r.ok ? 'ok' : 'fail', title: r.ok ? 'Checkpoint signature verified in this page (WebCrypto Ed25519)' : 'Checkpoint signature does NOT verify', detail: r.reason });
    } catch (e) {
      steps.push({ kind: 'fail', title: 'Checkpoint signature could not be checked', detail: e.message });
    }
  }
  if (signature === 'ok' && !pinned) {
    T.pinKey(trustedKey);
    steps.push({ kind: 'info', title: 'Verifier key pinned in this browser', detail: trustedKey });
  }

  // 3. Consistency with the last checkpoint this browser verified.
  const previous = T.trustedCheckpoint();
  let consistent = null;
  if (!previous) {
    steps.push({ kind: 'info', title: 'No earlier checkpoint verified in this browser', detail: signature === 'ok' ? 'This checkpoint becomes the reference the next one is checked against.' : 'Nothing to compare with.' });
    consistent = true;
  } else if (previous.size === checkpoint.size) {
    consistent = previous.root === checkpoint.rootBase64;
    steps.push({ kind: consistent ? 'ok' : 'fail', title: consistent ? `Same tree as the checkpoint this browser verified on ${fmtTime(previous.verifiedAt)} (size ${previous.size})` : `Same size as the checkpoint verified on ${fmtTime(previous.verifiedAt)} but a different root: the log has forked`, detail: `trusted root ${previous.root}` });
  } else if (previous.size > checkpoint.size) {
    consistent = false;
    steps.push({ kind: 'fail', title: `The proxy's newest checkpoint (${checkpoint.size}) is older than one this browser verified (${previous.size}, ${fmtTime(previous.verifiedAt)})`, detail: 'A ledger never shrinks: the proxy is showing an older or another log.' });
  } else if (previous.size === 0) {
    consistent = true;
    steps.push({ kind: 'info', title: 'The checkpoint this browser verified before was empty (size 0)', detail: 'Every log extends the empty one; nothing to prove.' });
  } else {
    try {
      const proof = await api(v1('ledger/consistency'), { query: { from: previous.size, to: checkpoint.size } });
      const r = await V.verifyConsistency(previous.size, checkpoint.size, previous.root, checkpoint.root, proof.Hashes || []);
      consistent = r.ok;
      steps.push({ kind: r.ok ? 'ok' : 'fail', title: r.ok ? `Consistent with the checkpoint this browser verified on ${fmtTime(previous.verifiedAt)} (size ${previous.size} → ${checkpoint.size}, RFC 9162 consistency proof of ${(proof.Hashes || []).length} hash${(proof.Hashes || []).length === 1 ? '' : 'es'})` : `NOT consistent with the checkpoint this browser verified (size ${previous.size} → ${checkpoint.size})`, detail: `${r.reason}; trusted root ${previous.root}` });
    } catch (e) {
      consistent = false;
      steps.push({ kind: 'fail', title: 'The consistency proof could not be checked', detail: e instanceof ApiError ? e.explain() : e.message });
    }
  }
  if (signature === 'ok' && consistent) {
    T.trustCheckpoint({ size: checkpoint.size, root: checkpoint.rootBase64 });
  }
  latest = { checkpoint, steps, signature, consistent, note, serverKey, trustedKey, previous, at: Date.now() };
  return latest;
}

function stepsList(steps, label) {
  return h('ol', { class: 'steps', 'aria-label': label }, steps.map((s) => statusItem(s.kind, s.title, s.detail)));
}

function summaryOf(result) {
  if (result.signature === 'unsupported') return { kind: 'warn', text: 'Not verified: no Ed25519 in this browser' };
  if (result.signature === 'ok' && result.consistent) return { kind: 'ok', text: 'Verified' };
  return { kind: 'fail', text: 'Verification FAILED' };
}

export async function ledgerView(el) {
  const out = h('div', { id: 'ledger-result', 'aria-live': 'polite' });
  const run = async () => {
    clear(out, h('p', { class: ['msg', 'msg-busy'], role: 'status', text: 'Fetching and verifying the latest checkpoint…' }));
    let r;
    try {
      r = await checkLedger();
    } catch (e) {
      clear(out, h('p', { class: ['msg', 'msg-fail'], role: 'alert', text: e instanceof ApiError ? e.explain() : e.message }));
      return;
    }
    const sum = summaryOf(r);
    clear(out,
      h('p', { class: ['verdict', `verdict-${sum.kind}`], id: 'ledger-verdict', 'data-result': sum.kind, text: sum.text }),
      stepsList(r.steps, 'Verification steps'),
      r.checkpoint ? h('dl', { class: 'kv' },
        h('dt', { text: 'Log (origin)' }), h('dd', {}, code(r.checkpoint.origin)),
        h('dt', { text: 'Entries covered' }), h('dd', { id: 'cp-size', text: String(r.checkpoint.size) }),
        h('dt', { text: 'Root hash (base64)' }), h('dd', {}, code(r.checkpoint.rootBase64, 'hash')),
        h('dt', { text: 'Root hash (hex)' }), h('dd', {}, code(V.toHex(r.checkpoint.root), 'hash')),
        h('dt', { text: 'Verifier key used' }), h('dd', {}, code(r.trustedKey || r.serverKey, 'hash'))) : null,
      h('details', {}, h('summary', { text: 'The signed note, as received' }), h('pre', { class: 'note', text: r.note || '' })),
      r.checkpoint ? h('p', {}, h('a', { href: '#entries', text: `Browse the ${r.checkpoint.size} entries` })) : null);
  };
  const signNow = async (ev) => {
    const b = ev.currentTarget;
    b.disabled = true;
    try {
      await api(v1('ledger/checkpoint'), { method: 'POST', body: {} });
      await run();
    } catch (e) {
      out.prepend(h('p', { class: ['msg', 'msg-fail'], role: 'alert', text: e instanceof ApiError ? e.explain() : e.message }));
    } finally {
      b.disabled = false;
    }
  };
  const forgetBox = h('div', { class: 'inline-confirm' });
  const askForget = () => {
    clear(forgetBox,
      h('span', { text: 'Forget the pinned key and the trusted checkpoint? The next check starts afresh. ' }),
      h('button', { type: 'button', class: 'danger', id: 'forget-confirm', onclick: async () => { T.forgetAll(); clear(forgetBox); await run(); } }, 'Forget'),
      ' ',
      h('button', { type: 'button', class: 'secondary', onclick: () => clear(forgetBox) }, 'Cancel'));
    forgetBox.querySelector('button').focus();
  };
  el.append(
    h('h1', { text: 'Ledger status' }),
    h('p', { class: 'lede', text: 'The proxy signs checkpoints of its append-only ledger. This page checks the latest one itself: its signature against the verifier key this browser trusts, and that it extends the last checkpoint this browser verified.' }),
    h('div', { class: 'toolbar' },
      h('button', { type: 'button', class: 'primary', id: 'check-again', onclick: run }, 'Check again'),
      h('button', { type: 'button', class: 'secondary', id: 'sign-now', onclick: signNow }, 'Ask the proxy to sign a checkpoint now'),
      h('button', { type: 'button', class: 'secondary', id: 'forget', onclick: askForget }, 'Forget this browser\'s trust…')),
    forgetBox,
    out);
  await run();
}

// ------------------------------------------------------------------ entries

const entriesState = { q: '', decision: '', before: null, history: [] };

export async function entriesView(el) {
  const q = h('input', { type: 'search', id: 'q', name: 'q', value: entriesState.q, autocomplete: 'off', maxlength: 256, placeholder: 'principal, agency, purpose, warrant, rule…' });
  const decision = h('select', { id: 'decision', name: 'decision' },
    h('option', { value: '', text: 'any decision' }),
    h('option', { value: 'allow', text: 'allowed' }),
    h('option', { value: 'deny', text: 'denied' }));
  decision.value = entriesState.decision;
  const status = h('p', { class: 'count', id: 'rows-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { id: 'rows' });
  const newer = h('button', { type: 'button', class: 'secondary', id: 'newer' }, '← Newer');
  const older = h('button', { type: 'button', class: 'secondary', id: 'older' }, 'Older →');
  const PAGE = 25;

  const load = async () => {
    status.textContent = 'Loading…';
    // One call reads a bounded number of entries, so a filtered page may come back short (even
    // empty) with a Next to follow: follow it until the page is full or the ledger's start.
    let r;
    const rows = [];
    try {
      let before = entriesState.before;
      for (let calls = 0; calls < 20; calls++) {
        r = await api(v1('ledger/rows'), { query: { before, limit: PAGE - rows.length, q: entriesState.q, decision: entriesState.decision } });
        rows.push(...(r.Rows || []));
        if (rows.length >= PAGE || r.Next === null || r.Next === undefined) break;
        before = r.Next;
      }
    } catch (e) {
      if (e instanceof ApiError && e.authLost) throw e;
      status.textContent = '';
      clear(body, h('p', { class: ['msg', 'msg-fail'], role: 'alert', text: e instanceof ApiError ? e.explain() : e.message }));
      return;
    }
    entriesState.next = r.Next ?? null;
    newer.disabled = entriesState.history.length === 0;
    older.disabled = entriesState.next === null || entriesState.next === undefined;
    const first = rows.length ? rows[0].Seq : null;
    const last = rows.length ? rows[rows.length - 1].Seq : null;
    status.textContent = rows.length
      ? `Entries ${last}–${first} shown (newest first) of a ledger of ${r.Size} entries${entriesState.q || entriesState.decision ? ', filtered' : ''}.`
      : `No entries match (ledger of ${r.Size} entries).`;
    clear(body, table('Ledger entries, newest first', [
      { label: 'Seq', class: 'num', get: (x) => h('a', { href: `#entry/${x.Seq}`, 'aria-label': `Entry ${x.Seq}`, text: String(x.Seq) }) },
      { label: 'Time (UTC)', class: 'time', get: (x) => fmtTime(x.Time) },
      { label: 'Principal', get: (x) => x.Principal || '' },
      { label: 'Agency', get: (x) => x.Agency || '' },
      { label: 'Operation', get: (x) => x.Operation || x.Kind || '' },
      { label: 'Purpose', get: (x) => x.Purpose || '' },
      { label: 'Decision', get: (x) => (x.Decision ? h('span', {}, decisionBadge(x.Decision), x.Decision === 'deny' && x.Stage && x.Stage !== 'policy' ? h('span', { class: 'stage', text: ` at ${x.Stage}` }) : null) : h('span', { class: 'muted', text: x.Kind || '' })) },
      { label: 'Rules', class: 'rules', get: (x) => (x.Rules || []).join(', ') },
      { label: 'Warrant', get: (x) => x.Warrant || '' },
    ], rows, { class: 'data', id: 'rows-table' }));
  };

  const form = h('form', { role: 'search', class: 'filters', 'aria-label': 'Search the ledger',
    onsubmit: (ev) => {
      ev.preventDefault();
      entriesState.q = q.value.trim();
      entriesState.decision = decision.value;
      entriesState.before = null;
      entriesState.history = [];
      load();
    } },
  field('Search', q), field('Decision', decision),
  h('div', { class: 'field field-button' }, h('button', { type: 'submit', class: 'primary', id: 'search' }, 'Search')));
  newer.addEventListener('click', () => {
    entriesState.before = entriesState.history.pop() ?? null;
    load();
  });
  older.addEventListener('click', () => {
    entriesState.history.push(entriesState.before);
    entriesState.before = entriesState.next;
    load();
  });
  el.append(
    h('h1', { text: 'Ledger entries' }),
    h('p', { class: 'lede', text: 'Every request the proxy answered or refused, newest first. Open an entry to check its inclusion in the signed ledger.' }),
    form, status, body, h('div', { class: 'pager' }, newer, older));
  await load();
}

// ------------------------------------------------------------------ one entry

export async function entryView(el, { arg }) {
  const index = Number.parseInt(arg, 10);
  el.append(h('h1', { text: `Ledger entry ${Number.isFinite(index) ? index : '?'}` }),
    h('p', {}, h('a', { href: '#entries', text: '← Back to the entries' })));
  if (!Number.isFinite(index) || index < 0) {
    el.append(h('p', { class: ['msg', 'msg-fail'], role: 'alert', text: 'No such entry number.' }));
    return;
  }
  const stepsEl = h('ol', { class: 'steps', id: 'entry-steps', 'aria-label': 'Verification steps' });
  const verdict = h('p', { class: 'verdict', id: 'entry-verdict', role: 'status' });
  const detail = h('div', { id: 'entry-detail' });
  el.append(h('section', { 'aria-labelledby': 'proof-h' }, h('h2', { id: 'proof-h', text: 'Is this entry in the signed ledger?' }), verdict, stepsEl), detail);
  const add = (kind, title, d) => stepsEl.append(statusItem(kind, title, d));
  const done = (kind, text) => {
    verdict.className = `verdict verdict-${kind}`;
    verdict.dataset.result = kind;
    verdict.textContent = text;
  };

  // 1. The checkpoint, verified (reusing this page's last check if it is recent).
  let cp = latest && Date.now() - latest.at < 60000 ? latest : null;
  if (!cp) cp = await checkLedger();
  const sum = summaryOf(cp);
  if (!cp.checkpoint) {
    add('fail', 'No usable checkpoint', 'See the Ledger view.');
    done('fail', 'Not verified');
    return;
  }
  add(sum.kind === 'ok' ? 'ok' : sum.kind, `Checkpoint of ${cp.checkpoint.size} entries: ${sum.text.toLowerCase()}`, h('span', {}, 'root ', code(cp.checkpoint.rootBase64, 'hash'), ' — details in ', h('a', { href: '#ledger', text: 'Ledger status' })));

  // 2. The entry's canonical bytes.
  let bytesText;
  try {
    const r = await api(v1('ledger/entries'), { query: { from: index, to: index + 1 } });
    bytesText = (r.Entries || [])[0];
    if (bytesText === undefined) throw new Error(`the ledger has ${r.Size} entries`);
  } catch (e) {
    if (e instanceof ApiError && e.authLost) throw e;
    add('fail', 'The entry could not be fetched', e instanceof ApiError ? e.explain() : e.message);
    done('fail', 'Not verified');
    return;
  }
  const bytes = V.utf8(bytesText);
  add('info', `Entry received: ${bytes.length} bytes of canonical JSON`, null);
  const leaf = await V.leafHash(bytes);
  add('ok', 'Leaf hash computed in this page: SHA-256(0x00 ‖ bytes)', code(V.toHex(leaf), 'hash'));
  renderEntry(detail, bytesText, index);

  // 3. Inclusion in the checkpoint's tree.
  const size = cp.checkpoint.size;
  if (index >= size) {
    add('warn', `This entry is newer than the latest signed checkpoint (${size} entries)`, h('span', {}, 'The proxy signs one every minute or so; ',
      h('button', { type: 'button', class: 'secondary', id: 'sign-and-retry', onclick: async () => {
        await api(v1('ledger/checkpoint'), { method: 'POST', body: {} });
        latest = null;
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      } }, 'ask for a checkpoint now and check again')));
    done('warn', 'Not yet covered by a signed checkpoint');
    return;
  }
  let proof;
  try {
    proof = await api(v1('ledger/inclusion'), { query: { index, size } });
  } catch (e) {
    if (e instanceof ApiError && e.authLost) throw e;
    add('fail', 'The inclusion proof could not be fetched', e instanceof ApiError ? e.explain() : e.message);
    done('fail', 'Not verified');
    return;
  }
  const hashes = proof.Hashes || [];
  if (proof.LeafHash) {
    const same = proof.LeafHash === V.base64Encode(leaf);
    add(same ? 'ok' : 'fail', same ? 'The proxy\'s leaf hash for this index equals the one computed here' : 'The proxy\'s leaf hash for this index differs from the hash of the bytes it sent', code(proof.LeafHash, 'hash'));
  }
  add('info', `Inclusion proof received: ${hashes.length} hash${hashes.length === 1 ? '' : 'es'} for index ${index} in the tree of ${size}`, null);
  const r = await V.verifyInclusion(index, size, leaf, hashes, cp.checkpoint.root);
  add(r.ok ? 'ok' : 'fail', r.ok ? 'Inclusion proof verified in this page against the signed checkpoint\'s root (RFC 9162 §2.1.3.2)' : 'Inclusion proof does NOT verify against the signed checkpoint\'s root', h('span', {}, `${r.reason}; computed root `, code(r.computedRoot ? V.base64Encode(r.computedRoot) : '—', 'hash')));
  if (r.ok && sum.kind === 'ok') done('ok', `Verified: entry ${index} is in the signed ledger of ${size} entries`);
  else if (r.ok) done('warn', `The proof holds, but the checkpoint itself is not verified (${sum.text})`);
  else done('fail', 'Verification FAILED');
}

function renderEntry(el, bytesText, index) {
  let e = null;
  try {
    e = JSON.parse(bytesText);
  } catch {
    /* shown raw below */
  }
  const p = (e && e.payload) || {};
  const principal = p.principal || {};
  const dec = p.decision || {};
  const ctx = (p.document && p.document.context) || {};
  const rows = [
    ['Kind', e && e.kind],
    ['Time (UTC)', e && fmtTime(e.time)],
    ['Operation', p.operation],
    ['Principal', principal.id || principal.access_key_id],
    ['Agency', principal.agency],
    ['Roles', (principal.roles || []).join(', ')],
    ['Decision', dec.allow === undefined ? null : h('span', {}, decisionBadge(dec.allow), ` at stage ${dec.stage || '?'}`)],
    ['Purpose', ctx.purpose],
    ['Warrant', ctx.warrant_id],
    ['Case', ctx.case_id],
    ['Source', ctx.source],
    ['Permitting rules', (dec.permitting || []).join(', ')],
    ['Forbidding rules', (dec.forbidding || []).join(', ')],
    ['Reasons', (dec.reasons || []).length ? h('ul', {}, dec.reasons.map((x) => h('li', { text: x }))) : null],
    ['Pack', dec.pack ? `${dec.pack} (${String(dec.pack_sha256 || '').slice(0, 16)}…)` : null],
    ['HTTP status', p.outcome && p.outcome.http_status],
    ['Matches returned', p.outcome && Array.isArray(p.outcome.matches) ? String(p.outcome.matches.length) : null],
    ['Error', p.outcome && p.outcome.error ? `${p.outcome.error.type}: ${p.outcome.error.message}` : null],
    ['Previous leaf hash', e && e.prev ? code(e.prev, 'hash') : null],
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  clear(el,
    h('section', { 'aria-labelledby': 'entry-h' },
      h('h2', { id: 'entry-h', text: 'What the entry says' }),
      h('dl', { class: 'kv' }, rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)])),
      h('details', {}, h('summary', { text: 'The whole entry, formatted' }), h('pre', { class: 'json', text: e ? JSON.stringify(e, null, 2) : bytesText })),
      h('details', {}, h('summary', { text: 'The exact bytes that were hashed' }), h('pre', { class: 'bytes', id: 'entry-bytes', text: bytesText })),
      h('p', { class: 'pager' },
        index > 0 ? h('a', { href: `#entry/${index - 1}`, text: `← Entry ${index - 1}` }) : null, ' ',
        h('a', { href: `#entry/${index + 1}`, text: `Entry ${index + 1} →` }))));
}

// ------------------------------------------------------------------ report

const isoDate = (d) => d.toISOString().slice(0, 10);
const reportState = { from: isoDate(new Date(Date.now() - 29 * 86400000)), to: isoDate(new Date()) };

function allowDenyTable(caption, obj, id) {
  const rows = Object.entries(obj || {}).map(([k, v]) => ({ k, ...v }));
  if (!rows.length) return h('p', { class: 'muted', text: `${caption}: none in the period.` });
  return table(caption, [
    { label: 'Name', get: (r) => r.k },
    { label: 'Allowed', class: 'num', get: (r) => String(r.allowed) },
    { label: 'Denied', class: 'num', get: (r) => String(r.denied) },
  ], rows, { class: 'data compact', id });
}

function stat(label, value, id) {
  return h('div', { class: 'stat' }, h('span', { class: 'stat-value', id, text: String(value ?? 0) }), h('span', { class: 'stat-label', text: label }));
}

export async function reportView(el) {
  const from = h('input', { type: 'date', id: 'report-from', value: reportState.from, required: true });
  const to = h('input', { type: 'date', id: 'report-to', value: reportState.to, required: true });
  const out = h('div', { id: 'report-out', 'aria-live': 'polite' });
  const load = async () => {
    clear(out, h('p', { class: ['msg', 'msg-busy'], role: 'status', text: 'Counting…' }));
    let r;
    try {
      r = await api(v1('report'), { query: { from: reportState.from, to: reportState.to } });
    } catch (e) {
      if (e instanceof ApiError && e.authLost) throw e;
      const none = e instanceof ApiError && e.status === 404;
      clear(out, h('p', { class: ['msg', none ? 'msg-warn' : 'msg-fail'], role: 'alert' },
        none ? ['There is no signed checkpoint to count from yet. ', h('a', { href: '#ledger', text: 'Ask for one on the Ledger view' }), ` (${e.message}).`]
          : e instanceof ApiError ? e.explain() : e.message));
      return;
    }
    renderReport(out, r);
  };
  el.append(
    h('h1', { text: 'Accountability report' }),
    h('p', { class: 'lede', text: 'What the ledger says happened in a period, counted by the proxy from the entries its latest signed checkpoint covers (as `oversight report`). Dates are UTC; the end date is included.' }),
    h('form', { class: 'filters', 'aria-label': 'Report period', onsubmit: (ev) => {
      ev.preventDefault();
      reportState.from = from.value;
      reportState.to = to.value;
      load();
    } }, field('From', from), field('To (inclusive)', to), h('div', { class: 'field field-button' }, h('button', { type: 'submit', class: 'primary', id: 'report-run' }, 'Show report'))),
    out);
  await load();
}

// by_day lists only days with searches; the chart's time axis needs every day between.
function fillDays(byDay) {
  if (!byDay.length) return [];
  const seen = new Map(byDay.map((d) => [d.date, d]));
  const sorted = [...seen.keys()].sort();
  const out = [];
  const end = Date.parse(`${sorted[sorted.length - 1]}T00:00:00Z`);
  for (let t = Date.parse(`${sorted[0]}T00:00:00Z`); t <= end && out.length < 400; t += 86400000) {
    const date = new Date(t).toISOString().slice(0, 10);
    out.push(seen.get(date) || { date, allowed: 0, denied: 0 });
  }
  return out.length < 400 ? out : byDay;
}

function renderReport(out, r) {
  const rep = r.report || {};
  const dec = r.decisions || {};
  const se = r.searches || {};
  const trusted = T.trustedCheckpoint();
  const cp = rep.checkpoint || {};
  let provenance;
  if (r.UNVERIFIED) {
    provenance = statusItem('fail', 'UNVERIFIED: the proxy could not verify the ledger', typeof r.UNVERIFIED === 'string' ? r.UNVERIFIED : JSON.stringify(r.UNVERIFIED));
  } else if (trusted && trusted.size === cp.size && trusted.root === cp.root) {
    provenance = statusItem('ok', `Counted from the checkpoint of ${cp.size} entries this browser verified`, code(cp.root, 'hash'));
  } else {
    provenance = statusItem('info', `Counted by the proxy from its signed checkpoint of ${cp.size} entries (proxy's verification: ${rep.verified ? 'passed' : 'failed'})`,
      h('span', {}, 'root ', code(cp.root || '', 'hash'), trusted ? ` — this browser last verified size ${trusted.size}; ` : ' — ', h('a', { href: '#ledger', text: 'verify the checkpoint' })));
  }
  const days = fillDays(Array.isArray(r.by_day) ? r.by_day : []);
  const rules = Object.entries(dec.deciding_rules || {}).map(([id, v]) => ({ id, ...v }));
  const denials = rules.filter((x) => x.effect !== 'permit').sort((a, b) => b.requests - a.requests);
  const ad = (o) => o || { allowed: 0, denied: 0 };
  const refused = Object.entries(dec.refused_before_pack || {});
  const m = r.matches || {};
  clear(out,
    h('ul', { class: 'steps' }, provenance),
    h('p', { class: 'muted', text: `Period: ${rep.period ? `${rep.period.from} to ${rep.period.to}` : '?'}; ${r.entries_in_period ?? 0} ledger entries in it${rep.entries_after_checkpoint ? `; ${rep.entries_after_checkpoint} newer entries not yet covered by a checkpoint` : ''}.` }),
    h('div', { class: 'stats' },
      stat('requests', dec.requests, 'stat-requests'),
      stat('searches', se.total, 'stat-searches'),
      stat('searches allowed', ad(se.decisions).allowed, 'stat-searches-allowed'),
      stat('searches denied', ad(se.decisions).denied, 'stat-searches-denied'),
      stat('allowed by the pack', ad(dec.decided_by_pack).allowed, 'stat-pack-allowed'),
      stat('denied by the pack', ad(dec.decided_by_pack).denied, 'stat-pack-denied'),
      stat('searches with a warrant', r.warrants ? r.warrants.searches_with_warrant : 0, 'stat-warranted'),
      stat('matches returned', m.matches_returned, 'stat-matches')),
    h('div', { class: 'charts' },
      h('section', { 'aria-labelledby': 'ch1' }, h('h2', { id: 'ch1', text: 'Searches over time, by decision' }),
        days.length ? stackedBarChart({ label: 'Searches per day (UTC), allowed and denied', categories: days.map((d) => d.date), series: [
          { name: 'allowed', class: 'bar-allow', values: days.map((d) => d.allowed) },
          { name: 'denied', class: 'bar-deny', values: days.map((d) => d.denied) }] }) : h('p', { class: 'muted', text: 'No searches by day in the answer (by_day).' })),
      h('section', { 'aria-labelledby': 'ch2' }, h('h2', { id: 'ch2', text: 'Denials by rule' }),
        denials.length ? groupedBarChart({ label: 'Requests denied, by the rule that denied them', categories: denials.map((x) => x.id), series: [{ name: 'denied', class: 'bar-deny', values: denials.map((x) => x.requests) }] }) : h('p', { class: 'muted', text: 'No request was denied by the rule pack in the period.' }))),
    h('h2', { text: 'Deciding rules' }),
    rules.length ? table('Rules that decided requests (permits for allowed, forbids for denied)', [
      { label: 'Rule', get: (x) => x.id },
      { label: 'Effect', get: (x) => x.effect },
      { label: 'Citation', get: (x) => x.citation },
      { label: 'Requests', class: 'num', get: (x) => String(x.requests) },
    ], rules, { class: 'data compact', id: 'report-rules' }) : h('p', { class: 'muted', text: 'None.' }),
    refused.length ? table('Refused before the rule pack, by stage', [
      { label: 'Stage', get: (x) => x[0] }, { label: 'Requests', class: 'num', get: (x) => String(x[1]) }], refused, { class: 'data compact', id: 'report-refused' }) : null,
    h('h2', { text: 'Searches' }),
    h('div', { class: 'grid2' },
      allowDenyTable('By agency', se.by_agency, 'report-agency'),
      allowDenyTable('By principal', se.by_principal, 'report-principal'),
      allowDenyTable('By purpose', se.by_purpose, 'report-purpose'),
      allowDenyTable('By source', se.by_source, 'report-source'),
      allowDenyTable('By operation', se.by_operation, 'report-operation'),
      allowDenyTable('By database', se.by_database, 'report-database')),
    days.length ? table('Searches per day', [
      { label: 'Date', get: (d) => d.date }, { label: 'Allowed', class: 'num', get: (d) => String(d.allowed) }, { label: 'Denied', class: 'num', get: (d) => String(d.denied) }], days, { class: 'data compact', id: 'report-days' }) : null,
    h('h2', { text: 'Warrants and matches' }),
    h('div', { class: 'grid2' },
      table('Warranted searches by issuing court', [
        { label: 'Court', get: (x) => x[0] }, { label: 'Searches', class: 'num', get: (x) => String(x[1].searches) }, { label: 'Warrants', class: 'num', get: (x) => String(x[1].warrants) }],
      Object.entries((r.warrants && r.warrants.by_court) || {}), { class: 'data compact' }),
      table('Matches by similarity (%)', [
        { label: 'Similarity', get: (x) => x[0] }, { label: 'Matches', class: 'num', get: (x) => String(x[1]) }],
      Object.entries(m.similarity || {}), { class: 'data compact' })),
    h('p', { class: 'muted', text: `Searches answered: ${m.searches_answered ?? 0}; with matches: ${m.searches_with_matches ?? 0}; candidates dropped under obligations: below floor ${(m.dropped || {}).below_floor ?? 0}, excluded ${(m.dropped || {}).excluded ?? 0}, over cap ${(m.dropped || {}).over_cap ?? 0}; human review required: ${(r.human_review || {}).required ?? 0}.` }),
    h('h2', { text: 'Purges and rule changes' }),
    h('div', { class: 'grid2' },
      table('Faces purged, by retention rule', [
        { label: 'Rule', get: (x) => x[0] }, { label: 'Citation', get: (x) => x[1].citation }, { label: 'Faces', class: 'num', get: (x) => String(x[1].faces) }],
      Object.entries(r.purges_by_rule || {}), { class: 'data compact' }),
      table('Rule pack reloads', [
        { label: 'Seq', class: 'num', get: (x) => h('a', { href: `#entry/${x.seq}`, text: String(x.seq) }) },
        { label: 'Time', get: (x) => fmtTime(x.time) }, { label: 'By', get: (x) => x.by },
        { label: 'Accepted', get: (x) => (x.accepted ? 'yes' : 'no') }],
      r.rule_changes || [], { class: 'data compact' })));
}
