// Ratings and reviews (API.md "Ratings and reviews"), against a live instance:
// add_rating / update_rating / ratings with every error of the contract, the
// summary (average to one decimal, null with no ratings, the distribution),
// newest-first pagination, 100 people rating one movie at the same moment
// (exact count and average, checked against PostgreSQL too), the "verified
// viewer" mark once a booked showtime has started, moderation (a hidden review
// leaves the list and the summary, its author is told why, restore undoes it),
// the movie page's ratings section, and the listings showing the average.
//
//   MARQUEE_URL=http://127.0.0.1:8080 MARQUEE_VAR=$PWD/var/dev node --test tests/http/ratings.test.mjs

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { api, basicAuth, Browser, createUser, createAdmin, csrfFrom, freshIp, psql, ADMIN_EMAIL, ADMIN_PASSWORD } from './lib.mjs';

const RUN = crypto.randomBytes(4).toString('hex');
const CARD = { number: '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123', name: 'Rita Rater' };

let admin; // bearer token of the demo administrator

// ------------------------------------------------------------------ helpers

function expectStatus(r, status, what) {
  assert.equal(r.status, status, `${what}: ${r}`);
  return r.status === 204 ? null : r.json;
}

function expectError(r, status, code, what) {
  assert.equal(r.status, status, `${what}: ${r}`);
  assert.equal(r.json.error?.code, code, `${what}: ${r}`);
  assert.equal(typeof r.json.error.message, 'string', `${what}: error.message`);
  return r.json.error;
}

const sqlInt = (q) => Number(psql(q));

/** A movie of this run: { id, slug, title, ... }. */
async function newMovie(tag, extra = {}) {
  const r = await api('POST', '/v1/movies/add_movie', {
    token: admin,
    body: {
      title: `Starlit ${tag} ${RUN}`,
      slug: `starlit-${tag}-${RUN}`,
      genres: [],
      duration_minutes: 95,
      release_date: '2025-03-01',
      content_rating: 'PG',
      ...extra,
    },
  });
  return expectStatus(r, 201, `add_movie ${tag}`).movie;
}

/** A customer: { user, token, email, password, name }. */
const customer = (tag) => createUser({ name: `Rater ${tag} ${RUN}` });

/** Runs fn over items with at most n in flight; results in order. */
async function pool(items, n, fn) {
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

const addRating = (movie, token, body) => api('POST', `/v1/movies/${movie}/add_rating`, { token, body });
const updateRating = (movie, token, body) => api('PUT', `/v1/movies/${movie}/update_rating`, { token, body });
const ratingsOf = (movie, query = '') => api('GET', `/v1/movies/${movie}/ratings${query}`);

/** round(sum / count, 1) the way PostgreSQL rounds numerics (half away from zero), in integers. */
function average(stars) {
  if (stars.length === 0) return null;
  const sum = stars.reduce((a, b) => a + b, 0);
  return Math.floor((20 * sum + stars.length) / (2 * stars.length)) / 10;
}

function distributionOf(stars) {
  const d = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
  for (const s of stars) d[s]++;
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [String(k), v]));
}

/** Checks the shape of a Rating (API.md). */
function checkRating(r, { movie, user, stars, review }) {
  assert.deepEqual(
    Object.keys(r).filter((k) => ['id', 'movie_id', 'user', 'rating', 'review', 'verified_viewer', 'created_at', 'updated_at'].includes(k)).sort(),
    ['created_at', 'id', 'movie_id', 'rating', 'review', 'updated_at', 'user', 'verified_viewer'],
    `Rating fields: ${JSON.stringify(r)}`,
  );
  assert.ok(Number.isInteger(Number(r.id)) && Number(r.id) > 0, 'rating id');
  assert.equal(Number(r.movie_id), Number(movie.id), 'movie_id');
  assert.equal(Number(r.user.id), Number(user.user.id), 'user.id');
  assert.equal(r.user.name, user.name, 'user.name');
  assert.equal(r.rating, stars, 'rating');
  assert.equal(r.review, review, 'review');
  assert.equal(typeof r.verified_viewer, 'boolean', 'verified_viewer');
  for (const k of ['created_at', 'updated_at']) assert.match(r[k], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, `${k} is RFC 3339 UTC`);
}

