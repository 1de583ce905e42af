// Payments over HTTP (API.md "Seats, holds, bookings" and "Admin extras",
// DESIGN.md "Booking: holds, payment, confirmation"): every payment type and
// every decline, the card processor's errors and field checks, idempotency,
// expired and foreign holds, promotions, refunds to each origin, per-object
// access to bookings, and the repair of a payment whose worker died between
// the charge and the booking.
//
// Runs against a stack instance (see lib.mjs for the environment).  The crash
// test needs the app to run with test_faults = 1 (the "test" instance of
// ./stack does): a card payment whose cardholder is "CRASH AFTER CHARGE" makes
// the worker exit right after the processor approved the charge, and
// marquee-jobs (repair_payments, every 10 s, attempts left 'open' for 60 s)
// must then finish the booking or refund it.  The test backdates the attempt
// by 61 s in SQL instead of waiting that minute.
//
// Checks in SQL go through psql on the instance's socket: the processor's
// ledger (card_charges), payment_attempts, bookings, gift card and wallet
// balances.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { api, psql, waitFor, APP_LOG } from './lib.mjs';
import {
  RUN, BASE_PRICE, PREMIUM_PRICE, CARD_OK, CARD_DECLINED, CARD_NO_FUNDS, CARD_PROCESSOR_ERROR, EXP_YEAR,
  card, uniqueCardNumber, newKey, expectStatus, expectError, sqlInt, sqlJson, id,
  attemptsOf, chargesOf, bookingsOfHold, giftBalance, walletBalance, expireHold,
  adminToken, customers, setupCatalog, showtime, seatAllocator, pick, pay, seatStatus, giftCard, promotion, promoCode,
} from './payments_fixtures.mjs';

const fx = {};
const seats = seatAllocator();
let pool = [];
const take = () => {
  assert.ok(pool.length > 0, 'the fixture ran out of customers');
  return pool.pop();
};

before(async () => {
  const admin = await adminToken();
  Object.assign(fx, await setupCatalog(admin, 'main'));
  // main: tomorrow 10:00 UTC in P; odd: base price 999 (premium 1499) in R;
  // soon: starts in an hour, inside the 2-hour cancellation cut-off, in Q.
  const day = Math.ceil(Date.now() / 86400e3) * 86400e3 + 86400e3;
  fx.main = await showtime(fx, 'P', day + 10 * 3600e3);
  fx.odd = await showtime(fx, 'R', day + 10 * 3600e3, 999);
  fx.soon = await showtime(fx, 'Q', Date.now() + 3600e3);
  pool = await customers(37, 'pay');
});

const bookingIdsOf = (userId) =>
  sqlJson(`SELECT coalesce(json_agg(id ORDER BY id), '[]') FROM bookings WHERE user_id = ${id(userId)}`);

/** Picks n standard (+ premium) seats of a showtime and pays by card: { hold, booking }. */
async function bookByCard(u, st = fx.main, n = 1, { premium = 0, number = CARD_OK, promo } = {}) {
  const hold = await pick(fx, u, st, seats(st, n, { premium }));
  const body = { hold_id: hold.id, card: card(number) };
  if (promo) body.promo_code = promo;
  const booking = expectStatus(await pay(u, 'card', body), 201, 'pay by card').booking;
  return { hold, booking };
}

// ---------------------------------------------------------------- success

test('card: a confirmed booking (brand visa, last4 4242), one approved charge of the total, seats sold', async () => {
  const u = take();
  const want = seats(fx.main, 2, { premium: 1 });
  const hold = await pick(fx, u, fx.main, want);
  assert.equal(hold.total_cents, BASE_PRICE + PREMIUM_PRICE, 'hold total');
  const r = await pay(u, 'card', { hold_id: hold.id, card: card() });
  const b = expectStatus(r, 201, 'pay by card').booking;
  assert.equal(b.status, 'confirmed');
  assert.match(b.code, /^[A-HJ-NP-Z2-9]{8}$/, 'booking code: 8 characters without 0/O/1/I');
  assert.deepEqual(b.payment, { type: 'card', brand: 'visa', last4: '4242' });
  assert.equal(b.subtotal_cents, 2500);
  assert.equal(b.discount_cents, 0);
  assert.equal(b.total_cents, 2500);
  assert.equal(b.currency, 'USD');
  assert.equal(b.showtime.id, fx.main.id);
  assert.equal(b.movie.id, fx.movie.id);
  assert.equal(b.theatre.id, fx.theatre.id);
  assert.deepEqual(
    [...b.seats].sort((x, y) => x.id.localeCompare(y.id)),
    [
      { id: want[0], type: 'standard', price_cents: BASE_PRICE },
      { id: want[1], type: 'premium', price_cents: PREMIUM_PRICE },
    ].sort((x, y) => x.id.localeCompare(y.id)),
  );
  assert.equal(b.ticket_url, `/bookings/${b.id}/ticket`);

  const charges = chargesOf(hold.id);
  assert.equal(charges.length, 1, `one charge: ${JSON.stringify(charges)}`);
  assert.equal(charges[0].outcome, 'approved');
  assert.equal(charges[0].amount_cents, 2500);
  assert.equal(charges[0].refunded_cents, 0);
  const attempts = attemptsOf(hold.id);
  assert.deepEqual(attempts.map((a) => [a.state, a.booking_id]), [['booked', b.id]]);

  const map = await seatStatus(fx, fx.main, u);
  assert.deepEqual(want.map((s) => map.status[s]), ['sold', 'sold'], 'seats on the map');
  assert.equal(map.myHold, null, 'the paid hold is gone');
  const got = expectStatus(await api('GET', `/v1/bookings/${b.id}`, { token: u.token }), 200, 'GET booking').booking;
  assert.deepEqual(got, b, 'GET /v1/bookings/{id} answers the booking as created');
});

