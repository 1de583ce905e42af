// Checkout benchmark: the load generator and the report.  Run it through
// bench/checkout.sh (which picks the instance and checks it is up).
//
// One run, against one instance:
//   1. baseline  GET /healthz (the FastCGI hello route) with the same clients,
//                the same closed loop and the same keep-alive connections
//   2. checkout  N clients (default 32), each its own customer, each looping:
//                POST /v1/theatre/{id}/pick_seats (1 or 2 seats), then
//                POST /v1/payments/card (4242..., its own Idempotency-Key).
//                A "checkout" is the two answered 201 in turn.  Seats come
//                from one shuffled list of free seat pairs over many
//                showtimes, so clients never want the same seat (a customer
//                picks from a live seat map); any refusal is an error here.
//   3. check     in SQL: no seat of the run's showtimes sold twice, every
//                sold seat's showtime_seats row points at its booking, one
//                approved card charge per booking, bookings = 201 answers.
// Every loop is closed (the next request goes when the answer is in), bound
// in time (warm-up + measured seconds) and in count (the seat list, and at
// most --max-checkouts).  Traffic goes to 127.0.0.1 only.
//
// Its data: a theatre of its own per run ("bench-checkout-<run>", 10
// auditoriums of 150 seats) with --showtimes showtimes far in the future, the
// movie "bench-checkout" (created once), and fresh customers.  Per-user rate
// limits (rl_pay_user, rl_pick_user per rl_window) are read from the
// instance's marquee.conf: when a client would go over them within the run
// (the dev instance: 30 payments a minute), it rotates through several
// customers of its own, each kept under the limits.
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import {
  adminLogin, clamp, createUsers, ensureMovie, errKey, f0, f1, httpClient, json, log, loopback, metrics, must, pct, psql,
} from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:28080' },
    var: { type: 'string' },
    instance: { type: 'string', default: 'bench' },
    clients: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    showtimes: { type: 'string', default: '100' },
    'max-checkouts': { type: 'string', default: '20000' },
    json: { type: 'string' },
  },
});
const { BASE, U } = loopback(opt.url);
const VAR = opt.var;
if (!VAR) throw new Error('--var DIR (the instance directory) is required');
const CLIENTS = clamp(opt.clients, 1, 256);
const SECONDS = clamp(opt.seconds, 1, 120);
const WARMUP = clamp(opt.warmup, 0, 30);
const NSHOWTIMES = Math.ceil(clamp(opt.showtimes, 10, 400) / 10) * 10;
const MAX_CHECKOUTS = clamp(opt['max-checkouts'], 1, 100000);
const RUN = randomBytes(4).toString('hex');
const SLUG = `bench-checkout-${RUN}`;
const MOVIE = 'bench-checkout';

// ------------------------------------------------------------- HTTP, SQL

const { agent, request } = httpClient(U);
const { sqlJson } = psql(VAR);

const summary = (arr) => {
  const s = [...arr].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] };
};

// --------------------------------------------------------------- config

function instanceConfig() {
  const c = { rl_window: 60, rl_pay_user: 30, rl_pick_user: 60 };
  try {
    for (const line of fs.readFileSync(path.join(VAR, 'marquee.conf'), 'utf8').split('\n')) {
      const m = /^\s*(rl_window|rl_pay_user|rl_pick_user)\s*=\s*(\d+)/.exec(line);
      if (m) c[m[1]] = Number(m[2]);
    }
  } catch {
    log('warning: no marquee.conf in', VAR, '- assuming the default rate limits');
  }
  return c;
}

// ----------------------------------------------------------------- fixtures

const ROWS = 10;
const COLS = 15;
const LAYOUT = Array.from({ length: ROWS }, (_, y) => (y >= ROWS - 2 ? 'p' : 's').repeat(COLS)); // 150 seats
const AUDS = Array.from({ length: 10 }, (_, i) => ({ name: `C${String(i + 1).padStart(2, '0')}`, layout: LAYOUT }));