/** A browser (cookies, forms) signed in as this account. */
async function signedIn(account) {
  const b = new Browser();
  await b.login(account.email, account.password);
  return b;
}

/** The ratings section of a movie page's HTML. */
function ratingsSection(html) {
  const start = html.indexOf('id="ratings"');
  assert.ok(start >= 0, 'the movie page has a section id="ratings"');
  return html.slice(start, html.indexOf('</section>', start));
}

/** HTML text with the entities templates write, decoded. */
const decode = (s) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&#x2F;/gi, '/')
    .replace(/&#x3D;|&#61;/gi, '=')
    .replace(/&#x60;/gi, '`')
    .replace(/&amp;/g, '&');

before(async () => {
  const r = await api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(ADMIN_EMAIL, ADMIN_PASSWORD) }, ip: freshIp() });
  admin = expectStatus(r, 200, 'admin log-in').token;
});

// ------------------------------------------------------------------- tests

test('add_rating: 201 with the Rating and the movie summary; a second one is 409 already_rated', async () => {
  const movie = await newMovie('add');
  const u = await customer('add');
  const r = await addRating(movie.slug, u.token, { rating: 4, review: 'Gorgeous to look at.\nA little long.' });
  const j = expectStatus(r, 201, 'add_rating');
  checkRating(j.rating, { movie, user: u, stars: 4, review: 'Gorgeous to look at.\nA little long.' });
  assert.equal(j.rating.verified_viewer, false, 'no booking: not a verified viewer');
  assert.deepEqual(j.movie_rating, { average: 4, count: 1 });

  // By id as well as by slug; the review is optional.
  const v = await customer('add2');
  const r2 = expectStatus(await addRating(movie.id, v.token, { rating: 1 }), 201, 'add_rating by id, no review');
  checkRating(r2.rating, { movie, user: v, stars: 1, review: '' });
  assert.deepEqual(r2.movie_rating, { average: 2.5, count: 2 });

  const again = await addRating(movie.slug, u.token, { rating: 5 });
  expectError(again, 409, 'already_rated', 'second add_rating');
  const list = expectStatus(await ratingsOf(movie.slug), 200, 'ratings');
  assert.equal(list.summary.count, 2, 'the 409 changed nothing');
  assert.equal(list.items.find((i) => Number(i.user.id) === Number(u.user.id)).rating, 4);
});

test('update_rating: 200 changes only what is sent; 404 without a rating of yours', async () => {
  const movie = await newMovie('upd');
  const u = await customer('upd');
  const first = expectStatus(await addRating(movie.slug, u.token, { rating: 5, review: 'Loved it' }), 201, 'add').rating;

  const none = await customer('upd-none');
  expectError(await updateRating(movie.slug, none.token, { rating: 3 }), 404, 'not_found', 'update with no rating');

  const a = expectStatus(await updateRating(movie.slug, u.token, { rating: 2 }), 200, 'update stars');
  checkRating(a.rating, { movie, user: u, stars: 2, review: 'Loved it' });
  assert.equal(a.rating.id, first.id, 'the same rating');
  assert.deepEqual(a.movie_rating, { average: 2, count: 1 });

  const b = expectStatus(await updateRating(movie.slug, u.token, { review: 'Second thoughts.' }), 200, 'update review');
  checkRating(b.rating, { movie, user: u, stars: 2, review: 'Second thoughts.' });
  assert.ok(b.rating.updated_at >= first.updated_at, 'updated_at moves on');

  const c = expectStatus(await updateRating(movie.slug, u.token, { rating: 3, review: '' }), 200, 'update both, review cleared');
  checkRating(c.rating, { movie, user: u, stars: 3, review: '' });
  const s = expectStatus(await ratingsOf(movie.slug), 200, 'ratings').summary;
  assert.deepEqual(s, { average: 3, count: 1, distribution: { 1: 0, 2: 0, 3: 1, 4: 0, 5: 0 } });
});

