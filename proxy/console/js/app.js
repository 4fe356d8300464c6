// The console's shell: who is signed in (whoami), the views their roles allow, sign-out, and
// routing by the address's fragment (#ledger, #entries, #entry/N, #report, #workbench).
import { api, v1, ApiError } from './api.js';
import { h, clear, $ } from './dom.js';

const VIEWS = [
  { hash: 'ledger', label: 'Ledger', role: 'auditor', load: () => import('./auditor.js').then((m) => m.ledgerView) },
  { hash: 'entries', label: 'Entries', role: 'auditor', load: () => import('./auditor.js').then((m) => m.entriesView) },
  { hash: 'report', label: 'Report', role: 'auditor', load: () => import('./auditor.js').then((m) => m.reportView) },
  { hash: 'workbench', label: 'Rule workbench', role: 'policy_analyst', load: () => import('./workbench.js').then((m) => m.workbenchView) },
];
const ENTRY = { hash: 'entry', role: 'auditor', load: () => import('./auditor.js').then((m) => m.entryView) };

const main = $('#main');
let me = null;

function toLogin(why) {
  window.location.replace(`/console/login.html?why=${encodeURIComponent(why)}`);
}

async function signOut() {
  try {
    await fetch('/console/session', {
      method: 'DELETE',
      headers: { 'X-Oversight-Console': '1' },
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } finally {
    toLogin('signed-out');
  }
}

function allowed(view) {
  return me && Array.isArray(me.Roles) && me.Roles.includes(view.role);
}

function renderShell() {
  const who = $('#who');
  clear(who,
    h('span', { class: 'who-name' }, h('span', { class: 'sr-only', text: 'Signed in as ' }), me.Principal),
    me.Agency ? h('span', { class: 'who-agency', text: me.Agency }) : null,
    h('span', { class: 'who-roles', text: `roles: ${(me.Roles || []).join(', ') || 'none'}` }),
    h('button', { type: 'button', id: 'sign-out', class: 'secondary', onclick: signOut }, 'Sign out'));
  const nav = $('#nav');
  const views = VIEWS.filter(allowed);
  clear(nav, views.length ? h('ul', {}, views.map((v) => h('li', {},
    h('a', { href: `#${v.hash}`, 'data-view': v.hash, text: v.label })))) : null);
}

function homeView(container) {
  const views = VIEWS.filter(allowed);
  container.append(h('h1', { text: `Welcome, ${me.Principal}` }));
  if (!views.length) {
    container.append(h('div', { class: ['msg', 'msg-warn'], id: 'no-views' },
      h('p', { class: 'msg-title', text: 'Your roles have no view in this console.' }),
      h('p', { text: 'The console is for auditors (role auditor: the ledger, its entries and the report) and ' +
        'policy analysts (role policy_analyst: the rule workbench). Your roles: ' +
        `${(me.Roles || []).join(', ') || 'none'}. Ask the deployment's operator if you need another role.` })));
    return;
  }
  container.append(h('p', { text: 'Choose a view:' }),
    h('ul', { class: 'home-list' }, views.map((v) => h('li', {}, h('a', { href: `#${v.hash}`, text: v.label })))));
}

let routeSeq = 0;
async function route(moveFocus = false) {
  const seq = ++routeSeq;
  const hash = window.location.hash.replace(/^#/, '');
  const [name, arg] = hash.split('/');
  let view = VIEWS.find((v) => v.hash === name) || (name === ENTRY.hash ? ENTRY : null);
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === name || (name === 'entry' && a.dataset.view === 'entries')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const container = h('div', { class: 'view', 'data-view': view ? view.hash : 'home' });
  clear(main, container);
  if (view && !allowed(view)) {
    container.append(h('div', { class: ['msg', 'msg-fail'], role: 'alert' },
      h('p', { class: 'msg-title', text: 'This view is not for your roles.' }),
      h('p', { text: `It needs the role ${view.role}.` })));
    view = null;
    return;
  }
  if (!view) {
    homeView(container);
    return;
  }
  try {
    const render = await view.load();
    if (seq !== routeSeq) return;
    await render(container, { me, arg, onAuthLost: () => toLogin('expired') });
  } catch (e) {
    if (e instanceof ApiError && e.authLost) return toLogin('expired');
    container.append(h('p', { class: ['msg', 'msg-fail'], role: 'alert', text: e instanceof ApiError ? e.explain() : String(e.message || e) }));
  }
  // After a change of view, focus goes to its heading, so a screen reader announces it and Tab
  // continues from the top of the new view.
  if (seq === routeSeq && (moveFocus || document.activeElement === document.body)) {
    const heading = container.querySelector('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }
  return undefined;
}

async function boot() {
  try {
    me = await api(v1('whoami'));
  } catch (e) {
    if (e instanceof ApiError && (e.authLost || e.status === 403)) return toLogin('signin');
    clear(main, h('p', { class: ['msg', 'msg-fail'], role: 'alert', text: `The console could not start: ${e instanceof ApiError ? e.explain() : e.message}` }));
    return undefined;
  }
  document.body.dataset.principal = me.Principal;
  renderShell();
  window.addEventListener('hashchange', () => route(true));
  return route();
}

boot();
