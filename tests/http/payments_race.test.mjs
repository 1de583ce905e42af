// Payments under concurrency (API.md: "A promotion's max_uses is never
// exceeded, even when many checkouts race for its last use"; a gift card's
// balance "never goes below zero, even under concurrent use"; DESIGN.md: one
// attempt at a time per hold, "a retried transaction must never charge twice").
//
// Each case starts every request in the same tick, each on its own
// connection, from customers of this run (see payments_fixtures.mjs), and then
// checks the outcome in PostgreSQL: promotions.uses, gift card balances, the
// card processor's ledger (card_charges), bookings per hold.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api } from './lib.mjs';
import {
  BASE_PRICE, walletBalance, card, expectStatus, sqlInt, sqlJson, id,
  attemptsOf, chargesOf, bookingsOfHold, giftBalance,
  adminToken, customers, setupCatalog, showtime, seatAllocator, pick, pay, giftCard, promotion, promoCode, pool,
} from './payments_fixtures.mjs';

const fx = {};
const seats = seatAllocator();
const N = 50;

before(async () => {
  const admin = await adminToken();
  Object.assign(fx, await setupCatalog(admin, 'race'));
  const day = Math.ceil(Date.now() / 86400e3) * 86400e3 + 2 * 86400e3;
  // One showtime per case; P, Q and R are separate auditoriums.
  fx.promo = await showtime(fx, 'P', day + 10 * 3600e3);
  fx.gift = await showtime(fx, 'Q', day + 10 * 3600e3);
  fx.twice = await showtime(fx, 'R', day + 10 * 3600e3);
  fx.perUserA = await showtime(fx, 'P', day + 14 * 3600e3);
  fx.perUserB = await showtime(fx, 'Q', day + 14 * 3600e3);
  fx.sameKey = await showtime(fx, 'R', day + 14 * 3600e3);
  fx.cancel = await showtime(fx, 'P', day + 18 * 3600e3);
  fx.walletA = await showtime(fx, 'Q', day + 18 * 3600e3);
  fx.walletB = await showtime(fx, 'R', day + 18 * 3600e3);
  fx.users = await customers(N, 'race');
});

/** Starts every job in the same tick (behind one gate); their results in order. */
async function atOnce(jobs) {
  let open;
  const gate = new Promise((r) => {
    open = r;
  });
  const all = jobs.map(async (job) => {
    await gate;
    return job();
  });
  open();
  return Promise.all(all);
}