test('400 invalid_input for a bad rating or review; 401 without a token; 404 for an unknown movie', async () => {
  const movie = await newMovie('bad');
  const u = await customer('bad');
  const bad = [
    [{ rating: 0 }, 'rating'],
    [{ rating: 6 }, 'rating'],
    [{ rating: '5' }, 'rating'],
    [{ rating: 3.5 }, 'rating'],
    [{ rating: -1 }, 'rating'],
    [{ rating: null }, 'rating'],
    [{}, 'rating'],
    [{ rating: 4, review: 'x'.repeat(5001) }, 'review'],
    [{ rating: 4, review: 42 }, 'review'],
  ];
  for (const [body, field] of bad) {
    const e = expectError(await addRating(movie.slug, u.token, body), 400, 'invalid_input', `add ${JSON.stringify(body).slice(0, 60)}`);
    assert.ok(e.details?.fields?.[field], `details.fields names ${field}: ${JSON.stringify(e)}`);
  }
  expectError(await api('POST', `/v1/movies/${movie.slug}/add_rating`, { token: u.token, body: '{"rating": 4' }), 400, 'invalid_json', 'broken JSON');
  assert.equal(expectStatus(await ratingsOf(movie.slug), 200, 'ratings').summary.count, 0, 'nothing was saved');

  // 5,000 characters (multi-byte ones too) is the limit, not more.
  const long = 'é'.repeat(4999) + '!';
  const ok = expectStatus(await addRating(movie.slug, u.token, { rating: 4, review: long }), 201, 'a 5,000-character review');
  assert.equal(ok.rating.review, long);
  for (const [body, field] of [
    [{ rating: 0 }, 'rating'],
    [{ rating: 6 }, 'rating'],
    [{ rating: '5' }, 'rating'],
    [{ rating: 3.5 }, 'rating'],
    [{ review: 'y'.repeat(5001) }, 'review'],
  ]) {
    const e = expectError(await updateRating(movie.slug, u.token, body), 400, 'invalid_input', `update ${JSON.stringify(body).slice(0, 60)}`);
    assert.ok(e.details?.fields?.[field], `details.fields names ${field}`);
  }
  const after = expectStatus(await ratingsOf(movie.slug), 200, 'ratings');
  assert.equal(after.items[0].rating, 4, 'rejected updates changed nothing');
  assert.equal(after.items[0].review, long);

  for (const [what, r] of [
    ['add without a token', await addRating(movie.slug, undefined, { rating: 3 })],
    ['update without a token', await updateRating(movie.slug, undefined, { rating: 3 })],
    ['add with a bad token', await addRating(movie.slug, 'not-a-token', { rating: 3 })],
  ]) {
    expectError(r, 401, 'unauthorized', what);
    assert.match(r.headers.get('www-authenticate') || '', /^Bearer/, `${what}: WWW-Authenticate`);
  }

  const ghost = `no-such-movie-${RUN}`;
  expectError(await addRating(ghost, u.token, { rating: 3 }), 404, 'not_found', 'add, unknown movie');
  expectError(await updateRating(ghost, u.token, { rating: 3 }), 404, 'not_found', 'update, unknown movie');
  expectError(await ratingsOf(ghost), 404, 'not_found', 'ratings, unknown movie');
  expectError(await ratingsOf('999999999999'), 404, 'not_found', 'ratings, unknown id');
});

