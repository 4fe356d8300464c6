// Evaluates the baseline scenarios with Cedar (@cedar-policy/cedar-wasm) using
// bench/policy_baseline.cedar, checks that every decision and every determining rule id
// matches Oversight's, and reports Cedar's decisions per second and p50/p99 latency.
//
//   prefix=/tmp/oversight-bench-cedar
//   npm install --prefix "$prefix" --no-save --ignore-scripts --no-audit --no-fund \
//     @cedar-policy/cedar-wasm@4.13.0
//   build-bench/bench/policy_eval --dump-cases /tmp/policy_cases.jsonl
//   BENCH_NODE_PREFIX="$prefix" node bench/policy_cedar.js /tmp/policy_cases.jsonl [--seconds S]
// Exits 1 if any decision differs. bench/policy_compare.sh runs both sides.
'use strict';

const fs = require('fs');
const path = require('path');

const prefix = process.env.BENCH_NODE_PREFIX || '/tmp/oversight-bench-cedar';
const cedar = require(path.join(prefix, 'node_modules/@cedar-policy/cedar-wasm/nodejs'));

const SEARCH = ['search_by_image', 'search_by_face_id', 'compare'];
const ms = (t) => Date.parse(t);

// The warrant and history facts Oversight's providers supply, precomputed for Cedar.
function warrantFacts(ctx, facts, now) {
  const w = facts.warrant;
  const out = {available: w !== 'unavailable', exists: false, signature_valid: false, status: '',
               issued_not_after_now: false, expires_after_now: false, covers_case: false,
               covers_purpose: false};
  if (!ctx.warrant_id || !w || w === 'unavailable') return out;
  return Object.assign(out, {
    exists: true, signature_valid: w.signature_valid !== false, status: w.status || 'active',
    issued_not_after_now: w.issued_at !== undefined && ms(w.issued_at) <= now,
    expires_after_now: w.expires_at !== undefined && ms(w.expires_at) > now,
    covers_case: (w.case_ids || []).includes(ctx.case_id),
    covers_purpose: (w.purposes || []).includes(ctx.purpose),
  });
}

function historyFacts(h) {
  const pick = (metric, win) => {
    const v = h && h !== 'unavailable' ? h[metric] : undefined;
    return typeof v === 'number' ? v : (v && v[win]) || 0;
  };
  return {available: h !== 'unavailable', cameras_24h: pick('distinct_cameras_for_subject', '24h'),
          locations_7d: pick('distinct_locations_for_subject', '7d')};
}

function toCedar(c) {
  const req = c.request, ctx = req.context || {}, facts = c.facts || {}, now = ms(c.now);
  const context = {warrant: warrantFacts(ctx, facts, now), history: historyFacts(facts.history)};
  for (const k of ['purpose', 'mode', 'source', 'court_order_id']) {
    if (ctx[k] !== undefined) context[k] = ctx[k];
  }
  if (ctx.capture_time) context.capture_age_seconds = Math.floor((now - ms(ctx.capture_time)) / 1000);
  const principal = {type: 'User', id: (req.principal && req.principal.id) || 'anonymous'};
  return {
    principal, action: {type: 'Action', id: req.action || 'none'},
    resource: {type: 'Collection', id: (req.request && req.request.collection) || 'default'},
    context, preparsedPolicySetId: 'baseline',
    entities: [{uid: principal, attrs: {roles: (req.principal && req.principal.roles) || []}, parents: []}],
  };
}

function main() {
  const args = process.argv.slice(2);
  const seconds = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 2;
  const lines = fs.readFileSync(args[0], 'utf8').split('\n').filter((l) => l.trim());
  const cases = lines.map((l) => JSON.parse(l));
  const text = fs.readFileSync(path.join(__dirname, 'policy_baseline.cedar'), 'utf8');
  const parts = cedar.policySetTextToParts(text);
  if (parts.type !== 'success') throw new Error(JSON.stringify(parts));
  const byId = {};
  for (const p of parts.policies) byId[/@id\("([^"]+)"\)/.exec(p)[1]] = p;
  const prep = cedar.preparsePolicySet('baseline', {staticPolicies: byId});
  if (prep.type !== 'success') throw new Error(JSON.stringify(prep));
  const calls = cases.map((c) => toCedar(c.case));
  let mismatches = 0;
  calls.forEach((call, i) => {
    const ans = cedar.statefulIsAuthorized(call);
    if (ans.type !== 'success') throw new Error(JSON.stringify(ans));
    const got = ans.response.decision, want = cases[i].expected;
    const reason = [...ans.response.diagnostics.reason].sort().join(',');
    const determining = [...cases[i].determining].sort().join(',');
    if (got !== want || reason !== determining || ans.response.diagnostics.errors.length) {
      mismatches++;
      console.log(`MISMATCH ${cases[i].case.name}: cedar ${got}, oversight ${want}`,
                  JSON.stringify(ans.response.diagnostics));
    }
  });
  console.log(`cedar ${cedar.getCedarVersion()}: ${calls.length - mismatches}/${calls.length} ` +
              'baseline scenarios give the same decision and determining rules as Oversight');
  for (let i = 0; i < 20000; i++) cedar.statefulIsAuthorized(calls[i % calls.length]);
  let n = 0;
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) / 1e9 < seconds) {
    for (let k = 0; k < 100; k++, n++) cedar.statefulIsAuthorized(calls[n % calls.length]);
  }
  const perSecond = n / (Number(process.hrtime.bigint() - start) / 1e9);
  const ns = [];
  for (let i = 0; i < 50000; i++) {
    const t0 = process.hrtime.bigint();
    cedar.statefulIsAuthorized(calls[i % calls.length]);
    ns.push(Number(process.hrtime.bigint() - t0));
  }
  ns.sort((a, b) => a - b);
  console.log(`cedar-baseline         rules=7    decisions/s=${perSecond.toFixed(0).padEnd(12)} ` +
              `p50=${ns[ns.length >> 1]} ns  p99=${ns[Math.floor(ns.length * 0.99)]} ns`);
  process.exit(mismatches ? 1 : 0);
}

main();
