// Fixtures of notifications.test.mjs and outbox_faults.test.mjs (not a test
// file itself): a catalog of the run (theatre in New York, movie, showtimes),
// customers and card bookings made through the API, the SMTP sink's files
// read and parsed (MIME, base64 parts), the outbox rows behind them, and the
// jobs process and SMTP sink of the instance stopped and started again
// exactly as ./stack starts them.
//
// Everything is created with names unique to the run, so the suites can run
// beside the others and again on the same instance.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { api, basicAuth, freshIp, psql, uniqueEmail, uniquePassword, sleep, waitFor, CONF, MAIL_DIR, RUN_DIR, ADMIN_EMAIL, ADMIN_PASSWORD } from './lib.mjs';

export const RUN = crypto.randomBytes(4).toString('hex');
export const TZ = 'America/New_York';
export const LAYOUT = ['s'.repeat(12), 's'.repeat(12), 's'.repeat(12), 's'.repeat(12), 'p'.repeat(12)];
export const BASE_PRICE = 1250; // standard $12.50, premium $18.75
export const CARD = { number: '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123', name: 'Nora Notify' };

// ------------------------------------------------------------------ config

/** The app's config file as key -> value (comments and blanks skipped). */
export function confFile() {
  const c = {};
  for (const line of fs.readFileSync(CONF, 'utf8').split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq > 0) c[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return c;
}

/** base_url of the instance: the links in the e-mails start with it. */
export const BASE_LINK = () => confFile().base_url.replace(/\/+$/, '');

// Defaults of src/core/config.c.
const OUTBOX_DEFAULTS = { outbox_max_tries: 8, outbox_backoff_ms: 2000, outbox_lease_seconds: 60 };

/**
 * The outbox settings of the running jobs process: defaults, then its
 * config file, then its own MARQUEE_<KEY> environment (read from /proc).
 */
export function outboxSettings() {
  const c = confFile();
  const out = {};
  for (const k of Object.keys(OUTBOX_DEFAULTS)) out[k] = c[k] !== undefined ? Number(c[k]) : OUTBOX_DEFAULTS[k];
  try {
    const env = fs.readFileSync(`/proc/${pidOf('jobs.pid')}/environ`, 'utf8').split('\0');
    for (const kv of env) {
      const m = /^MARQUEE_(OUTBOX_[A-Z_]+)=(.*)$/s.exec(kv);
      if (m && m[1].toLowerCase() in out) out[m[1].toLowerCase()] = Number(m[2]);
    }
  } catch {
    /* not running or not readable: the file is the truth */
  }
  return out;
}

// ------------------------------------------------------------------ checks

export function expectStatus(r, status, what) {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r}`);
  return r.status === 204 ? null : r.json;
}

export const sqlInt = (q) => Number(psql(q));
export const sqlJson = (q) => JSON.parse(psql(q) || 'null');
export function id(v) {
  assert.ok(Number.isSafeInteger(Number(v)) && Number(v) > 0, `not an id: ${v}`);
  return String(Number(v));
}

// ------------------------------------------------------------------ API

let adminTok;
export async function adminToken() {
  if (adminTok) return adminTok;
  const r = await api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(ADMIN_EMAIL, ADMIN_PASSWORD) } });
  adminTok = expectStatus(r, 200, 'admin log-in').token;
  return adminTok;
}

/** A customer of its own source address: { id, token, email, password, name }. */
export async function customer(tag = 'n', { name } = {}) {
  const email = uniqueEmail(`${tag}-${RUN}`);
  const password = uniquePassword();
  const nm = name ?? `Nia ${tag} ${RUN}`;
  const r = await api('POST', '/v1/users/create_account', { body: { email, password, name: nm }, ip: freshIp() });
  const j = expectStatus(r, 201, `create_account ${email}`);
  return { id: j.user.id, token: j.token, email, password, name: nm };
}

const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
export { rfc3339 };

/** The run's theatre (auditoriums "North" and "South") and movie (100 min). */
export async function setupCatalog(tag) {
  const admin = await adminToken();
  const t = await api('POST', '/v1/theatre/add_theatre', {
    token: admin,
    body: {
      name: `Notify Palace ${tag} ${RUN}`,
      slug: `notify-${tag}-${RUN}`,
      city: 'New York',
      address: `${100 + crypto.randomInt(800)} Broadway`,
      timezone: TZ,
      auditoriums: ['North', 'South', 'East', 'West'].map((name) => ({ name, layout: LAYOUT })),
    },
  });
  const theatre = expectStatus(t, 201, 'add_theatre').theatre;
  const m = await api('POST', '/v1/movies/add_movie', {
    token: admin,
    body: { title: `The Notified ${tag} ${RUN}`, slug: `notified-${tag}-${RUN}`, genres: ['drama'], duration_minutes: 100, release_date: '2025-01-01', content_rating: 'PG' },
  });
  const movie = expectStatus(m, 201, 'add_movie').movie;
  return { admin, theatre, movie };
}

/** A showtime: { id, starts_at, ... } (API.md Showtime). */
export async function showtime(fx, auditorium, startsAtMs, base = BASE_PRICE) {
  const r = await api('POST', `/v1/theatre/${fx.theatre.slug}/set_showtimes`, {
    token: fx.admin,
    body: { showtimes: [{ movie_id: fx.movie.id, auditorium, starts_at: rfc3339(startsAtMs), base_price_cents: base }] },
  });
  return expectStatus(r, 201, `set_showtimes ${auditorium} ${rfc3339(startsAtMs)}`).showtimes[0];
}

/** A whole minute, at least `ms` from now (so local times read cleanly). */
export function minuteFromNow(ms) {
  return Math.ceil((Date.now() + ms) / 60000) * 60000;
}

/** Picks the seats and pays by card: the Booking (and the 201's time). */
export async function book(fx, user, st, seats) {
  const h = await api('POST', `/v1/theatre/${fx.theatre.id}/pick_seats`, { token: user.token, body: { showtime_id: st.id, seats } });
  const hold = expectStatus(h, 201, `pick ${seats} of showtime ${st.id}`).hold;
  const p = await api('POST', '/v1/payments/card', {
    token: user.token,
    headers: { 'Idempotency-Key': `nt-${RUN}-${crypto.randomUUID()}` },
    body: { hold_id: hold.id, card: CARD },
  });
  return expectStatus(p, 201, `pay hold ${hold.id}`).booking;
}

export async function updateShowtimes(fx, items) {
  return api('PUT', `/v1/theatre/${fx.theatre.slug}/update_showtimes`, { token: fx.admin, body: { showtimes: items } });
}

/** How a booking mail writes a time: "Saturday 5 December 2026, 2:30 PM" (sql booking_mail_json). */
export function mailWhen(ms, timeZone = TZ) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', hour12: true })
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  return `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} ${p.dayPeriod.toUpperCase()}`;
}

/** An ics DATE-TIME in UTC: 20261205T193000Z. */
export const icsUtc = (ms) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

// ------------------------------------------------------------------ outbox

/** The outbox rows whose payload names this booking, oldest first. */
export function outboxOfBooking(bookingId, kind) {
  return sqlJson(`SELECT coalesce(json_agg(json_build_object('id', id, 'kind', kind, 'state', state,
      'attempts', attempts, 'message_id', message_id, 'last_error', last_error, 'sent_count', sent_count) ORDER BY id), '[]')
    FROM outbox WHERE payload->>'booking_id' = '${id(bookingId)}'${kind ? ` AND kind = '${kind.replace(/[^a-z_]/g, '')}'` : ''}`);
}

/** Waits until every outbox row of the booking (of that kind) is delivered. */
export function waitDelivered(bookingId, kind, { count = 1, timeout = 20000 } = {}) {
  return waitFor(
    () => {
      const rows = outboxOfBooking(bookingId, kind);
      return rows.length >= count && rows.every((r) => r.state === 'delivered') ? rows : false;
    },
    { timeout, interval: 150, what: `${count} delivered ${kind ?? 'outbox'} row(s) of booking ${bookingId}` },
  );
}

// ------------------------------------------------------------------ mail

/** RFC 2047 encoded-words (=?UTF-8?B?...?= and ?Q?) decoded. */
export function decodeWords(s) {
  return s.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, cs, enc, data) => {
    if (enc.toUpperCase() === 'B') return Buffer.from(data, 'base64').toString('utf8');
    return Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  });
}

function parseHeaders(block) {
  const out = [];
  for (const line of block.split('\n')) {
    if (/^[ \t]/.test(line) && out.length) out[out.length - 1][1] += ` ${line.trim()}`;
    else {
      const c = line.indexOf(':');
      if (c > 0) out.push([line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim()]);
    }
  }
  return out;
}

function param(value, name) {
  const m = new RegExp(`;\\s*${name}="?([^";]*)"?`, 'i').exec(value || '');
  return m ? m[1] : undefined;
}

