// Shared helpers of the HTTP (and browser) suites.
//
// The suites run against a live instance described by the environment that
// ./stack gives them (see node_suite in ./stack):
//   MARQUEE_URL   base URL of nginx (http://127.0.0.1:18080 for "test")
//   MARQUEE_VAR   the instance directory: run/ (PostgreSQL socket, pid files),
//                 log/marquee.log (the app's JSON log), pgdata/
//   MARQUEE_CONF  the app's config file;  MARQUEE_ROOT  the checkout
//   MARQUEE_MAIL_DIR  the SMTP sink's files;  MARQUEE_DEMO_ADMIN_PASSWORD
// Against dev: MARQUEE_URL=http://127.0.0.1:8080 MARQUEE_VAR=$PWD/var/dev ...
//
// Source addresses.  Every request here goes out from a loopback address of
// its own choosing (127.x.y.z: Linux routes all of 127.0.0.0/8 to lo), so the
// app's per-address limits (log-ins, registrations per IP) see each test, or
// each simulated browser, as a different client.  nginx exempts the whole of
// loopback from limit_req and the app counts it as internal, like 127.0.0.1.
// freshIp() hands out a new address; pass { ip } to pin one.

import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export const BASE_URL = (process.env.MARQUEE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const ROOT = process.env.MARQUEE_ROOT || path.resolve(new URL('../..', import.meta.url).pathname);
export const VAR = process.env.MARQUEE_VAR || path.join(ROOT, 'var', 'dev');
export const CONF = process.env.MARQUEE_CONF || path.join(VAR, 'marquee.conf');
export const MAIL_DIR = process.env.MARQUEE_MAIL_DIR || path.join(VAR, 'mail');
export const RUN_DIR = path.join(VAR, 'run');
export const APP_LOG = path.join(VAR, 'log', 'marquee.log');
export const PGBIN = '/usr/lib/postgresql/15/bin';
export const ADMIN_EMAIL = 'admin@marquee.test';
export const ADMIN_PASSWORD = process.env.MARQUEE_DEMO_ADMIN_PASSWORD || 'marquee-admin-demo';

const base = new URL(BASE_URL);
const HOST = base.hostname === 'localhost' ? '127.0.0.1' : base.hostname;
const PORT = Number(base.port || 80);

// ------------------------------------------------------------ addresses

const ipPrefix = `127.${1 + crypto.randomInt(254)}.${crypto.randomInt(256)}`;
let ipNext = 1 + crypto.randomInt(100);

/** A loopback source address not used before by this process. */
export function freshIp() {
  ipNext = ipNext >= 254 ? 1 : ipNext + 1;
  return `${ipPrefix}.${ipNext}`;
}

// The address of requests that name none: one per process.
export const DEFAULT_IP = HOST.startsWith('127.') ? freshIp() : undefined;

/** Unique e-mail address for a test account (lower case, example domain). */
export function uniqueEmail(tag = 'user') {
  return `${tag}-${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}@example.test`;
}

/** A password nobody else uses: never common, always 10+ characters. */
export function uniquePassword() {
  return `pw-${crypto.randomBytes(9).toString('base64url')}`;
}

// ------------------------------------------------------------------ HTTP

export class Resp {
  constructor(status, rawHeaders, body) {
    this.status = status;
    this.headers = new Headers();
    for (let i = 0; i < rawHeaders.length; i += 2) this.headers.append(rawHeaders[i], rawHeaders[i + 1]);
    this.body = body;
    this.text = body.toString('utf8');
    this._json = undefined;
  }
  /** The body parsed as JSON (throws with the text when it is not). */
  get json() {
    if (this._json === undefined) {
      try {
        this._json = JSON.parse(this.text);
      } catch {
        throw new Error(`not JSON (status ${this.status}): ${this.text.slice(0, 300)}`);
      }
    }
    return this._json;
  }
  get setCookies() {
    return this.headers.getSetCookie();
  }
  get requestId() {
    return this.headers.get('x-request-id');
  }
  /** A short description for assertion messages. */
  toString() {
    return `${this.status} ${this.headers.get('content-type') || ''} ${this.text.slice(0, 300)}`;
  }
}

/**
 * One HTTP request to nginx on a new connection.
 *   request('GET', '/v1/status')
 *   request('POST', '/x', { headers: {...}, body: Buffer|string, ip, timeout })
 * `path` is sent as given (raw percent-encodings included).  Redirects are
 * never followed.
 */
export function request(method, urlPath, { headers = {}, body, ip = DEFAULT_IP, timeout = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (body !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-length')) {
      h['Content-Length'] = Buffer.byteLength(body);
    }
    const req = http.request(
      { host: HOST, port: PORT, method, path: urlPath, headers: h, localAddress: ip, family: 4, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(new Resp(res.statusCode, res.rawHeaders, Buffer.concat(chunks))));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeout, () => req.destroy(new Error(`timeout after ${timeout} ms: ${method} ${urlPath}`)));
    req.on('error', reject);
    // nginx may answer (413) and close before a large body is sent.
    req.on('socket', (s) => s.on('error', () => {}));
    req.end(body);
  });
}