test('gift card: the balance goes down by the total; a partial use leaves the rest for the next booking', async () => {
  const admin = fx.admin;
  const u = take();
  const code = await giftCard(admin, 5000);
  assert.match(code, /^[A-Z0-9]{8,32}$/);
  const h1 = await pick(fx, u, fx.main, seats(fx.main, 2));
  const b1 = expectStatus(await pay(u, 'gift_card', { hold_id: h1.id, gift_card: { code } }), 201, 'pay by gift card').booking;
  assert.equal(b1.payment.type, 'gift_card');
  assert.equal(b1.total_cents, 2000);
  assert.equal(giftBalance(code), 3000, 'balance after 2000 of 5000');
  assert.equal(chargesOf(h1.id).length, 0, 'no card charge for a gift card');

  const h2 = await pick(fx, u, fx.main, seats(fx.main, 1, { premium: 1 }));
  const b2 = expectStatus(await pay(u, 'gift_card', { hold_id: h2.id, gift_card: { code } }), 201, 'second gift card payment').booking;
  assert.equal(giftBalance(code), 3000 - b2.total_cents, 'balance after the second booking');
  const entries = sqlInt(`SELECT count(*) FROM gift_card_entries e JOIN gift_cards g ON g.id = e.gift_card_id
    WHERE g.code = '${code}' AND e.booking_id IN (${id(b1.id)}, ${id(b2.id)}) AND e.amount_cents < 0`);
  assert.equal(entries, 2, 'one ledger entry per debit');
});

test('wallet: an admin grant of credit, then a booking paid from it', async () => {
  const u = take();
  const r = await api('POST', `/v1/admin/users/${u.id}/credit`, { token: fx.admin, body: { amount_cents: 3000, reason: 'goodwill' } });
  const j = expectStatus(r, 200, 'grant credit');
  assert.equal(j.user.id, u.id);
  assert.equal(j.credit_cents, 3000);
  const hold = await pick(fx, u, fx.main, seats(fx.main, 1, { premium: 1 }));
  assert.equal(hold.total_cents, PREMIUM_PRICE);
  const b = expectStatus(await pay(u, 'wallet', { hold_id: hold.id }), 201, 'pay from the wallet').booking;
  assert.deepEqual(b.payment, { type: 'wallet' });
  assert.equal(b.total_cents, PREMIUM_PRICE);
  assert.equal(walletBalance(u.id), 3000 - PREMIUM_PRICE, 'credit left');
  assert.equal(chargesOf(hold.id).length, 0, 'no card charge for the wallet');
});

// ---------------------------------------------------------------- declines

for (const [number, reason] of [
  [CARD_DECLINED, 'card_declined'],
  [CARD_NO_FUNDS, 'insufficient_funds'],
]) {
  test(`card ${number}: 402 ${reason}; the hold stays and a good card then pays it`, async () => {
    const u = take();
    const want = seats(fx.main, 2);
    const hold = await pick(fx, u, fx.main, want);
    const err = expectError(await pay(u, 'card', { hold_id: hold.id, card: card(number) }), 402, 'payment_declined', reason);
    assert.equal(err.details?.reason, reason);
    const charges = chargesOf(hold.id);
    assert.deepEqual(charges.map((c) => [c.outcome, c.reason]), [['declined', reason]], 'the processor recorded a decline');
    assert.deepEqual(attemptsOf(hold.id).map((a) => a.state), ['declined']);
    assert.deepEqual(bookingsOfHold(hold.id), []);
    const map = await seatStatus(fx, fx.main, u);
    assert.equal(map.myHold?.id, hold.id, 'the hold is still the customer\'s');
    assert.deepEqual(want.map((s) => map.status[s]), ['held', 'held']);

    const b = expectStatus(await pay(u, 'card', { hold_id: hold.id, card: card() }), 201, 'pay again with a good card').booking;
    assert.equal(b.total_cents, 2000);
    const after = chargesOf(hold.id);
    assert.equal(after.filter((c) => c.outcome === 'approved').length, 1, `one approved charge: ${JSON.stringify(after)}`);
  });
}

test('a declined payment gives back the promotion use it reserved', async () => {
  const promo = await promotion(fx.admin, { code: promoCode('SOLE'), kind: 'amount', value: 300, max_uses: 1 });
  const u = take();
  const hold = await pick(fx, u, fx.main, seats(fx.main, 1));
  const err = expectError(await pay(u, 'card', { hold_id: hold.id, promo_code: promo.code, card: card(CARD_DECLINED) }), 402, 'payment_declined', 'declined with a code');
  assert.equal(err.details?.reason, 'card_declined');
  assert.equal(sqlInt(`SELECT uses FROM promotions WHERE id = ${id(promo.id)}`), 0, 'the reserved use is released');
  const other = take();
  const { booking } = await bookByCard(other, fx.main, 1, { promo: promo.code });
  assert.equal(booking.discount_cents, 300, 'the last use is still there for someone else');
  assert.equal(sqlInt(`SELECT uses FROM promotions WHERE id = ${id(promo.id)}`), 1);
});