/** One MIME entity: { headers, type, parts (multipart) | content (Buffer) }. */
function parseEntity(text) {
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 2);
  const headers = parseHeaders(head);
  const get = (n) => headers.find(([k]) => k === n)?.[1];
  const ctype = get('content-type') || 'text/plain';
  const e = { headers, get, type: ctype.split(';')[0].trim().toLowerCase(), contentType: ctype };
  if (e.type.startsWith('multipart/')) {
    const b = param(ctype, 'boundary');
    e.parts = [];
    e.complete = false;
    let cur = null;
    for (const line of body.split('\n')) {
      if (line.trimEnd() === `--${b}--`) {
        if (cur) e.parts.push(parseEntity(cur.join('\n')));
        cur = null;
        e.complete = true;
        break;
      }
      if (line.trimEnd() === `--${b}`) {
        if (cur) e.parts.push(parseEntity(cur.join('\n')));
        cur = [];
      } else if (cur) cur.push(line);
    }
    e.complete = e.complete && e.parts.every((p) => !p.parts || p.complete);
  } else {
    const cte = (get('content-transfer-encoding') || '7bit').toLowerCase();
    e.content = cte === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64') : Buffer.from(body, 'utf8');
    e.filename = param(get('content-disposition'), 'filename');
  }
  return e;
}