const tally = (rs) => {
  const t = {};
  for (const r of rs) {
    const k = r.status >= 400 ? `${r.status} ${r.json?.error?.code}${r.json?.error?.details?.reason ? `/${r.json.error.details.reason}` : ''}` : String(r.status);
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
};

test('promotion with max_uses 10, 50 checkouts at once: exactly 10 discounted, 40 get 422 used_up and are charged nothing', async () => {
  const promo = await promotion(fx.admin, { code: promoCode('LAST'), kind: 'amount', value: 250, max_uses: 10 });
  const holds = await pool(fx.users, 8, (u) => pick(fx, u, fx.promo, seats(fx.promo, 1)));
  const rs = await atOnce(fx.users.map((u, i) => () =>
    pay(u, 'card', { hold_id: holds[i].id, promo_code: promo.code, card: card() }, { timeout: 60000 })));
  const t = tally(rs);
  assert.deepEqual(t, { 201: 10, '422 promotion_not_applicable/used_up': 40 }, `outcomes: ${JSON.stringify(t)}`);
  for (const r of rs.filter((x) => x.status === 201)) {
    const b = r.json.booking;
    assert.deepEqual([b.subtotal_cents, b.discount_cents, b.total_cents], [BASE_PRICE, 250, BASE_PRICE - 250]);
  }
  assert.equal(sqlInt(`SELECT uses FROM promotions WHERE id = ${id(promo.id)}`), 10, 'promotions.uses');
  assert.equal(sqlInt(`SELECT count(*) FROM promotion_uses WHERE promotion_id = ${id(promo.id)} AND booking_id IS NOT NULL`), 10);
  assert.equal(sqlInt(`SELECT count(*) FROM bookings WHERE promotion_id = ${id(promo.id)}`), 10);

  const refused = fx.users.map((u, i) => [u, holds[i], rs[i]]).filter(([, , r]) => r.status === 422);
  for (const [, h] of refused) {
    assert.deepEqual(chargesOf(h.id), [], `hold ${h.id}: nothing charged`);
    assert.deepEqual(bookingsOfHold(h.id), [], `hold ${h.id}: no booking`);
  }
  // They still pay, without the code.
  const again = await pool(refused, 8, ([u, h]) => pay(u, 'card', { hold_id: h.id, card: card() }));
  assert.deepEqual(tally(again), { 201: refused.length }, 'the refused pay without the code');
  assert.ok(again.every((r) => r.json.booking.discount_cents === 0));
  assert.equal(sqlInt(`SELECT uses FROM promotions WHERE id = ${id(promo.id)}`), 10, 'promotions.uses still 10');
});

test('a gift card worth 3 bookings, 10 payers at once: exactly 3 succeed, 7 get 402 insufficient_balance, never below zero', async () => {
  const payers = fx.users.slice(0, 10);
  const initial = 3 * BASE_PRICE + 500;
  const code = await giftCard(fx.admin, initial);
  const holds = await pool(payers, 8, (u) => pick(fx, u, fx.gift, seats(fx.gift, 1)));
  const rs = await atOnce(payers.map((u, i) => () =>
    pay(u, 'gift_card', { hold_id: holds[i].id, gift_card: { code } }, { timeout: 60000 })));
  const t = tally(rs);
  assert.deepEqual(t, { 201: 3, '402 payment_declined/insufficient_balance': 7 }, `outcomes: ${JSON.stringify(t)}`);
  assert.equal(giftBalance(code), initial - 3 * BASE_PRICE, 'final balance = initial - 3 x price');
  assert.equal(sqlInt(`SELECT count(*) FROM bookings b JOIN gift_cards g ON g.id = b.gift_card_id WHERE g.code = '${code}'`), 3);
  const ledger = sqlJson(`SELECT json_build_object('n', count(*), 'sum', coalesce(sum(e.amount_cents), 0))
    FROM gift_card_entries e JOIN gift_cards g ON g.id = e.gift_card_id WHERE g.code = '${code}'`);
  assert.deepEqual(ledger, { n: 3, sum: -3 * BASE_PRICE }, 'the ledger holds the three debits');
  for (const [i, r] of rs.entries()) {
    if (r.status !== 201) assert.deepEqual(bookingsOfHold(holds[i].id), [], `declined hold ${holds[i].id}: no booking`);
  }
});

test('two payments for one hold at once, with different Idempotency-Keys: one booking, one approved charge, the other 409', async () => {
  const payers = fx.users.slice(10, 18);
  const holds = await pool(payers, 8, (u) => pick(fx, u, fx.twice, seats(fx.twice, 2)));
  const jobs = [];
  payers.forEach((u, i) => {
    for (let k = 0; k < 2; k++) jobs.push(() => pay(u, 'card', { hold_id: holds[i].id, card: card() }, { timeout: 60000 }));
  });
  const rs = await atOnce(jobs);
  payers.forEach((u, i) => {
    const pair = rs.slice(2 * i, 2 * i + 2);
    const statuses = pair.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409], `hold ${holds[i].id}: ${pair.map(String).join(' | ')}`);
    const bookings = bookingsOfHold(holds[i].id);
    assert.equal(bookings.length, 1, `hold ${holds[i].id}: one booking`);
    const approved = chargesOf(holds[i].id).filter((c) => c.outcome === 'approved');
    assert.equal(approved.length, 1, `hold ${holds[i].id}: one approved charge`);
    assert.equal(approved[0].amount_cents, 2 * BASE_PRICE);
    assert.equal(attemptsOf(holds[i].id).filter((a) => a.state === 'booked').length, 1);
  });
});

test('max_uses_per_user 1, one customer paying two holds at once with the code: one discount, the other 422 user_limit_reached', async () => {
  const payers = fx.users.slice(20, 30);
  const promo = await promotion(fx.admin, { code: promoCode('ONEEACH'), kind: 'percent', value: 20, max_uses_per_user: 1 });
  const ha = await pool(payers, 8, (u) => pick(fx, u, fx.perUserA, seats(fx.perUserA, 1)));
  const hb = await pool(payers, 8, (u) => pick(fx, u, fx.perUserB, seats(fx.perUserB, 1)));
  const jobs = [];
  payers.forEach((u, i) => {
    for (const h of [ha[i], hb[i]]) jobs.push(() => pay(u, 'card', { hold_id: h.id, promo_code: promo.code, card: card() }, { timeout: 60000 }));
  });
  const rs = await atOnce(jobs);
  payers.forEach((u, i) => {
    const pair = rs.slice(2 * i, 2 * i + 2);
    const got = pair.map((r) => (r.status === 201 ? '201' : `${r.status} ${r.json?.error?.details?.reason}`)).sort();
    assert.deepEqual(got, ['201', '422 user_limit_reached'], `user ${u.id}: ${pair.map(String).join(' | ')}`);
  });
  assert.equal(sqlInt(`SELECT uses FROM promotions WHERE id = ${id(promo.id)}`), payers.length, 'one use per customer');
});

