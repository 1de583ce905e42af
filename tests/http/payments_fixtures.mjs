// Fixtures and helpers of payments.test.mjs and payments_race.test.mjs (not a
// test file itself): an admin token, a theatre of this run with a 240-seat
// auditorium, a movie, showtimes, customers, holds, payments and the SQL the
// suites check against.
//
// Everything is created through the API with names unique to the run, so the
// suites can run beside the others and again on the same instance.  Customers
// register from loopback source addresses of their own (lib.mjs freshIp), so
// the per-address registration limit (rl_register_ip) never stops them.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { api, freshIp, psql, uniqueEmail, uniquePassword, basicAuth, ADMIN_EMAIL, ADMIN_PASSWORD } from './lib.mjs';

export const RUN = crypto.randomBytes(4).toString('hex');

// 12 rows of 20: A-K standard, L premium.
export const LAYOUT = [...Array(11).fill('s'.repeat(20)), 'p'.repeat(20)];
export const BASE_PRICE = 1000; // standard 1000, premium 1500
export const PREMIUM_PRICE = 1500;

export const CARD_OK = '4242424242424242';
export const CARD_DECLINED = '4000000000000002';
export const CARD_NO_FUNDS = '4000000000009995';
export const CARD_PROCESSOR_ERROR = '4000000000000119';
export const EXP_YEAR = new Date().getUTCFullYear() + 3;

/** A card body for /v1/payments/card. */
export function card(number = CARD_OK, extra = {}) {
  return { number, exp_month: 12, exp_year: EXP_YEAR, cvc: '123', name: 'Pat Payer', ...extra };
}

