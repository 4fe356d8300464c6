// The rule workbench (policy analysts): open or paste a pack, lint it, try requests built from
// the request schema, run scenario files and the what-if replay. Nothing here changes the
// enforced pack: the draft lives in this page and leaves it only as a downloaded file.
import { api, v1, ApiError } from './api.js';
import { h, clear, table, decisionBadge, field, code } from './dom.js';
import { groupedBarChart } from './charts.js';

const errText = (e) => (e instanceof ApiError ? e.explain() : String(e.message || e));
const failMsg = (e) => h('p', { class: ['msg', 'msg-fail'], role: 'alert', text: errText(e) });
const busyMsg = (text) => h('p', { class: ['msg', 'msg-busy'], role: 'status', text });
const rethrowAuth = (e) => {
  if (e instanceof ApiError && e.authLost) throw e;
};

// Kept while the page lives, so leaving the view and coming back keeps the draft.
const state = { text: '', file: '', scenarios: '' };

// ------------------------------------------------------------------ caret helpers

export function offsetOf(text, line, column) {
  const lines = text.split('\n');
  const l = Math.max(1, Math.min(line, lines.length));
  let off = 0;
  for (let i = 0; i < l - 1; i++) off += lines[i].length + 1;
  return off + Math.max(0, Math.min((column || 1) - 1, lines[l - 1].length));
}

function caretPosition(ta) {
  const before = ta.value.slice(0, ta.selectionStart);
  const line = before.split('\n').length;
  const column = ta.selectionStart - before.lastIndexOf('\n');
  return { line, column };
}

function moveCaret(ta, line, column) {
  const off = offsetOf(ta.value, line, column);
  ta.focus();
  ta.setSelectionRange(off, off);
  const lh = parseFloat(getComputedStyle(ta).lineHeight) || 18;
  ta.scrollTop = Math.max(0, (line - 4) * lh);
  ta.dispatchEvent(new Event('caretmove'));
}

// ------------------------------------------------------------------ the request form

const REQUEST_PREFIXES = ['principal.', 'action', 'context.', 'request.'];
const ENGINE_FACTS = new Set(['context.capture_age']);

function controlFor(f) {
  const id = `req-${f.Path.replace(/[^a-z0-9]+/gi, '-')}`;
  const type = String(f.Type || '').toLowerCase();
  const values = Array.isArray(f.Values) ? f.Values : [];
  let control;
  if (values.length && !type.includes('set')) {
    control = h('select', { id }, h('option', { value: '', text: '(not set)' }), values.map((v) => h('option', { value: v, text: v })));
  } else if (type.includes('bool')) {
    control = h('select', { id }, h('option', { value: '', text: '(not set)' }), h('option', { value: 'true', text: 'true' }), h('option', { value: 'false', text: 'false' }));
  } else if (type.includes('time') && !type.includes('duration')) {
    control = h('input', { id, type: 'datetime-local', step: 1 });
  } else if (type.includes('number')) {
    control = h('input', { id, type: 'number', step: 'any' });
  } else {
    control = h('input', { id, type: 'text', autocomplete: 'off', placeholder: type.includes('set') ? (values.length ? values.join(', ') : 'comma-separated') : '' });
  }
  control.dataset.path = f.Path;
  control.dataset.type = type;
  return control;
}

function hintFor(f) {
  const type = String(f.Type || '');
  const t = type.toLowerCase();
  const parts = [f.Meaning || ''];
  if (t.includes('time') && !t.includes('duration')) parts.push('UTC');
  if (t.includes('set')) parts.push('comma-separated');
  return parts.filter(Boolean).join(' · ');
}

const localToRfc3339 = (v) => (v.length === 16 ? `${v}:00Z` : `${v}Z`);

function readRequest(form) {
  const req = {};
  for (const c of form.querySelectorAll('[data-path]')) {
    const raw = c.value.trim();
    if (!raw) continue;
    const t = c.dataset.type;
    let value = raw;
    if (t.includes('set')) value = raw.split(',').map((x) => x.trim()).filter(Boolean);
    else if (t.includes('bool')) value = raw === 'true';
    else if (t.includes('number')) value = Number(raw);
    else if (t.includes('time') && !t.includes('duration')) value = localToRfc3339(raw);
    const path = c.dataset.path.split('.');
    let o = req;
    for (const k of path.slice(0, -1)) o = o[k] = o[k] || {};
    o[path[path.length - 1]] = value;
  }
  return req;
}