function leaves(e, out = []) {
  if (e.parts) for (const p of e.parts) leaves(p, out);
  else out.push(e);
  return out;
}

/**
 * A file of the SMTP sink, parsed: { file, rcpts, messageId, subject, date,
 * text (text/plain part), html (text/html part), attachments: [{ type,
 * filename, content }], received (ms, from smtp-sink's Received:), mtime }.
 * null when the file is empty or not complete yet.
 */
export function parseMailFile(file) {
  let raw;
  let st;
  try {
    st = fs.statSync(file);
    if (st.size === 0) return null;
    raw = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
  } catch {
    return null;
  }
  const root = parseEntity(raw);
  if (root.parts && !root.complete) return null;
  const all = leaves(root);
  const part = (t) => all.find((p) => p.type === t && !p.filename);
  const recv = (root.get('received') || '').split(';').pop().trim();
  return {
    file,
    name: path.basename(file),
    rcpts: root.headers.filter(([k]) => k === 'x-rcpt-args').map(([, v]) => v.replace(/^<|>.*$/g, '').toLowerCase()),
    to: root.get('to'),
    messageId: (/<([^>]+)>/.exec(root.get('message-id') || '') || [])[1],
    subject: decodeWords(root.get('subject') || ''),
    contentType: root.type,
    text: part('text/plain')?.content.toString('utf8'),
    html: part('text/html')?.content.toString('utf8'),
    attachments: all.filter((p) => p.filename).map((p) => ({ type: p.contentType, filename: p.filename, content: p.content })),
    received: Date.parse(recv),
    mtime: st.mtimeMs,
  };
}