function luhnDigit(body) {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A valid (Luhn) Visa number nobody else uses: approved by the processor. */
export function uniqueCardNumber() {
  for (;;) {
    let body = '4';
    while (body.length < 15) body += String(crypto.randomInt(10));
    const n = body + luhnDigit(body);
    if (![CARD_OK, CARD_DECLINED, CARD_NO_FUNDS, CARD_PROCESSOR_ERROR].includes(n)) return n;
  }
}

export const newKey = () => `pt-${RUN}-${crypto.randomUUID()}`;

/** Asserts the status (with the whole answer in the message); returns the JSON. */
export function expectStatus(r, status, what) {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r}`);
  return r.status === 204 ? null : r.json;
}

/** Asserts an error answer: status, error.code; returns error. */
export function expectError(r, status, code, what) {
  assert.equal(r.status, status, `${what}: expected ${status} ${code}, got ${r}`);
  assert.equal(r.json?.error?.code, code, `${what}: error code in ${r}`);
  return r.json.error;
}

// ------------------------------------------------------------------ SQL

export const sqlInt = (q) => Number(psql(q));
export const sqlJson = (q) => JSON.parse(psql(q) || 'null');
/** An id for SQL text (asserts it is a safe integer). */
export function id(v) {
  assert.ok(Number.isSafeInteger(Number(v)) && Number(v) > 0, `not an id: ${v}`);
  return String(Number(v));
}

/** The payment attempts of a hold, oldest first. */
export function attemptsOf(holdId) {
  return sqlJson(`SELECT coalesce(json_agg(json_build_object('id', id, 'state', state,
      'amount_cents', amount_cents, 'discount_cents', discount_cents, 'promotion_id', promotion_id,
      'decline_reason', decline_reason, 'booking_id', booking_id) ORDER BY id), '[]')
    FROM payment_attempts WHERE hold_id = ${id(holdId)}`);
}

/** The card processor's ledger rows of a hold's attempts. */
export function chargesOf(holdId) {
  return sqlJson(`SELECT coalesce(json_agg(json_build_object('key', c.idempotency_key,
      'amount_cents', c.amount_cents, 'outcome', c.outcome, 'reason', c.reason,
      'reference', c.reference, 'refunded_cents', c.refunded_cents) ORDER BY c.created_at), '[]')
    FROM card_charges c WHERE c.idempotency_key IN
      (SELECT 'attempt-' || pa.id FROM payment_attempts pa WHERE pa.hold_id = ${id(holdId)})`);
}

/** The bookings made from a hold. */
export function bookingsOfHold(holdId) {
  return sqlJson(`SELECT coalesce(json_agg(json_build_object('id', id, 'status', status,
      'total_cents', total_cents, 'user_id', user_id) ORDER BY id), '[]')
    FROM bookings WHERE hold_id = ${id(holdId)}`);
}

export function giftBalance(code) {
  return sqlInt(`SELECT balance_cents FROM gift_cards WHERE code = upper('${code.replace(/[^A-Za-z0-9]/g, '')}')`);
}

export function walletBalance(userId) {
  return sqlInt(`SELECT coalesce((SELECT balance_cents FROM wallets WHERE user_id = ${id(userId)}), 0)`);
}

/** Expires a hold now, as eight minutes passing would (API.md "Hold"). */
export function expireHold(holdId) {
  psql(`UPDATE holds SET expires_at = now() - interval '1 second' WHERE id = ${id(holdId)};
        UPDATE showtime_seats SET held_until = now() - interval '1 second' WHERE hold_id = ${id(holdId)};`);
}

// ------------------------------------------------------------------ API

export async function adminToken() {
  const r = await api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(ADMIN_EMAIL, ADMIN_PASSWORD) } });
  return expectStatus(r, 200, 'admin log-in').token;
}

/** A customer of its own (own source address): { id, token, email }. */
export async function customer(tag = 'pay') {
  const email = uniqueEmail(`${tag}-${RUN}`);
  const r = await api('POST', '/v1/users/create_account', {
    body: { email, password: uniquePassword(), name: `Payments ${tag}` },
    ip: freshIp(),
  });
  const j = expectStatus(r, 201, `create_account ${email}`);
  return { id: j.user.id, token: j.token, email };
}

/** Runs fn over items with at most n in flight; results in order. */
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

export const customers = (n, tag) => pool(Array.from({ length: n }, (_, i) => i), 6, () => customer(tag));

/**
 * The run's theatre (auditoriums P, Q, R of LAYOUT) and movie (90 minutes).
 * Returns { admin, theatre, movie }.
 */
export async function setupCatalog(admin, tag) {
  const t = await api('POST', '/v1/theatre/add_theatre', {
    token: admin,
    body: {
      name: `Payments ${tag} ${RUN}`,
      slug: `payments-${tag}-${RUN}`,
      city: 'Testville',
      timezone: 'UTC',
      auditoriums: ['P', 'Q', 'R'].map((name) => ({ name, layout: LAYOUT })),
    },
  });
  const theatre = expectStatus(t, 201, 'add_theatre').theatre;
  const m = await api('POST', '/v1/movies/add_movie', {
    token: admin,
    body: {
      title: `Payments ${tag} ${RUN}`,
      slug: `payments-${tag}-${RUN}`,
      genres: [],
      duration_minutes: 90,
      release_date: '2025-01-01',
      content_rating: 'PG',
    },
  });
  const movie = expectStatus(m, 201, 'add_movie').movie;
  return { admin, theatre, movie };
}

const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** A showtime of the fixture: { auditorium, startsAt (ms) }. */
export async function showtime(fx, auditorium, startsAtMs, base = BASE_PRICE) {
  const r = await api('POST', `/v1/theatre/${fx.theatre.slug}/set_showtimes`, {
    token: fx.admin,
    body: { showtimes: [{ movie_id: fx.movie.id, auditorium, starts_at: rfc3339(startsAtMs), base_price_cents: base }] },
  });
  return expectStatus(r, 201, 'set_showtimes').showtimes[0];
}

/** Hands out seats of a showtime that no other test of the run uses. */
export function seatAllocator() {
  const next = {};
  return (st, n, { premium = 0 } = {}) => {
    const s = (next[st.id] ??= { std: 0, prem: 0 });
    const out = [];
    for (let i = 0; i < n - premium; i++, s.std++) {
      assert.ok(s.std < 220, 'out of standard seats');
      out.push(`${String.fromCharCode(65 + Math.floor(s.std / 20))}${(s.std % 20) + 1}`);
    }
    for (let i = 0; i < premium; i++, s.prem++) {
      assert.ok(s.prem < 20, 'out of premium seats');
      out.push(`L${s.prem + 1}`);
    }
    return out;
  };
}

export async function pick(fx, user, st, seats) {
  const r = await api('POST', `/v1/theatre/${fx.theatre.id}/pick_seats`, { token: user.token, body: { showtime_id: st.id, seats } });
  return expectStatus(r, 201, `pick ${seats}`).hold;
}

/** POST /v1/payments/{type} with its own Idempotency-Key unless given one. */
export function pay(user, type, body, { key = newKey(), headers = {}, timeout } = {}) {
  const h = { ...headers };
  if (key !== null) h['Idempotency-Key'] = key;
  return api('POST', `/v1/payments/${type}`, { token: user.token, body, headers: h, timeout });
}

/** The seat map's status of each seat. */
export async function seatStatus(fx, st, user) {
  const r = await api('GET', `/v1/theatre/${fx.theatre.id}/seats?showtime=${st.id}`, { token: user?.token });
  const j = expectStatus(r, 200, 'seat map');
  return { status: Object.fromEntries(j.seats.map((s) => [s.id, s.status])), myHold: j.my_hold };
}

export async function giftCard(admin, cents) {
  const r = await api('POST', '/v1/admin/gift_cards', { token: admin, body: { balance_cents: cents } });
  const j = expectStatus(r, 201, 'create gift card').gift_card;
  assert.equal(j.balance_cents, cents, 'gift card balance as created');
  return j.code;
}

export async function promotion(admin, body) {
  const r = await api('POST', '/v1/admin/promotions', { token: admin, body });
  return expectStatus(r, 201, `create promotion ${JSON.stringify(body)}`).promotion;
}

let promoSeq = 0;
/** A promotion code unique to the run (A-Z0-9, 4-32 characters). */
export const promoCode = (tag) => `${tag}${RUN}${(promoSeq++).toString(36)}`.toUpperCase().replace(/[^A-Z0-9]/g, '');
