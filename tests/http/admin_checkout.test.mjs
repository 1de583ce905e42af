// The admin side of checkout over HTTP: the bookings pages (search, refund,
// account credit), check-in at the door (once, twice, two scanners at
// once, refused tickets), the sales reports and their CSV files, and the
// promotion and gift card forms.  The JSON admin endpoints that share the
// domain functions with these pages are checked too.
//
// Runs against a stack instance: MARQUEE_URL (default the dev instance).
// Everything it works on is its own: a movie, a theatre with two
// auditoriums, two showtimes (one starting in half an hour, one tomorrow),
// a customer and that customer's bookings.  At the end it refunds what is
// left and removes the theatre and the movie again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const BASE = (() => {
	const u = new URL(process.env.MARQUEE_URL ?? 'http://127.0.0.1:8080');
	if (u.hostname === 'localhost') u.hostname = '127.0.0.1';	// nginx listens on IPv4
	return u.origin;
})();
const ADMIN_EMAIL = 'admin@marquee.test';
const ADMIN_PASSWORD = process.env.MARQUEE_DEMO_ADMIN_PASSWORD ?? 'marquee-admin-demo';
const RUN = randomBytes(4).toString('hex');
const TZ = 'America/New_York';
const TITLE = `=HYPERLINK("http://example.test/x","Admin checkout ${RUN}")`;
const PRICE = 1200;

// ------------------------------------------------------------------ helpers

// fetch, waiting out a 429 of the per-address limits (log-ins and
// registrations from 127.0.0.1 are shared with other suites).
async function send(url, init) {
	for (let attempt = 0; ; attempt++) {
		const res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(30000) });
		const wait = Number(res.headers.get('retry-after'));
		if (res.status !== 429 || attempt === 2 || !(wait > 0 && wait <= 60)) return res;
		await res.arrayBuffer();
		await sleep(wait * 1000);
	}
}