async function fixtures(admin) {
  must(await request('POST', '/v1/theatre/add_theatre', {
    token: admin,
    body: { name: `Bench Checkout ${RUN}`, slug: SLUG, city: 'Benchville', timezone: 'UTC', auditoriums: AUDS },
  }), 201, 'add_theatre');
  const theatre = must(await request('GET', `/v1/theatre/${SLUG}`), 200, 'theatre').theatre;
  const movie = await ensureMovie(request, admin, { title: 'Bench Checkout', slug: MOVIE, duration_minutes: 90 });
  // Far in the future, a new theatre each run: its auditoriums are free.
  const day0 = Date.UTC(2032, 0, 5);
  const list = [];
  for (const a of AUDS) for (let k = 0; k < NSHOWTIMES / AUDS.length; k++) list.push({ a: a.name, k });
  const ids = [];
  for (let i = 0; i < list.length; i += 50) {
    const j = must(await request('POST', `/v1/theatre/${SLUG}/set_showtimes`, {
      token: admin,
      body: {
        showtimes: list.slice(i, i + 50).map(({ a, k }) => ({
          movie_id: movie.id, auditorium: a, base_price_cents: 1250,
          starts_at: new Date(day0 + k * 3 * 3600e3).toISOString().replace('.000Z', 'Z'),
        })),
      },
    }), 201, 'set_showtimes');
    ids.push(...j.showtimes.map((s) => s.id));
  }
  return { theatre, movie, showtimes: ids };
}

async function createCustomers(n) {
  const users = await createUsers(request, n, (i) => (
    { email: `checkout-${RUN}-${i}@example.test`, password: `bench-pass-${RUN}`, name: `Checkout ${i}` }));
  return users.map((u) => ({ ...u, uses: 0 }));
}

// Every free pair of neighbouring seats (and a single seat now and then) of
// the showtimes, shuffled: the clients take the next one.
function seatQueue(showtimes) {
  const q = [];
  for (const st of showtimes) {
    for (let y = 0; y < ROWS; y++) {
      const row = String.fromCharCode(65 + y);
      for (let x = 1; x + 1 <= COLS; x += 2) q.push({ st, seats: [`${row}${x}`, `${row}${x + 1}`] });
      if (COLS % 2) q.push({ st, seats: [`${row}${COLS}`] });
    }
  }
  for (let i = q.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [q[i], q[j]] = [q[j], q[i]];
  }
  return q;
}

// --------------------------------------------------------------- load loops

