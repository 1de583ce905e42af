// Notification latency benchmark: the load generator and the report.  Run it
// through bench/notifications.sh (which picks the instance and checks it is up).
//
// One run, against one instance:
//   1. setup    a theatre of its own ("bench-notify-<run>", 8 auditoriums of
//               500 seats, one showtime each far in the future), the movie
//               "bench-notify" (created once), --customers fresh customers.
//   2. load     bookings started at --rate per second (open loop: a booking
//               is started on schedule whether or not the earlier ones have
//               finished, at most --inflight at once), for --seconds.  A
//               booking is POST /v1/theatre/{id}/pick_seats (one seat, from
//               a shuffled list, so no two bookings want the same seat), then
//               POST /v1/payments/card (4242..., its own Idempotency-Key).
//               Each customer has at most one booking in flight.  The time
//               of each payment's 201 is kept (wall clock, sub-millisecond).
//   3. mail     waits (at most --drain seconds) for every booking's
//               confirmation: the outbox row of kind booking_confirmed gives
//               its Message-ID, the SMTP sink's file with that Message-ID
//               gives the arrival: the file's mtime (the sink writes it when
//               the final "." is accepted; its Received: header has whole
//               seconds only, and is used as a cross-check).
//   4. report   arrival - 201 for each booking: p50, p95, p99, max; the real
//               booking rate; the outbox backlog seen during the run (sampled
//               every second); the same latency seen by the database
//               (outbox.delivered_at - outbox.created_at).
// Every loop is bounded in time (setup, --seconds, --drain) and count (the
// seat list, --max-bookings).  Traffic goes to 127.0.0.1 only.
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { adminLogin, clamp, ensureMovie, errKey, f0, f1, httpClient, json, log, loopback, must, pool, psql } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:28080' },
    var: { type: 'string' },
    instance: { type: 'string', default: 'bench' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '30' },
    inflight: { type: 'string', default: '64' },
    customers: { type: 'string', default: '80' },
    drain: { type: 'string', default: '90' },
    'max-bookings': { type: 'string', default: '4000' },
    json: { type: 'string' },
  },
});
const { BASE, U } = loopback(opt.url);
const VAR = opt.var;
if (!VAR) throw new Error('--var DIR (the instance directory) is required');
const MAIL_DIR = path.join(VAR, 'mail');
const RATE = clamp(opt.rate, 1, 1000);
const SECONDS = clamp(opt.seconds, 1, 120);
const INFLIGHT = clamp(opt.inflight, 1, 512);
const NCUSTOMERS = clamp(opt.customers, 1, 2000);
const DRAIN = clamp(opt.drain, 5, 300);
const AUDS = 8;
const ROWS = 20;
const COLS = 25; // 500 seats an auditorium
const MAX_BOOKINGS = Math.min(clamp(opt['max-bookings'], 1, 100000), AUDS * ROWS * COLS);
const RUN = randomBytes(4).toString('hex');
const SLUG = `bench-notify-${RUN}`;
const MOVIE = 'bench-notify';

// ------------------------------------------------------------- HTTP, SQL

// Each answer carries `at`, the wall clock (ms) it came in.
const { agent, request } = httpClient(U, { stamp: true });
const { sql, sqlJson } = psql(VAR);

// Nearest rank (the value at index ceil(p% of n) - 1).
const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
const stats = (arr) => {
  const s = [...arr].sort((a, b) => a - b);
  return { n: s.length, min: s[0], p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s[s.length - 1] };
};
const line = (name, s, unit = 'ms') =>
  `${name.padEnd(34)} n=${String(s.n).padStart(5)}  p50 ${f1(s.p50).padStart(8)}  p95 ${f1(s.p95).padStart(8)}  p99 ${f1(s.p99).padStart(8)}  max ${f1(s.max).padStart(8)} ${unit}`;

// ----------------------------------------------------------------- fixtures

const LAYOUT = Array.from({ length: ROWS }, () => 's'.repeat(COLS));
const rowLabel = (y) => String.fromCharCode(65 + y);