/**
 * A JSON API call.  `body` (an object) is sent as JSON; `token` as a bearer
 * token.  Returns the Resp; resp.json is the parsed body.
 */
export function api(method, urlPath, { token, body, headers = {}, ip, timeout } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
  }
  return request(method, urlPath, { headers: h, body: payload, ip, timeout });
}

export function basicAuth(email, password) {
  return `Basic ${Buffer.from(`${email}:${password}`, 'utf8').toString('base64')}`;
}

/** GET /metrics, from 127.0.0.1 itself (nginx allows no other loopback address). */
export function metrics() {
  return request('GET', '/metrics', { ip: '127.0.0.1' });
}

/**
 * Creates an account through the API: { user, token, email, password, name }.
 * Each call comes from a fresh address unless given one, so that helpers never
 * run into the per-address registration limit (only tests of it should).
 */
export async function createUser({ email = uniqueEmail(), password = uniquePassword(), name = 'Test User', ip = freshIp() } = {}) {
  const r = await api('POST', '/v1/users/create_account', { body: { email, password, name }, ip });
  if (r.status !== 201) throw new Error(`create_account ${email}: ${r}`);
  return { ...r.json, email, password, name };
}

/** Logs in through the API (from a fresh address unless given one): the bearer token. */
export async function loginToken(email, password, { ip = freshIp() } = {}) {
  const r = await api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(email, password) }, ip });
  if (r.status !== 200) throw new Error(`authenticate ${email}: ${r}`);
  return r.json.token;
}

/** An administrator account of its own: created, then promoted with psql. */
export async function createAdmin(opts = {}) {
  const u = await createUser({ name: 'Test Admin', ...opts });
  psql(`UPDATE users SET role = 'admin' WHERE id = ${Number(u.user.id)}`);
  return u;
}

// ------------------------------------------------------- browser-like jar

