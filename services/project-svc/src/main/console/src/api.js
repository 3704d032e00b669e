// The public API. Signing in, the wallet signs one request exactly as project-svc verifies it (see its README,
// "Authentication and tenants": the audience, a nonce of the signing time, the SHA-256 of the exact body bytes), which
// starts a sign-in session; every later request carries the session's token, so the wallet is not asked again until
// the session ends. The token lives in this tab's sessionStorage only.
import { signText } from './wallet.js';

const PREAMBLE = 'Please sign this Deeploy request:';

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
  get code() { return this.body.code; }
  get field() { return this.body.field; }
}

let platform = null;
let signer = null;
let session = null;
let lastNonce = 0;
const SESSION_KEY = 'deeploy.session';

/** The deployment's public facts (billing mode, audience, chain), read once. */
export async function platformInfo() {
  if (!platform) {
    platform = await publicGet('/api/platform');
  }
  return platform;
}

/** The wallet whose session this tab holds, if it is still live (from an earlier page load of this tab). */
export function restoreSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY));
    if (saved && Date.parse(saved.expiresAt) > Date.now() + 60_000) {
      session = saved;
      signer = saved.address;
    }
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
  }
  return signer;
}

/** Signs in as `address`: its wallet signs one request, which starts the session. */
export async function signIn(address) {
  endLocalSession();
  signer = address;
  const started = await signedCall('POST', '/api/auth/sessions');
  session = { address: started.address, token: started.token, expiresAt: started.expiresAt };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return started.address;
}

export async function signOut() {
  if (session) {
    await call('DELETE', '/api/auth/sessions').catch(() => {});
  }
  endLocalSession();
  signer = null;
}

function endLocalSession() {
  session = null;
  sessionStorage.removeItem(SESSION_KEY);
}

export function signedIn() {
  return session ? session.address : null;
}

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

// Each nonce is taken once per sender: two requests in one millisecond must not share one.
function nextNonce() {
  lastNonce = Math.max(Date.now(), lastNonce + 1);
  return '0x' + lastNonce.toString(16);
}

async function signedHeaders(method, target, bodyBytes) {
  if (!signer) {
    throw new ApiError(401, { code: 'AUTH_REQUIRED', message: 'connect your wallet first' });
  }
  const { audience } = await platformInfo();
  const nonce = nextNonce();
  const text = `${PREAMBLE}\n\nRequest type: ${method} ${target}\nDeeploy: ${audience}\nNonce: ${nonce}\n`
    + `Body SHA-256: ${await sha256Hex(bodyBytes)}`;
  const signature = await signText(signer, text);
  return { 'X-Deeploy-Sender': signer, 'X-Deeploy-Nonce': nonce, 'X-Deeploy-Signature': signature };
}

async function answer(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { message: text };
  }
  if (!response.ok) {
    throw new ApiError(response.status, body);
  }
  return body;
}

export async function publicGet(target) {
  return answer(await fetch(target, { headers: { Accept: 'application/json' } }));
}

async function authHeaders(method, target, bytes) {
  return session ? { Authorization: `Bearer ${session.token}` } : signedHeaders(method, target, bytes);
}

/** A session that has ended or expired on the server: the user signs in again. */
function sessionEnded(error) {
  if (error instanceof ApiError && error.code === 'SESSION_INVALID') {
    endLocalSession();
    window.dispatchEvent(new CustomEvent('deeploy:signed-out'));
  }
  throw error;
}

/**
 * A call as the signed-in wallet. Commands carry an Idempotency-Key, so a retry of the same action (the same key) has
 * one effect.
 */
export async function call(method, target, body, options = {}) {
  return request(method, target, body, options, authHeaders).catch(sessionEnded);
}

/** A call signed by the wallet itself (starting a session). */
function signedCall(method, target, body, options = {}) {
  return request(method, target, body, options, signedHeaders);
}

async function request(method, target, body, { idempotencyKey } = {}, auth) {
  const bytes = body === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(body));
  const headers = { Accept: 'application/json', ...(await auth(method, target, bytes)) };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (method !== 'GET') {
    headers['Idempotency-Key'] = idempotencyKey || crypto.randomUUID();
  }
  return answer(await fetch(target, { method, headers, body: body === undefined ? undefined : bytes }));
}

export const get = (target) => call('GET', target);
export const post = (target, body, options) => call('POST', target, body, options);
export const patch = (target, body, options) => call('PATCH', target, body, options);
export const del = (target) => call('DELETE', target);

/**
 * Follows a job's log as server-sent events (each line once, in order), until the job stops or `signal` aborts.
 * EventSource cannot sign, so the stream is read from a signed fetch.
 */
export async function followLog(jobId, source, onLine, signal) {
  const target = `/api/jobs/${encodeURIComponent(jobId)}/logs?source=${source}&lines=500&follow=true`;
  const headers = { Accept: 'text/event-stream', ...(await authHeaders('GET', target, new Uint8Array())) };
  const response = await fetch(target, { headers, signal });
  if (!response.ok) {
    await answer(response).catch(sessionEnded);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (data) {
        onLine(JSON.parse(data));
      }
    }
  }
}