const EXAMPLE = {
  'principal.id': 'det.jones',
  'principal.agency': 'Metro PD',
  'principal.agency_type': 'law_enforcement',
  'principal.roles': 'investigator',
  action: 'search_by_image',
  'context.warrant_id': 'W-2026-0042',
  'context.case_id': 'C-2026-1187',
  'context.purpose': 'criminal_investigation',
  'context.source': 'cctv_still',
  'context.mode': 'retrospective',
  'request.collection': 'booking',
};

// The demo's warranted search (docs/api.md §6: det.jones under warrant W-2026-0042).
function fillExample(form) {
  for (const c of form.querySelectorAll('[data-path]')) {
    const v = EXAMPLE[c.dataset.path];
    if (v === undefined) continue;
    if (c.tagName === 'SELECT' && ![...c.options].some((o) => o.value === v)) continue;
    c.value = v;
  }
}

// ------------------------------------------------------------------ results

function decisionView(r) {
  const d = r.Decision || {};
  const o = d.obligations || {};
  const list = (ids) => ((ids || []).length ? ids.join(', ') : '—');
  const obligations = [
    o.min_similarity !== undefined ? `minimum similarity ${o.min_similarity}` : null,
    o.max_results !== undefined ? `at most ${o.max_results} results` : null,
    o.human_review_required ? 'human review required' : null,
    (o.exclude_record_status || []).length ? `exclude records ${o.exclude_record_status.join(', ')}` : null,
    ...(o.notices || []).map((n) => `notice: ${n}`),
  ].filter(Boolean);
  return h('div', { class: 'decision', id: 'try-decision', 'data-decision': d.allow ? 'allow' : 'deny' },
    h('p', { class: 'decision-line' }, 'Decision: ', decisionBadge(!!d.allow), d.pack ? h('span', { class: 'muted', text: ` under ${d.pack}` }) : null),
    h('dl', { class: 'kv' },
      h('dt', { text: 'Permitting' }), h('dd', { text: list(d.permitting) }),
      h('dt', { text: 'Forbidding' }), h('dd', { text: list(d.forbidding) }),
      h('dt', { text: 'Obligating' }), h('dd', { text: list(d.obligating) }),
      (d.undecided || []).length ? [h('dt', { text: 'Undecided' }), h('dd', { text: list(d.undecided) })] : null,
      h('dt', { text: 'Obligations' }), h('dd', { text: obligations.length ? obligations.join('; ') : '—' })),
    (d.reasons || []).length ? h('div', {}, h('h4', { text: 'Reasons, with citations' }), h('ul', { class: 'reasons', id: 'try-reasons' }, d.reasons.map((x) => h('li', { text: x })))) : null,
    r.Explanation ? h('details', { open: true }, h('summary', { text: 'Explanation: every rule and condition' }), h('pre', { class: 'explain', id: 'try-explanation', text: r.Explanation })) : null);
}

function scenarioResults(r) {
  const results = r.Results || [];
  return h('div', {},
    h('p', { class: ['verdict', r.Failed ? 'verdict-fail' : 'verdict-ok'], id: 'scenario-summary', 'data-passed': r.Passed, 'data-failed': r.Failed, text: `${r.Passed} passed, ${r.Failed} failed` }),
    (r.Uncovered || []).length ? h('p', { class: ['msg', 'msg-warn'], text: `Rules no scenario exercised: ${r.Uncovered.join(', ')}` }) : null,
    table('Scenario results', [
      { label: 'Scenario', get: (x) => x.Name },
      { label: 'Where', get: (x) => code(x.Location || '') },
      { label: 'Result', get: (x) => h('span', { class: x.Passed ? 'pass' : 'fail', text: x.Passed ? '✔ pass' : '✘ fail' }) },
      { label: 'Decision', get: (x) => (x.Decision ? decisionBadge(x.Decision) : '') },
      { label: 'Failures', get: (x) => ((x.Failures || []).length ? h('ul', {}, x.Failures.map((f) => h('li', { text: typeof f === 'string' ? f : JSON.stringify(f) }))) : '') },
    ], results, { class: 'data compact', id: 'scenario-table' }));
}

