// The checkout and bookings pages over HTTP, as a browser without JavaScript
// uses them: log in through the form, hold seats through the API with the
// cookie session (and its CSRF token), pay on /checkout/{hold}, then the
// booking, its ticket, its calendar file, My bookings, and cancelling.
//
// Runs against a stack instance: MARQUEE_URL (default the dev instance).
// Everything it uses is its own: a theatre, a movie, showtimes, users, a
// promotion and a gift card with unique names, so it can run beside others.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const BASE = (() => {
	const u = new URL(process.env.MARQUEE_URL ?? 'http://127.0.0.1:8080');
	if (u.hostname === 'localhost') u.hostname = '127.0.0.1';
	return u.origin;
})();
const ADMIN_EMAIL = 'admin@marquee.test';
const ADMIN_PASSWORD = process.env.MARQUEE_DEMO_ADMIN_PASSWORD ?? 'marquee-admin-demo';
const RUN = randomBytes(4).toString('hex');

const CARD_OK = '4242424242424242';
const CARD_DECLINED = '4000000000000002';
const CARD_NO_FUNDS = '4000000000009995';
const CVC = '9071';
const BASE_PRICE = 1001;		// premium 1.5x: 1501.5, rounded to 1502
// Row A: A1 A2 standard, A3 A4 premium; row B standard with a wheelchair space.
const LAYOUT = ['sspp', 'sss.w'];

// ------------------------------------------------------------------ helpers

/** A browser: a cookie jar over fetch, never following redirects. */
class Browser {
	constructor() {
		this.cookies = new Map();
		this.csrf = undefined;
	}
	async send(method, p, { form, json, headers = {} } = {}) {
		const h = { accept: json !== undefined ? 'application/json' : 'text/html', ...headers };
		if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
		let body;
		if (form !== undefined) {
			h['content-type'] = 'application/x-www-form-urlencoded';
			body = new URLSearchParams(form).toString();
		} else if (json !== undefined && json !== null) {
			h['content-type'] = 'application/json';
			body = JSON.stringify(json);
		}
		const res = await fetch(BASE + p, { method, headers: h, body, redirect: 'manual', signal: AbortSignal.timeout(20000) });
		for (const sc of res.headers.getSetCookie()) {
			const [pair] = sc.split(';');
			const eq = pair.indexOf('=');
			const name = pair.slice(0, eq).trim();
			const value = pair.slice(eq + 1).trim();
			if (value === '' || /max-age=0\b/i.test(sc)) this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
		const text = await res.text();
		return { status: res.status, headers: res.headers, text, location: res.headers.get('location') };
	}
	get(p) {
		return this.send('GET', p);
	}
	post(p, form) {
		return this.send('POST', p, { form });
	}
	/** A JSON API call riding on the cookie session, with its CSRF header. */
	async api(method, p, body) {
		const r = await this.send(method, p, { json: body ?? null, headers: { 'x-csrf-token': this.csrf } });
		let j = null;
		try { j = r.text ? JSON.parse(r.text) : null; } catch { j = { raw: r.text }; }
		return { ...r, json: j };
	}
}

function csrfOf(html) {
	const m = /<input[^>]*name="csrf"[^>]*value="([^"]*)"/.exec(html);
	return m ? m[1] : undefined;
}

function hidden(html, name) {
	const m = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
	return m ? m[1] : undefined;
}

/** Every value="..." attribute of the page. */
function values(html) {
	return [...html.matchAll(/value="([^"]*)"/g)].map((m) => m[1]);
}

async function api(method, p, { token, body } = {}) {
	const h = { accept: 'application/json' };
	if (token) h.authorization = `Bearer ${token}`;
	if (body !== undefined) h['content-type'] = 'application/json';
	const res = await fetch(BASE + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(20000) });
	const text = await res.text();
	return { status: res.status, json: text ? JSON.parse(text) : null, retryAfter: Number(res.headers.get('retry-after')) || 5 };
}

