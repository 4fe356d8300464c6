// What this browser trusts, kept in localStorage (per proxy origin): the verifier key pinned
// the first time a checkpoint verified, and the last checkpoint verified (size and root), from
// which the next one must be shown consistent.
const KEY = 'oversight.console.verifierKey';
const CHECKPOINT = 'oversight.console.trustedCheckpoint';

function read(name) {
  try {
    const v = window.localStorage.getItem(name);
    return v ? JSON.parse(v) : null;
  } catch {
    return null;
  }
}

function write(name, value) {
  try {
    window.localStorage.setItem(name, JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}

export const pinnedKey = () => read(KEY); // {key, pinnedAt}
export const pinKey = (key) => write(KEY, { key, pinnedAt: new Date().toISOString() });
export const trustedCheckpoint = () => read(CHECKPOINT); // {size, root, note, verifiedAt}
export const trustCheckpoint = (cp) => write(CHECKPOINT, { ...cp, verifiedAt: new Date().toISOString() });
export function forgetAll() {
  try {
    window.localStorage.removeItem(KEY);
    window.localStorage.removeItem(CHECKPOINT);
  } catch {
    /* storage unavailable: nothing kept */
  }
}