function replayResults(r, me) {
  const rules = Object.entries(r.by_rule || {}).map(([id, v]) => ({ id, ...v }));
  const canOpen = me && (me.Roles || []).includes('auditor');
  const cp = r.checkpoint || {};
  return h('div', {},
    h('p', { class: ['msg', r.verified ? 'msg-info' : 'msg-fail'], text: r.verified
      ? `Replayed the entries of the verified checkpoint of ${cp.size} entries (root ${cp.root}) under ${(r.pack && r.pack.name) || 'the draft'}.`
      : `UNVERIFIED ledger: ${r.problem || 'verification failed'}` }),
    table('Replay summary', [
      { label: 'Requests in period', class: 'num', get: () => String(r.requests ?? 0) },
      { label: 'Replayed', class: 'num', get: () => String(r.replayed ?? 0) },
      { label: 'Not decided by a pack', class: 'num', get: () => String(r.not_by_pack ?? 0) },
      { label: 'allow → allow', class: 'num', get: () => String(r.allow_allow ?? 0) },
      { label: 'allow → deny', class: 'num', get: () => String(r.allow_deny ?? 0) },
      { label: 'deny → allow', class: 'num', get: () => String(r.deny_allow ?? 0) },
      { label: 'deny → deny', class: 'num', get: () => String(r.deny_deny ?? 0) },
    ], [r], { class: 'data compact', id: 'replay-summary' }),
    rules.length ? groupedBarChart({ label: 'Decisions the draft would change, by the rule that decides them', categories: rules.map((x) => x.id), series: [
      { name: 'allow → deny', class: 'bar-deny', values: rules.map((x) => x.allow_to_deny) },
      { name: 'deny → allow', class: 'bar-allow', values: rules.map((x) => x.deny_to_allow) }] }) : h('p', { class: 'muted', id: 'replay-nochange', text: 'The draft would change no recorded decision.' }),
    rules.length ? table('Changed decisions by rule', [
      { label: 'Rule', get: (x) => x.id },
      { label: 'Effect', get: (x) => x.effect },
      { label: 'Citation', get: (x) => x.citation },
      { label: 'allow → deny', class: 'num', get: (x) => String(x.allow_to_deny) },
      { label: 'deny → allow', class: 'num', get: (x) => String(x.deny_to_allow) },
      { label: 'Example entries', get: (x) => (x.examples || []).map((s, i) => [i ? ', ' : '', canOpen ? h('a', { href: `#entry/${s}`, text: String(s) }) : String(s)]) },
    ], rules, { class: 'data compact', id: 'replay-table' }) : null,
    r.facts ? h('p', { class: 'muted', text: typeof r.facts === 'string' ? r.facts : JSON.stringify(r.facts) }) : null);
}

// ------------------------------------------------------------------ the view

