// Small DOM helpers: elements are built with DOM APIs only (no innerHTML, no inline styles:
// the console's Content-Security-Policy allows neither).

// h('button', {class: 'primary', type: 'button', onclick: fn}, 'Text', child, ...)
// Attributes named on* become event listeners; `text` sets textContent; `class` may be an
// array; false/null/undefined attributes and children are skipped.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'text') {
      el.textContent = String(v);
    } else if (k === 'class') {
      el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    } else if (k === 'value' && 'value' in el) {
      el.value = v;
    } else if (k === 'checked' || k === 'selected' || k === 'disabled') {
      el[k] = !!v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

// A status line: kind is 'ok', 'fail', 'warn', 'info' or 'busy'. The mark is text as well as
// colour, so the result does not rely on colour alone.
const MARKS = { ok: '✔ verified', fail: '✘ failed', warn: '⚠ warning', info: 'ℹ', busy: '… working' };
export function statusItem(kind, title, detail) {
  return h('li', { class: ['step', `step-${kind}`], 'data-result': kind },
    h('span', { class: 'step-mark', text: MARKS[kind] || kind }),
    h('span', { class: 'step-title', text: title }),
    detail ? h('span', { class: 'step-detail' }, detail) : null);
}

export function message(kind, text) {
  return h('p', { class: ['msg', `msg-${kind}`], role: kind === 'fail' ? 'alert' : 'status', text });
}

export function code(text, cls) {
  return h('code', { class: cls, text });
}

export function fmtTime(t) {
  if (!t) return '';
  return String(t).replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

// Table from rows and column definitions [{label, get(row) -> Node|string, class}].
export function table(caption, columns, rows, attrs = {}) {
  return h('table', attrs,
    caption ? h('caption', { text: caption }) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class, text: c.label })))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => {
      const v = c.get(r);
      return h('td', { class: c.class }, v === undefined || v === null ? '' : v);
    })))));
}

export function decisionBadge(d) {
  const allow = d === true || d === 'allow';
  return h('span', { class: ['badge', allow ? 'badge-allow' : 'badge-deny'], text: allow ? 'allow' : 'deny' });
}

export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h('span', { class: 'hint', id: `${id}-hint`, text: hint }) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), control, hintEl);
}
