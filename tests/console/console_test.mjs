// Drives Debian's Chromium through the Oversight web console (started by console_test.sh,
// which prepares the proxy and the environment). Fails loudly: on any page console error or
// uncaught exception not expected at that step, and on the first check that does not hold.
//
//   node console_test.mjs phase1   sign-in links: auditor, policy analyst, then the roles without a view
//                                  and a client certificate (tls.client_certs optional)
//   node console_test.mjs phase2   the same with tls.client_certs required
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`console_test.mjs: ${k} is not set (run console_test.sh)`);
  return v;
};
const OVERSIGHT = env('CONSOLE_OVERSIGHT');
const CONFIG = env('CONSOLE_CONFIG');
const DIR = env('CONSOLE_DIR');
const OUT = env('CONSOLE_OUT');
const TMP = env('CONSOLE_TMP');
const CHROMIUM = env('CONSOLE_CHROMIUM');
const SPKI = env('CONSOLE_SPKI');
const phase = process.argv[2] || 'phase1';
mkdirSync(OUT, { recursive: true });

const problems = [];
const log = (...a) => console.log('  ', ...a);
const cli = (...args) => execFileSync(OVERSIGHT, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const today = new Date().toISOString().slice(0, 10);

function signInLink(principal) {
  const out = cli('console', 'login', '--principal', principal, '--config', CONFIG);
  const m = /https:\/\/\S+#token=\S+/.exec(out);
  assert.ok(m, `oversight console login printed no link: ${out}`);
  return m[0];
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // A fresh profile (Playwright makes a new --user-data-dir per launch). The server's
  // certificate is accepted by its public key only (the demo CA is not in Chromium's store).
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--ignore-certificate-errors-spki-list=${SPKI}`],
});

// A browser context with the watch on its pages: console errors and page errors fail the test
// unless the step expects them (`allow`: regexps, e.g. the 401 of an unsigned whoami).
async function open(name, options = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true, ...options });
  const page = await ctx.newPage();
  const allow = [];
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = m.text();
    if (m.type() === 'warning' && !/Content.Security.Policy|CSP/i.test(text)) return;
    if (allow.some((re) => re.test(text))) return;
    problems.push(`${name}: console ${m.type()}: ${text}`);
    console.error(`FAIL ${name}: console ${m.type()}: ${text}`);
  });
  page.on('pageerror', (e) => {
    problems.push(`${name}: uncaught: ${e.message}`);
    console.error(`FAIL ${name}: uncaught: ${e.message}`);
  });
  return { ctx, page, allow };
}

async function shot(page, file, full = false) {
  await page.screenshot({ path: join(OUT, file), fullPage: full });
}

// Refusals the pages meet on purpose, as Rekognition's errors (docs/api.md §3): 403
// MissingAuthenticationToken without a session, 400 UnrecognizedClient for a used link or an
// ended session, and 400 AccessDenied (Rekognition's status for it) for a role's refusal.
const NO_SESSION = /status of (400|401|403)/;

function assertNoProblems(where) {
  if (problems.length) throw new Error(`${where}: ${problems.length} page error(s):\n  ${problems.join('\n  ')}`);
}

async function navLabels(page) {
  return page.$$eval('#nav a', (as) => as.map((a) => a.textContent.trim()));
}

async function stepsText(page, sel) {
  return page.$eval(sel, (el) => el.textContent);
}

// The ledger as the CLI reads it (read-only beside the running proxy): the entries the latest
// signed checkpoint covers.
function exportLedger() {
  const file = join(TMP, `export-${Date.now()}.jsonl`);
  cli('ledger', 'export', '--dir', join(DIR, 'ledger'), '--out', file);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length);
  return lines;
}

const leafHex = (line) => createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(line, 'utf8')])).digest('hex');

// A call from inside the page, as the page's own code makes it (the session cookie and the
// X-Oversight-Console header): answers the HTTP status, with the error type after a space.
async function apiStatus(page, method, path, data) {
  return page.evaluate(async ([m, p, d]) => {
    const res = await fetch(`/oversight/v1/${p}`, {
      method: m,
      headers: { 'X-Oversight-Console': '1', ...(d ? { 'Content-Type': 'application/json' } : {}) },
      body: d ? JSON.stringify(d) : undefined,
      credentials: 'same-origin',
    });
    const body = await res.json().catch(() => ({}));
    return `${res.status} ${body.__type || ''}`.trim();
  }, [method, path, data]);
}

// ------------------------------------------------------------------ phase 1

async function unsigned(base) {
  console.log('-- a page without sign-in goes to the sign-in page');
  const { ctx, page, allow } = await open('unsigned');
  allow.push(NO_SESSION);
  await page.goto(`${base}/console/`);
  await page.waitForURL(/\/console\/login\.html\?why=signin$/);
  await page.getByText('Sign in to use the console.').waitFor();
  await shot(page, 'login.png');
  await ctx.close();
}

async function auditor(base, link) {
  console.log('-- auditor: sign in with a link');
  const { ctx, page, allow } = await open('auditor');
  await page.goto(link);
  await page.waitForURL(`${base}/console/`);
  assert.ok(!page.url().includes('token'), 'the token left the address bar');
  await page.waitForSelector('#nav a');
  assert.deepEqual(await navLabels(page), ['Ledger', 'Entries', 'Report']);
  assert.equal(await page.textContent('.who-name'), 'Signed in as aud.smith');

  console.log('-- the same link a second time is refused');
  {
    const again = await open('link-reuse');
    again.allow.push(NO_SESSION);
    await again.page.goto(link);
    await again.page.getByText('This sign-in link was not accepted.').waitFor();
    assert.ok(!again.page.url().includes('token'));
    await again.ctx.close();
  }

  console.log('-- ledger status: the checkpoint verifies in the page, the key is pinned');
  await page.click('a[data-view=ledger]');
  await page.waitForSelector('#ledger-verdict');
  assert.equal(await page.getAttribute('#ledger-verdict', 'data-result'), 'ok', await stepsText(page, '#ledger-result'));
  let steps = await stepsText(page, '#ledger-result');
  assert.match(steps, /Checkpoint signature verified in this page \(WebCrypto Ed25519\)/);
  assert.match(steps, /First visit/);
  const vkey = readFileSync(join(DIR, 'ledger', 'ledger.vkey'), 'utf8').trim();
  const pinned = await page.evaluate(() => JSON.parse(localStorage.getItem('oversight.console.verifierKey')));
  assert.equal(pinned.key, vkey, 'the pinned key is the deployment\'s ledger.vkey');
  const firstSize = Number(await page.textContent('#cp-size'));
  await page.click('#check-again');
  await page.waitForFunction(() => document.querySelector('#ledger-result')?.textContent.includes('matches the key pinned'));
  assert.equal(await page.getAttribute('#ledger-verdict', 'data-result'), 'ok');

  console.log('-- a fresh checkpoint is checked consistent with the one this browser verified');
  await page.click('#sign-now');
  await page.waitForFunction((n) => Number(document.querySelector('#cp-size')?.textContent) > n, firstSize);
  steps = await stepsText(page, '#ledger-result');
  assert.equal(await page.getAttribute('#ledger-verdict', 'data-result'), 'ok', steps);
  assert.match(steps, new RegExp(`Consistent with the checkpoint this browser verified .*size ${firstSize} → `));
  await shot(page, 'ledger.png');

  console.log('-- a tampered checkpoint is refused by the page');
  await page.route('**/oversight/v1/ledger/checkpoint', async (route) => {
    const res = await route.fetch();
    const j = await res.json();
    const lines = j.Note.split('\n');
    lines[2] = (lines[2][0] === 'A' ? 'B' : 'A') + lines[2].slice(1);
    j.Note = lines.join('\n');
    await route.fulfill({ response: res, json: j });
  });
  await page.click('#check-again');
  await page.waitForSelector('#ledger-verdict[data-result=fail]');
  assert.match(await stepsText(page, '#ledger-result'), /signature does NOT verify/);
  await page.unroute('**/oversight/v1/ledger/checkpoint');
  await page.click('#check-again');
  await page.waitForSelector('#ledger-verdict[data-result=ok]');

  console.log('-- a pinned key other than the proxy\'s: flagged, and the checkpoint fails under the pinned key');
  const saved = await page.evaluate(() => localStorage.getItem('oversight.console.verifierKey'));
  await page.evaluate(() => localStorage.setItem('oversight.console.verifierKey', JSON.stringify({
    key: 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', pinnedAt: '2026-01-01T00:00:00.000Z' })));
  await page.click('#check-again');
  await page.waitForSelector('#ledger-verdict[data-result=fail]');
  steps = await stepsText(page, '#ledger-result');
  assert.match(steps, /verifier key differs from the key pinned in this browser/);
  assert.match(steps, /no signature by the key PeterNeumann\+c74f20a3/);
  await page.evaluate((v) => localStorage.setItem('oversight.console.verifierKey', v), saved);
  await page.click('#check-again');
  await page.waitForSelector('#ledger-verdict[data-result=ok]');

  console.log('-- a browser without Ed25519 in WebCrypto is told so, not shown a verification');
  {
    const p2 = await ctx.newPage();
    p2.on('console', (m) => m.type() === 'error' && problems.push(`no-ed25519: console error: ${m.text()}`));
    p2.on('pageerror', (e) => problems.push(`no-ed25519: uncaught: ${e.message}`));
    await p2.addInitScript(() => {
      const importKey = crypto.subtle.importKey.bind(crypto.subtle);
      crypto.subtle.importKey = (format, key, alg, ...rest) => ((alg && (alg.name || alg)) === 'Ed25519'
        ? Promise.reject(new DOMException('Unrecognized algorithm name', 'NotSupportedError'))
        : importKey(format, key, alg, ...rest));
    });
    await p2.goto(`${base}/console/#ledger`);
    await p2.waitForSelector('#ledger-verdict[data-result=warn]');
    assert.match(await p2.textContent('#ledger-verdict'), /Not verified: no Ed25519 in this browser/);
    assert.match(await stepsText(p2, '#ledger-result'), /Signature NOT verified: this browser's WebCrypto has no Ed25519/);
    assert.doesNotMatch(await stepsText(p2, '#ledger-result'), /Checkpoint signature verified/);
    await p2.close();
  }

  console.log('-- entries: the table matches the ledger (oversight ledger export)');
  const exported = exportLedger();
  const entries = exported.map((l) => JSON.parse(l));
  await page.click('a[data-view=entries]');
  await page.waitForSelector('#rows-table tbody tr');
  const readRows = () => page.$$eval('#rows-table tbody tr', (trs) => trs.map((tr) => {
    const td = [...tr.querySelectorAll('td')].map((c) => c.textContent.trim());
    return { seq: Number(td[0]), time: td[1], principal: td[2], agency: td[3], operation: td[4], purpose: td[5], decision: td[6], rules: td[7], warrant: td[8] };
  }));
  const checkRows = (rows) => {
    let compared = 0;
    for (const r of rows) {
      const e = entries[r.seq];
      if (!e) continue; // newer than the checkpoint the export covers
      const p = e.payload || {};
      const who = p.principal || {};
      // docs/api.md §9.4: principal.id, else the access key id of an unauthenticated request,
      // else the `by` of a purge or reload.
      assert.equal(r.principal, who.id || who.access_key_id || p.by || '', `principal of entry ${r.seq}`);
      if (p.decision) assert.ok(r.decision.includes(p.decision.allow ? 'allow' : 'deny'), `decision of entry ${r.seq}: ${r.decision}`);
      if (p.operation) assert.equal(r.operation, p.operation, `operation of entry ${r.seq}`);
      assert.equal(r.time.slice(0, 16), e.time.replace('T', ' ').slice(0, 16), `time of entry ${r.seq}`);
      compared++;
    }
    return compared;
  };
  let rows = await readRows();
  const seqs = rows.map((r) => r.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), 'newest first');
  log(`first page: ${rows.length} rows, ${checkRows(rows)} compared with the export`);

  await page.fill('#q', 'det.jones');
  await page.click('#search');
  await page.waitForFunction(() => /filtered/.test(document.querySelector('#rows-status')?.textContent || ''));
  rows = await readRows();
  const jones = entries.filter((e) => (e.payload?.principal?.id) === 'det.jones').map((e) => e.seq);
  assert.ok(jones.length >= 5, `det.jones has ${jones.length} entries in the export`);
  for (const s of jones) assert.ok(rows.some((r) => r.seq === s), `entry ${s} of det.jones is listed`);
  assert.ok(checkRows(rows) >= jones.length);
  const searches = rows.filter((r) => r.operation === 'SearchFacesByImage' && entries[r.seq]);
  assert.equal(searches.filter((r) => r.decision.includes('allow')).length, Number(env('CONSOLE_SEARCHES_ALLOWED')));
  assert.equal(searches.filter((r) => r.decision.includes('deny')).length, Number(env('CONSOLE_SEARCHES_DENIED')));
  await shot(page, 'entries.png');

  await page.selectOption('#decision', 'deny');
  await page.click('#search');
  await page.waitForFunction(() => document.querySelectorAll('#rows-table tbody tr').length > 0);
  await page.waitForFunction(() => [...document.querySelectorAll('#rows-table tbody tr')].every((tr) => tr.textContent.includes('deny')));
  rows = await readRows();
  assert.ok(rows.length >= 2 && rows.every((r) => r.decision.includes('deny') && r.principal === 'det.jones'));
  await page.selectOption('#decision', '');
  await page.click('#search');
  await page.waitForFunction(() => [...document.querySelectorAll('#rows-table tbody tr')].some((tr) => tr.textContent.includes('allow')));

  console.log('-- one entry: its leaf hash and inclusion proof verify in the page');
  const allowed = searches.find((r) => r.decision.includes('allow'));
  await page.click(`#rows-table a[href="#entry/${allowed.seq}"]`);
  await page.waitForSelector('#entry-verdict[data-result]');
  const entrySteps = await stepsText(page, '#entry-steps');
  assert.equal(await page.getAttribute('#entry-verdict', 'data-result'), 'ok', entrySteps);
  assert.ok(entrySteps.includes(leafHex(exported[allowed.seq])), 'the page shows the leaf hash of the exported bytes');
  assert.match(entrySteps, /Inclusion proof verified in this page against the signed checkpoint's root/);
  assert.equal(await page.textContent('#entry-bytes'), exported[allowed.seq]);
  await shot(page, 'entry.png');

  console.log('-- a tampered inclusion proof is refused by the page');
  await page.route('**/oversight/v1/ledger/inclusion*', async (route) => {
    const res = await route.fetch();
    const j = await res.json();
    const h0 = Buffer.from(j.Hashes[0], 'base64');
    h0[7] ^= 1;
    j.Hashes[0] = h0.toString('base64');
    await route.fulfill({ response: res, json: j });
  });
  await page.evaluate(() => window.dispatchEvent(new HashChangeEvent('hashchange')));
  await page.waitForSelector('#entry-verdict[data-result=fail]');
  assert.match(await stepsText(page, '#entry-steps'), /Inclusion proof does NOT verify/);
  await page.unroute('**/oversight/v1/ledger/inclusion*');

  console.log('-- report: the counts are the CLI\'s (oversight report)');
  await page.click('a[data-view=report]');
  await page.fill('#report-from', today);
  await page.fill('#report-to', today);
  await page.click('#report-run');
  await page.waitForFunction((d) => document.querySelector('#report-out')?.textContent.includes(`${d}`) && document.querySelector('#stat-searches'), today);
  const report = JSON.parse(cli('report', '--dir', join(DIR, 'ledger'), '--from', today, '--to', today, '--format', 'json'));
  const stat = async (id) => Number(await page.textContent(`#${id}`));
  assert.equal(await stat('stat-searches'), report.searches.total);
  assert.equal(await stat('stat-searches-allowed'), report.searches.decisions.allowed);
  assert.equal(await stat('stat-searches-denied'), report.searches.decisions.denied);
  assert.equal(await stat('stat-requests'), report.decisions.requests);
  assert.equal(await stat('stat-pack-denied'), report.decisions.decided_by_pack.denied);
  assert.equal(report.searches.decisions.allowed, Number(env('CONSOLE_SEARCHES_ALLOWED')));
  assert.equal(report.searches.decisions.denied, Number(env('CONSOLE_SEARCHES_DENIED')));
  assert.ok(await page.$('#report-out svg rect.bar-allow'), 'the searches chart has allowed bars');
  assert.ok(await page.$('#report-out svg rect.bar-deny[data-category="forbid-live-sources"]'), 'the denials chart names forbid-live-sources');
  await shot(page, 'report.png');
  await shot(page, 'report-full.png', true);

  console.log('-- sign out: the session ends');
  allow.push(NO_SESSION);
  await page.click('#sign-out');
  await page.waitForURL(/login\.html\?why=signed-out$/);
  await page.getByText('You have signed out.').waitFor();
  await page.goto(`${base}/console/#ledger`);
  await page.waitForURL(/login\.html\?why=signin$/);
  const after = await apiStatus(page, 'GET', 'whoami');
  assert.match(after, /^(400|401|403) /, `whoami after sign-out: ${after}`);
  await ctx.close();
}

function editedPack(text) {
  // The draft for the what-if: live streams are allowed, CCTV stills are not.
  const from = '"in": ["live_stream", "body_camera_live", "drone_live"]';
  assert.ok(text.includes(from), 'the baseline pack still lists the live sources as expected');
  return text.replace(from, '"in": ["cctv_still", "body_camera_live", "drone_live"]');
}

async function analyst(base, link) {
  console.log('-- policy analyst: the workbench');
  const { ctx, page, allow } = await open('analyst');
  await page.goto(link);
  await page.waitForURL(`${base}/console/`);
  await page.waitForSelector('#nav a');
  assert.deepEqual(await navLabels(page), ['Rule workbench']);
  await page.click('a[data-view=workbench]');
  await page.waitForSelector('#pack-select option', { state: 'attached' });
  await page.getByText('Nothing here changes the enforced rule pack.').waitFor();
  const packFile = JSON.parse(readFileSync(CONFIG, 'utf8')).rules.pack.split('/').pop();
  await page.selectOption('#pack-select', packFile);
  await page.click('#open-pack');
  await page.waitForFunction(() => document.querySelector('#draft').value.length > 100);
  const text = await page.inputValue('#draft');
  assert.equal(text, readFileSync(join(DIR, 'rules', packFile), 'utf8'), 'the draft is the shipped pack');

  console.log('-- lint: clean, then a broken draft shows line:column and moves the caret');
  await page.click('#lint');
  await page.waitForSelector('#lint-summary');
  assert.equal(await page.getAttribute('#lint-summary', 'data-errors'), '0');
  const lines = text.split('\n');
  const bad = lines.findIndex((l) => l.includes('"effect": "forbid"'));
  assert.ok(bad > 0);
  lines[bad] = lines[bad].replace('"effect": "forbid"', '"effect": "forbidd"');
  await page.fill('#draft', lines.join('\n'));
  await page.click('#lint');
  await page.waitForSelector('#lint-summary:not([data-errors="0"])');
  const diag = page.locator(`#lint-list button[data-line="${bad + 1}"]`).first();
  await diag.waitFor();
  const where = await diag.locator('.diag-pos').textContent();
  assert.match(where, new RegExp(`^${bad + 1}:\\d+$`));
  await diag.focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'draft', 'Enter moves focus to the draft');
  assert.equal(await page.getAttribute('#draft-pos', 'data-line'), String(bad + 1));
  await shot(page, 'workbench-lint.png');

  console.log('-- try: a request built with the form');
  await page.click('#open-pack');
  await page.waitForFunction((t) => document.querySelector('#draft').value === t, text);
  await page.click('#fill-example');
  await page.selectOption('#req-context-source', 'live_stream');
  await page.click('#try');
  await page.waitForSelector('#try-decision');
  assert.equal(await page.getAttribute('#try-decision', 'data-decision'), 'deny');
  assert.match(await page.textContent('#try-decision'), /forbid-live-sources/);
  await page.selectOption('#req-context-source', 'cctv_still');
  await page.click('#try');
  await page.waitForSelector('#try-decision:not([data-decision=deny])');
  assert.match(await page.textContent('#try-decision'), /permit-warranted-investigation/);
  // Framed for the guide: the end of the form, the Try button and the decision under it.
  await page.evaluate(() => window.scrollTo(0, document.querySelector('#try').getBoundingClientRect().top + window.scrollY - 330));
  await shot(page, 'workbench-try.png');

  console.log('-- scenarios: the shipped pack\'s scenario file passes');
  await page.selectOption('#scenario-select', packFile.replace(/\.json$/, '.scenarios.json'));
  await page.click('#run-scenarios');
  await page.waitForSelector('#scenario-summary');
  assert.equal(await page.getAttribute('#scenario-summary', 'data-failed'), '0');
  assert.ok(Number(await page.getAttribute('#scenario-summary', 'data-passed')) > 0);
  const scenarioRows = await page.$$eval('#scenario-table tbody tr', (t) => t.length);
  assert.equal(String(scenarioRows), await page.getAttribute('#scenario-summary', 'data-passed'));

  console.log('-- replay: the draft\'s what-if equals the CLI\'s (oversight rules replay)');
  const edited = editedPack(text);
  await page.fill('#draft', edited);
  await page.click('#run-replay');
  await page.waitForSelector('#replay-summary');
  const draftFile = join(TMP, 'draft.json');
  writeFileSync(draftFile, edited);
  const replay = JSON.parse(cli('rules', 'replay', '--pack', draftFile, '--dir', join(DIR, 'ledger'),
    '--warrants', join(DIR, 'warrants', 'warrants.json'), '--json'));
  const cells = await page.$$eval('#replay-summary tbody td', (tds) => tds.map((t) => Number(t.textContent)));
  assert.deepEqual(cells, [replay.requests, replay.replayed, replay.not_by_pack, replay.allow_allow, replay.allow_deny, replay.deny_allow, replay.deny_deny]);
  assert.ok(replay.allow_deny >= 1 && replay.deny_allow >= 1, `the edit changes decisions both ways: ${JSON.stringify(replay)}`);
  assert.ok(await page.$('#replay-out svg rect.bar-deny[data-category="forbid-live-sources"]'));
  await page.evaluate(() => document.querySelector('#rp-h').scrollIntoView({ block: 'start' }));
  await shot(page, 'workbench-replay.png');

  console.log('-- download draft saves the textarea as a file');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const saved = join(TMP, 'downloaded-draft.json');
  await download.saveAs(saved);
  assert.equal(readFileSync(saved, 'utf8'), edited);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'workbench.png');
  await shot(page, 'workbench-full.png', true);

  console.log('-- the analyst sees no auditor data');
  await page.goto(`${base}/console/#ledger`);
  await page.getByText('This view is not for your roles.').waitFor();
  allow.push(NO_SESSION);
  assert.equal(await apiStatus(page, 'GET', 'ledger/rows?limit=5'), '400 AccessDeniedException');
  assert.equal(await apiStatus(page, 'GET', `report?from=${today}&to=${today}`), '400 AccessDeniedException');
  await ctx.close();
}