async function api(method, p, { token, body, headers = {} } = {}) {
	const h = { accept: 'application/json', ...headers };
	if (token) h.authorization = `Bearer ${token}`;
	if (body !== undefined) h['content-type'] = 'application/json';
	const res = await send(BASE + p, {
		method, headers: h,
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	let json = null;
	try { json = text ? JSON.parse(text) : null; } catch { json = { raw: text }; }
	return { status: res.status, json, text, headers: res.headers };
}

function ok(r, status, what) {
	assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${(r.text ?? '').slice(0, 400)}`);
	return r.json;
}

// A browser without JavaScript: a cookie jar, forms, no redirects followed.
class Browser {
	constructor() { this.cookies = new Map(); }
	async send(method, p, { body, headers = {} } = {}) {
		const h = { accept: 'text/html', ...headers };
		if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
		const res = await send(BASE + p, { method, headers: h, body });
		for (const sc of res.headers.getSetCookie()) {
			const [pair, ...attrs] = sc.split(';');
			const eq = pair.indexOf('=');
			const name = pair.slice(0, eq).trim();
			const value = pair.slice(eq + 1).trim();
			if (value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
		return { status: res.status, headers: res.headers, text: await res.text() };
	}
	get(p) { return this.send('GET', p); }
	post(p, fields) {
		return this.send('POST', p, {
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams(fields).toString(),
		});
	}
	// GETs page for its CSRF token, then posts fields to action.
	async submit(page, action, fields) {
		const r = await this.get(page);
		const token = csrfOf(r.text);
		assert.ok(token, `no csrf input on ${page}: ${r.status} ${r.text.slice(0, 300)}`);
		return this.post(action, { csrf: token, ...fields });
	}
	async login(email, password) {
		const r = await this.submit('/login', '/login', { email, password });
		assert.equal(r.status, 303, `log-in of ${email}: ${r.status} ${r.text.slice(0, 300)}`);
		assert.ok(this.cookies.has('mq_session'), 'no mq_session cookie');
	}
}

function csrfOf(html) {
	const m = /<input[^>]*name="csrf"[^>]*value="([^"]*)"/.exec(html);
	return m ? m[1] : undefined;
}

// The text of an element's content with tags dropped and entities undone.
function textOf(html) {
	return html.replace(/<[^>]*>/g, ' ').replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'")
		.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
}

// The check-in result block of a page: { status, reason, message }.
function checkinResult(html) {
	const m = /<div class="co-checkin-result[^"]*"[^>]*data-result="([^"]*)" data-reason="([^"]*)">\s*<p class="co-checkin-message">([^<]*)<\/p>/.exec(html);
	assert.ok(m, `no check-in result on the page: ${html.slice(0, 300)}`);
	return { status: m[1], reason: m[2], message: textOf(m[3]) };
}

// "2:30 PM" and "Saturday 5 Dec, 2:30 PM" for a time in TZ, as the door
// page writes them.
function clockOf(date) {
	const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
		timeZone: TZ, hour: 'numeric', minute: '2-digit', hour12: true,
		weekday: 'long', day: 'numeric', month: 'short', year: 'numeric',
	}).formatToParts(date).map((x) => [x.type, x.value]));
	const clock = `${p.hour}:${p.minute} ${p.dayPeriod.toUpperCase()}`;
	return { clock, when: `${p.weekday} ${p.day} ${p.month}, ${clock}` };
}

// YYYY-MM-DD of a time in TZ, moved by days.
function localDate(date, days = 0) {
	const d = new Date(date.getTime() + days * 86400000);
	return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

const money = (cents) => `$${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

// ------------------------------------------------------------------ fixtures

let adminToken;
const adminWeb = new Browser();
const customerWeb = new Browser();
let customer;		// { token, id, email }
let movie;
let theatre;
let soon;		// showtime starting in 30 minutes, in "Screen 1"
let tomorrow;		// showtime starting in 26 hours, in "Screen 2"
const bookings = {};	// name -> Booking
const mine = [];	// every booking id made here

async function book(showtime, seats, { payment = 'card', extra = {} } = {}) {
	const hold = ok(await api('POST', `/v1/theatre/${theatre.id}/pick_seats`, {
		token: customer.token, body: { showtime_id: showtime.id, seats },
	}), 201, 'pick_seats').hold;
	const body = { hold_id: hold.id, ...extra };
	if (payment === 'card') {
		body.card = { number: '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123', name: 'Ada Door' };
	}
	const r = await api('POST', `/v1/payments/${payment}`, {
		token: customer.token, body, headers: { 'idempotency-key': `adm-${RUN}-${randomBytes(6).toString('hex')}` },
	});
	const b = ok(r, 201, `payment ${payment}`).booking;
	mine.push(b.id);
	return b;
}

async function seatStatus(showtime, label) {
	const r = ok(await api('GET', `/v1/theatre/${theatre.id}/seats?showtime=${showtime.id}`), 200, 'seats');
	return r.seats.find((s) => s.id === label).status;
}

async function checkIn(code) {
	const r = await adminWeb.submit('/admin/checkin', '/admin/checkin', { code });
	assert.equal(r.status, 200, `check-in ${code}: ${r.status} ${r.text.slice(0, 300)}`);
	return checkinResult(r.text);
}

before(async () => {
	const basic = Buffer.from(`${ADMIN_EMAIL}:${ADMIN_PASSWORD}`).toString('base64');
	adminToken = ok(await api('GET', '/v1/users/authenticate', { headers: { authorization: `Basic ${basic}` } }), 200, 'admin log-in').token;
	await adminWeb.login(ADMIN_EMAIL, ADMIN_PASSWORD);

	const email = `door-${RUN}@example.test`;
	const password = `Door-${RUN}-pass-9`;
	const c = ok(await api('POST', '/v1/users/create_account', { body: { email, password, name: 'Ada Door' } }), 201, 'create_account');
	customer = { token: c.token, id: c.user.id, email };
	await customerWeb.login(email, password);

	movie = ok(await api('POST', '/v1/movies/add_movie', {
		token: adminToken,
		body: { title: TITLE, genres: ['drama'], duration_minutes: 90, release_date: '2026-01-15', content_rating: 'PG' },
	}), 201, 'add_movie').movie;
	theatre = ok(await api('POST', '/v1/theatre/add_theatre', {
		token: adminToken,
		body: {
			name: `Door Theatre ${RUN}`, city: `Doorville ${RUN}`, address: '1 Door Street', timezone: TZ,
			auditoriums: [{ name: 'Screen 1', layout: ['ssssss', 'ssssss'] }, { name: 'Screen 2', layout: ['ssss'] }],
		},
	}), 201, 'add_theatre').theatre;
	const at = (ms) => new Date(Math.floor((Date.now() + ms) / 60000) * 60000).toISOString().replace('.000Z', 'Z');
	const shows = ok(await api('POST', `/v1/theatre/${theatre.id}/set_showtimes`, {
		token: adminToken,
		body: {
			showtimes: [
				{ movie_id: movie.id, auditorium: 'Screen 1', starts_at: at(30 * 60000), base_price_cents: PRICE },
				{ movie_id: movie.id, auditorium: 'Screen 2', starts_at: at(26 * 3600000), base_price_cents: PRICE },
			],
		},
	}), 201, 'set_showtimes').showtimes;
	[soon, tomorrow] = shows;

	bookings.one = await book(soon, ['A1']);
	bookings.two = await book(soon, ['A2', 'A3']);
	bookings.refund = await book(soon, ['A4']);
	bookings.later = await book(tomorrow, ['A1']);
});

after(async () => {
	for (const id of mine) {
		await api('POST', `/v1/bookings/${id}/cancel`, { token: adminToken });
	}
	if (theatre) await api('DELETE', `/v1/theatre/${theatre.id}/remove_theatre`, { token: adminToken });
	if (movie) await api('DELETE', `/v1/movies/${movie.id}/remove_movie`, { token: adminToken });
});

// ------------------------------------------------------------------ tests

const PAGES = ['/admin/bookings', '/admin/checkin', '/admin/promotions', '/admin/gift_cards', '/admin/reports'];

test('admin pages: a customer gets 403 on every page and every form; the anonymous are sent to log in', async () => {
	for (const p of [...PAGES, `/admin/bookings/${bookings.one.id}`, '/admin/reports?format=csv']) {
		const r = await customerWeb.get(p);
		assert.equal(r.status, 403, `customer GET ${p}: ${r.status}`);
		assert.doesNotMatch(r.text, /Admin checkout/, `${p} leaks admin data`);
		const anon = await fetch(BASE + p, { redirect: 'manual', headers: { accept: 'text/html' } });
		assert.equal(anon.status, 303, `anonymous GET ${p}`);
		assert.match(anon.headers.get('location'), /^\/login\?next=/);
	}
	const home = await customerWeb.get('/');
	const token = csrfOf(home.text);
	assert.ok(token, 'the customer has a CSRF token');
	const posts = [
		['/admin/checkin', { code: bookings.one.code }],
		[`/admin/bookings/${bookings.one.id}/refund`, {}],
		[`/admin/bookings/${bookings.one.id}/credit`, { amount: '5.00', reason: 'x' }],
		['/admin/promotions', { code: `NOPE${RUN}`.toUpperCase(), kind: 'percent', value: '10' }],
		['/admin/gift_cards', { balance: '10.00' }],
	];
	for (const [p, fields] of posts) {
		const r = await customerWeb.post(p, { csrf: token, ...fields });
		assert.equal(r.status, 403, `customer POST ${p}: ${r.status}`);
	}
	// Nothing happened: the booking is still confirmed and not checked in.
	const b = ok(await api('GET', `/v1/bookings/${bookings.one.id}`, { token: customer.token }), 200, 'booking');
	assert.equal(b.booking.status, 'confirmed');
});

test('admin forms without a CSRF token are refused', async () => {
	const r = await adminWeb.post('/admin/checkin', { code: bookings.one.code });
	assert.equal(r.status, 403);
	const again = await adminWeb.post(`/admin/bookings/${bookings.refund.id}/refund`, {});
	assert.equal(again.status, 403);
});

test('bookings search: by code (any case, spaced, or the QR text), by e-mail, by showtime', async () => {
	const link = (b) => new RegExp(`href="/admin/bookings/${b.id}"`);
	const code = bookings.two.code;
	const spaced = `${code.slice(0, 4).toLowerCase()} ${code.slice(4).toLowerCase()}`;
	for (const q of [code, spaced, `MARQUEE|${code}|A2,A3|x`]) {
		const r = await adminWeb.get(`/admin/bookings?q=${encodeURIComponent(q)}`);
		assert.equal(r.status, 200);
		assert.match(r.text, link(bookings.two), `search ${q}`);
		assert.doesNotMatch(r.text, link(bookings.one), `search ${q} finds only that booking`);
	}
	const byEmail = await adminWeb.get(`/admin/bookings?q=${encodeURIComponent(customer.email.toUpperCase())}`);
	for (const b of Object.values(bookings)) assert.match(byEmail.text, link(b), 'search by e-mail');
	assert.match(byEmail.text, /A2, A3/, 'the seats are listed');
	assert.match(byEmail.text, new RegExp(money(2 * PRICE).replace('$', '\\$')), 'the total is listed');

	const byShow = await adminWeb.get(`/admin/bookings?q=${soon.id}`);
	assert.match(byShow.text, link(bookings.one));
	assert.doesNotMatch(byShow.text, link(bookings.later), 'only that showtime');

	const none = await adminWeb.get('/admin/bookings?q=ZZZZ2222');
	assert.equal(none.status, 200);
	assert.match(none.text, /No booking matches/);

	const page = await adminWeb.get(`/admin/bookings/${bookings.two.id}`);
	assert.equal(page.status, 200);
	assert.match(page.text, new RegExp(code));
	assert.match(page.text, new RegExp(customer.email.replace(/[.+]/g, '\\$&')));
	assert.match(page.text, /ending 4242/, 'the payment is shown');
	assert.match(page.text, /Not refunded/);
	assert.equal((await adminWeb.get('/admin/bookings/99999999999')).status, 404);
});

test('refund from the booking page: refunded for the customer, seats free again, once only', async () => {
	const b = bookings.refund;
	assert.equal(await seatStatus(soon, 'A4'), 'sold');
	const r = await adminWeb.submit(`/admin/bookings/${b.id}`, `/admin/bookings/${b.id}/refund`, {});
	assert.equal(r.status, 303, r.text.slice(0, 300));
	assert.equal(r.headers.get('location'), `/admin/bookings/${b.id}?done=refunded`);

	const mineNow = ok(await api('GET', `/v1/bookings/${b.id}`, { token: customer.token }), 200, 'booking').booking;
	assert.equal(mineNow.status, 'refunded');
	assert.equal(await seatStatus(soon, 'A4'), 'available');

	const page = await adminWeb.get(`/admin/bookings/${b.id}?done=refunded`);
	assert.match(page.text, /was refunded/);
	assert.match(page.text, /refunded by an admin/);
	assert.match(page.text, new RegExp(`${money(PRICE).replace('$', '\\$')} to the card`));
	assert.doesNotMatch(page.text, /Refund this booking/, 'no second refund button');

	const again = await adminWeb.submit(`/admin/bookings/${b.id}`, `/admin/bookings/${b.id}/refund`, {});
	assert.equal(again.status, 409);
	assert.match(again.text, /already refunded/);
});

test('check-in: admitted once (lower case, spaced), then "already admitted", also from the QR text', async () => {
	const b = bookings.one;
	const { clock } = clockOf(new Date(soon.starts_at));
	const first = await checkIn(` ${b.code.slice(0, 4).toLowerCase()} ${b.code.slice(4).toLowerCase()}\n`);
	assert.equal(first.status, 'admitted', JSON.stringify(first));
	assert.equal(first.message, `Admitted \u2014 seat A1 \u2014 ${TITLE}, ${clock}, Screen 1`);

	const second = await checkIn(b.code);
	assert.equal(second.status, 'already');
	assert.match(second.message, /^Already admitted at \d{1,2}:\d\d [AP]M$/);
	const nowClock = clockOf(new Date()).clock;
	assert.ok([nowClock, clockOf(new Date(Date.now() - 60000)).clock].includes(second.message.slice('Already admitted at '.length)),
		`${second.message} is about now (${nowClock} in ${TZ})`);

	const qr = await checkIn(`MARQUEE|${b.code}|A1|${TITLE}|Door Theatre|${soon.starts_local}`);
	assert.equal(qr.status, 'already');

	const page = await adminWeb.get(`/admin/bookings/${b.id}`);
	assert.doesNotMatch(page.text, /<dt>Checked in<\/dt><dd><span class="muted">not yet/);
});

test('check-in: two scanners at once admit a ticket exactly once', async () => {
	const b = bookings.two;
	const page = await adminWeb.get('/admin/checkin');
	const token = csrfOf(page.text);
	const results = await Promise.all(Array.from({ length: 8 }, () => adminWeb.post('/admin/checkin', { csrf: token, code: b.code })));
	const verdicts = results.map((r) => {
		assert.equal(r.status, 200);
		return checkinResult(r.text).status;
	});
	assert.equal(verdicts.filter((v) => v === 'admitted').length, 1, verdicts.join());
	assert.equal(verdicts.filter((v) => v === 'already').length, 7, verdicts.join());
	const admitted = results.map((r) => checkinResult(r.text)).find((v) => v.status === 'admitted');
	assert.match(admitted.message, /seats A2, A3/);
});

test('check-in: refused for a refunded booking, a showtime tomorrow and an unknown code', async () => {
	const refunded = await checkIn(bookings.refund.code);
	assert.deepEqual([refunded.status, refunded.reason, refunded.message], ['refused', 'refunded', 'Refunded booking']);

	const later = await checkIn(bookings.later.code);
	assert.equal(later.status, 'refused');
	assert.equal(later.reason, 'too_early');
	assert.equal(later.message, `This ticket is for ${clockOf(new Date(tomorrow.starts_at)).when}`);
	// Refused is not admitted: the booking can still be admitted tomorrow.
	const b = ok(await api('GET', `/v1/bookings/${bookings.later.id}`, { token: customer.token }), 200, 'booking');
	assert.equal(b.booking.status, 'confirmed');

	const unknown = await checkIn('QQQQ2222');
	assert.deepEqual([unknown.status, unknown.message], ['refused', 'Unknown code']);
	const junk = await checkIn('<script>alert(1)</script>');
	assert.equal(junk.message, 'Unknown code');

	const empty = await adminWeb.submit('/admin/checkin', '/admin/checkin', { code: '   ' });
	assert.equal(empty.status, 400);
	assert.match(empty.text, /autofocus/, 'the form is there again, ready for the next scan');
});

test('reports: per-showtime revenue, tickets, refunds and occupancy of our own showtimes; CSV files', async () => {
	const from = localDate(new Date(soon.starts_at), -1);
	const to = localDate(new Date(tomorrow.starts_at), 1);
	const r = await adminWeb.get(`/admin/reports?from=${from}&to=${to}`);
	assert.equal(r.status, 200);
	const row = (showtime) => {
		const m = new RegExp(`<tr data-showtime="${showtime.id}">(.*?)</tr>`, 's').exec(r.text);
		assert.ok(m, `no row for showtime ${showtime.id}`);
		return [...m[1].matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((c) => textOf(c[1]));
	};
	// Starts, movie, theatre, bookings, tickets, gross, refunds, revenue, occupancy.
	const gross = bookings.one.total_cents + bookings.two.total_cents + bookings.refund.total_cents;
	const s1 = row(soon);
	assert.equal(s1[1], TITLE);
	assert.deepEqual(s1.slice(3), ['3', '3', money(gross), `1 (${money(bookings.refund.total_cents)})`,
		money(gross - bookings.refund.total_cents), '25.0%']);
	const s2 = row(tomorrow);
	assert.deepEqual(s2.slice(3), ['1', '1', money(PRICE), `0 (${money(0)})`, money(PRICE), '25.0%']);
	assert.match(r.text, /class="co-bar-fill w25"/, 'an occupancy bar');

	const csv = await adminWeb.get(`/admin/reports?from=${from}&to=${to}&format=csv&table=showtime`);
	assert.equal(csv.status, 200);
	assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
	assert.equal(csv.headers.get('content-disposition'), `attachment; filename="marquee-sales-by-showtime-${from}-to-${to}.csv"`);
	const lines = csv.text.split('\r\n');
	assert.equal(lines[0], 'Showtime,Starts (local time),Movie,Theatre,Auditorium,Bookings,Tickets sold,Gross sales,Refunds,Refunded,Revenue,Capacity,Occupancy %');
	assert.equal(lines.at(-1), '', 'every line ends with CRLF');
	const escaped = `"'${TITLE.replaceAll('"', '""')}"`;
	const line = lines.find((l) => l.startsWith(`${soon.id},`));
	assert.ok(line, 'the showtime is in the CSV');
	const start = soon.starts_local.slice(0, 16).replace('T', ' ');
	assert.equal(line, `${soon.id},${start},${escaped},Door Theatre ${RUN},Screen 1,3,3,${(gross / 100).toFixed(2)},1,` +
		`${(bookings.refund.total_cents / 100).toFixed(2)},${((gross - bookings.refund.total_cents) / 100).toFixed(2)},12,25.0`);

	const byMovie = await adminWeb.get(`/admin/reports?from=${from}&to=${to}&format=csv&table=movie`);
	const mlines = byMovie.text.split('\r\n');
	assert.equal(mlines[0], 'Movie,Bookings,Tickets sold,Gross sales,Refunds,Refunded,Revenue,Capacity,Occupancy %');
	assert.ok(mlines.includes(`${escaped},4,4,${((gross + PRICE) / 100).toFixed(2)},1,${(bookings.refund.total_cents / 100).toFixed(2)},` +
		`${((gross + PRICE - bookings.refund.total_cents) / 100).toFixed(2)},16,25.0`), byMovie.text.slice(0, 600));
	const byDay = await adminWeb.get(`/admin/reports?from=${from}&to=${to}&format=csv&table=day`);
	assert.match(byDay.text.split('\r\n')[0], /^Date,Bookings,/);

	const bad = await adminWeb.get('/admin/reports?from=2026-12-05&to=2026-12-01');
	assert.equal(bad.status, 400);
	assert.match(bad.text, /first day comes after the last day/);
	assert.equal((await adminWeb.get('/admin/reports?from=yesterday')).status, 400);
	const dflt = await adminWeb.get('/admin/reports');
	assert.equal(dflt.status, 200);
	assert.match(dflt.text, /id="by-day"/);
});

test('promotions form: creates one with the API\'s rules, which then applies at checkout', async () => {
	const code = `DOOR${RUN}`.toUpperCase();
	const bad = await adminWeb.submit('/admin/promotions', '/admin/promotions', { code, kind: 'percent', value: '150', min_tickets: '1' });
	assert.equal(bad.status, 400);
	assert.match(bad.text, /a percentage must be between 1 and 100/);
	assert.match(bad.text, new RegExp(`value="${code}"`), 'what was typed is kept');

	const r = await adminWeb.submit('/admin/promotions', '/admin/promotions', {
		code: code.toLowerCase(), kind: 'percent', value: '20', max_uses: '5', max_uses_per_user: '1', min_tickets: '1',
		starts_at: '2026-01-01T00:00', ends_at: '2030-01-01T00:00', timezone: TZ,
	});
	assert.equal(r.status, 303, r.text.slice(0, 400));
	assert.equal(r.headers.get('location'), `/admin/promotions?created=${code}`);
	const list = await adminWeb.get(r.headers.get('location'));
	assert.match(list.text, new RegExp(`Promotion <span class="co-code">${code}</span> created`));
	assert.match(list.text, new RegExp(`<td class="co-code">${code}</td>\\s*<td>20% off</td>\\s*<td>from 1 Jan 2026, 5:00 AM until 1 Jan 2030, 5:00 AM</td>\\s*<td class="num">0 / 5</td>`));

	const dup = await adminWeb.submit('/admin/promotions', '/admin/promotions', { code, kind: 'amount', value: '5.00', min_tickets: '1' });
	assert.equal(dup.status, 409);
	assert.match(dup.text, /already used by another promotion/);

	const amount = `OFF${RUN}`.toUpperCase();
	const made = await adminWeb.submit('/admin/promotions', '/admin/promotions', { code: amount, kind: 'amount', value: '2.50', min_tickets: '2' });
	assert.equal(made.status, 303);
	const api2 = await adminWeb.get('/admin/promotions');
	assert.match(api2.text, new RegExp(`<td class="co-code">${amount}</td>\\s*<td>\\$2\\.50 off</td>`));

	const b = await book(soon, ['B1'], { extra: { promo_code: code } });
	assert.equal(b.discount_cents, Math.round(PRICE * 0.2));
	assert.equal(b.total_cents, PRICE - Math.round(PRICE * 0.2));
	const two = await book(soon, ['B2', 'B3'], { extra: { promo_code: amount } });
	assert.equal(two.discount_cents, 250);
});

test('gift cards form: dollars to cents, the code shown once, then it pays', async () => {
	const bad = await adminWeb.submit('/admin/gift_cards', '/admin/gift_cards', { balance: 'fifty' });
	assert.equal(bad.status, 400);
	assert.match(bad.text, /Balance must be an amount such as 50\.00/);
	assert.equal((await adminWeb.submit('/admin/gift_cards', '/admin/gift_cards', { balance: '0' })).status, 400);

	const r = await adminWeb.submit('/admin/gift_cards', '/admin/gift_cards', { balance: '50.00' });
	assert.equal(r.status, 201, r.text.slice(0, 300));
	assert.equal(r.headers.get('cache-control'), 'no-store');
	const code = /data-gift-code="([A-Z0-9]+)"/.exec(r.text)?.[1];
	assert.ok(code && code.length === 16, 'the new code is on the page');
	assert.match(r.text, /worth <strong>\$50\.00<\/strong>/);

	const list = await adminWeb.get('/admin/gift_cards');
	assert.doesNotMatch(list.text, new RegExp(code), 'the whole code is shown only once');
	assert.match(list.text, new RegExp(`${code.slice(-4)}</span></td>\\s*<td class="num">\\$50\\.00</td>`));

	const b = await book(soon, ['B4'], { payment: 'gift_card', extra: { gift_card: { code } } });
	assert.equal(b.payment.type, 'gift_card');
	const after = await adminWeb.get('/admin/gift_cards');
	assert.match(after.text, new RegExp(`${code.slice(-4)}</span></td>\\s*<td class="num">${money(5000 - PRICE).replace('$', '\\$')}</td>`));
});

test('account credit from the booking page: the same rules as the API, then the balance shows', async () => {
	const b = bookings.one;
	const bad = await adminWeb.submit(`/admin/bookings/${b.id}`, `/admin/bookings/${b.id}/credit`, { amount: 'lots', reason: '' });
	assert.equal(bad.status, 400);
	assert.match(bad.text, /Amount must be an amount such as 50\.00/);
	assert.match(bad.text, /Reason is required/);
	const r = await adminWeb.submit(`/admin/bookings/${b.id}`, `/admin/bookings/${b.id}/credit`, { amount: '15.00', reason: `Door test ${RUN}` });
	assert.equal(r.status, 303, r.text.slice(0, 300));
	const page = await adminWeb.get(r.headers.get('location'));
	assert.match(page.text, /now has \$15\.00 of account credit/);
	// The credit pays, as any credit does.
	const paid = await book(soon, ['B5'], { payment: 'wallet' });
	assert.equal(paid.payment.type, 'wallet');
});

test('JSON admin endpoints keep their answers (they share the writes with the pages)', async () => {
	const code = `JSON${RUN}`.toUpperCase();
	const bad = await api('POST', '/v1/admin/promotions', { token: adminToken, body: { code, kind: 'percent', value: 101 } });
	assert.equal(bad.status, 400);
	assert.equal(bad.json.error.code, 'invalid_input');
	assert.equal(bad.json.error.details.fields.value, 'a percentage must be between 1 and 100');
	const p = ok(await api('POST', '/v1/admin/promotions', { token: adminToken, body: { code, kind: 'amount', value: 300, max_uses: 2 } }), 201, 'promotion');
	assert.deepEqual(Object.keys(p.promotion), ['id', 'code', 'kind', 'value', 'starts_at', 'ends_at', 'max_uses', 'max_uses_per_user', 'min_tickets', 'uses']);
	assert.equal(p.promotion.min_tickets, 1);
	const dup = await api('POST', '/v1/admin/promotions', { token: adminToken, body: { code, kind: 'amount', value: 300 } });
	assert.deepEqual([dup.status, dup.json.error.code], [409, 'code_taken']);

	const g = ok(await api('POST', '/v1/admin/gift_cards', { token: adminToken, body: { balance_cents: 2500 } }), 201, 'gift card');
	assert.deepEqual(Object.keys(g.gift_card), ['code', 'balance_cents']);
	assert.equal(g.gift_card.balance_cents, 2500);
	assert.match(g.gift_card.code, /^[A-HJ-NP-Z2-9]{16}$/);

	const c = ok(await api('POST', `/v1/admin/users/${customer.id}/credit`, { token: adminToken, body: { amount_cents: 100, reason: 'json' } }), 200, 'credit');
	assert.equal(c.user.id, customer.id);
	assert.equal(typeof c.credit_cents, 'number');
	const none = await api('POST', '/v1/admin/users/999999999/credit', { token: adminToken, body: { amount_cents: 100, reason: 'json' } });
	assert.deepEqual([none.status, none.json.error.code], [404, 'not_found']);
	const cust = await api('POST', '/v1/admin/gift_cards', { token: customer.token, body: { balance_cents: 2500 } });
	assert.equal(cust.status, 403);
});