// BUG (reported): the attempt's pin (held_until and expires_at moved to at
// least now + 180 s) stays after the attempt is declined, so a hold with less
// than 3 minutes left gets them back with each declined payment: a declined
// card every 2 minutes keeps seats held for ever.  DESIGN.md: the attempt pins
// the hold while it is open; "a declined payment closes the attempt and leaves
// the hold until it expires"; API.md: "A hold lasts 8 minutes".
test('a declined payment does not extend the hold: it still expires when it would have', async () => {
  const u = take();
  const hold = await pick(fx, u, fx.main, seats(fx.main, 1));
  // 7 min 40 s later, as far as the hold knows.
  psql(`UPDATE holds SET expires_at = now() + interval '20 seconds' WHERE id = ${id(hold.id)};
        UPDATE showtime_seats SET held_until = now() + interval '20 seconds' WHERE hold_id = ${id(hold.id)};`);
  const before = (await seatStatus(fx, fx.main, u)).myHold;
  assert.equal(before?.id, hold.id);
  expectError(await pay(u, 'card', { hold_id: hold.id, card: card(CARD_DECLINED) }), 402, 'payment_declined', 'declined');
  const after = (await seatStatus(fx, fx.main, u)).myHold;
  assert.equal(after?.id, hold.id, 'the hold is still there');
  const grew = (Date.parse(after.expires_at) - Date.parse(before.expires_at)) / 1000;
  const heldUntil = sqlJson(`SELECT json_build_object('hold', extract(epoch FROM h.expires_at - now())::int,
      'seat', (SELECT extract(epoch FROM max(held_until) - now())::int FROM showtime_seats WHERE hold_id = h.id))
    FROM holds h WHERE h.id = ${id(hold.id)}`);
  assert.ok(grew <= 1, `POST /v1/payments/card (declined) moved the hold's expires_at from ${before.expires_at} to ` +
    `${after.expires_at} (+${grew} s); seconds left now: ${JSON.stringify(heldUntil)}`);
});

test('gift card without enough balance: 402 insufficient_balance, balance untouched, the hold still payable', async () => {
  const u = take();
  const code = await giftCard(fx.admin, 999);
  const hold = await pick(fx, u, fx.main, seats(fx.main, 1));
  const err = expectError(await pay(u, 'gift_card', { hold_id: hold.id, gift_card: { code } }), 402, 'payment_declined', 'gift card short');
  assert.equal(err.details?.reason, 'insufficient_balance');
  assert.equal(giftBalance(code), 999, 'balance unchanged');
  assert.deepEqual(bookingsOfHold(hold.id), []);
  expectStatus(await pay(u, 'card', { hold_id: hold.id, card: card() }), 201, 'then by card');
  assert.equal(giftBalance(code), 999, 'balance still unchanged');
});

test('wallet without credit: 402 insufficient_balance; the hold still payable', async () => {
  const u = take();
  const hold = await pick(fx, u, fx.main, seats(fx.main, 1));
  const err = expectError(await pay(u, 'wallet', { hold_id: hold.id }), 402, 'payment_declined', 'empty wallet');
  assert.equal(err.details?.reason, 'insufficient_balance');
  assert.equal(walletBalance(u.id), 0);
  assert.deepEqual(bookingsOfHold(hold.id), []);
  expectStatus(await pay(u, 'card', { hold_id: hold.id, card: card() }), 201, 'then by card');
});

test('processor error (4000000000000119): 402 processor_error, no charge in card_charges, the hold still payable', async () => {
  const u = take();
  const hold = await pick(fx, u, fx.main, seats(fx.main, 1));
  const err = expectError(await pay(u, 'card', { hold_id: hold.id, card: card(CARD_PROCESSOR_ERROR) }), 402, 'payment_declined', 'processor error');
  assert.equal(err.details?.reason, 'processor_error');
  const attempts = attemptsOf(hold.id);
  assert.equal(attempts.length, 1);
  assert.equal(attempts[0].state, 'failed');
  assert.deepEqual(chargesOf(hold.id), [], 'the processor holds no charge for that attempt');
  assert.deepEqual(bookingsOfHold(hold.id), []);
  const b = expectStatus(await pay(u, 'card', { hold_id: hold.id, card: card() }), 201, 'then a good card').booking;
  const charges = chargesOf(hold.id);
  assert.equal(charges.length, 1);
  assert.equal(charges[0].outcome, 'approved');
  assert.equal(charges[0].amount_cents, b.total_cents);
});

// ---------------------------------------------------------- field checks