/** The value of the hidden csrf input of a page. */
export function csrfFrom(html) {
  const m = /<input[^>]*name="csrf"[^>]*value="([^"]*)"/.exec(html) || /<input[^>]*value="([^"]*)"[^>]*name="csrf"/.exec(html);
  return m ? m[1] : undefined;
}

export function formBody(fields) {
  return new URLSearchParams(fields).toString();
}

/**
 * A browser without JavaScript: keeps cookies (a tiny jar, one host), sends
 * forms, never follows redirects by itself.  Each Browser has its own source
 * address unless given one.
 */
export class Browser {
  constructor({ ip = freshIp(), userAgent = 'marquee-tests' } = {}) {
    this.ip = ip;
    this.userAgent = userAgent;
    this.cookies = new Map();
  }
  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  store(resp) {
    for (const sc of resp.setCookies) {
      const [pair, ...attrs] = sc.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const maxAge = attrs.map((a) => a.trim()).find((a) => /^max-age=/i.test(a));
      if (value === '' || (maxAge && Number(maxAge.split('=')[1]) <= 0)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return resp;
  }
  async send(method, urlPath, { headers = {}, body } = {}) {
    const h = { 'User-Agent': this.userAgent, Accept: 'text/html,application/xhtml+xml', ...headers };
    if (this.cookies.size) h.Cookie = this.cookieHeader();
    return this.store(await request(method, urlPath, { headers: h, body, ip: this.ip }));
  }
  get(urlPath, opts) {
    return this.send('GET', urlPath, opts);
  }
  /** Posts a form as is (add `csrf` yourself, or use submit()). */
  post(urlPath, fields, { headers = {} } = {}) {
    return this.send('POST', urlPath, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: formBody(fields),
    });
  }
  /** GETs formPage, takes its csrf token, then posts fields to action. */
  async submit(formPage, action, fields) {
    const page = await this.get(formPage);
    const csrf = csrfFrom(page.text);
    if (!csrf) throw new Error(`no csrf input on ${formPage}: ${page}`);
    return this.post(action, { csrf, ...fields });
  }
  async register({ email = uniqueEmail(), password = uniquePassword(), name = 'Form User' } = {}) {
    const r = await this.submit('/register', '/register', { name, email, password });
    if (r.status !== 303) throw new Error(`register form ${email}: ${r}`);
    return { email, password, name };
  }
  async login(email, password) {
    const r = await this.submit('/login', '/login', { email, password });
    if (r.status !== 303) throw new Error(`login form ${email}: ${r}`);
    return r;
  }
  get session() {
    return this.cookies.get('mq_session');
  }
}

// ---------------------------------------------------------- PostgreSQL

/** Runs SQL as the marquee role; returns psql's unaligned output, trimmed. */
export function psql(sql) {
  return execFileSync('psql', ['-X', '-q', '-w', '-v', 'ON_ERROR_STOP=1', '-h', RUN_DIR, '-U', 'marquee', '-d', 'marquee', '-At'], {
    input: sql,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  }).trim();
}

/** A SQL string literal. */
export function lit(s) {
  return `'${String(s).replaceAll("'", "''")}'`;
}

// --------------------------------------------------------- configuration

// Defaults of src/core/config.c for the keys the suites read.
const CONFIG_DEFAULTS = {
  body_limit: '1048576',
  max_fields: '256',
  max_field_len: '65536',
  rl_window: '60',
  rl_login_ip: '30',
  rl_login_account: '50',
  rl_login_pair: '5',
  rl_login_window: '300',
  rl_register_ip: '10',
  rl_pick_user: '60',
  rl_pay_user: '30',
  passwords_file: '/usr/share/john/password.lst',
  memcached: '127.0.0.1:11211',
};

/**
 * The running app's configuration: defaults, then MARQUEE_CONF, then the
 * MARQUEE_<KEY> variables of the running master's environment (read from
 * /proc, so a server started with overrides is described truly).
 */
export function config() {
  const c = { ...CONFIG_DEFAULTS };
  for (const line of fs.readFileSync(CONF, 'utf8').split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq > 0) c[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  try {
    const env = fs.readFileSync(`/proc/${masterPid()}/environ`, 'utf8').split('\0');
    for (const kv of env) {
      const m = /^MARQUEE_([A-Z0-9_]+)=(.*)$/s.exec(kv);
      if (m && m[1].toLowerCase() in c) c[m[1].toLowerCase()] = m[2];
    }
  } catch {
    /* not readable: the file is the truth */
  }
  return c;
}

export function configInt(key) {
  const v = Number.parseInt(config()[key], 10);
  if (!Number.isFinite(v)) throw new Error(`config key ${key} is not a number`);
  return v;
}

// ----------------------------------------------------------- processes

export function masterPid() {
  const pid = Number(fs.readFileSync(path.join(RUN_DIR, 'marquee.pid'), 'utf8').trim());
  if (!pid) throw new Error('no pid in run/marquee.pid');
  return pid;
}

/**
 * The marquee-admin program of the running instance: beside the master's own
 * executable (var/build/ for the stack's builds), else the usual places.
 */
export function adminBinary() {
  const candidates = [];
  try {
    candidates.push(path.join(path.dirname(fs.readlinkSync(`/proc/${masterPid()}/exe`).replace(/ \(deleted\)$/, '')), 'marquee-admin'));
  } catch {
    /* no master, or not ours to read */
  }
  candidates.push(path.join(ROOT, 'var', 'build', 'marquee-admin'), path.join(ROOT, 'marquee-admin'));
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`marquee-admin not found in ${candidates.join(', ')}`);
  return found;
}

/** The pids of the marquee master's children (its workers), sorted. */
export function workerPids(master = masterPid()) {
  const r = spawnSync('pgrep', ['-P', String(master)], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((p) => {
      try {
        const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
        return !/\) [ZX] /.test(stat); // not zombies
      } catch {
        return false;
      }
    })
    .sort((a, b) => a - b);
}

/** Polls fn() until it returns a truthy value; returns it, or throws. */
export async function waitFor(fn, { timeout = 10000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last})`);
    await sleep(interval);
  }
}

// ------------------------------------------------------------- PostgreSQL

const PGDATA = path.join(VAR, 'pgdata');

function asPostgres(args) {
  const cmd = process.getuid && process.getuid() === 0 ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0], args.slice(1)];
  return spawnSync(cmd[0], cmd[1], { cwd: '/', encoding: 'utf8', timeout: 90000 });
}

export function pgRunning() {
  return asPostgres([`${PGBIN}/pg_ctl`, '-D', PGDATA, 'status']).status === 0;
}

export function pgStop() {
  const r = asPostgres([`${PGBIN}/pg_ctl`, '-D', PGDATA, '-m', 'fast', '-w', '-t', '60', 'stop']);
  if (r.status !== 0) throw new Error(`pg_ctl stop: ${r.stderr}${r.stdout}`);
}

/** Starts PostgreSQL the way ./stack does (pg_up). */
export function pgStart() {
  if (pgRunning()) return;
  const r = asPostgres([`${PGBIN}/pg_ctl`, '-D', PGDATA, '-l', path.join(VAR, 'log', 'postgresql.log'), '-w', '-t', '60', 'start']);
  if (r.status !== 0) throw new Error(`pg_ctl start: ${r.stderr}${r.stdout}`);
}

// A test that stops PostgreSQL registers this, so that even a crash or a
// timeout of the test process leaves the database running.
let pgGuard = false;
export function guardPostgres() {
  if (pgGuard) return;
  pgGuard = true;
  const restore = () => {
    try {
      pgStart();
    } catch (e) {
      process.stderr.write(`could not restart PostgreSQL: ${e.message}\n`);
    }
  };
  process.on('exit', restore);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      restore();
      process.exit(1);
    });
  }
}

// -------------------------------------------------------------- memcached

/** One memcached text-protocol command; resolves with the reply line(s). */
export function memcached(command, { server = config().memcached.split(',')[0] } = {}) {
  const [host, port] = server.split(':');
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port: Number(port) }, () => s.write(`${command}\r\n`));
    let out = '';
    s.setTimeout(3000, () => s.destroy(new Error('memcached timeout')));
    s.on('data', (d) => {
      out += d;
      if (/\r\n$/.test(out)) {
        s.end();
        resolve(out.trim());
      }
    });
    s.on('error', reject);
  });
}

// ----------------------------------------------------------------- logs

function fileSize(f) {
  try {
    return fs.statSync(f).size;
  } catch {
    return 0;
  }
}

// Where the app's log stood when this process started: what the tests here
// cause is after it (the log of a long-lived instance is large).
export const LOG_START = fileSize(APP_LOG);

/** The app's log from byte `from` (default LOG_START) as text. */
export function appLogText({ from = LOG_START } = {}) {
  const size = fileSize(APP_LOG);
  const start = from > size ? 0 : from; // the log was rotated or truncated
  const fd = fs.openSync(APP_LOG, 'r');
  try {
    const buf = Buffer.alloc(size - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** The app's log lines (JSON objects) from byte `from` (default LOG_START). */
export function appLog({ from = LOG_START } = {}) {
  return appLogText({ from })
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return { unparsed: l };
      }
    });
}

export function appLogSize() {
  return fileSize(APP_LOG);
}

/** The log line of the request with this id (waits for it a little). */
export function findLogLine(requestId, { timeout = 3000, from = LOG_START } = {}) {
  const needle = `"id":"${requestId}"`;
  return waitFor(
    () => {
      const line = appLogText({ from })
        .split('\n')
        .find((l) => l.includes(needle));
      return line ? JSON.parse(line) : undefined;
    },
    { timeout, what: `log line of request ${requestId}` },
  );
}

// ----------------------------------------------------------------- mail

/** Every message the SMTP sink stored for this recipient: [{ file, text }]. */
export function mailsTo(recipient) {
  const want = recipient.toLowerCase();
  const out = [];
  let names = [];
  try {
    names = fs.readdirSync(MAIL_DIR).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const file = path.join(MAIL_DIR, name);
    let text;
    try {
      if (fs.statSync(file).size === 0) continue; // transaction still open
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const rcpts = [...text.matchAll(/^X-Rcpt-Args: *<?([^>\s]*)>?/gim)].map((m) => m[1].toLowerCase());
    if (rcpts.includes(want)) out.push({ file, text });
  }
  return out;
}

/** Waits for a message to the recipient; returns the newest. */
export function findMail(recipient, { timeout = 10000, where = () => true } = {}) {
  return waitFor(() => mailsTo(recipient).filter(where).at(-1), { timeout, what: `mail to ${recipient}` });
}

// ---------------------------------------------------------------- FastCGI

/**
 * One request straight to the app's FastCGI socket (run/marquee.sock), past
 * nginx: for what nginx hides (the app's own body limit, internal-address
 * checks with a REMOTE_ADDR that nginx would never send).
 *   fcgi({ method, uri, remoteAddr, headers: { 'Content-Type': ... }, body, contentLength })
 * Resolves with { status, headers (Headers), text }.
 */
export function fcgi({ method = 'GET', uri = '/', remoteAddr = '127.0.0.1', headers = {}, body = '', contentLength } = {}) {
  const socket = path.join(RUN_DIR, 'marquee.sock');
  const q = uri.indexOf('?');
  const params = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: method,
    REQUEST_URI: uri,
    SCRIPT_NAME: q >= 0 ? uri.slice(0, q) : uri,
    QUERY_STRING: q >= 0 ? uri.slice(q + 1) : '',
    REMOTE_ADDR: remoteAddr,
    SERVER_NAME: 'localhost',
    SERVER_PORT: '80',
    REQUEST_ID: crypto.randomBytes(16).toString('hex'),
  };
  const bodyBuf = Buffer.from(body);
  if (contentLength !== undefined || bodyBuf.length) params.CONTENT_LENGTH = String(contentLength ?? bodyBuf.length);
  for (const [k, v] of Object.entries(headers)) {
    const key = k.toUpperCase().replaceAll('-', '_');
    if (key === 'CONTENT_TYPE' || key === 'CONTENT_LENGTH') params[key] = String(v);
    else params[`HTTP_${key}`] = String(v);
  }
  const record = (type, content = Buffer.alloc(0)) => {
    const pad = (8 - (content.length % 8)) % 8;
    const h = Buffer.from([1, type, 0, 1, content.length >> 8, content.length & 255, pad, 0]);
    return Buffer.concat([h, content, Buffer.alloc(pad)]);
  };
  const len = (n) => (n < 128 ? Buffer.from([n]) : Buffer.from([((n >> 24) & 0x7f) | 0x80, (n >> 16) & 255, (n >> 8) & 255, n & 255]));
  const pairs = Buffer.concat(
    Object.entries(params).map(([k, v]) => {
      const kb = Buffer.from(k);
      const vb = Buffer.from(v);
      return Buffer.concat([len(kb.length), len(vb.length), kb, vb]);
    }),
  );
  const out = [record(1, Buffer.from([0, 1, 0, 0, 0, 0, 0, 0]))];
  for (let i = 0; i < pairs.length; i += 65535) out.push(record(4, pairs.subarray(i, i + 65535)));
  out.push(record(4));
  for (let i = 0; i < bodyBuf.length; i += 65535) out.push(record(5, bodyBuf.subarray(i, i + 65535)));
  out.push(record(5));
  return new Promise((resolve, reject) => {
    const s = net.connect(socket);
    let buf = Buffer.alloc(0);
    const stdout = [];
    let done = false;
    s.setTimeout(10000, () => s.destroy(new Error('FastCGI timeout')));
    s.on('connect', () => s.write(Buffer.concat(out)));
    s.on('error', (e) => (done ? undefined : reject(e)));
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8) {
        const clen = buf.readUInt16BE(4);
        const plen = buf[6];
        if (buf.length < 8 + clen + plen) break;
        const type = buf[1];
        const content = buf.subarray(8, 8 + clen);
        buf = buf.subarray(8 + clen + plen);
        if (type === 6) stdout.push(content);
        if (type === 3) done = true;
      }
      if (done) s.end();
    });
    s.on('close', () => {
      const raw = Buffer.concat(stdout).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      if (!done || split < 0) return reject(new Error(`incomplete FastCGI response: ${raw.slice(0, 200)}`));
      const headers = new Headers();
      let status = 200;
      for (const line of raw.slice(0, split).split('\r\n')) {
        const c = line.indexOf(':');
        const k = line.slice(0, c).trim();
        const v = line.slice(c + 1).trim();
        if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10);
        else headers.append(k, v);
      }
      resolve({ status, headers, text: raw.slice(split + 4) });
    });
  });
}
