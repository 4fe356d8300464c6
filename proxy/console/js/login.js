// The sign-in page: a token from the link's fragment, or the TLS client certificate, is posted
// to POST /console/session; the proxy answers with the session cookie.
import { h, clear } from './dom.js';

const statusEl = document.getElementById('login-status');
const certButton = document.getElementById('cert-button');

const WHY = {
  signin: 'Sign in to use the console.',
  expired: 'Your session has ended. Sign in again.',
  'signed-out': 'You have signed out. Close the browser tab, or sign in again.',
};

function show(kind, title, detail) {
  clear(statusEl, h('div', { class: ['msg', `msg-${kind}`], role: kind === 'fail' ? 'alert' : null },
    h('p', { class: 'msg-title', text: title }), detail ? h('p', { text: detail }) : null));
}

async function postSession(body) {
  let res;
  try {
    res = await fetch('/console/session', {
      method: 'POST',
      headers: { 'X-Oversight-Console': '1', 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    return { ok: false, status: 0, message: `the proxy could not be reached (${e.message})` };
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  return { ok: res.ok, status: res.status, data, message: data && data.message, type: data && data.__type };
}

function signedIn(data) {
  const who = data && data.Principal ? `${data.Principal}${data.Agency ? ` (${data.Agency})` : ''}` : 'you';
  show('ok', `Signed in as ${who}.`, 'Opening the console…');
  window.location.replace('/console/');
}

async function withToken(token) {
  show('busy', 'Signing in with the link…');
  const r = await postSession({ token });
  if (r.ok) return signedIn(r.data);
  // Refusals come as Rekognition's errors: 400 UnrecognizedClientException (a used, expired or
  // altered link), 401 or 403.
  if (r.status === 400 || r.status === 401 || r.status === 403) {
    show('fail', 'This sign-in link was not accepted.',
      'A link works only once and only for 10 minutes. Ask for a new one with `oversight console login`.' +
      (r.message ? ` The proxy said: ${r.message}` : ''));
  } else {
    show('fail', 'Signing in failed.', r.message || `HTTP ${r.status}`);
  }
  return undefined;
}

async function withCertificate() {
  certButton.disabled = true;
  show('busy', 'Signing in with your certificate…');
  const r = await postSession({ certificate: true });
  certButton.disabled = false;
  if (r.ok) return signedIn(r.data);
  if (r.status === 400 || r.status === 401 || r.status === 403) {
    show('fail', 'No certificate sign-in.',
      'The browser presented no client certificate, the proxy does not accept certificates ' +
      '(tls.client_ca), or the certificate names no principal.' + (r.message ? ` The proxy said: ${r.message}` : ''));
  } else {
    show('fail', 'Signing in failed.', r.message || `HTTP ${r.status}`);
  }
  return undefined;
}

certButton.addEventListener('click', withCertificate);

const params = new URLSearchParams(window.location.search);
const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
const token = fragment.get('token');
// The token leaves the address bar (and the history entry) before anything else happens.
if (window.location.hash) {
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
}
if (token) {
  withToken(token);
} else if (fragment.has('token')) {
  show('fail', 'The sign-in link is incomplete.', 'Copy the whole link, including the part after #token=.');
} else if (WHY[params.get('why')]) {
  show('info', WHY[params.get('why')]);
}