// Usable without a mouse: Tab reaches the views and the search, Enter opens and searches, and
// the focused control shows a visible outline.
async function keyboardOnly(base, link) {
  console.log('-- keyboard only: the auditor reaches the entries and searches them without a mouse');
  const { ctx, page } = await open('keyboard');
  await page.goto(link);
  await page.waitForURL(`${base}/console/`);
  await page.waitForSelector('a[data-view=entries]');
  const tabTo = async (test, what) => {
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(test)) return;
    }
    assert.fail(`Tab never reaches ${what}`);
  };
  await tabTo(() => document.activeElement?.getAttribute('data-view') === 'entries', 'the Entries link');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused link shows an outline');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#q');
  await tabTo(() => document.activeElement?.id === 'q', 'the search box');
  await page.keyboard.type('det.jones');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /filtered/.test(document.querySelector('#rows-status')?.textContent || ''));
  const rows = await page.evaluate(() => document.querySelectorAll('#rows-table tbody tr').length);
  assert.ok(rows > 0, 'a search made with the keyboard lists entries');
  await ctx.close();
}

// Roles with no console view (investigator, records_admin, operator): signed in, they see none,
// and the API refuses them every auditor and workbench call.
async function withoutViews(base, link, who) {
  console.log(`-- ${who}: no auditor or workbench data (AccessDeniedException)`);
  const { ctx, page, allow } = await open(who);
  allow.push(NO_SESSION);
  await page.goto(link);
  await page.waitForURL(`${base}/console/`);
  await page.waitForSelector('#no-views');
  assert.deepEqual(await navLabels(page), []);
  await shot(page, `no-views-${who}.png`);
  for (const [method, path, body] of [
    ['GET', 'ledger/rows?limit=5'], ['GET', 'ledger/checkpoint'], ['GET', 'ledger/entries?from=0&to=1'],
    ['GET', 'ledger/inclusion?index=0&size=1'], ['GET', `report?from=${today}&to=${today}`],
    ['GET', 'rules/packs'], ['GET', 'rules/schema'], ['POST', 'rules/lint', { Text: '{}' }],
    ['POST', 'rules/try', { Request: {} }], ['POST', 'rules/replay', { Text: '{}' }]]) {
    assert.equal(await apiStatus(page, method, path, body), '400 AccessDeniedException', `${method} ${path} as ${who}`);
  }
  await page.goto(`${base}/console/#workbench`);
  await page.getByText('This view is not for your roles.').waitFor();
  await ctx.close();
}

