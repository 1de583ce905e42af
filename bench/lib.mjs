// Helpers shared by the Node load generators (bench/checkout.mjs,
// bench/notifications.mjs, bench/seating.mjs): HTTP to the instance, psql on
// its socket, the admin log-in, fixtures common to all, and number formats.
import http from 'node:http';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import path from 'node:path';

export const PSQL = process.env.PSQL ?? '/usr/lib/postgresql/15/bin/psql';
export const ADMIN = ['admin@marquee.test', process.env.MARQUEE_DEMO_ADMIN_PASSWORD ?? 'marquee-admin-demo'];

export const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
export const clamp = (v, lo, hi) => Math.min(Math.max(Math.floor(Number(v)) || lo, lo), hi);
export const wallNow = () => performance.timeOrigin + performance.now(); // ms since the epoch, fractional

// The instance's base URL (localhost spelled 127.0.0.1) and its URL object;
// throws unless the host is one of `hosts`: traffic goes to loopback only.
export function loopback(url, hosts = ['127.0.0.1']) {
  const base = url.replace('//localhost', '//127.0.0.1');
  const u = new URL(base);
  if (!hosts.includes(u.hostname)) throw new Error('traffic only to 127.0.0.1');
  return { BASE: base, U: u };
}

// ------------------------------------------------------------------- HTTP

// A keep-alive agent for the instance at `u` (a URL) and request(method,
// path, {token, body, basic, headers, localAddress, timeout}), which always
// resolves to {status, text, ms} (status 0 on a network error or timeout),
// plus `at` (wall clock ms, see wallNow) when `stamp` is set.
export function httpClient(u, { maxSockets = 1024, stamp = false } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  function request(method, p, { token, body, basic, headers = {}, localAddress, timeout = 30000 } = {}) {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const h = { accept: 'application/json', ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (basic) h.authorization = `Basic ${Buffer.from(basic.join(':')).toString('base64')}`;
    if (data) {
      h['content-type'] = 'application/json';
      h['content-length'] = data.length;
    }
    return new Promise((resolve) => {
      const t0 = performance.now();
      const answer = (status, text) => resolve(stamp
        ? { status, text, ms: performance.now() - t0, at: wallNow() }
        : { status, text, ms: performance.now() - t0 });
      const req = http.request(
        { host: u.hostname, port: u.port, path: p, method, headers: h, timeout, ...(localAddress ? { localAddress, agent: false } : { agent }) },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => answer(res.statusCode, Buffer.concat(chunks).toString()));
          res.on('error', (e) => answer(0, String(e)));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => answer(0, String(e)));
      if (data) req.write(data);
      req.end();
    });
  }
  return { agent, request };
}

export const json = (r) => {
  try {
    return JSON.parse(r.text);
  } catch {
    return null;
  }
};
export function must(r, status, what) {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 300)}`);
  return json(r);
}
export const errKey = (r) => (r.status === 0 ? `network: ${r.text.slice(0, 60)}` : `${r.status} ${json(r)?.error?.code ?? ''}`.trim());

// The app's counters from /metrics: {marquee_...: number}.
export async function metrics(request) {
  const r = await request('GET', '/metrics');
  const m = {};
  for (const line of r.text.split('\n')) {
    const x = /^(marquee_[a-z_]+) ([0-9.e+-]+)$/.exec(line);
    if (x) m[x[1]] = Number(x[2]);
  }
  return m;
}

// The demo admin's token (`what` names the step in the error).
export async function adminLogin(request, what = 'admin login') {
  return must(await request('GET', '/v1/users/authenticate', { basic: ADMIN }), 200, what).token;
}

// The movie `slug`, created (by `token`, an admin's) when it does not exist.
export async function ensureMovie(request, token, { title, slug, duration_minutes }) {
  const r = await request('GET', `/v1/movies/${slug}`);
  if (r.status !== 404) return must(r, 200, 'movie').movie;
  return must(await request('POST', '/v1/movies/add_movie', {
    token,
    body: { title, slug, genres: [], duration_minutes, release_date: '2025-01-01', content_rating: 'PG' },
  }), 201, 'add_movie').movie;
}

// n fresh customers, {id, token}; account(i) gives the i-th one's
// create_account body.  From loopback addresses of their own, a few each, so
// an instance with the default per-address registration limit (10 a minute)
// copes too.
export function createUsers(request, n, account) {
  const a = 2 + (randomBytes(1)[0] % 250);
  let k = 0;
  return pool(Array.from({ length: n }, (_, i) => i), 8, async (i) => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const from = `127.${a}.${Math.floor(k / 250) % 250}.${1 + (k++ % 250)}`;
      const r = await request('POST', '/v1/users/create_account', { localAddress: from, body: account(i) });
      if (r.status === 201) {
        const j = json(r);
        return { id: j.user.id, token: j.token };
      }
      if (r.status !== 429) throw new Error(`create_account: ${r.status} ${r.text}`);
    }
    throw new Error('create_account: rate limited');
  });
}

// -------------------------------------------------------------------- SQL

// sql(q) runs q with psql on the instance's socket (varDir/run) and resolves
// to its unaligned output, trimmed; sqlJson(q) parses that (empty: null).
export function psql(varDir, { timeout = 120000 } = {}) {
  const sql = (q) => new Promise((resolve, reject) => {
    execFile(PSQL, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', path.join(varDir, 'run'), '-U', 'marquee', '-d', 'marquee', '-c', q],
      { timeout, maxBuffer: 64 << 20 },
      (err, out, errout) => (err ? reject(new Error(`psql: ${errout || err.message}`)) : resolve(out.trim())));
  });
  const sqlJson = async (q) => JSON.parse((await sql(q)) || 'null');
  return { sql, sqlJson };
}

// ------------------------------------------------------------------ misc

// fn(item, i) over items with at most n in flight; the results in order.
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => { while (next < items.length) { const i = next++; out[i] = await fn(items[i], i); } };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

// The p-th percentile of sorted values (the value at index floor(p% of n)).
export const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
export const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
export const f0 = (x) => (Number.isFinite(x) ? Math.round(x).toString() : '-');