/**
 * The sink's directory, read incrementally: each complete file is parsed
 * once; empty (still open) and incomplete files are looked at again on the
 * next scan.
 */
export class MailBox {
  constructor(dir = MAIL_DIR) {
    this.dir = dir;
    this.seen = new Map(); // name -> parsed mail
  }
  scan() {
    let names = [];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return this;
    }
    for (const n of names) {
      if (this.seen.has(n)) continue;
      const m = parseMailFile(path.join(this.dir, n));
      if (m) this.seen.set(n, m);
    }
    return this;
  }
  /** Every complete message to the recipient, oldest file name first. */
  to(addr) {
    const want = addr.toLowerCase();
    return [...this.scan().seen.values()].filter((m) => m.rcpts.includes(want)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }
  /** Every complete message with one of these Message-IDs (a Set). */
  withIds(ids) {
    return [...this.scan().seen.values()].filter((m) => ids.has(m.messageId));
  }
}

export const mailbox = new MailBox();

/** Waits until `count` messages to addr pass `where`; returns them all. */
export function waitMails(addr, { count = 1, where = () => true, timeout = 20000 } = {}) {
  return waitFor(
    () => {
      const ms = mailbox.to(addr).filter(where);
      return ms.length >= count ? ms : false;
    },
    { timeout, interval: 150, what: `${count} mail(s) to ${addr}` },
  );
}

/** HTML with tags dropped and the entities the templates write decoded. */
export function htmlText(html) {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCharCode(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** The hrefs of an HTML text, entities decoded. */
export const hrefs = (html) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&').replace(/&#x2F;/gi, '/').replace(/&#x3D;/gi, '=').replace(/&#61;/g, '='));

// -------------------------------------------------------------- processes

export const pidFile = (name) => path.join(RUN_DIR, name);

export function pidOf(name) {
  const pid = Number(fs.readFileSync(pidFile(name), 'utf8').trim());
  if (!pid) throw new Error(`no pid in run/${name}`);
  return pid;
}

export function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/**
 * How a running process was started: its argv, environment, working
 * directory and where its output goes (./stack's start_bg: setsid, stdin
 * /dev/null, stdout and stderr appended to the piece's log).
 */
export function captureProcess(pid) {
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((x, i, a) => i < a.length - 1 || x !== '');
  const env = {};
  for (const kv of fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
  let log;
  try {
    log = fs.readlinkSync(`/proc/${pid}/fd/1`).replace(/ \(deleted\)$/, '');
    if (!log.startsWith('/')) log = undefined; // a pipe or a socket
  } catch {
    log = undefined;
  }
  return { argv, env, cwd, log };
}

/**
 * Starts it again as ./stack's start_bg does (setsid, stdin from /dev/null,
 * output appended to the same log) and records its pid in run/<pidName>.
 */
export function restartProcess(spec, pidName) {
  const fd = spec.log ? fs.openSync(spec.log, 'a') : 'ignore';
  const child = spawn(spec.argv[0], spec.argv.slice(1), { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', fd, fd] });
  child.unref();
  if (typeof fd === 'number') fs.closeSync(fd);
  fs.writeFileSync(pidFile(pidName), `${child.pid}\n`);
  return child.pid;
}

export async function waitGone(pid, timeout = 10000) {
  await waitFor(() => !alive(pid), { timeout, interval: 50, what: `pid ${pid} to end` });
}

// A test that stops a piece registers its restart here, so that a failing
// or interrupted test still leaves the instance whole.
const restorers = new Map();
let hooked = false;
export function guard(name, fn) {
  restorers.set(name, fn);
  if (hooked) return;
  hooked = true;
  const run = () => {
    for (const [n, f] of restorers) {
      try {
        f();
      } catch (e) {
        process.stderr.write(`could not restore ${n}: ${e.message}\n`);
      }
    }
    restorers.clear();
  };
  process.on('exit', run);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      run();
      process.exit(1);
    });
  }
}
export const unguard = (name) => restorers.delete(name);

export { sleep };