// ------------------------------------------------------------------ phase 2

async function certificate(base, required) {
  // oversight init issues client certificates for the demo principals (CN = principal id);
  // the auditor's, where there is one, so the signed-in view has data to show.
  const who = existsSync(join(DIR, 'tls', 'client-aud.smith.pem')) ? 'aud.smith' : 'det.jones';
  console.log(`-- client certificate: signs in as its subject (${who})`);
  const { ctx, page } = await open('certificate', {
    clientCertificates: [{ origin: base, certPath: join(DIR, 'tls', `client-${who}.pem`), keyPath: join(DIR, 'tls', `client-${who}.key`) }],
  });
  await page.goto(`${base}/console/login.html`);
  await page.click('#cert-button');
  await page.waitForURL(`${base}/console/`);
  await page.waitForSelector('#who .who-name');
  assert.equal(await page.textContent('.who-name'), `Signed in as ${who}`);
  if (who === 'aud.smith') {
    await page.click('a[data-view=ledger]');
    await page.waitForSelector('#ledger-verdict[data-result=ok]');
  }
  await shot(page, 'certificate.png');
  await ctx.close();

  if (!required) return;
  console.log('-- with tls.client_certs required, a browser without a certificate is refused');
  const bare = await open('no-certificate');
  bare.allow.push(/.*/);
  const failed = await bare.page.goto(`${base}/console/login.html`).then(() => false, () => true);
  assert.ok(failed, 'a browser without a client certificate is refused during the TLS handshake');
  await bare.ctx.close();
}

try {
  if (phase === 'phase1') {
    const audLink = signInLink('aud.smith');
    const base = new URL(audLink).origin;
    await unsigned(base);
    await auditor(base, audLink);
    await keyboardOnly(base, signInLink('aud.smith'));
    await analyst(base, signInLink('pol.analyst'));
    for (const who of ['det.jones', 'rec.admin', 'ops.root']) await withoutViews(base, signInLink(who), who);
    // oversight init sets tls.client_ca with client_certs "optional": the same proxy.
    await certificate(base, false);
  } else {
    const base = new URL(signInLink('aud.smith')).origin;
    await certificate(base, true);
  }
  assertNoProblems(phase);
  console.log(`console_test.mjs ${phase}: all checks passed; screenshots in ${OUT}`);
} catch (e) {
  console.error(`FAIL console_test.mjs ${phase}: ${e.stack || e}`);
  for (const p of problems) console.error(`  page error: ${p}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
