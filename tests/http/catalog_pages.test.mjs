// HTTP tests of the catalog's HTML pages (API.md, "Pages"): the admin forms
// for movies, theatres and showtimes, and the customer pages that show what
// they made.  Everything goes through the forms a person would use, with
// the cookies and CSRF tokens a browser without JavaScript would send.
//
// Runs against a running stack: MARQUEE_URL (default http://127.0.0.1:8080)
// and MARQUEE_DEMO_ADMIN_PASSWORD (default marquee-admin-demo).  Each run
// uses its own titles, slugs and city, so it can share an instance.

import { test } from 'node:test';
import assert from 'node:assert/strict';

const BASE = (process.env.MARQUEE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const ADMIN_EMAIL = 'admin@marquee.test';
const ADMIN_PASSWORD = process.env.MARQUEE_DEMO_ADMIN_PASSWORD || 'marquee-admin-demo';
const RUN = Date.now();
const ZONE = 'America/New_York';

const MOVIE = { title: `Pages Test Movie ${RUN}`, slug: `pages-test-movie-${RUN}` };
const THEATRE = { name: `Pages Test Theatre ${RUN}`, slug: `pages-test-theatre-${RUN}`, city: `Pagetown ${RUN}` };
const XSS = '<script>alert(1)</script>';
// 4 standard, 4 premium, a wheelchair space, a companion seat, a gap and a
// standard seat: 11 seats.
const LAYOUT = 'ssss\npppp\nwc.s';
const CAPACITY = 11;

// ------------------------------------------------------------------ helpers

/** A browser without JavaScript: a cookie jar, forms, no redirects followed. */
class Browser {
	constructor() {
		this.cookies = new Map();
	}

	async send(method, path, { form, json } = {}) {
		const headers = { Accept: 'text/html' };
		let body;
		if (this.cookies.size) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
		if (form) {
			headers['Content-Type'] = 'application/x-www-form-urlencoded';
			body = new URLSearchParams(form).toString();
		} else if (json) {
			headers['Content-Type'] = 'application/json';
			headers.Accept = 'application/json';
			body = JSON.stringify(json);
		}
		const res = await fetch(BASE + path, { method, headers, body, redirect: 'manual' });
		for (const c of res.headers.getSetCookie()) {
			const [pair, ...attrs] = c.split(';');
			const name = pair.slice(0, pair.indexOf('=')).trim();
			const value = pair.slice(pair.indexOf('=') + 1).trim();
			const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
			if (gone || value === '') this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
		const text = await res.text();
		return { status: res.status, location: res.headers.get('location'), text, res };
	}

	get(path) {
		return this.send('GET', path);
	}

	post(path, form) {
		return this.send('POST', path, { form });
	}

	/** GETs page, takes its CSRF token, posts fields to action. */
	async submit(page, action, fields) {
		const got = await this.get(page);
		assert.equal(got.status, 200, `GET ${page}: ${got.text.slice(0, 300)}`);
		const csrf = csrfOf(got.text);
		assert.ok(csrf, `a csrf input on ${page}`);
		return this.post(action, { csrf, ...fields });
	}

	async login(email, password) {
		const r = await this.submit('/login', '/login', { email, password });
		assert.equal(r.status, 303, `log in as ${email}: ${r.text.slice(0, 300)}`);
		assert.ok(this.cookies.has('mq_session'), 'a session cookie after logging in');
	}
}

function csrfOf(html) {
	const m = /<input type="hidden" name="csrf" value="([^"]+)">/.exec(html);
	return m ? m[1] : null;
}