/** An API call that waits out 429 (registrations are limited per address). */
async function patiently(method, p, opts) {
	for (let i = 0; ; i++) {
		const r = await api(method, p, opts);
		if (r.status !== 429 || i === 8) return r;
		await sleep(1000 * r.retryAfter);
	}
}

function ok(r, status, what) {
	assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.text ?? JSON.stringify(r.json)}`.slice(0, 1500));
	return r.json;
}

/** Logs in through the form: GET /login (mq_anon + csrf), POST /login. */
async function loginForm(email, password) {
	const b = new Browser();
	const page = await b.get('/login');
	assert.equal(page.status, 200);
	assert.ok(b.cookies.has('mq_anon'), 'GET /login sets mq_anon');
	let r;
	for (let i = 0; i < 8; i++) {
		r = await b.post('/login', { csrf: csrfOf(page.text), email, password });
		if (r.status !== 429) break;
		await sleep(1000 * (Number(r.headers.get('retry-after')) || 5));	// log-ins are limited per address
	}
	assert.equal(r.status, 303, `login form: ${r.status} ${r.text.slice(0, 300)}`);
	assert.ok(b.cookies.has('mq_session'), 'the log-in sets mq_session');
	// The session's own CSRF token is the hidden csrf input of its pages.
	b.csrf = csrfOf((await b.get('/account')).text);
	assert.ok(b.csrf, 'a csrf token on /account');
	return b;
}

async function newUser(tag) {
	const email = `checkout-${tag}-${RUN}@example.test`;
	const password = `pw-${randomBytes(9).toString('base64url')}`;
	const r = await patiently('POST', '/v1/users/create_account', { body: { email, password, name: `Checkout ${tag}` } });
	const j = ok(r, 201, `create_account ${tag}`);
	return { ...j.user, email, password, browser: await loginForm(email, password) };
}

const utc = (d) => d.toISOString().replace(/\.\d+Z$/, 'Z');
const icsTime = (iso) => iso.replace(/[-:]/g, '');

// ------------------------------------------------------------ the fixtures

const fx = {};

async function showtime(auditorium, at) {
	const r = await api('POST', `/v1/theatre/${fx.theatre.slug}/set_showtimes`, {
		token: fx.admin,
		body: { showtimes: [{ movie_id: fx.movie.id, auditorium, starts_at: at, base_price_cents: BASE_PRICE }] },
	});
	return ok(r, 201, 'set_showtimes').showtimes[0];
}

async function hold(user, st, seats) {
	const r = await user.browser.api('POST', `/v1/theatre/${fx.theatre.slug}/pick_seats`, { showtime_id: st.id, seats });
	return ok(r, 201, `pick ${seats}`).hold;
}

/** The checkout form's fields for a card, on top of the page's hidden ones. */
function cardForm(page, number, extra = {}) {
	return {
		csrf: csrfOf(page.text),
		idempotency_key: hidden(page.text, 'idempotency_key'),
		promo_code: hidden(page.text, 'promo_code') ?? '',
		payment_type: 'card',
		'card.number': number,
		'card.exp_month': '12',
		'card.exp_year': String(new Date().getUTCFullYear() + 3),
		'card.cvc': CVC,
		'card.name': 'Ada Lovelace',
		'gift_card.code': '',
		...extra,
	};
}

before(async () => {
	const res = await fetch(`${BASE}/v1/users/authenticate`, {
		headers: { accept: 'application/json', authorization: `Basic ${Buffer.from(`${ADMIN_EMAIL}:${ADMIN_PASSWORD}`).toString('base64')}` },
	});
	assert.equal(res.status, 200, 'admin log-in');
	fx.admin = (await res.json()).token;
	const t = await api('POST', '/v1/theatre/add_theatre', {
		token: fx.admin,
		body: { name: `Checkout Palace ${RUN}`, slug: `checkout-${RUN}`, city: 'New York', timezone: 'America/New_York',
			address: '1 Test Plaza, Suite 5; Floor 2', auditoriums: [{ name: '1', layout: LAYOUT }, { name: '2', layout: LAYOUT }] },
	});
	fx.theatre = ok(t, 201, 'add_theatre').theatre;
	const m = await api('POST', '/v1/movies/add_movie', {
		token: fx.admin,
		body: { title: `Checkout, the movie; ${RUN} — Élan vital`, slug: `checkout-${RUN}`, genres: [], duration_minutes: 100,
			release_date: '2025-01-01', content_rating: 'PG' },
	});
	fx.movie = ok(m, 201, 'add_movie').movie;
	// Three days ahead at 23:30 UTC (evening in New York); another in an hour.
	const day = new Date(Math.ceil(Date.now() / 86400e3) * 86400e3 + 3 * 86400e3 + (23 * 60 + 30) * 60e3);
	fx.later = await showtime('1', utc(day));
	fx.soon = await showtime('2', utc(new Date(Math.ceil(Date.now() / 60e3) * 60e3 + 3600e3)));
	fx.promo = `CO${RUN}`.toUpperCase();
	ok(await api('POST', '/v1/admin/promotions', { token: fx.admin, body: { code: fx.promo, kind: 'percent', value: 20 } }), 201, 'promotion');
	fx.alice = await newUser('a');
	fx.bob = await newUser('b');
});

// ---------------------------------------------------------------- the tests

test('the checkout page needs a session', async () => {
	const r = await new Browser().get('/checkout/12345');
	assert.equal(r.status, 303);
	assert.match(r.location, /^\/login\?next=(%2F|\/)checkout(%2F|\/)12345$/);
});

test('checkout shows the showtime, seats, prices, total, and a promo', async () => {
	const h = await hold(fx.alice, fx.later, ['A1', 'A3']);
	fx.hold = h;
	const page = await fx.alice.browser.get(`/checkout/${h.id}`);
	assert.equal(page.status, 200, page.text.slice(0, 500));
	assert.match(page.headers.get('content-type'), /^text\/html/);
	for (const s of ['A1', 'A3', 'Premium', 'Standard', '$10.01', '$15.02', '$25.03', 'Pay $25.03', `Checkout Palace ${RUN}`,
		'autocomplete="cc-number"', 'autocomplete="cc-exp-month"', 'autocomplete="cc-exp-year"', 'autocomplete="cc-csc"',
		'autocomplete="cc-name"', 'held until', 'Account credit']) {
		assert.ok(page.text.includes(s), `checkout page shows ${s}`);
	}
	assert.ok(page.text.includes('Checkout, the movie; ' + RUN), 'the movie title');
	assert.match(hidden(page.text, 'idempotency_key') ?? '', /^[0-9a-f]{32}$/);
	// A new key at each rendering.
	const again = await fx.alice.browser.get(`/checkout/${h.id}`);
	assert.notEqual(hidden(again.text, 'idempotency_key'), hidden(page.text, 'idempotency_key'));

	const promo = await fx.alice.browser.get(`/checkout/${h.id}?promo=${fx.promo.toLowerCase()}`);
	assert.equal(promo.status, 200);
	assert.ok(promo.text.includes('$5.01 off'), 'the discount (20% of $25.03)');
	assert.ok(promo.text.includes('Pay $20.02'), 'the total after the discount');
	assert.equal(hidden(promo.text, 'promo_code'), fx.promo.toLowerCase());

	const bad = await fx.alice.browser.get(`/checkout/${h.id}?promo=NOSUCH${RUN}`);
	assert.equal(bad.status, 200);
	assert.ok(bad.text.includes('there is no such promo code'));
	assert.ok(bad.text.includes('Pay $25.03'));
	assert.equal(hidden(bad.text, 'promo_code'), '');
});

test('a declined card says so and never echoes the card number or CVC', async () => {
	const page = await fx.alice.browser.get(`/checkout/${fx.hold.id}?promo=${fx.promo}`);
	for (const [number, words] of [[CARD_DECLINED, 'Your card was declined'], [CARD_NO_FUNDS, 'insufficient funds']]) {
		const r = await fx.alice.browser.post(`/checkout/${fx.hold.id}`, cardForm(page, number, { idempotency_key: randomBytes(16).toString('hex') }));
		assert.equal(r.status, 402, r.text.slice(0, 400));
		assert.ok(r.text.includes(words), `the page says: ${words}`);
		assert.ok(!r.text.includes(number), 'no card number in the page');
		assert.ok(!values(r.text).includes(CVC), 'no CVC in the form');
		assert.ok(r.text.includes('value="Ada Lovelace"'), 'the name on the card is kept');
		assert.ok(r.text.includes('Pay $20.02'), 'the promo is still applied');
	}
	// Bad details: 422 beside the fields, still no number.
	const bad = '4242424242424241';
	const r = await fx.alice.browser.post(`/checkout/${fx.hold.id}`, cardForm(page, bad, { 'card.cvc': '1', 'card.exp_month': '13' }));
	assert.equal(r.status, 422, r.text.slice(0, 400));
	assert.ok(r.text.includes('Card number is not a valid card number'));
	assert.ok(r.text.includes('Security code must be 3 or 4 digits'));
	assert.ok(r.text.includes('Month must be a month from 1 to 12'));
	assert.ok(!r.text.includes(bad));
	// A promo that does not apply: 422, with the reason, nothing charged.
	const p2 = await fx.alice.browser.post(`/checkout/${fx.hold.id}`, cardForm(page, CARD_OK, { promo_code: `NOSUCH${RUN}` }));
	assert.equal(p2.status, 422);
	assert.ok(p2.text.includes('cannot be used: there is no such promo code'));
	assert.ok(!p2.text.includes(CARD_OK));
});

test('an approved card books and redirects to the booking, once', async () => {
	const page = await fx.alice.browser.get(`/checkout/${fx.hold.id}?promo=${fx.promo}`);
	const form = cardForm(page, CARD_OK);
	const r = await fx.alice.browser.post(`/checkout/${fx.hold.id}`, form);
	assert.equal(r.status, 303, r.text.slice(0, 400));
	const m = /^\/bookings\/(\d+)\?new=1$/.exec(r.location);
	assert.ok(m, `redirected to the booking: ${r.location}`);
	fx.booking = Number(m[1]);
	// The same form sent again: the same answer, no second booking.
	const again = await fx.alice.browser.post(`/checkout/${fx.hold.id}`, form);
	assert.equal(again.status, 303);
	assert.equal(again.location, r.location);
	const list = await fx.alice.browser.api('GET', '/v1/bookings');
	assert.equal(list.json.items.filter((b) => b.showtime.id === fx.later.id).length, 1, 'one booking');
	fx.code = list.json.items.find((b) => b.id === fx.booking).code;
	assert.equal(list.json.items.find((b) => b.id === fx.booking).total_cents, 2002);

	const b = await fx.alice.browser.get(r.location);
	assert.equal(b.status, 200);
	for (const s of [fx.code, 'Confirmed', 'confirmed', 'Visa ending in 4242', '$20.02', `/bookings/${fx.booking}/ticket`,
		`/bookings/${fx.booking}/calendar.ics`, 'Cancel and refund', 'A1', 'A3']) {
		assert.ok(b.text.includes(s), `booking page shows ${s}`);
	}
	// A paid hold's checkout page says so.
	const paid = await fx.alice.browser.get(`/checkout/${fx.hold.id}`);
	assert.ok(paid.text.includes('already paid for'));
	assert.ok(paid.text.includes(`/bookings/${fx.booking}`));
});

test('the ticket shows the QR code and the booking code', async () => {
	const t = await fx.alice.browser.get(`/bookings/${fx.booking}/ticket`);
	assert.equal(t.status, 200);
	assert.match(t.text, /<svg[^>]*viewBox="0 0 \d+ \d+"/);
	assert.match(t.text, /<path fill="#000" d="M\d/);
	assert.ok(t.text.includes(fx.code));
	assert.ok(t.text.includes('1 Test Plaza, Suite 5; Floor 2'));
	assert.ok(t.text.includes('A1, A3'));
	assert.ok(!t.text.includes('not valid for entry'));
});

test('the calendar file: headers, UTC start, escaping, folding', async () => {
	const r = await fx.alice.browser.get(`/bookings/${fx.booking}/calendar.ics`);
	assert.equal(r.status, 200);
	assert.equal(r.headers.get('content-type'), 'text/calendar; charset=utf-8');
	assert.equal(r.headers.get('content-disposition'), `attachment; filename="marquee-${fx.code}.ics"`);
	const ics = r.text;
	assert.ok(ics.startsWith('BEGIN:VCALENDAR\r\n'));
	assert.ok(ics.endsWith('END:VCALENDAR\r\n'));
	assert.ok(!/[^\r]\n/.test(ics), 'every line ends in CRLF');
	const utf8 = new TextDecoder('utf-8', { fatal: true });
	for (const line of ics.split('\r\n')) {
		assert.ok(Buffer.byteLength(line) <= 75, `folded: ${line}`);
		utf8.decode(Buffer.from(line));	// no character split by the folding
	}
	const unfolded = ics.replace(/\r\n /g, '');
	assert.ok(unfolded.includes(`\r\nDTSTART:${icsTime(fx.later.starts_at)}\r\n`), `DTSTART ${icsTime(fx.later.starts_at)}`);
	const end = new Date(Date.parse(fx.later.starts_at) + 100 * 60e3);
	assert.ok(unfolded.includes(`\r\nDTEND:${icsTime(utc(end))}\r\n`));
	assert.ok(unfolded.includes(`\r\nUID:booking-${fx.code}@marquee\r\n`));
	assert.ok(unfolded.includes(`\r\nSUMMARY:Checkout\\, the movie\\; ${RUN} — Élan vital at Checkout Palace ${RUN}\r\n`));
	assert.ok(unfolded.includes(`\r\nLOCATION:Checkout Palace ${RUN}\\, 1 Test Plaza\\, Suite 5\\; Floor 2\r\n`));
	assert.match(unfolded, new RegExp(`DESCRIPTION:Seats: A1\\\\, A3\\\\nBooking code: ${fx.code}\\\\nTicket: http[^\\r]*/bookings/${fx.booking}/ticket\\r\\n`));
	assert.match(unfolded, /\r\nDTSTAMP:\d{8}T\d{6}Z\r\n/);
});

test('My bookings lists it under upcoming', async () => {
	const r = await fx.alice.browser.get('/bookings');
	assert.equal(r.status, 200);
	const up = r.text.slice(r.text.indexOf('Upcoming'), r.text.indexOf('id="past-heading"'));
	assert.ok(up.includes(fx.code), 'the code under Upcoming');
	assert.ok(up.includes(`href="/bookings/${fx.booking}"`));
	assert.ok(up.includes('A1, A3'));
	assert.ok(up.includes('$20.02'));
	assert.ok(up.includes(`Checkout Palace ${RUN}`));
});

test("another user's hold and booking are 404", async () => {
	const other = fx.bob.browser;
	for (const p of [`/bookings/${fx.booking}`, `/bookings/${fx.booking}/ticket`, `/bookings/${fx.booking}/calendar.ics`]) {
		const r = await other.get(p);
		assert.equal(r.status, 404, p);
		assert.ok(!r.text.includes(fx.code), `${p} does not show the code`);
	}
	const c = await other.post(`/bookings/${fx.booking}/cancel`, { csrf: other.csrf });
	assert.equal(c.status, 404);
	const h = await hold(fx.alice, fx.later, ['B1']);
	const r = await other.get(`/checkout/${h.id}`);
	assert.equal(r.status, 404);
	const page = await fx.alice.browser.get(`/checkout/${h.id}`);
	const p = await other.post(`/checkout/${h.id}`, { ...cardForm(page, CARD_OK), csrf: other.csrf });
	assert.equal(p.status, 404);
	assert.equal((await fx.alice.browser.api('DELETE', `/v1/holds/${h.id}`)).status, 204);
	// A released hold: a clear page with the way back to the seat map.
	const gone = await fx.alice.browser.get(`/checkout/${h.id}`);
	assert.equal(gone.status, 410);
	assert.ok(gone.text.includes('Your hold expired'));
	assert.ok(gone.text.includes(`href="/showtimes/${fx.later.id}"`));
	const late = await fx.alice.browser.post(`/checkout/${h.id}`, cardForm(page, CARD_OK));
	assert.equal(late.status, 409);
	assert.ok(late.text.includes('Your hold expired'));
});

test('cancel refunds to the card; cancelling again is plain', async () => {
	const b = await fx.alice.browser.get(`/bookings/${fx.booking}`);
	const r = await fx.alice.browser.post(`/bookings/${fx.booking}/cancel`, { csrf: csrfOf(b.text) });
	assert.equal(r.status, 303);
	assert.equal(r.location, `/bookings/${fx.booking}?refunded=1`);
	const after = await fx.alice.browser.get(r.location);
	assert.ok(after.text.includes('Refunded $20.02 to your card (Visa ending in 4242)'));
	assert.ok(!after.text.includes('Cancel and refund'));
	const t = await fx.alice.browser.get(`/bookings/${fx.booking}/ticket`);
	assert.ok(t.text.includes('REFUNDED — not valid for entry'));
	assert.ok(!t.text.includes('<svg'), 'no QR code on a refunded ticket');
	const again = await fx.alice.browser.post(`/bookings/${fx.booking}/cancel`, { csrf: csrfOf(b.text) });
	assert.equal(again.status, 409);
	assert.ok(again.text.includes('already cancelled'));
	const list = await fx.alice.browser.get('/bookings');
	assert.ok(list.text.includes('Refunded'));
});

test('gift card short of balance, then account credit; too late to cancel', async () => {
	const g = ok(await api('POST', '/v1/admin/gift_cards', { token: fx.admin, body: { balance_cents: 500 } }), 201, 'gift card');
	const h = await hold(fx.bob, fx.soon, ['B2']);
	let page = await fx.bob.browser.get(`/checkout/${h.id}`);
	assert.ok(page.text.includes('Pay $10.01'));
	assert.match(page.text, /value="wallet"[^>]* disabled/, 'no credit yet: the choice is disabled');
	const gift = await fx.bob.browser.post(`/checkout/${h.id}`, { ...cardForm(page, ''), 'card.cvc': '', payment_type: 'gift_card', 'gift_card.code': g.gift_card.code });
	assert.equal(gift.status, 402, gift.text.replace(/[^]*<main/, '').slice(0, 3000));
	assert.ok(gift.text.includes('gift card does not have enough balance'));

	ok(await api('POST', `/v1/admin/users/${fx.bob.id}/credit`, { token: fx.admin, body: { amount_cents: 5000, reason: 'test' } }), 200, 'credit');
	page = await fx.bob.browser.get(`/checkout/${h.id}`);
	assert.ok(page.text.includes('$50.00'), 'the credit balance');
	const w = await fx.bob.browser.post(`/checkout/${h.id}`, { ...cardForm(page, ''), 'card.cvc': '', payment_type: 'wallet' });
	assert.equal(w.status, 303, w.text.slice(0, 300));
	const id = Number(/\/bookings\/(\d+)/.exec(w.location)[1]);
	const b = await fx.bob.browser.get(`/bookings/${id}`);
	assert.ok(b.text.includes('Account credit'));
	assert.ok(!b.text.includes('Cancel and refund'), 'within 2 hours: no cancel form');
	const c = await fx.bob.browser.post(`/bookings/${id}/cancel`, { csrf: csrfOf(b.text) });
	assert.equal(c.status, 409);
	assert.ok(c.text.includes('too late to cancel'));
});