test('invalid card details: 422 invalid_payment_details naming each field; nothing stored, the number nowhere', async () => {
  const u = take();
  const hold = await pick(fx, u, fx.main, seats(fx.main, 1));
  const good = uniqueCardNumber();
  const badLuhn = good.slice(0, 15) + String((Number(good[15]) + 1) % 10);
  const expiredNo = uniqueCardNumber();
  const cvcNo = uniqueCardNumber();
  const lastYear = new Date().getUTCFullYear() - 1;
  const cases = [
    ['Luhn', { card: card(badLuhn) }, 'card.number'],
    ['expired', { card: card(expiredNo, { exp_month: 1, exp_year: lastYear }) }, 'card.exp_year'],
    ['2-digit CVC', { card: card(cvcNo, { cvc: '12' }) }, 'card.cvc'],
    ['missing card', {}, 'card'],
  ];
  for (const [what, extra, field] of cases) {
    const r = await pay(u, 'card', { hold_id: hold.id, ...extra });
    const err = expectError(r, 422, 'invalid_payment_details', what);
    assert.equal(typeof err.details?.fields, 'object', `${what}: details.fields in ${r}`);
    assert.ok(Object.keys(err.details.fields).some((k) => k === field || (field === 'card.exp_year' && k.startsWith('card.exp'))),
      `${what}: details.fields names ${field}: ${JSON.stringify(err.details.fields)}`);
  }
  assert.deepEqual(attemptsOf(hold.id), [], 'no payment attempt for refused details');
  assert.deepEqual(chargesOf(hold.id), []);

  // Now a real payment with a number of its own, then look for every number.
  const b = expectStatus(await pay(u, 'card', { hold_id: hold.id, card: card(good) }), 201, 'pay with a fresh card').booking;
  assert.deepEqual(b.payment, { type: 'card', brand: 'visa', last4: good.slice(-4) });
  const tables = ['payment_attempts', 'bookings', 'idempotency_keys', 'card_charges', 'audit_log', 'outbox'];
  for (const n of [good, badLuhn, expiredNo, cvcNo]) {
    for (const t of tables) {
      const c = sqlInt(`SELECT count(*) FROM ${t} t WHERE t::text LIKE '%${n}%'`);
      assert.equal(c, 0, `card number ${n} found in ${t}`);
    }
  }
  const log = fs.readFileSync(APP_LOG, 'utf8');
  assert.ok(log.length > 0, `${APP_LOG} is empty`);
  for (const n of [good, badLuhn, expiredNo, cvcNo]) assert.ok(!log.includes(n), `card number ${n} found in ${APP_LOG}`);
});

// ------------------------------------------------------------ idempotency

test('Idempotency-Key: missing is 400; a replay answers the first 201 once more; another body is 409', async () => {
  const u = take();
  const hold = await pick(fx, u, fx.main, seats(fx.main, 1));
  const body = { hold_id: hold.id, card: card() };
  const missing = await pay(u, 'card', body, { key: null });
  assert.equal(missing.status, 400, `no Idempotency-Key: ${missing}`);
  assert.deepEqual(attemptsOf(hold.id), [], 'no attempt without a key');

  const key = newKey();
  const first = await pay(u, 'card', body, { key });
  expectStatus(first, 201, 'first payment');
  assert.notEqual(first.headers.get('idempotent-replayed'), 'true');
  const again = await pay(u, 'card', body, { key });
  expectStatus(again, 201, 'replay');
  assert.equal(again.headers.get('idempotent-replayed'), 'true', 'Idempotent-Replayed header');
  assert.deepEqual(again.json, first.json, 'the same body again');
  // The same JSON with its keys in another order is the same request.
  const reordered = { card: { name: body.card.name, cvc: body.card.cvc, exp_year: EXP_YEAR, exp_month: 12, number: CARD_OK }, hold_id: hold.id };
  const again2 = await pay(u, 'card', reordered, { key });
  expectStatus(again2, 201, 'replay, keys reordered');
  assert.deepEqual(again2.json, first.json);

  const other = await pay(u, 'card', { hold_id: hold.id, card: card(CARD_OK, { name: 'Someone Else' }) }, { key });
  expectError(other, 409, 'idempotency_key_reused', 'same key, other body');
  const otherType = await pay(u, 'wallet', { hold_id: hold.id }, { key });
  expectError(otherType, 409, 'idempotency_key_reused', 'same key, other payment type');

  assert.equal(bookingsOfHold(hold.id).length, 1, 'one booking');
  const charges = chargesOf(hold.id);
  assert.equal(charges.length, 1, `one charge: ${JSON.stringify(charges)}`);
  assert.equal(attemptsOf(hold.id).length, 1, 'one attempt');
});

// ------------------------------------------------------------------ holds

test('an expired hold: 409 hold_expired, nothing charged', async () => {
  const u = take();
  const hold = await pick(fx, u, fx.main, seats(fx.main, 1));
  expireHold(hold.id);
  expectError(await pay(u, 'card', { hold_id: hold.id, card: card() }), 409, 'hold_expired', 'expired hold');
  assert.deepEqual(chargesOf(hold.id), []);
  assert.deepEqual(bookingsOfHold(hold.id), []);
  assert.deepEqual(attemptsOf(hold.id), []);
});

test('another user\'s hold is 404; an unknown payment type is 404', async () => {
  const owner = take();
  const thief = take();
  const hold = await pick(fx, owner, fx.main, seats(fx.main, 1));
  expectError(await pay(thief, 'card', { hold_id: hold.id, card: card() }), 404, 'not_found', 'another user\'s hold');
  expectError(await pay(thief, 'wallet', { hold_id: hold.id }), 404, 'not_found', 'another user\'s hold (wallet)');
  assert.deepEqual(attemptsOf(hold.id), []);
  const unknown = await pay(owner, 'bitcoin', { hold_id: hold.id });
  assert.equal(unknown.status, 404, `unknown payment type: ${unknown}`);
  expectStatus(await pay(owner, 'card', { hold_id: hold.id, card: card() }), 201, 'the owner pays');
});