export async function workbenchView(el, { me }) {
  el.append(
    h('h1', { text: 'Rule workbench' }),
    h('p', { class: ['msg', 'msg-info', 'banner'], id: 'no-change-banner' },
      h('strong', { text: 'Nothing here changes the enforced rule pack. ' }),
      'Your draft lives in this page and leaves it only as a file you download. An operator puts a pack in force (and the ledger records it).'));

  // The enforced pack, and the shipped packs.
  const enforced = h('p', { class: 'muted', id: 'enforced' });
  let packs = { Packs: [], Scenarios: [] };
  try {
    const [rules, list] = await Promise.all([api(v1('rules')), api(v1('rules/packs'))]);
    packs = list;
    enforced.append('Enforced pack: ', h('strong', { text: `${rules.Name}` }), ` version ${rules.Version}, ${rules.Jurisdiction || ''} — SHA-256 `, code(String(rules.Sha256 || '').slice(0, 16) + '…', 'hash'));
  } catch (e) {
    rethrowAuth(e);
    enforced.replaceWith(failMsg(e));
  }

  // ---- the draft
  const packSelect = h('select', { id: 'pack-select' }, (packs.Packs || []).map((p) => h('option', { value: p.File, text: `${p.File} — ${p.Name}${p.Enforced ? ' (enforced)' : ''}` })));
  if (state.file) packSelect.value = state.file;
  const ta = h('textarea', { id: 'draft', rows: 22, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'draft-pos' });
  ta.value = state.text;
  const pos = h('p', { id: 'draft-pos', class: 'muted', 'aria-live': 'off', text: 'Line 1, column 1' });
  const draftStatus = h('div', { id: 'draft-status', 'aria-live': 'polite' });
  const lintOut = h('div', { id: 'lint-out', 'aria-live': 'polite' });
  const showPos = () => {
    const p = caretPosition(ta);
    pos.textContent = `Line ${p.line}, column ${p.column}`;
    pos.dataset.line = p.line;
    pos.dataset.column = p.column;
  };
  for (const ev of ['keyup', 'click', 'select', 'focus', 'caretmove']) ta.addEventListener(ev, showPos);
  ta.addEventListener('input', () => {
    state.text = ta.value;
  });

  const openPack = async () => {
    clear(draftStatus, busyMsg('Opening…'));
    try {
      const p = await api(v1(`rules/packs/${encodeURIComponent(packSelect.value)}`));
      ta.value = p.Text;
      state.text = p.Text;
      state.file = p.File;
      clear(draftStatus, h('p', { class: ['msg', 'msg-info'], text: `Opened ${p.File} (SHA-256 ${String(p.Sha256).slice(0, 16)}…) as a draft. Edits stay in this page.` }));
      clear(lintOut);
      const sc = p.File.replace(/\.json$/, '.scenarios.json');
      if ([...scenarioSelect.options].some((o) => o.value === sc)) scenarioSelect.value = sc;
    } catch (e) {
      rethrowAuth(e);
      clear(draftStatus, failMsg(e));
    }
  };

  const lint = async () => {
    clear(lintOut, busyMsg('Linting…'));
    try {
      const r = await api(v1('rules/lint'), { method: 'POST', body: { Text: ta.value } });
      const diags = r.Diagnostics || [];
      const summary = h('p', { class: ['verdict', r.Errors ? 'verdict-fail' : diags.length ? 'verdict-warn' : 'verdict-ok'], id: 'lint-summary', 'data-errors': r.Errors ?? 0, 'data-warnings': r.Warnings ?? 0,
        text: `${r.Errors ?? 0} error${r.Errors === 1 ? '' : 's'}, ${r.Warnings ?? 0} warning${r.Warnings === 1 ? '' : 's'}` });
      clear(lintOut, summary, diags.length ? h('ul', { class: 'diagnostics', id: 'lint-list', 'aria-label': 'Lint diagnostics: choose one to move the cursor there' }, diags.map((d) => h('li', {},
        h('button', { type: 'button', class: ['diag', `diag-${String(d.Severity).toLowerCase()}`], 'data-line': d.Line, 'data-column': d.Column,
          onclick: () => moveCaret(ta, d.Line, d.Column) },
        h('span', { class: 'diag-pos', text: `${d.Line}:${d.Column}` }), ' ',
        h('span', { class: 'diag-sev', text: d.Severity }), ' ',
        d.Code ? h('span', { class: 'diag-code', text: d.Code }) : null, ' ',
        h('span', { text: d.Message }))))) : null);
    } catch (e) {
      rethrowAuth(e);
      clear(lintOut, failMsg(e));
    }
  };

  const download = () => {
    const name = (state.file || 'pack.json').replace(/\.json$/, '') + '.draft.json';
    const url = URL.createObjectURL(new Blob([ta.value], { type: 'application/json' }));
    const a = h('a', { href: url, download: name, class: 'sr-only' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    clear(draftStatus, h('p', { class: ['msg', 'msg-info'], text: `Saved the draft as ${name} (a download: nothing was sent to the proxy).` }));
  };

  // ---- request form
  let fields = [];
  const formBody = h('div', { class: 'req-groups' });
  try {
    const schema = await api(v1('rules/schema'));
    // Only what a request document may set: fields whose Source is `request` (warrant.*,
    // history.* and computed facts come from the engine).
    fields = (schema.Fields || []).filter((f) => (f.Source ? f.Source === 'request'
      : REQUEST_PREFIXES.some((p) => f.Path === p || f.Path.startsWith(p)) && !ENGINE_FACTS.has(f.Path)));
  } catch (e) {
    rethrowAuth(e);
    formBody.append(failMsg(e));
  }
  const groups = [['principal', 'Principal'], ['action', 'Action'], ['context', 'Context'], ['request', 'Request']];
  for (const [prefix, legend] of groups) {
    const gf = fields.filter((f) => f.Path === prefix || f.Path.startsWith(`${prefix}.`));
    if (!gf.length) continue;
    formBody.append(h('fieldset', { class: 'req-group' }, h('legend', { text: legend }),
      h('div', { class: 'req-fields' }, gf.map((f) => field(f.Path, controlFor(f), hintFor(f))))));
  }
  const nowInput = h('input', { id: 'try-now', type: 'datetime-local', step: 1 });
  const useDraft = h('input', { type: 'radio', name: 'try-pack', id: 'try-draft', value: 'draft', checked: true });
  const useEnforced = h('input', { type: 'radio', name: 'try-pack', id: 'try-enforced', value: 'enforced' });
  const factsTa = h('textarea', { id: 'try-facts', rows: 4, spellcheck: 'false', placeholder: '{"warrant": {"status": "active", "court": "…"}}' });
  const tryOut = h('div', { id: 'try-out', 'aria-live': 'polite' });
  const reqForm = h('form', { id: 'request-form', 'aria-labelledby': 'try-h', onsubmit: async (ev) => {
    ev.preventDefault();
    const body = { Request: readRequest(reqForm) };
    if (useDraft.checked) {
      if (!ta.value.trim()) {
        clear(tryOut, h('p', { class: ['msg', 'msg-fail'], role: 'alert', text: 'The draft is empty: open or paste a pack, or choose the enforced pack.' }));
        return;
      }
      body.Text = ta.value;
    }
    if (nowInput.value) body.Now = localToRfc3339(nowInput.value);
    if (factsTa.value.trim()) {
      try {
        body.Facts = JSON.parse(factsTa.value);
      } catch (e) {
        clear(tryOut, h('p', { class: ['msg', 'msg-fail'], role: 'alert', text: `The facts are not JSON: ${e.message}` }));
        return;
      }
    }
    clear(tryOut, busyMsg('Evaluating…'));
    try {
      clear(tryOut, decisionView(await api(v1('rules/try'), { method: 'POST', body })));
    } catch (e) {
      rethrowAuth(e);
      clear(tryOut, failMsg(e));
    }
  } },
  formBody,
  h('fieldset', { class: 'req-group' }, h('legend', { text: 'Evaluation' }),
    h('div', { class: 'req-fields' },
      h('div', { class: 'field radios', role: 'radiogroup', 'aria-label': 'Pack to evaluate' },
        h('span', { class: 'label', text: 'Pack' }),
        h('label', {}, useDraft, ' the draft'), h('label', {}, useEnforced, ' the enforced pack')),
      field('Now (UTC, optional)', nowInput, 'evaluation time; default: the proxy\'s clock'),
      h('details', { class: 'field' }, h('summary', { text: 'Facts fixtures (optional, as in scenario files)' }), factsTa))),
  h('div', { class: 'toolbar' },
    h('button', { type: 'button', class: 'secondary', id: 'fill-example', onclick: () => fillExample(reqForm) }, 'Fill with an example'),
    h('button', { type: 'reset', class: 'secondary' }, 'Clear'),
    h('button', { type: 'submit', class: 'primary', id: 'try' }, 'Try')));

  // ---- scenarios
  const scenarioSelect = h('select', { id: 'scenario-select' }, (packs.Scenarios || []).map((s) => h('option', { value: s, text: s })));
  if (state.scenarios) scenarioSelect.value = state.scenarios;
  const scenarioOut = h('div', { id: 'scenario-out', 'aria-live': 'polite' });
  const runScenarios = async (ev) => {
    ev.preventDefault();
    state.scenarios = scenarioSelect.value;
    clear(scenarioOut, busyMsg('Running scenarios…'));
    const body = { File: scenarioSelect.value };
    if (ta.value.trim()) body.Text = ta.value;
    try {
      clear(scenarioOut, scenarioResults(await api(v1('rules/scenarios'), { method: 'POST', body })));
    } catch (e) {
      rethrowAuth(e);
      clear(scenarioOut, failMsg(e));
    }
  };

  // ---- replay
  const rFrom = h('input', { type: 'date', id: 'replay-from' });
  const rTo = h('input', { type: 'date', id: 'replay-to' });
  const replayOut = h('div', { id: 'replay-out', 'aria-live': 'polite' });
  const runReplay = async (ev) => {
    ev.preventDefault();
    if (!ta.value.trim()) {
      clear(replayOut, h('p', { class: ['msg', 'msg-fail'], role: 'alert', text: 'The draft is empty: open or paste a pack to replay.' }));
      return;
    }
    clear(replayOut, busyMsg('Replaying the ledger under the draft…'));
    const body = { Text: ta.value };
    if (rFrom.value) body.From = rFrom.value;
    if (rTo.value) body.To = rTo.value;
    try {
      clear(replayOut, replayResults(await api(v1('rules/replay'), { method: 'POST', body }), me));
    } catch (e) {
      rethrowAuth(e);
      clear(replayOut, failMsg(e));
    }
  };

  el.append(enforced,
    h('section', { 'aria-labelledby': 'draft-h', class: 'card' },
      h('h2', { id: 'draft-h', text: '1. The draft' }),
      h('div', { class: 'filters' },
        field('Shipped pack', packSelect),
        h('div', { class: 'field field-button' }, h('button', { type: 'button', class: 'secondary', id: 'open-pack', onclick: openPack }, 'Open as draft'))),
      draftStatus,
      h('div', { class: 'field' }, h('label', { for: 'draft', text: 'Draft pack (JSON with comments; paste or edit)' }), ta, pos),
      h('div', { class: 'toolbar' },
        h('button', { type: 'button', class: 'primary', id: 'lint', onclick: lint }, 'Lint'),
        h('button', { type: 'button', class: 'secondary', id: 'download', onclick: download }, 'Download draft')),
      lintOut),
    h('section', { 'aria-labelledby': 'try-h', class: 'card' },
      h('h2', { id: 'try-h', text: '2. Try a request' }),
      h('p', { class: 'muted', text: 'Fill in the request document field by field (empty fields are left out). The live warrant registry and search history are used unless facts fixtures are given.' }),
      reqForm, tryOut),
    h('section', { 'aria-labelledby': 'sc-h', class: 'card' },
      h('h2', { id: 'sc-h', text: '3. Run a scenario file' }),
      h('form', { class: 'filters', onsubmit: runScenarios },
        field('Scenario file', scenarioSelect, 'run against the draft (or, with an empty draft, the pack the file names)'),
        h('div', { class: 'field field-button' }, h('button', { type: 'submit', class: 'primary', id: 'run-scenarios' }, 'Run scenarios'))),
      scenarioOut),
    h('section', { 'aria-labelledby': 'rp-h', class: 'card' },
      h('h2', { id: 'rp-h', text: '4. What if: replay the ledger under the draft' }),
      h('p', { class: 'muted', text: 'Every past request the enforced pack decided is decided again under the draft, at its own time: which decisions would change, and by which rule.' }),
      h('form', { class: 'filters', onsubmit: runReplay },
        field('From (optional)', rFrom), field('To (optional, inclusive)', rTo),
        h('div', { class: 'field field-button' }, h('button', { type: 'submit', class: 'primary', id: 'run-replay' }, 'Run replay'))),
      replayOut));
  if (!ta.value && packSelect.options.length) {
    const enforcedPack = (packs.Packs || []).find((p) => p.Enforced);
    if (enforcedPack) packSelect.value = enforcedPack.File;
  }
}