test('GET ratings: the summary (null average without ratings, one decimal), newest first, limit and cursor', async () => {
  const movie = await newMovie('list');
  const empty = expectStatus(await ratingsOf(movie.slug), 200, 'ratings of an unrated movie');
  assert.deepEqual(empty, { summary: { average: null, count: 0, distribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } }, items: [], next_cursor: null });

  const stars = [5, 4, 4, 2, 5, 3, 1];
  const people = await pool(stars, 4, (_, i) => customer(`list${i}`));
  const ids = [];
  for (let i = 0; i < stars.length; i++) {
    const j = expectStatus(await addRating(movie.slug, people[i].token, { rating: stars[i], review: `review number ${i}` }), 201, `add ${i}`);
    ids.push(String(j.rating.id));
  }
  const all = expectStatus(await ratingsOf(movie.slug), 200, 'ratings');
  assert.deepEqual(all.summary, { average: average(stars), count: stars.length, distribution: distributionOf(stars) });
  assert.equal(all.summary.average, 3.4, '24 / 7 = 3.43 shows as 3.4');
  assert.deepEqual(all.items.map((i) => String(i.id)), [...ids].reverse(), 'newest first');
  assert.equal(all.next_cursor, null);
  all.items.forEach((it, k) => {
    const i = stars.length - 1 - k;
    checkRating(it, { movie, user: people[i], stars: stars[i], review: `review number ${i}` });
  });

  // Pages of 3: 3 + 3 + 1, no overlap, in the same order.
  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const p = expectStatus(await ratingsOf(movie.slug, `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), 200, `page ${pages}`);
    assert.ok(p.items.length <= 3, 'at most limit items');
    assert.deepEqual(p.summary, all.summary, 'every page has the summary');
    seen.push(...p.items.map((i) => String(i.id)));
    cursor = p.next_cursor;
    assert.ok(cursor === null || typeof cursor === 'string', 'next_cursor is a string or null');
    pages++;
  } while (cursor && pages < 10);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [...ids].reverse(), 'the pages together are the list');
  const exact = expectStatus(await ratingsOf(movie.slug, '?limit=7'), 200, 'limit = count');
  assert.equal(exact.items.length, 7);
  assert.equal(exact.next_cursor, null, 'no next page when the last item is on this one');

  for (const q of ['?limit=0', '?limit=101', '?limit=x', '?cursor=-1', '?cursor=abc']) {
    expectError(await ratingsOf(movie.slug, q), 400, 'invalid_input', `ratings${q}`);
  }
});

test('100 people rating one movie at the same moment leave an exact count and average', async () => {
  const movie = await newMovie('crowd');
  const people = await pool(Array.from({ length: 100 }, (_, i) => i), 10, (i) => customer(`crowd${i}`));
  const stars = people.map(() => 1 + crypto.randomInt(5));
  const replies = await Promise.all(people.map((p, i) => addRating(movie.slug, p.token, { rating: stars[i] })));
  replies.forEach((r, i) => expectStatus(r, 201, `add_rating ${i}`));
  // Each reply reads the summary after its own commit: the last one saw all 100.
  assert.equal(Math.max(...replies.map((r) => r.json.movie_rating.count)), 100);
  assert.ok(replies.every((r) => r.json.movie_rating.count >= 1), 'every reply counts at least its own');

  const s = expectStatus(await ratingsOf(movie.slug, '?limit=1'), 200, 'ratings').summary;
  assert.equal(s.count, 100);
  assert.equal(s.average, average(stars), `average of ${stars.join(',')}`);
  assert.deepEqual(s.distribution, distributionOf(stars));
  const [count, avg, sum] = psql(`SELECT count(*), round(avg(rating), 1), sum(rating) FROM ratings WHERE movie_id = ${Number(movie.id)}`).split('|');
  assert.equal(Number(count), 100, 'rows in PostgreSQL');
  assert.equal(Number(sum), stars.reduce((a, b) => a + b, 0), 'sum in PostgreSQL');
  assert.equal(Number(avg), s.average, 'avg(rating) in PostgreSQL');
  const [rc, rs] = psql(`SELECT rating_count, rating_sum FROM movies WHERE id = ${Number(movie.id)}`).split('|');
  assert.deepEqual([Number(rc), Number(rs)], [100, Number(sum)], 'the movie row summary is exact');
});

test('verified_viewer turns true once the booked showtime has started', async () => {
  const movie = await newMovie('verified', { duration_minutes: 100 });
  const t = await api('POST', '/v1/theatre/add_theatre', {
    token: admin,
    body: { name: `Starlit Hall ${RUN}`, slug: `starlit-hall-${RUN}`, city: 'Ratington', timezone: 'UTC', auditoriums: [{ name: 'One', layout: ['ssssss', 'ssssss'] }] },
  });
  const theatre = expectStatus(t, 201, 'add_theatre').theatre;
  const startsAt = new Date(Math.ceil((Date.now() + 3 * 86400000) / 60000) * 60000).toISOString().replace(/\.\d+Z$/, 'Z');
  const st = expectStatus(
    await api('POST', `/v1/theatre/${theatre.slug}/set_showtimes`, {
      token: admin,
      body: { showtimes: [{ movie_id: movie.id, auditorium: 'One', starts_at: startsAt, base_price_cents: 1100 }] },
    }),
    201,
    'set_showtimes',
  ).showtimes[0];

  const viewer = await customer('viewer');
  const hold = expectStatus(
    await api('POST', `/v1/theatre/${theatre.id}/pick_seats`, { token: viewer.token, body: { showtime_id: st.id, seats: ['A3', 'A4'] } }),
    201,
    'pick_seats',
  ).hold;
  const booking = expectStatus(
    await api('POST', '/v1/payments/card', {
      token: viewer.token,
      headers: { 'Idempotency-Key': `rt-${RUN}-${crypto.randomUUID()}` },
      body: { hold_id: hold.id, card: CARD },
    }),
    201,
    'pay by card',
  ).booking;
  assert.equal(booking.status, 'confirmed');

  const other = await customer('not-viewer');
  const mine = expectStatus(await addRating(movie.slug, viewer.token, { rating: 5, review: 'Saw it first' }), 201, 'rating by the booker').rating;
  assert.equal(mine.verified_viewer, false, 'the showtime has not started yet');
  expectStatus(await addRating(movie.slug, other.token, { rating: 3 }), 201, 'rating without a booking');

  psql(`UPDATE showtimes SET starts_at = now() - interval '30 minutes', ends_at = now() + interval '85 minutes' WHERE id = ${Number(st.id)}`);
  const items = expectStatus(await ratingsOf(movie.slug), 200, 'ratings').items;
  const byUser = Object.fromEntries(items.map((i) => [String(i.user.id), i]));
  assert.equal(byUser[String(viewer.user.id)].verified_viewer, true, 'the booker saw it: verified');
  assert.equal(byUser[String(other.user.id)].verified_viewer, false, 'no booking: not verified');
  const upd = expectStatus(await updateRating(movie.slug, viewer.token, { review: 'Saw it first, really' }), 200, 'update').rating;
  assert.equal(upd.verified_viewer, true, 'update_rating says so too');

  // The movie page marks that review, and only that one.
  const page = await new Browser().get(`/movies/${movie.slug}?order=newest`);
  assert.equal(page.status, 200);
  const reviews = ratingsSection(page.text).split('<li class="rt-review"').slice(1);
  assert.equal(reviews.length, 2);
  for (const r of reviews) {
    const verified = r.includes('Verified viewer');
    assert.equal(verified, r.includes('Saw it first, really'), 'the badge is on the booker\'s review only');
  }
});

test('a hidden review leaves the list and the summary, its author is told why; restore puts it back', async () => {
  const movie = await newMovie('hide');
  const [author, other] = await Promise.all([customer('hidden-author'), customer('hidden-other')]);
  const bad = expectStatus(await addRating(movie.slug, author.token, { rating: 1, review: 'Spoilers: everyone dies.' }), 201, 'add').rating;
  expectStatus(await addRating(movie.slug, other.token, { rating: 5, review: 'Wonderful' }), 201, 'add other');
  const before = expectStatus(await ratingsOf(movie.slug), 200, 'ratings').summary;
  assert.deepEqual(before, { average: 3, count: 2, distribution: { 1: 1, 2: 0, 3: 0, 4: 0, 5: 1 } });

  const mod = await createAdmin({ name: `Moderator ${RUN}` });
  const adminBrowser = await signedIn(mod);
  const queue = await adminBrowser.get('/admin/reviews');
  assert.equal(queue.status, 200, `admin reviews page: ${queue}`);
  assert.match(queue.text, /href="\/admin\/reviews"/, 'the admin nav links the reviews');
  assert.match(queue.text, /href="\/admin\/outbox"/, 'the admin nav links the parked messages');
  const csrf = csrfFrom(queue.text);
  assert.ok(csrf, 'the admin page has a csrf token');

  // A customer may not moderate, and a form without the token is refused.
  const authorBrowser = await signedIn(author);
  const own = await authorBrowser.get(`/movies/${movie.slug}`);
  const authorCsrf = csrfFrom(own.text);
  const denied = await authorBrowser.post(`/admin/reviews/${bad.id}`, { csrf: authorCsrf, action: 'hide', reason: 'self' });
  assert.equal(denied.status, 403, `a customer hiding a review: ${denied}`);
  const noToken = await adminBrowser.post(`/admin/reviews/${bad.id}`, { action: 'hide', reason: 'x' });
  assert.equal(noToken.status, 403, `no csrf: ${noToken}`);

  const reason = `Spoilers in the first line <${RUN}>`;
  const hid = await adminBrowser.post(`/admin/reviews/${bad.id}`, { csrf, action: 'hide', reason });
  assert.equal(hid.status, 303, `hide: ${hid}`);
  const hidden = expectStatus(await ratingsOf(movie.slug), 200, 'ratings after hide');
  assert.deepEqual(hidden.summary, { average: 5, count: 1, distribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 1 } });
  assert.ok(!hidden.items.some((i) => String(i.id) === String(bad.id)), 'the hidden review left the list');
  assert.equal(sqlInt(`SELECT count(*) FROM audit_log WHERE action = 'review.hide' AND object_type = 'rating' AND object_id = '${Number(bad.id)}'`), 1, 'hiding is audited');

  // Its author sees the notice (and can still change the rating; it stays hidden).
  const ownPage = await authorBrowser.get(`/movies/${movie.slug}`);
  const section = decode(ratingsSection(ownPage.text));
  assert.ok(section.includes(`Your review was hidden by a moderator: ${reason}`), 'the author sees why');
  assert.ok(!section.includes('Spoilers: everyone dies.</p>'), 'not among the reviews');
  assert.ok(section.includes('Update your rating'), 'the form is there to change it');
  const otherPage = decode(ratingsSection((await (await signedIn(other)).get(`/movies/${movie.slug}`)).text));
  assert.ok(!otherPage.includes('hidden by a moderator'), 'nobody else sees the notice');
  const moved = expectStatus(await updateRating(movie.slug, author.token, { rating: 2 }), 200, 'update while hidden');
  assert.deepEqual(moved.movie_rating, { average: 5, count: 1 }, 'a hidden rating stays out of the summary');

  const back = await adminBrowser.post(`/admin/reviews/${bad.id}`, { csrf, action: 'restore' });
  assert.equal(back.status, 303, `restore: ${back}`);
  const restored = expectStatus(await ratingsOf(movie.slug), 200, 'ratings after restore');
  assert.deepEqual(restored.summary, { average: 3.5, count: 2, distribution: { 1: 0, 2: 1, 3: 0, 4: 0, 5: 1 } });
  assert.ok(restored.items.some((i) => String(i.id) === String(bad.id)), 'back in the list');
  assert.ok(!decode((await authorBrowser.get(`/movies/${movie.slug}`)).text).includes('hidden by a moderator'), 'the notice is gone');

  const unknown = await adminBrowser.post('/admin/reviews/999999999999', { csrf, action: 'hide', reason: 'x' });
  assert.equal(unknown.status, 404, `hiding an unknown review: ${unknown}`);
});

test('the movie page: summary and bars, log in to rate, the form adds then updates, helpful votes, order and pages', async () => {
  const movie = await newMovie('page');
  const anon = new Browser();
  let page = await anon.get(`/movies/${movie.slug}`);
  assert.equal(page.status, 200);
  let s = decode(ratingsSection(page.text));
  assert.ok(s.includes('No ratings yet'));
  assert.ok(s.includes(`/login?next=/movies/${movie.slug}%23ratings`), 'log in and come back to the ratings');
  assert.ok(s.includes('Log in to rate'));
  assert.ok(!/<form[^>]*\/rate"/.test(s), 'no rating form for the anonymous');
  for (const n of [5, 4, 3, 2, 1]) assert.ok(s.includes(`${n} star${n === 1 ? '' : 's'}: 0`), `bar text for ${n}`);

  const [u, v] = await Promise.all([customer('page-u'), customer('page-v')]);
  const ub = await signedIn(u);
  page = await ub.get(`/movies/${movie.slug}`);
  s = decode(ratingsSection(page.text));
  assert.ok(s.includes('Rate this movie'));
  for (const n of [1, 2, 3, 4, 5]) assert.match(s, new RegExp(`<input type="radio" name="rating" value="${n}" required>`), `a radio for ${n}`);
  assert.match(s, /<textarea[^>]*name="review"[^>]*maxlength="5000"/);
  const csrf = csrfFrom(page.text);

  // Add through the form, then update through the same form.
  let r = await ub.post(`/movies/${movie.slug}/rate`, { csrf, rating: '4', review: 'Line one\r\nLine two & <three>' });
  assert.equal(r.status, 303, `rate form: ${r}`);
  assert.match(r.headers.get('location'), new RegExp(`/movies/${movie.slug}\\?rated=1#ratings$`));
  page = await ub.get(`/movies/${movie.slug}?rated=1`);
  s = ratingsSection(page.text);
  assert.ok(s.includes('Line one\nLine two &amp; &lt;three&gt;'), 'the review is escaped, its newline kept');
  assert.ok(decode(s).includes('Update your rating'));
  assert.match(s, /value="4" required checked/, 'pre-filled with the rating');
  assert.match(s, /<textarea[^>]*>Line one\nLine two &amp; &lt;three&gt;<\/textarea>/, 'pre-filled with the review');
  assert.ok(s.includes('★ 4.0'));
  assert.ok(s.includes('4 stars: 1'));
  assert.match(s, /data-stars="4" data-count="1">.*rt-bar-fill rt-w100/);
  assert.match(s, /data-stars="5" data-count="0">.*rt-bar-fill rt-w0"/);
  assert.ok(!s.includes('class="rt-helpful" method="post"'), 'no helpful button on your own review');

  r = await ub.post(`/movies/${movie.slug}/rate`, { csrf, rating: '2', review: 'Changed my mind' });
  assert.equal(r.status, 303);
  let j = expectStatus(await ratingsOf(movie.slug), 200, 'ratings');
  assert.equal(j.summary.count, 1, 'the form updated, not added');
  assert.equal(j.items[0].rating, 2);
  assert.equal(j.items[0].review, 'Changed my mind');
  r = await ub.post(`/movies/${movie.slug}/rate`, { csrf, rating: '9', review: 'x' });
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /rating_error=1#ratings$/);
  assert.equal(expectStatus(await ratingsOf(movie.slug), 200, 'ratings').items[0].rating, 2, 'a bad form changes nothing');
  r = await anon.post(`/movies/${movie.slug}/rate`, { rating: '5' });
  assert.ok([401, 403].includes(r.status), `anonymous rate form: ${r}`);

  // Another signed-in user sees the helpful button and votes (once counts).
  const vb = await signedIn(v);
  page = await vb.get(`/movies/${movie.slug}`);
  s = ratingsSection(page.text);
  const id = j.items[0].id;
  assert.ok(s.includes(`action="/movies/${movie.slug}/reviews/${id}/helpful"`), 'a helpful button for others');
  assert.ok(s.includes('Helpful (0)'));
  const vcsrf = csrfFrom(page.text);
  r = await vb.post(`/movies/${movie.slug}/reviews/${id}/helpful`, { csrf: vcsrf });
  assert.equal(r.status, 303, `helpful: ${r}`);
  await vb.post(`/movies/${movie.slug}/reviews/${id}/helpful`, { csrf: vcsrf });
  await ub.post(`/movies/${movie.slug}/reviews/${id}/helpful`, { csrf }); // its author: not counted
  assert.equal(sqlInt(`SELECT helpful_count FROM ratings WHERE id = ${Number(id)}`), 1, 'one vote per other user');
  assert.ok(ratingsSection((await vb.get(`/movies/${movie.slug}?order=helpful`)).text).includes('Helpful (1)'));

  // 12 more ratings: pages of 10, newest first or most helpful first.
  const more = await pool(Array.from({ length: 12 }, (_, i) => i), 6, (i) => customer(`page-more${i}`));
  for (let i = 0; i < more.length; i++) {
    expectStatus(await addRating(movie.slug, more[i].token, { rating: 1 + (i % 5), review: `Crowd review ${i} ${RUN}` }), 201, `add ${i}`);
  }
  page = await anon.get(`/movies/${movie.slug}`);
  s = decode(ratingsSection(page.text));
  assert.equal((s.match(/<li class="rt-review"/g) || []).length, 10, 'ten reviews a page');
  assert.ok(s.indexOf(`Crowd review 11 ${RUN}`) < s.indexOf(`Crowd review 10 ${RUN}`), 'newest first');
  assert.ok(!s.includes('Changed my mind'), 'the oldest is on page 2');
  assert.ok(s.includes(`href="/movies/${movie.slug}?reviews=10#ratings"`), 'a link to the next page');
  assert.ok(s.includes(`href="/movies/${movie.slug}?order=helpful#ratings"`), 'a link to the helpful order');
  page = await anon.get(`/movies/${movie.slug}?reviews=10`);
  s = decode(ratingsSection(page.text));
  assert.equal((s.match(/<li class="rt-review"/g) || []).length, 3, 'page 2 has the rest');
  assert.ok(s.includes('Changed my mind'));
  assert.ok(s.includes(`href="/movies/${movie.slug}#ratings"`), 'a link back');
  page = await anon.get(`/movies/${movie.slug}?order=helpful`);
  s = decode(ratingsSection(page.text));
  assert.ok(s.indexOf('Changed my mind') < s.indexOf('Crowd review'), 'the most helpful review comes first');
  assert.match(s, /href="[^"]*order=helpful[^"]*" aria-current/);
  assert.ok(s.includes('★ 2.7') && s.includes('13 ratings'), 'average (35 / 13) and count of all 13');
  const bad = await anon.get(`/movies/${movie.slug}?reviews=abc&order=nonsense`);
  assert.equal(bad.status, 200, 'a bad cursor or order falls back to the first page, newest first');
});

test('the listings show the average and count after a rating', async () => {
  // Released today (UTC, the database's current_date), with a title early in
  // the alphabet: at the top of the home page's "now showing" (newest first,
  // then by title).
  const today = new Date().toISOString().slice(0, 10);
  const movie = await newMovie('listed', { title: `Aaron Zephyrine Listing ${RUN}`, release_date: today });
  const people = await Promise.all([customer('listed1'), customer('listed2'), customer('listed3')]);
  const stars = [5, 4, 4];
  for (let i = 0; i < 3; i++) expectStatus(await addRating(movie.slug, people[i].token, { rating: stars[i] }), 201, `add ${i}`);

  const one = expectStatus(await api('GET', `/v1/movies/${movie.slug}`), 200, 'movie').movie;
  assert.deepEqual(one.rating, { average: 4.3, count: 3 });
  const found = expectStatus(await api('GET', `/v1/movies?q=${encodeURIComponent(`Zephyrine ${RUN}`)}`), 200, 'movie search').items;
  const item = found.find((m) => m.slug === movie.slug);
  assert.ok(item, 'the search finds the movie');
  assert.deepEqual(item.rating, { average: 4.3, count: 3 });

  for (const [what, path] of [
    ['the home page', '/'],
    ['the search page', `/search?q=${encodeURIComponent(`Zephyrine ${RUN}`)}`],
  ]) {
    const html = decode((await new Browser().get(path)).text);
    const card = html.split('<li class="movie-card">').find((c) => c.includes(`href="/movies/${movie.slug}"`));
    assert.ok(card, `${what} lists the movie`);
    assert.ok(card.includes('★ 4.3 (3)'), `${what} shows the average and count: ${card.slice(0, 600)}`);
  }
  const moviePage = decode((await new Browser().get(`/movies/${movie.slug}`)).text);
  assert.ok(moviePage.includes('★ 4.3'), 'the movie page shows the average');
  assert.ok(moviePage.includes('3 ratings'), 'and the count');
});