async function healthzLoop() {
  const t0 = performance.now();
  const tMeasure = t0 + WARMUP * 1000;
  const tEnd = tMeasure + SECONDS * 1000;
  const lat = [];
  const bad = {};
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let n = 0; n < 1e7; n++) {
        const start = performance.now();
        if (start >= tEnd) break;
        const r = await request('GET', '/healthz');
        if (start >= tMeasure) {
          lat.push(r.ms);
          if (r.status !== 200) bad[errKey(r)] = (bad[errKey(r)] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - tMeasure) / 1000;
  return { rps: lat.length / elapsed, requests: lat.length, seconds: elapsed, errors: bad, ...summary(lat) };
}

async function checkoutLoop(fx, userSets, queue) {
  const t0 = performance.now();
  const tMeasure = t0 + WARMUP * 1000;
  const tEnd = tMeasure + SECONDS * 1000;
  const perUser = userSets.perUser;
  const lat = { total: [], pick: [], pay: [] };
  const errors = {};
  let ok = 0, okAll = 0, attempts = 0, started = 0, exhausted = false;
  const paid = [];
  const pickPath = `/v1/theatre/${fx.theatre.id}/pick_seats`;
  const err = (step, r) => {
    const k = `${step}: ${errKey(r)}`;
    errors[k] = (errors[k] ?? 0) + 1;
  };
  await Promise.all(
    userSets.sets.map(async (users) => {
      let ui = 0;
      for (let n = 0; n < 1e7; n++) {
        const start = performance.now();
        if (start >= tEnd || started >= MAX_CHECKOUTS) break;
        const slot = queue.pop();
        if (!slot) {
          exhausted = true;
          break;
        }
        while (ui < users.length && users[ui].uses >= perUser) ui++;
        if (ui >= users.length) break; // this client's customers are at their rate limits
        const u = users[ui];
        u.uses++;
        started++;
        const measured = start >= tMeasure;
        if (measured) attempts++;
        const p = await request('POST', pickPath, { token: u.token, body: { showtime_id: slot.st, seats: slot.seats } });
        if (p.status !== 201) {
          if (measured) err('pick', p);
          continue;
        }
        const hold = json(p).hold;
        const q = await request('POST', '/v1/payments/card', {
          token: u.token,
          headers: { 'Idempotency-Key': randomUUID() },
          body: { hold_id: hold.id, card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123', name: 'Bench Buyer' } },
        });
        if (q.status !== 201) {
          if (measured) err('pay', q);
          continue;
        }
        okAll++;
        paid.push(json(q).booking.id);
        if (measured) {
          ok++;
          lat.pick.push(p.ms);
          lat.pay.push(q.ms);
          lat.total.push(performance.now() - start);
        }
      }
    }),
  );
  const elapsed = Math.max((performance.now() - tMeasure) / 1000, 0.001);
  return {
    checkouts: ok, attempts, seconds: elapsed, per_second: ok / elapsed, errors,
    total: summary(lat.total), pick: summary(lat.pick), pay: summary(lat.pay),
    seats_exhausted: exhausted, bookings_made: okAll, booking_ids: paid,
  };
}

// --------------------------------------------------------------- the check

async function doubleSaleCheck(showtimes, bookingIds) {
  const list = showtimes.join(',');
  return sqlJson(`SELECT json_build_object(
    'confirmed_bookings', (SELECT count(*) FROM bookings WHERE showtime_id IN (${list}) AND status = 'confirmed'),
    'sold_seats', (SELECT count(*) FROM booking_seats bs JOIN bookings b ON b.id = bs.booking_id
        WHERE b.showtime_id IN (${list}) AND b.status = 'confirmed'),
    'seats_sold_twice', (SELECT count(*) FROM (SELECT b.showtime_id, bs.seat_id FROM booking_seats bs
        JOIN bookings b ON b.id = bs.booking_id WHERE b.showtime_id IN (${list}) AND b.status = 'confirmed'
        GROUP BY 1, 2 HAVING count(*) > 1) d),
    'sold_seat_not_marked', (SELECT count(*) FROM booking_seats bs JOIN bookings b ON b.id = bs.booking_id
        LEFT JOIN showtime_seats ss ON ss.showtime_id = b.showtime_id AND ss.seat_id = bs.seat_id
        WHERE b.showtime_id IN (${list}) AND b.status = 'confirmed' AND ss.booking_id IS DISTINCT FROM b.id),
    'marked_seat_without_booking', (SELECT count(*) FROM showtime_seats ss WHERE ss.showtime_id IN (${list})
        AND ss.booking_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM booking_seats bs
        WHERE bs.booking_id = ss.booking_id AND bs.seat_id = ss.seat_id)),
    'bookings_without_one_charge', (SELECT count(*) FROM bookings b LEFT JOIN (SELECT reference, amount_cents,
        count(*) n FROM card_charges WHERE outcome = 'approved' GROUP BY 1, 2) c
        ON c.reference = b.payment_ref AND c.amount_cents = b.total_cents
        WHERE b.showtime_id IN (${list}) AND coalesce(c.n, 0) <> 1),
    'answered_201', ${bookingIds.length},
    'answered_201_found', (SELECT count(*) FROM bookings WHERE id = ANY('{${bookingIds.join(',')}}'::bigint[])
        AND showtime_id IN (${list}) AND status = 'confirmed'))`);
}

// ------------------------------------------------------------------- main

async function main() {
  const startedAt = new Date();
  const loadBefore = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  if (must(await request('GET', '/healthz'), 200, 'healthz') === undefined) return;
  const admin = await adminLogin(request);
  const conf = instanceConfig();
  log(`instance ${opt.instance} at ${BASE}; ${CLIENTS} clients, ${WARMUP} s warm-up + ${SECONDS} s; limits: ` +
    `rl_pay_user ${conf.rl_pay_user}, rl_pick_user ${conf.rl_pick_user} per ${conf.rl_window} s`);
  log(`creating theatre ${SLUG} and ${NSHOWTIMES} showtimes`);
  const fx = await fixtures(admin);
  const queue = seatQueue(fx.showtimes);

  // Customers: one per client, or several when a client would pass its
  // per-user limits within the run (each pick and payment counts once).
  const runSeconds = WARMUP + SECONDS + 5;
  const windows = Math.max(1, Math.ceil(runSeconds / conf.rl_window));
  const perUser = Math.max(1, Math.floor(Math.min(conf.rl_pay_user, conf.rl_pick_user) * 0.9) * windows);
  const perUserCapped = Math.min(perUser, MAX_CHECKOUTS);
  const guess = Math.min(MAX_CHECKOUTS, queue.length, Math.ceil(runSeconds * 1500));
  const usersPerClient = Math.min(Math.max(1, Math.ceil(guess / CLIENTS / perUserCapped)), 40);
  log(`creating ${CLIENTS * usersPerClient} customers (${usersPerClient} per client, ${perUserCapped === MAX_CHECKOUTS ? 'no per-user cap' : `${perUserCapped} checkouts each at most`})`);
  const users = await createCustomers(CLIENTS * usersPerClient);
  const sets = Array.from({ length: CLIENTS }, (_, c) => users.slice(c * usersPerClient, (c + 1) * usersPerClient));

  log('phase baseline: GET /healthz');
  const healthz = await healthzLoop();
  log(`  ${f0(healthz.rps)} req/s, p50 ${f1(healthz.p50)} ms, p99 ${f1(healthz.p99)} ms`);

  log('phase checkout: pick_seats + payments/card');
  const m0 = await metrics(request);
  const co = await checkoutLoop(fx, { sets, perUser: perUserCapped }, queue);
  const m1 = await metrics(request);
  log(`  ${f0(co.per_second)} checkouts/s, p50 ${f1(co.total.p50)} ms, p99 ${f1(co.total.p99)} ms, errors ${JSON.stringify(co.errors)}`);

  log('check: double sales in SQL');
  const check = await doubleSaleCheck(fx.showtimes, co.booking_ids);
  const pass = check.seats_sold_twice === 0 && check.sold_seat_not_marked === 0 && check.marked_seat_without_booking === 0 &&
    check.bookings_without_one_charge === 0 && check.answered_201_found === check.answered_201 &&
    check.confirmed_bookings === check.answered_201;

  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const report = {
    date: startedAt.toISOString(), instance: opt.instance, url: BASE, clients: CLIENTS, seconds: SECONDS, warmup: WARMUP,
    showtimes: NSHOWTIMES, customers: users.length, healthz, checkout: { ...co, booking_ids: undefined },
    ratio_checkout_to_healthz: co.per_second / healthz.rps,
    tx_retries: (m1.marquee_tx_retries_total ?? NaN) - (m0.marquee_tx_retries_total ?? NaN),
    check, check_passed: pass, loadavg_before: loadBefore, loadavg_after: load,
  };
  const errs = Object.entries(co.errors).map(([k, v]) => `${k} x${v}`).join(', ') || 'none';
  const lines = [
    '',
    `Checkout benchmark, ${report.date} (instance ${opt.instance}, ${BASE}, ${CLIENTS} clients, ${SECONDS} s measured after ${WARMUP} s warm-up)`,
    `  GET /healthz (FastCGI hello)  ${f0(healthz.rps)} req/s   p50 ${f1(healthz.p50)} ms  p99 ${f1(healthz.p99)} ms  errors ${JSON.stringify(healthz.errors)}`,
    `  checkouts (pick + pay)        ${f0(co.per_second)} /s      p50 ${f1(co.total.p50)} ms  p99 ${f1(co.total.p99)} ms  max ${f1(co.total.max)} ms`,
    `    pick_seats                                p50 ${f1(co.pick.p50)} ms  p99 ${f1(co.pick.p99)} ms`,
    `    payments/card                             p50 ${f1(co.pay.p50)} ms  p99 ${f1(co.pay.p99)} ms`,
    `  checkouts measured ${co.checkouts} of ${co.attempts} started; errors: ${errs}${co.seats_exhausted ? ' (the seat list ran out: raise --showtimes)' : ''}`,
    `  ratio checkouts/s : healthz req/s = ${report.ratio_checkout_to_healthz.toFixed(4)} (each checkout is 2 requests)`,
    `  transaction retries (metrics of the serving workers): ${f0(report.tx_retries)}`,
    `  double-sale check over ${NSHOWTIMES} showtimes: ${pass ? 'PASS' : 'FAIL'} ${JSON.stringify(check)}`,
    `  load average (1/5/15 min) before: ${loadBefore}, after: ${load}`,
  ];
  console.log(lines.join('\n'));
  if (opt.json) fs.writeFileSync(opt.json, `${JSON.stringify(report, null, 2)}\n`);
  await agent.destroy();
  process.exitCode = pass ? 0 : 1;
}

main().catch((e) => {
  console.error(`checkout.mjs: ${e.stack || e}`);
  process.exit(2);
});