// BUG (reported): the payment prices the seats again at the showtime's
// current base price, so a price change between the pick and the payment
// charges the customer another amount than the hold's total_cents, which is
// what the checkout showed.  Either the hold's price or a refusal (409,
// nothing charged) would do.
test('a price change after the pick: the customer pays the hold\'s total_cents, or is refused and charged nothing', async () => {
  const day = Math.ceil(Date.now() / 86400e3) * 86400e3 + 86400e3;
  const st = await showtime(fx, 'Q', day + 14 * 3600e3);
  const u = take();
  const hold = await pick(fx, u, st, seats(st, 2));
  assert.equal(hold.total_cents, 2 * BASE_PRICE);
  const r = await api('PUT', `/v1/theatre/${fx.theatre.slug}/update_showtimes`, {
    token: fx.admin, body: { showtimes: [{ id: st.id, base_price_cents: 2 * BASE_PRICE }] },
  });
  expectStatus(r, 200, 'raise the price');
  const p = await pay(u, 'card', { hold_id: hold.id, card: card() });
  if (p.status === 201) {
    assert.equal(p.json.booking.total_cents, hold.total_cents,
      `POST /v1/payments/card for hold ${hold.id} (total_cents ${hold.total_cents}) booked ${p.json.booking.total_cents}`);
    assert.equal(chargesOf(hold.id)[0].amount_cents, hold.total_cents, 'the card was charged the hold\'s total');
  } else {
    assert.equal(p.status, 409, `neither the hold's price nor a refusal: ${p}`);
    assert.deepEqual(chargesOf(hold.id).filter((c) => c.outcome === 'approved'), [], 'nothing charged');
  }
});

// -------------------------------------------------------------- promotions

test('promotions: a percent discount (rounded to the cent) and an amount discount', async () => {
  const pct = await promotion(fx.admin, { code: promoCode('PCT'), kind: 'percent', value: 15 });
  const amt = await promotion(fx.admin, { code: promoCode('AMT'), kind: 'amount', value: 500 });
  const big = await promotion(fx.admin, { code: promoCode('BIG'), kind: 'amount', value: 100000 });

  // odd: base 999, premium round(1498.5) = 1499; 15% of 2498 = 374.7 -> 375.
  const u1 = take();
  const { hold: h1, booking: b1 } = await bookByCard(u1, fx.odd, 2, { premium: 1, promo: pct.code.toLowerCase() });
  assert.equal(h1.total_cents, 2498, 'hold total at base 999 (premium 1499)');
  assert.deepEqual([b1.subtotal_cents, b1.discount_cents, b1.total_cents], [2498, 375, 2123], 'percent: subtotal, discount, total');
  assert.equal(chargesOf(h1.id)[0].amount_cents, 2123, 'the card is charged the discounted total');

  const u2 = take();
  const { hold: h2, booking: b2 } = await bookByCard(u2, fx.main, 2, { promo: amt.code });
  assert.deepEqual([b2.subtotal_cents, b2.discount_cents, b2.total_cents], [2000, 500, 1500], 'amount: subtotal, discount, total');
  assert.equal(chargesOf(h2.id)[0].amount_cents, 1500);

  const u3 = take();
  const { booking: b3 } = await bookByCard(u3, fx.main, 1, { promo: big.code });
  assert.deepEqual([b3.subtotal_cents, b3.discount_cents, b3.total_cents], [1000, 1000, 0], 'an amount over the subtotal: free, never negative');

  assert.equal(sqlInt(`SELECT uses FROM promotions WHERE id = ${id(pct.id)}`), 1);
  assert.equal(sqlInt(`SELECT uses FROM promotions WHERE id = ${id(amt.id)}`), 1);
});

test('promotions that do not apply: 422 promotion_not_applicable with each reason, nothing charged', async () => {
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const notStarted = await promotion(fx.admin, { code: promoCode('LATER'), kind: 'percent', value: 10, starts_at: iso(now + 86400e3) });
  const expired = await promotion(fx.admin, { code: promoCode('OVER'), kind: 'percent', value: 10, starts_at: iso(now - 2 * 86400e3), ends_at: iso(now - 3600e3) });
  const once = await promotion(fx.admin, { code: promoCode('ONCE'), kind: 'amount', value: 100, max_uses: 1 });
  const perUser = await promotion(fx.admin, { code: promoCode('MINE'), kind: 'amount', value: 100, max_uses_per_user: 1 });
  const three = await promotion(fx.admin, { code: promoCode('THREE'), kind: 'percent', value: 10, min_tickets: 3 });

  // Use up "once" (another customer) and "mine" (this customer, once).
  const first = take();
  await bookByCard(first, fx.main, 1, { promo: once.code });
  const u = take();
  await bookByCard(u, fx.odd, 1, { promo: perUser.code });

  const cases = [
    ['unknown_code', `NOSUCH${RUN}`.toUpperCase(), 1],
    ['not_started', notStarted.code, 1],
    ['expired', expired.code, 1],
    ['used_up', once.code, 1],
    ['user_limit_reached', perUser.code, 1],
    ['too_few_tickets', three.code, 2],
  ];
  const usesBefore = sqlJson(`SELECT json_object_agg(code, uses) FROM promotions WHERE code IN
    (${[notStarted, expired, once, perUser, three].map((p) => `'${p.code}'`).join(',')})`);
  for (const [reason, code, n] of cases) {
    const hold = await pick(fx, u, fx.main, seats(fx.main, n));
    const r = await pay(u, 'card', { hold_id: hold.id, promo_code: code, card: card() });
    const err = expectError(r, 422, 'promotion_not_applicable', reason);
    assert.equal(err.details?.reason, reason, `details.reason in ${r}`);
    assert.deepEqual(chargesOf(hold.id), [], `${reason}: nothing charged`);
    assert.deepEqual(attemptsOf(hold.id), [], `${reason}: no attempt`);
    assert.deepEqual(bookingsOfHold(hold.id), [], `${reason}: no booking`);
    // The hold is untouched: it pays without the code (and is released by
    // the booking, so the next case picks again).
    const b = expectStatus(await pay(u, 'card', { hold_id: hold.id, card: card() }), 201, `${reason}: then without the code`).booking;
    assert.equal(b.discount_cents, 0);
  }
  const usesAfter = sqlJson(`SELECT json_object_agg(code, uses) FROM promotions WHERE code IN
    (${[notStarted, expired, once, perUser, three].map((p) => `'${p.code}'`).join(',')})`);
  assert.deepEqual(usesAfter, usesBefore, 'no use counted for a refused code');
});