async function fixtures(admin) {
  must(await request('POST', '/v1/theatre/add_theatre', {
    token: admin,
    body: {
      name: `Bench Notify ${RUN}`, slug: SLUG, city: 'Benchville', address: '1 Load Street', timezone: 'America/Chicago',
      auditoriums: Array.from({ length: AUDS }, (_, i) => ({ name: `N${i + 1}`, layout: LAYOUT })),
    },
  }), 201, 'add_theatre');
  const theatre = must(await request('GET', `/v1/theatre/${SLUG}`), 200, 'theatre').theatre;
  const movie = await ensureMovie(request, admin, { title: 'Bench Notify', slug: MOVIE, duration_minutes: 100 });
  const start = Date.UTC(2033, 2, 1, 19, 0, 0);
  const j = must(await request('POST', `/v1/theatre/${SLUG}/set_showtimes`, {
    token: admin,
    body: {
      showtimes: Array.from({ length: AUDS }, (_, i) => ({
        movie_id: movie.id, auditorium: `N${i + 1}`, base_price_cents: 1100,
        starts_at: new Date(start).toISOString().replace('.000Z', 'Z'),
      })),
    },
  }), 201, 'set_showtimes');
  return { theatre, movie, showtimes: j.showtimes.map((s) => s.id) };
}