/** The text of an HTML page without tags, blanks collapsed. */
function textOf(html) {
	const entities = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
	return html
		.replace(/<[^>]*>/g, ' ')
		.replace(/&(amp|lt|gt|quot|#39);/g, (_, e) => entities[e])
		.replace(/\s+/g, ' ');
}

/** YYYY-MM-DD of today in zone, plus days. */
function localDate(days, zone = ZONE) {
	const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date());
	const d = new Date(`${today}T12:00:00Z`);
	d.setUTCDate(d.getUTCDate() + days);
	return d.toISOString().slice(0, 10);
}

async function getJson(path) {
	const res = await fetch(BASE + path, { headers: { Accept: 'application/json' } });
	assert.equal(res.status, 200, `GET ${path}`);
	return res.json();
}

const MOVIE_FORM = {
	title: MOVIE.title,
	slug: MOVIE.slug,
	synopsis: `A test of the pages. ${XSS}`,
	genres: 'Drama, science fiction',
	cast: 'Ada Lovelace — The Countess\nAlan Turing - Codebreaker\nGrace Hopper, Admiral',
	duration_minutes: '95',
	// Released yesterday: near the top of the home page's "now showing".
	release_date: localDate(-1),
	content_rating: 'PG-13',
	poster_url: '',
	trailer_url: 'https://www.youtube-nocookie.com/embed/abc123',
};

const admin = new Browser();
const state = {};
const day1 = localDate(2);
const day2 = localDate(3);

// -------------------------------------------------------------------- tests

test('an admin logs in through the form and sees the catalog sections', async () => {
	await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
	const r = await admin.get('/admin/movies');
	assert.equal(r.status, 200);
	for (const link of ['/admin/movies', '/admin/theatres', '/admin/showtimes']) {
		assert.ok(r.text.includes(`href="${link}"`), `the admin nav links ${link}`);
	}
});

test('the movie form refuses bad input field by field and keeps what was typed', async () => {
	const r = await admin.submit('/admin/movies/new', '/admin/movies/new', {
		...MOVIE_FORM,
		genres: 'drama, sci/fi',
		cast: 'Ada Lovelace — The Countess\n — Nobody',
		duration_minutes: '0',
	});
	assert.equal(r.status, 400);
	assert.match(r.text, /Genres has &quot;sci\/fi&quot;/);
	assert.match(r.text, /Cast line 2 has no name/);
	assert.match(r.text, /Length must be between 1 and 600/);
	assert.ok(r.text.includes(`value="${MOVIE.title}"`), 'the typed title is kept');
});

test('an admin adds a movie through /admin/movies/new', async () => {
	const r = await admin.submit('/admin/movies/new', '/admin/movies/new', MOVIE_FORM);
	assert.equal(r.status, 303, r.text.slice(0, 500));
	assert.equal(r.location, `/admin/movies?saved=created&slug=${MOVIE.slug}`);
	const list = await admin.get(r.location);
	assert.match(list.text, /The movie was added/);
	const { movie } = await getJson(`/v1/movies/${MOVIE.slug}`);
	state.movieId = movie.id;
	assert.deepEqual(movie.genres, ['drama', 'science-fiction']);
	assert.deepEqual(movie.cast, [
		{ name: 'Ada Lovelace', role: 'The Countess' },
		{ name: 'Alan Turing', role: 'Codebreaker' },
		{ name: 'Grace Hopper', role: 'Admiral' },
	]);
	assert.equal(movie.duration_minutes, 95);
});

test('a layout error is shown beside its auditorium', async () => {
	const r = await admin.submit('/admin/theatres/new', '/admin/theatres/new', {
		name: THEATRE.name,
		city: THEATRE.city,
		timezone: ZONE,
		aud_name: 'Screen 1',
		aud_layout: 'ssxs',
	});
	assert.equal(r.status, 400);
	assert.match(r.text, /Layout use only s \(standard\)/);
	assert.ok(r.text.includes('>ssxs</textarea>'), 'the typed layout is kept');
});

test('the theatre form previews a layout without saving it', async () => {
	const slug = `${THEATRE.slug}-preview`;
	const r = await admin.submit('/admin/theatres/new', '/admin/theatres/new', {
		name: `${THEATRE.name} preview`, slug, city: THEATRE.city, address: '', timezone: ZONE,
		aud_name: 'Screen P', aud_layout: LAYOUT, preview: '1',
	});
	assert.equal(r.status, 200, r.text.slice(0, 300));
	assert.match(r.text, /A preview: nothing was saved yet/);
	assert.match(r.text, new RegExp(`${CAPACITY} seats`), 'the capacity of the typed layout');
	assert.equal((r.text.match(/class="aud-row"/g) || []).length, 3, 'its three rows drawn');
	assert.ok(r.text.includes(`value="${slug}"`), 'what was typed is kept');
	assert.ok(r.text.includes('Screen P'));
	assert.equal((await fetch(`${BASE}/v1/theatre/${slug}`)).status, 404, 'nothing saved');
	// A bad layout is named in the preview, still without saving.
	const bad = await admin.submit('/admin/theatres/new', '/admin/theatres/new', {
		name: `${THEATRE.name} preview`, slug, city: THEATRE.city, address: '', timezone: ZONE,
		aud_name: 'Screen P', aud_layout: 'ssx', preview: '1',
	});
	assert.equal(bad.status, 200);
	assert.match(bad.text, /Layout use only s \(standard\)/);
	assert.equal((await fetch(`${BASE}/v1/theatre/${slug}`)).status, 404);
	assert.match(r.text, /<button type="submit" name="preview" value="1"/, 'the form offers the preview button');
});

test('an admin adds a theatre with an auditorium and sees its seat map', async () => {
	const r = await admin.submit('/admin/theatres/new', '/admin/theatres/new', {
		name: THEATRE.name,
		slug: THEATRE.slug,
		city: THEATRE.city,
		address: '1 Test Street',
		timezone: ZONE,
		aud_name: 'Screen 1',
		aud_layout: LAYOUT,
	});
	assert.equal(r.status, 303, r.text.slice(0, 500));
	const { theatre } = await getJson(`/v1/theatre/${THEATRE.slug}`);
	state.theatreId = theatre.id;
	assert.deepEqual(theatre.auditoriums.map((a) => [a.name, a.capacity]), [['Screen 1', CAPACITY]]);
	const edit = await admin.get(`/admin/theatres/${theatre.id}/edit`);
	assert.equal(edit.status, 200);
	assert.match(edit.text, new RegExp(`${CAPACITY} seats`));
	assert.equal((edit.text.match(/class="aud-row"/g) || []).length, 3, 'three rows drawn');
	assert.equal((edit.text.match(/aud-seat aud-seat-premium" title/g) || []).length, 4, 'four premium seats drawn');
	assert.match(edit.text, /title="C3 standard"/);
});

test('an admin schedules showtimes in bulk in the theatre\'s local time', async () => {
	const r = await admin.submit(`/admin/showtimes?theatre=${state.theatreId}`, '/admin/showtimes/bulk', {
		theatre: String(state.theatreId),
		movie_id: String(state.movieId),
		auditorium: 'Screen 1',
		start_date: day1,
		end_date: day2,
		times: '14:00, 17:15, 20:30',
		format: '2D',
		language: 'English',
		price: '12.50',
	});
	assert.equal(r.status, 303, r.text.slice(0, 500));
	assert.match(r.location, /saved=scheduled/);
	assert.match(r.location, /count=6/);
	const day = await admin.get(r.location);
	assert.match(day.text, /6 showtimes were added/);
	// 95 minutes and 15 of cleaning.
	assert.match(textOf(day.text), /2:00 PM free at 3:50 PM/);

	const { theatres } = await getJson(`/v1/movies/${MOVIE.slug}/listings?date=${day1}`);
	assert.equal(theatres.length, 1);
	const starts = theatres[0].showtimes.map((s) => s.starts_local.slice(0, 16));
	assert.deepEqual(starts, [`${day1}T14:00`, `${day1}T17:15`, `${day1}T20:30`]);
	state.showtimes = theatres[0].showtimes;
});

test('an overlapping bulk request is refused whole, naming the clash', async () => {
	const r = await admin.submit(`/admin/showtimes?theatre=${state.theatreId}`, '/admin/showtimes/bulk', {
		theatre: String(state.theatreId),
		movie_id: String(state.movieId),
		auditorium: 'Screen 1',
		start_date: day1,
		end_date: day1,
		times: '11:00, 15:00',
		price: '9',
	});
	assert.equal(r.status, 409);
	assert.match(textOf(r.text), /at 15:00 clashes with "Pages Test Movie \d+" at 2:00 PM in Screen 1/);
	const { theatres } = await getJson(`/v1/movies/${MOVIE.slug}/listings?date=${day1}`);
	assert.equal(theatres[0].showtimes.length, 3, 'nothing was added');
});

test('the movie page lists the showtimes at the theatre\'s local time', async () => {
	const anon = new Browser();
	const r = await anon.get(`/movies/${MOVIE.slug}?date=${day1}`);
	assert.equal(r.status, 200);
	const text = textOf(r.text);
	assert.ok(text.includes(MOVIE.title));
	assert.ok(text.includes(THEATRE.name));
	for (const [s, label] of state.showtimes.map((s, i) => [s, ['2:00 PM', '5:15 PM', '8:30 PM'][i]])) {
		assert.ok(r.text.includes(`href="/showtimes/${s.id}"`), `a link to showtime ${s.id}`);
		assert.ok(r.text.includes(`datetime="${s.starts_at}">${label}</time>`), `${label} for ${s.starts_at}`);
	}
	assert.match(text, /from \$12\.50/);
	assert.match(text, new RegExp(`${CAPACITY} seats left`));
	assert.match(text, /No ratings yet/);
	assert.match(text, /Ada Lovelace as The Countess/);
	assert.ok(r.text.includes('<iframe src="https://www.youtube-nocookie.com/embed/abc123"'), 'the trailer is embedded');
	assert.ok(r.text.includes(`href="/movies/${MOVIE.slug}?date=${day1}"`), 'a link for the chosen day');

	const other = await anon.get(`/movies/${MOVIE.slug}?date=${localDate(5)}`);
	assert.match(textOf(other.text), /No showtimes on this day/);
});

test('the theatre page lists its auditoriums and showtimes by movie', async () => {
	const r = await new Browser().get(`/theatres/${THEATRE.slug}?date=${day2}`);
	assert.equal(r.status, 200);
	const text = textOf(r.text);
	assert.match(text, new RegExp(`Screen 1 ${CAPACITY} seats`));
	assert.ok(text.includes(ZONE));
	assert.ok(text.includes(MOVIE.title));
	assert.match(text, /2:00 PM.*5:15 PM.*8:30 PM/);
});

test('search finds the movie by title and by the new city', async () => {
	const b = new Browser();
	const byTitle = await b.get(`/search?q=${encodeURIComponent(MOVIE.title)}`);
	assert.equal(byTitle.status, 200);
	assert.ok(byTitle.text.includes(`href="/movies/${MOVIE.slug}"`));
	const byCity = await b.get(`/search?city=${encodeURIComponent(THEATRE.city)}&date=${day1}`);
	assert.ok(byCity.text.includes(`href="/movies/${MOVIE.slug}"`));
	const bad = await b.get('/search?date=tomorrow');
	assert.equal(bad.status, 400);
	assert.match(bad.text, /Date must be a date/);
});

test('unknown slugs are 404 pages', async () => {
	const b = new Browser();
	assert.equal((await b.get(`/movies/no-such-movie-${RUN}`)).status, 404);
	assert.equal((await b.get(`/theatres/no-such-theatre-${RUN}`)).status, 404);
});

test('a synopsis with markup is shown escaped', async () => {
	const r = await new Browser().get(`/movies/${MOVIE.slug}`);
	assert.ok(!r.text.includes(XSS), 'the script tag is not in the page as markup');
	assert.ok(r.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'it is shown as text');
	const edit = await admin.get(`/admin/movies/${state.movieId}/edit`);
	assert.ok(!edit.text.includes(XSS));
	assert.ok(edit.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;</textarea>'));
});

test('a changed title shows on the next request (the catalog cache is bumped)', async () => {
	const b = new Browser();
	await b.get('/');
	await b.get(`/movies/${MOVIE.slug}`);
	const edit = await admin.get(`/admin/movies/${state.movieId}/edit`);
	assert.ok(edit.text.includes(`value="${MOVIE.title}"`), 'the form is filled in');
	assert.ok(edit.text.includes('Ada Lovelace — The Countess'), 'the cast is one person a line');
	const title = `${MOVIE.title} Returns`;
	const r = await admin.post(`/admin/movies/${state.movieId}/edit`, { ...MOVIE_FORM, csrf: csrfOf(edit.text), title });
	assert.equal(r.status, 303, r.text.slice(0, 500));
	assert.match(r.location, /saved=updated/);
	const page = await b.get(`/movies/${MOVIE.slug}`);
	assert.ok(page.text.includes(`<h1>${title}</h1>`), 'the movie page has the new title');
	const home = await b.get('/');
	assert.ok(home.text.includes(title), 'the cached home page has the new title');
	MOVIE.title = title;
});

test('a showtime is moved, then cancelled, with the customers told', async () => {
	const [first] = state.showtimes;
	const page = `/admin/showtimes?theatre=${state.theatreId}&date=${day1}`;
	const moved = await admin.submit(page, `/admin/showtimes/${first.id}/edit`, {
		date: day1,
		time: '10:30',
		auditorium: 'Screen 1',
		price: '11.00',
	});
	assert.equal(moved.status, 303, moved.text.slice(0, 500));
	const after = await admin.get(moved.location);
	assert.match(after.text, /The showtime was changed\. No customer had booked it\./);
	assert.match(textOf(after.text), /10:30 AM free at 12:20 PM/);
	const clash = await admin.submit(page, `/admin/showtimes/${first.id}/edit`, {
		date: day1,
		time: '17:00',
		auditorium: 'Screen 1',
		price: '11.00',
	});
	assert.equal(clash.status, 409);
	assert.match(clash.text, new RegExp(`Time clashes with (&quot;|")${MOVIE.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(&quot;|") at \\d{1,2}:\\d\\d [AP]M in Screen 1`),
		'the form names the showtime in the way');
	const cancelled = await admin.submit(page, `/admin/showtimes/${first.id}/cancel`, {});
	assert.equal(cancelled.status, 303);
	const done = await admin.get(cancelled.location);
	assert.match(done.text, /The showtime was cancelled/);
	const { theatres } = await getJson(`/v1/movies/${MOVIE.slug}/listings?date=${day1}`);
	assert.equal(theatres[0].showtimes.length, 2);
});

test('a customer gets 403 on the admin pages; the anonymous are sent to log in', async () => {
	const customer = new Browser();
	const email = `pages-${RUN}@example.test`;
	const password = `pages-pass-${RUN}`;
	const made = await customer.send('POST', '/v1/users/create_account', { json: { email, password, name: 'Page Customer' } });
	assert.equal(made.status, 201, made.text);
	await customer.login(email, password);
	for (const path of ['/admin/movies', '/admin/theatres', '/admin/showtimes', `/admin/movies/${state.movieId}/edit`]) {
		assert.equal((await customer.get(path)).status, 403, path);
	}
	const anon = await new Browser().get('/admin/movies');
	assert.equal(anon.status, 303);
	assert.match(anon.location, /^\/login\?next=/);
});

test('a POST without the CSRF token is refused with 403', async () => {
	const r = await admin.post('/admin/movies/new', { ...MOVIE_FORM, slug: `pages-csrf-${RUN}` });
	assert.equal(r.status, 403);
	const gone = await fetch(`${BASE}/v1/movies/pages-csrf-${RUN}`, { headers: { Accept: 'application/json' } });
	assert.equal(gone.status, 404, 'nothing was created');
});

test('removing the movie takes it off the site', async () => {
	const r = await admin.submit(`/admin/movies/${state.movieId}/edit`, `/admin/movies/${state.movieId}/remove`, {});
	assert.equal(r.status, 303);
	assert.equal(r.location, '/admin/movies?saved=removed');
	assert.equal((await new Browser().get(`/movies/${MOVIE.slug}`)).status, 404);
});

test('removing the theatre takes it off the site', async () => {
	const r = await admin.submit(`/admin/theatres/${state.theatreId}/edit`, `/admin/theatres/${state.theatreId}/remove`, {});
	assert.equal(r.status, 303);
	assert.equal(r.location, '/admin/theatres?saved=removed');
	assert.equal((await new Browser().get(`/theatres/${THEATRE.slug}`)).status, 404);
});