// ----------------------------------------------------------------- refunds

test('cancel a card booking: refunded to the card in full, seats free again; a second cancel is 409 already_cancelled', async () => {
  const u = take();
  const { hold, booking } = await bookByCard(u, fx.main, 2, { premium: 1 });
  const r = await api('POST', `/v1/bookings/${booking.id}/cancel`, { token: u.token });
  const b = expectStatus(r, 200, 'cancel').booking;
  assert.equal(b.status, 'refunded');
  assert.equal(b.id, booking.id);
  const charges = chargesOf(hold.id);
  assert.equal(charges.length, 1);
  assert.equal(charges[0].refunded_cents, booking.total_cents, 'card_charges.refunded_cents = total');
  const map = await seatStatus(fx, fx.main);
  assert.deepEqual(booking.seats.map((s) => map.status[s.id]), ['available', 'available'], 'seats free again');
  expectError(await api('POST', `/v1/bookings/${booking.id}/cancel`, { token: u.token }), 409, 'already_cancelled', 'second cancel');
  assert.equal(chargesOf(hold.id)[0].refunded_cents, booking.total_cents, 'refunded once only');
  const got = expectStatus(await api('GET', `/v1/bookings/${booking.id}`, { token: u.token }), 200, 'GET').booking;
  assert.equal(got.status, 'refunded');
});

test('cancel a gift card booking: the balance comes back', async () => {
  const u = take();
  const code = await giftCard(fx.admin, 4000);
  const hold = await pick(fx, u, fx.main, seats(fx.main, 2));
  const booking = expectStatus(await pay(u, 'gift_card', { hold_id: hold.id, gift_card: { code } }), 201, 'pay').booking;
  assert.equal(giftBalance(code), 2000);
  const b = expectStatus(await api('POST', `/v1/bookings/${booking.id}/cancel`, { token: u.token }), 200, 'cancel').booking;
  assert.equal(b.status, 'refunded');
  assert.equal(giftBalance(code), 4000, 'balance restored');
  const map = await seatStatus(fx, fx.main);
  assert.ok(booking.seats.every((s) => map.status[s.id] === 'available'), 'seats free again');
  expectError(await api('POST', `/v1/bookings/${booking.id}/cancel`, { token: u.token }), 409, 'already_cancelled', 'again');
  assert.equal(giftBalance(code), 4000, 'not credited twice');
});

test('cancel a wallet booking: the credit comes back', async () => {
  const u = take();
  expectStatus(await api('POST', `/v1/admin/users/${u.id}/credit`, { token: fx.admin, body: { amount_cents: 2000, reason: 'test' } }), 200, 'credit');
  const hold = await pick(fx, u, fx.main, seats(fx.main, 1));
  const booking = expectStatus(await pay(u, 'wallet', { hold_id: hold.id }), 201, 'pay').booking;
  assert.equal(walletBalance(u.id), 1000);
  const b = expectStatus(await api('POST', `/v1/bookings/${booking.id}/cancel`, { token: u.token }), 200, 'cancel').booking;
  assert.equal(b.status, 'refunded');
  assert.equal(walletBalance(u.id), 2000, 'credit restored');
  const map = await seatStatus(fx, fx.main);
  assert.equal(map.status[booking.seats[0].id], 'available');
  // The restored credit pays again.
  const h2 = await pick(fx, u, fx.main, seats(fx.main, 1));
  expectStatus(await pay(u, 'wallet', { hold_id: h2.id }), 201, 'pay from the restored credit');
  assert.equal(walletBalance(u.id), 1000);
});

test('within 2 hours of the start: a customer gets 409 too_late, an admin can still cancel', async () => {
  const u = take();
  const { hold, booking } = await bookByCard(u, fx.soon, 1);
  expectError(await api('POST', `/v1/bookings/${booking.id}/cancel`, { token: u.token }), 409, 'too_late', 'customer, 1 h before');
  assert.equal(chargesOf(hold.id)[0].refunded_cents, 0, 'nothing refunded');
  const b = expectStatus(await api('POST', `/v1/bookings/${booking.id}/cancel`, { token: fx.admin }), 200, 'admin cancel').booking;
  assert.equal(b.status, 'refunded');
  assert.equal(chargesOf(hold.id)[0].refunded_cents, booking.total_cents, 'refunded to the card');
});