async function createCustomers(n) {
  const A = 2 + (randomBytes(1)[0] % 250);
  return pool(Array.from({ length: n }, (_, i) => i), 8, async (i) => {
    const email = `notify-${RUN}-${i}@example.test`;
    // From a loopback address of its own, so that an instance with the
    // default per-address registration limit (dev: 10 a minute) copes too.
    const localAddress = `127.${A}.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
    const r = await request('POST', '/v1/users/create_account', { localAddress, body: { email, password: `bench-pass-${RUN}`, name: `Notify ${i}` } });
    const j = must(r, 201, `create_account ${email}`);
    return { id: j.user.id, token: j.token, email };
  });
}

function seatQueue(showtimes) {
  const q = [];
  for (const st of showtimes) for (let y = 0; y < ROWS; y++) for (let x = 1; x <= COLS; x++) q.push({ st, seat: `${rowLabel(y)}${x}` });
  for (let i = q.length - 1; i > 0; i--) {
    const k = Math.floor(Math.random() * (i + 1));
    [q[i], q[k]] = [q[k], q[i]];
  }
  return q.slice(0, MAX_BOOKINGS);
}

// ------------------------------------------------------------------- mail

// Message-ID, Received: time and mtime of each complete file of the sink
// created after `since` (ms); files are read once (empty ones again later).
const mailSeen = new Map(); // name -> { messageId, mtime, received } | null (not ready)
function scanMail(since) {
  let names = [];
  try {
    names = fs.readdirSync(MAIL_DIR);
  } catch {
    return;
  }
  for (const n of names) {
    if (mailSeen.get(n)) continue;
    const file = path.join(MAIL_DIR, n);
    let st;
    try {
      st = fs.statSync(file);
    } catch {
      continue;
    }
    if (st.mtimeMs < since - 1000) {
      mailSeen.set(n, { old: true });
      continue;
    }
    if (st.size === 0) continue; // transaction still open
    let text;
    try {
      const fd = fs.openSync(file, 'r');
      const buf = Buffer.alloc(Math.min(st.size, 65536));
      fs.readSync(fd, buf, 0, buf.length, 0);
      fs.closeSync(fd);
      text = buf.toString('utf8');
    } catch {
      continue;
    }
    // The message ends with the closing boundary of its top-level multipart.
    const b = /boundary="([^"]+)"/.exec(text);
    if (!b || !text.includes(`--${b[1]}--`)) continue; // not complete yet
    const mid = /^Message-ID:\s*<([^>]+)>/im.exec(text);
    const recv = /^Received:[^\n]*\n(?:[ \t][^\n]*\n)*/m.exec(text);
    const when = recv ? Date.parse(recv[0].split(';').pop().trim()) : NaN;
    mailSeen.set(n, { messageId: mid ? mid[1] : null, mtime: fs.statSync(file).mtimeMs, received: when });
  }
}
function arrivals() {
  const m = new Map();
  for (const v of mailSeen.values()) {
    if (!v || v.old || !v.messageId) continue;
    const prev = m.get(v.messageId);
    if (!prev || v.mtime < prev.mtime) m.set(v.messageId, v);
  }
  return m;
}

// ------------------------------------------------------------------- main

async function main() {
  const t00 = Date.now();
  log(`run ${RUN}: ${BASE}, instance ${opt.instance}, ${RATE} bookings/s for ${SECONDS} s, at most ${INFLIGHT} in flight, ${NCUSTOMERS} customers`);
  const admin = await adminLogin(request, 'admin log-in');
  const fx = await fixtures(admin);
  log(`theatre ${SLUG} (${AUDS} x ${ROWS * COLS} seats), movie ${fx.movie.id}, showtimes ${fx.showtimes.join(',')}`);
  const customers = await createCustomers(NCUSTOMERS);
  log(`${customers.length} customers in ${((Date.now() - t00) / 1000).toFixed(1)} s`);
  const seats = seatQueue(fx.showtimes);
  const free = [...customers];
  // Let the setup's own mail go out, and read the sink's directory once.
  await new Promise((r) => setTimeout(r, 2000));
  const since = Date.now();
  scanMail(since);

  // Backlog: pending outbox rows, once a second.
  const backlog = [];
  let sampling = true;
  const sampler = (async () => {
    for (let i = 0; sampling && i < 1000; i++) {
      try {
        backlog.push({ t: Date.now() - since, n: Number(await sql("SELECT count(*) FROM outbox WHERE state = 'pending'")) });
      } catch {
        /* skip a sample */
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();

  const done = []; // { booking, at (201 wall ms), ms (pick+pay), payMs }
  const errors = {};
  let started = 0;
  let inflight = 0;
  let behind = 0; // starts due while INFLIGHT were in flight (or no customer free)
  const tStart = performance.now();
  const tEnd = tStart + SECONDS * 1000;
  const one = async (slot, cust) => {
    const t0 = performance.now();
    const h = await request('POST', `/v1/theatre/${fx.theatre.id}/pick_seats`, { token: cust.token, body: { showtime_id: slot.st, seats: [slot.seat] } });
    if (h.status !== 201) {
      errors[`pick ${errKey(h)}`] = (errors[`pick ${errKey(h)}`] || 0) + 1;
      return;
    }
    const hold = json(h).hold;
    const p = await request('POST', '/v1/payments/card', {
      token: cust.token,
      headers: { 'idempotency-key': `bn-${RUN}-${randomUUID()}` },
      body: { hold_id: hold.id, card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123', name: 'Bench Notify' } },
    });
    if (p.status !== 201) {
      errors[`pay ${errKey(p)}`] = (errors[`pay ${errKey(p)}`] || 0) + 1;
      return;
    }
    done.push({ booking: json(p).booking.id, email: cust.email, at: p.at, ms: performance.now() - t0, payMs: p.ms });
  };
  const running = new Set();
  while (performance.now() < tEnd && started < seats.length) {
    const due = Math.min(seats.length, Math.floor(((performance.now() - tStart) / 1000) * RATE) + 1);
    while (started < due) {
      if (inflight >= INFLIGHT || free.length === 0) {
        behind += due - started;
        started = due; // skipped: the schedule does not wait (open loop)
        break;
      }
      const slot = seats[started++];
      const cust = free.shift();
      inflight++;
      const pr = one(slot, cust).finally(() => {
        inflight--;
        free.push(cust);
        running.delete(pr);
      });
      running.add(pr);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const loadEnd = performance.now();
  await Promise.race([Promise.all(running), new Promise((r) => setTimeout(r, 35000))]);
  const loadSecs = (loadEnd - tStart) / 1000;
  log(`load: ${done.length} bookings in ${loadSecs.toFixed(1)} s (${(done.length / loadSecs).toFixed(1)}/s); skipped starts ${behind}; errors ${JSON.stringify(errors)}`);

  // Which Message-ID each booking's confirmation has.
  const ids = done.map((d) => d.booking);
  const rows = ids.length
    ? await sqlJson(`SELECT json_object_agg(payload->>'booking_id', json_build_object('mid', message_id, 'state', state,
        'db_ms', extract(epoch FROM delivered_at - created_at) * 1000))
        FROM outbox WHERE kind = 'booking_confirmed' AND NOT payload ? 'resend'
        AND (payload->>'booking_id')::bigint = ANY(ARRAY[${ids.join(',')}]::bigint[])`)
    : {};
  const want = new Map(done.map((d) => [`${rows[d.booking]?.mid}@marquee`, d]));
  const drainEnd = Date.now() + DRAIN * 1000;
  let got = new Map();
  for (let i = 0; i < 100000 && Date.now() < drainEnd; i++) {
    scanMail(since);
    got = arrivals();
    let n = 0;
    for (const k of want.keys()) if (got.has(k)) n++;
    if (n === want.size) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  sampling = false;
  await sampler;
  const lastArrival = Math.max(...[...want.keys()].filter((k) => got.has(k)).map((k) => got.get(k).mtime));

  const lat = [];
  const recvSkew = [];
  let missing = 0;
  for (const [k, d] of want) {
    const a = got.get(k);
    if (!a) {
      missing++;
      continue;
    }
    lat.push(a.mtime - d.at);
    if (Number.isFinite(a.received)) recvSkew.push(Math.abs(a.mtime - a.received));
  }
  // Deliveries after the schedule ended: how long the backlog took to drain.
  const dbRows = Object.values(rows).filter((r) => r.state === 'delivered').map((r) => Number(r.db_ms));
  const finalStates = await sqlJson(`SELECT json_object_agg(state, n) FROM (SELECT state, count(*) n FROM outbox
    WHERE kind = 'booking_confirmed' AND (payload->>'booking_id')::bigint = ANY(ARRAY[${ids.length ? ids.join(',') : 0}]::bigint[]) GROUP BY state) s`);
  const res = {
    run: RUN,
    date: new Date().toISOString(),
    instance: opt.instance,
    target_rate: RATE,
    seconds: SECONDS,
    bookings: done.length,
    booking_rate: done.length / loadSecs,
    skipped_starts: behind,
    errors,
    mails_matched: lat.length,
    mails_missing: missing,
    outbox_states: finalStates,
    email_latency_ms: stats(lat),
    db_latency_ms: stats(dbRows),
    checkout_ms: stats(done.map((d) => d.ms)),
    pay_ms: stats(done.map((d) => d.payMs)),
    backlog_max: Math.max(0, ...backlog.map((b) => b.n)),
    backlog: backlog.map((b) => b.n),
    drained_after_load_s: Number.isFinite(lastArrival) ? (lastArrival - (performance.timeOrigin + loadEnd)) / 1000 : NaN,
    received_vs_mtime_max_ms: recvSkew.length ? Math.max(...recvSkew) : NaN,
  };
  console.log('');
  console.log(`notifications benchmark ${res.date} (run ${RUN}, instance ${opt.instance})`);
  console.log(`load          ${res.bookings} confirmed bookings in ${loadSecs.toFixed(1)} s = ${res.booking_rate.toFixed(1)} bookings/s (target ${RATE}/s; ${behind} starts skipped at ${INFLIGHT} in flight)`);
  console.log(`errors        ${JSON.stringify(errors)}`);
  console.log(line('checkout (pick + pay), client', res.checkout_ms));
  console.log(line('payment 201, client', res.pay_ms));
  console.log(line('201 -> e-mail in the sink (mtime)', res.email_latency_ms));
  console.log(line('outbox created -> delivered (db)', res.db_latency_ms));
  console.log(`mail          ${res.mails_matched} of ${want.size} confirmations found by Message-ID, ${missing} missing after a ${DRAIN} s wait; outbox rows ${JSON.stringify(finalStates)}`);
  console.log(`backlog       pending outbox rows, sampled each second: max ${res.backlog_max}; ${res.backlog.join(' ')}`);
  console.log(`drain         last confirmation arrived ${f1(res.drained_after_load_s)} s after the load stopped; Received: vs mtime within ${f0(res.received_vs_mtime_max_ms)} ms (Received: has whole seconds)`);
  if (opt.json) fs.writeFileSync(opt.json, `${JSON.stringify(res, null, 2)}\n`);
  agent.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