test('the same Idempotency-Key and body sent twice at once: one booking, one charge', async () => {
  const payers = fx.users.slice(30, 38);
  const holds = await pool(payers, 8, (u) => pick(fx, u, fx.sameKey, seats(fx.sameKey, 1)));
  const jobs = [];
  payers.forEach((u, i) => {
    const key = `same-${holds[i].id}`;
    const body = { hold_id: holds[i].id, card: card() };
    for (let k = 0; k < 2; k++) jobs.push(() => pay(u, 'card', body, { key, timeout: 60000 }));
  });
  const rs = await atOnce(jobs);
  payers.forEach((u, i) => {
    const pair = rs.slice(2 * i, 2 * i + 2);
    const desc = pair.map(String).join(' | ');
    assert.ok(pair.some((r) => r.status === 201), `hold ${holds[i].id}: one 201: ${desc}`);
    for (const r of pair) {
      assert.ok(r.status === 201 || (r.status === 409 && r.json?.error?.code === 'payment_in_progress'),
        `hold ${holds[i].id}: a replay (201) or 409 payment_in_progress: ${desc}`);
    }
    const ok = pair.filter((r) => r.status === 201);
    if (ok.length === 2) assert.deepEqual(ok[0].json, ok[1].json, 'a replay is the same answer');
    assert.equal(bookingsOfHold(holds[i].id).length, 1, `hold ${holds[i].id}: one booking`);
    assert.equal(chargesOf(holds[i].id).length, 1, `hold ${holds[i].id}: one charge`);
  });
});

test('a booking cancelled twice at once (customer and admin): refunded once', async () => {
  const payers = fx.users.slice(40, 48);
  const code = await giftCard(fx.admin, 8 * BASE_PRICE);
  const bookings = await pool(payers, 8, async (u) => {
    const h = await pick(fx, u, fx.cancel, seats(fx.cancel, 1));
    return expectStatus(await pay(u, 'gift_card', { hold_id: h.id, gift_card: { code } }), 201, 'pay').booking;
  });
  assert.equal(giftBalance(code), 0);
  const jobs = [];
  payers.forEach((u, i) => {
    jobs.push(() => api('POST', `/v1/bookings/${bookings[i].id}/cancel`, { token: u.token, timeout: 60000 }));
    jobs.push(() => api('POST', `/v1/bookings/${bookings[i].id}/cancel`, { token: fx.admin, timeout: 60000 }));
  });
  const rs = await atOnce(jobs);
  payers.forEach((u, i) => {
    const pair = rs.slice(2 * i, 2 * i + 2);
    const got = pair.map((r) => (r.status === 200 ? '200' : `${r.status} ${r.json?.error?.code}`)).sort();
    assert.deepEqual(got, ['200', '409 already_cancelled'], `booking ${bookings[i].id}: ${pair.map(String).join(' | ')}`);
  });
  assert.equal(giftBalance(code), 8 * BASE_PRICE, 'each booking credited back once');
  assert.equal(sqlInt(`SELECT count(*) FROM refunds WHERE booking_id IN (${bookings.map((b) => id(b.id)).join(',')})`), 8);
});

test('account credit for one booking, two holds paid from it at once: one booking, one 402, never below zero', async () => {
  const payers = fx.users.slice(0, 8);
  await pool(payers, 8, async (u) => expectStatus(await api('POST', `/v1/admin/users/${u.id}/credit`,
    { token: fx.admin, body: { amount_cents: BASE_PRICE + 300, reason: 'race' } }), 200, 'credit'));
  const ha = await pool(payers, 8, (u) => pick(fx, u, fx.walletA, seats(fx.walletA, 1)));
  const hb = await pool(payers, 8, (u) => pick(fx, u, fx.walletB, seats(fx.walletB, 1)));
  const jobs = [];
  payers.forEach((u, i) => {
    for (const h of [ha[i], hb[i]]) jobs.push(() => pay(u, 'wallet', { hold_id: h.id }, { timeout: 60000 }));
  });
  const rs = await atOnce(jobs);
  payers.forEach((u, i) => {
    const pair = rs.slice(2 * i, 2 * i + 2);
    const got = pair.map((r) => (r.status === 201 ? '201' : `${r.status} ${r.json?.error?.details?.reason}`)).sort();
    assert.deepEqual(got, ['201', '402 insufficient_balance'], `user ${u.id}: ${pair.map(String).join(' | ')}`);
    assert.equal(walletBalance(u.id), 300, `user ${u.id}: credit left`);
  });
});