test('a cancelled showtime refunds every booking to its origin (card, gift card, wallet)', async () => {
  const day = Math.ceil(Date.now() / 86400e3) * 86400e3 + 86400e3;
  const st = await showtime(fx, 'Q', day + 10 * 3600e3);
  const [uc, ug, uw] = [take(), take(), take()];
  const { hold: hc, booking: bc } = await bookByCard(uc, st, 2);
  const code = await giftCard(fx.admin, 2500);
  const hg = await pick(fx, ug, st, seats(st, 1));
  const bg = expectStatus(await pay(ug, 'gift_card', { hold_id: hg.id, gift_card: { code } }), 201, 'gift card').booking;
  expectStatus(await api('POST', `/v1/admin/users/${uw.id}/credit`, { token: fx.admin, body: { amount_cents: 1200, reason: 'test' } }), 200, 'credit');
  const hw = await pick(fx, uw, st, seats(st, 1));
  const bw = expectStatus(await pay(uw, 'wallet', { hold_id: hw.id }), 201, 'wallet').booking;
  assert.deepEqual([giftBalance(code), walletBalance(uw.id)], [1500, 200]);

  const r = await api('PUT', `/v1/theatre/${fx.theatre.slug}/update_showtimes`, {
    token: fx.admin, body: { showtimes: [{ id: st.id, status: 'cancelled' }] },
  });
  const j = expectStatus(r, 200, 'cancel the showtime');
  assert.equal(j.notified_bookings, 3, 'notified_bookings');
  const ids = [bc.id, bg.id, bw.id].map(id).join(',');
  await waitFor(() => sqlInt(`SELECT count(*) FROM bookings WHERE id IN (${ids}) AND status = 'refunded'`) === 3,
    { timeout: 20000, interval: 250, what: 'the three bookings to be refunded' });
  assert.equal(chargesOf(hc.id)[0].refunded_cents, bc.total_cents, 'card refunded');
  assert.equal(giftBalance(code), 2500, 'gift card balance restored');
  assert.equal(walletBalance(uw.id), 1200, 'credit restored');
  for (const [u, b] of [[uc, bc], [ug, bg], [uw, bw]]) {
    const got = expectStatus(await api('GET', `/v1/bookings/${b.id}`, { token: u.token }), 200, 'GET').booking;
    assert.equal(got.status, 'refunded', `booking ${b.id} (${b.payment.type})`);
  }
});

// ------------------------------------------------------------------ access

test('bookings are per user: another user\'s booking is 404 (GET and cancel), an admin sees it, lists are own only', async () => {
  const a = take();
  const b = take();
  const { booking: ba } = await bookByCard(a, fx.main, 1);
  const { booking: bb } = await bookByCard(b, fx.main, 1);
  expectError(await api('GET', `/v1/bookings/${ba.id}`, { token: b.token }), 404, 'not_found', 'GET another user\'s booking');
  expectError(await api('POST', `/v1/bookings/${ba.id}/cancel`, { token: b.token }), 404, 'not_found', 'cancel another user\'s booking');
  expectError(await api('GET', '/v1/bookings/999999999999', { token: b.token }), 404, 'not_found', 'no such booking');
  const still = expectStatus(await api('GET', `/v1/bookings/${ba.id}`, { token: a.token }), 200, 'owner GET').booking;
  assert.equal(still.status, 'confirmed', 'the refused cancel changed nothing');
  const adm = expectStatus(await api('GET', `/v1/bookings/${ba.id}`, { token: fx.admin }), 200, 'admin GET').booking;
  assert.equal(adm.id, ba.id);

  const listA = expectStatus(await api('GET', '/v1/bookings', { token: a.token }), 200, 'list a');
  const listB = expectStatus(await api('GET', '/v1/bookings', { token: b.token }), 200, 'list b');
  assert.deepEqual(listA.items.map((x) => x.id), [ba.id]);
  assert.deepEqual(listB.items.map((x) => x.id), [bb.id]);
  assert.equal(listA.next_cursor, null);
  assert.deepEqual(bookingIdsOf(a.id), [ba.id]);
  const anon = await api('GET', '/v1/bookings');
  assert.equal(anon.status, 401, `anonymous list: ${anon}`);
});

// ------------------------------------------------------------ crash repair

// A card payment whose worker dies after the charge: nginx answers 502/503,
// the attempt stays 'open' with an approved charge.  The test then makes the
// attempt look 61 s old (repair_payments takes 'open' attempts after 60 s and
// runs every 10 s) and waits at most 25 s for marquee-jobs.
async function crashAfterCharge(u, st) {
  const hold = await pick(fx, u, st, seats(st, 2));
  const key = newKey();
  const body = { hold_id: hold.id, card: card(CARD_OK, { name: 'CRASH AFTER CHARGE' }) };
  const r = await pay(u, 'card', body, { key });
  assert.ok(r.status === 502 || r.status === 503,
    `the worker should die after the charge (test_faults = 1), and nginx answer 502/503; got ${r}`);
  const attempts = attemptsOf(hold.id);
  assert.equal(attempts.length, 1, `one attempt: ${JSON.stringify(attempts)}`);
  assert.ok(['open', 'charged'].includes(attempts[0].state), `attempt left ${attempts[0].state}`);
  const charges = chargesOf(hold.id);
  assert.deepEqual(charges.map((c) => [c.outcome, c.amount_cents, c.refunded_cents]), [['approved', hold.total_cents, 0]], 'the processor charged');
  assert.deepEqual(bookingsOfHold(hold.id), [], 'no booking yet');
  return { hold, key, body, attempt: attempts[0] };
}

