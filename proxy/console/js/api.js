// Calls to the proxy from the console: the session cookie goes along by itself (same origin);
// every call carries X-Oversight-Console: 1, the CSRF defence docs/console.md describes.

const AUTH_LOST = new Set(['MissingAuthenticationTokenException', 'UnrecognizedClientException', 'ExpiredTokenException']);

export class ApiError extends Error {
  constructor(status, type, message) {
    super(message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.type = type || '';
  }
  // No session, or it has ended. The proxy answers as Rekognition does: 403
  // MissingAuthenticationTokenException without a cookie, 400 UnrecognizedClientException for
  // an unknown or ended session (docs/api.md §3).
  get authLost() {
    return this.status === 401 || AUTH_LOST.has(this.type);
  }

  // A sentence for the page: what went wrong and, for the usual cases, what to do.
  explain() {
    if (this.authLost) return `Not signed in, or the session has ended (${this.message}).`;
    if (this.status === 401) return `Not signed in, or the session has ended (${this.message}).`;
    if (this.type === 'AccessDeniedException' || this.status === 403) return `Your roles do not allow this (${this.message}).`;
    if (this.status === 404) return `Not found: this proxy does not offer this call (${this.message}).`;
    if (this.status === 429) return `Too many requests: wait a moment and try again (${this.message}).`;
    if (this.status === 0) return `The proxy could not be reached (${this.message}).`;
    return `${this.type ? `${this.type}: ` : ''}${this.message}`;
  }
}

export async function api(path, { method = 'GET', body, query } = {}) {
  let url = path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const qs = q.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  const headers = { 'X-Oversight-Console': '1', Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch (e) {
    throw new ApiError(0, 'NetworkError', e.message);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const type = (data && (data.__type || data.code)) || '';
    const msg = (data && (data.message || data.Message)) || text.slice(0, 200) || res.statusText;
    throw new ApiError(res.status, String(type).replace(/^.*#/, ''), msg);
  }
  return data;
}

export const v1 = (p) => `/oversight/v1/${p}`;