const backdate = (attemptId) =>
  psql(`UPDATE payment_attempts SET updated_at = now() - interval '61 seconds' WHERE id = ${id(attemptId)}`);

// The first test hands its repaired payment to the third.
let repairedDone, repairedFailed;
const repaired = new Promise((resolve, reject) => {
  repairedDone = resolve;
  repairedFailed = reject;
});
repaired.catch(() => {});

describe('a worker dying between the charge and the booking', { concurrency: 2 }, () => {
  test('marquee-jobs finishes the booking exactly once', async () => {
    try {
      await repairOnce();
    } catch (e) {
      repairedFailed(new Error(`the repair test failed: ${e.message}`));
      throw e;
    }
  });

  async function repairOnce() {
    const u = take();
    const { hold, attempt, key, body } = await crashAfterCharge(u, fx.main);
    backdate(attempt.id);
    const done = await waitFor(() => {
      const b = bookingsOfHold(hold.id);
      return b.length > 0 ? b : null;
    }, { timeout: 25000, interval: 250, what: 'the repaired booking' });
    assert.equal(done.length, 1, 'exactly one booking for the hold');
    assert.equal(done[0].status, 'confirmed');
    assert.equal(done[0].user_id, u.id);
    assert.equal(done[0].total_cents, 2000);
    const charges = chargesOf(hold.id);
    assert.deepEqual(charges.map((c) => [c.outcome, c.amount_cents, c.refunded_cents]), [['approved', 2000, 0]], 'one charge, kept');
    assert.deepEqual(attemptsOf(hold.id).map((a) => [a.state, a.booking_id]), [['booked', done[0].id]]);
    const list = expectStatus(await api('GET', '/v1/bookings', { token: u.token }), 200, 'list');
    assert.deepEqual(list.items.map((x) => x.id), [done[0].id], 'the customer sees the booking');
    assert.deepEqual(list.items[0].payment, { type: 'card', brand: 'visa', last4: '4242' });
    const map = await seatStatus(fx, fx.main);
    assert.ok(list.items[0].seats.every((s) => map.status[s.id] === 'sold'), 'seats sold');
    // A repaired card booking refunds to the card like any other.
    const c = expectStatus(await api('POST', `/v1/bookings/${done[0].id}/cancel`, { token: u.token }), 200, 'cancel the repaired booking');
    assert.equal(c.booking.status, 'refunded');
    assert.equal(chargesOf(hold.id)[0].refunded_cents, 2000, 'refunded to the card');
    repairedDone({ u, hold, key, body, booking: done[0] });
  }

  // BUG (reported): the crashed request's Idempotency-Key keeps its
  // unanswered row, so a client retrying it (it only ever got a 503) is told
  // "409 payment_in_progress, Retry-After: 1" for 24 hours, long after the
  // repair.  API.md: the same key and body return the first response again;
  // the app's own rule (idempotency_store) frees the key after a 5xx.
  test('after the repair, a retry with the same Idempotency-Key gets a final answer, not payment_in_progress', async () => {
    const { u, hold, key, body, booking } = await repaired;
    const retry = await pay(u, 'card', body, { key });
    assert.ok(retry.status < 500, `retry with the same key: ${retry}`);
    assert.notEqual(retry.json?.error?.code, 'payment_in_progress',
      `the payment of hold ${hold.id} ended (booking ${booking.id}, now refunded); the retry got ${retry}`);
    if (retry.status === 201) assert.equal(retry.json.booking.id, booking.id, 'the replay names the repaired booking');
    assert.equal(bookingsOfHold(hold.id).length, 1, 'still one booking after the retry');
    assert.equal(chargesOf(hold.id).length, 1, 'still one charge after the retry');
  });

  test('with the hold expired meanwhile, marquee-jobs refunds the charge', async () => {
    const u = take();
    const { hold, attempt } = await crashAfterCharge(u, fx.odd);
    expireHold(hold.id);
    // marquee-jobs (expire_holds, every second) frees the seats.
    await waitFor(() => sqlInt(`SELECT count(*) FROM showtime_seats WHERE hold_id = ${id(hold.id)}`) === 0,
      { timeout: 8000, what: 'the expired hold\'s seats to be freed' });
    backdate(attempt.id);
    const charge = await waitFor(() => {
      const c = chargesOf(hold.id)[0];
      return c.refunded_cents > 0 ? c : null;
    }, { timeout: 25000, interval: 250, what: 'the refund of the charge' });
    assert.equal(charge.refunded_cents, charge.amount_cents, 'refunded in full');
    assert.deepEqual(bookingsOfHold(hold.id), [], 'no booking');
    const a = attemptsOf(hold.id);
    assert.equal(a.length, 1);
    assert.equal(a[0].state, 'refunded');
    const list = expectStatus(await api('GET', '/v1/bookings', { token: u.token }), 200, 'list');
    assert.deepEqual(list.items, []);
  });
});
