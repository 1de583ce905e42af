// The home page (GET /): the newest movies now showing and coming soon, and
// the filter form's genres and cities.  Genre names and "which genres have
// movies" are kept on the rows by triggers (sql/011_listing_columns.sql);
// these tests change movies through the API and read what a visitor sees.
// A query string keeps the whole-page cache out of the way, so every read
// here is a fresh render from PostgreSQL.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, request, createAdmin, loginToken, psql } from './lib.mjs';

const RUN = Date.now();
const GENRE = `noir-${RUN}`;				// a genre no other movie has
const GENRE_NAME = `Noir ${RUN}`;			// initcap of the slug's words
let admin;
let n = 0;

before(async () => {
	const u = await createAdmin();
	admin = await loginToken(u.email, u.password);
});

/** The home page as a visitor gets it, rendered now. */
async function home() {
	n += 1;
	const r = await request('GET', `/?fresh=${RUN}-${n}`, { headers: { Accept: 'text/html' } });
	assert.equal(r.status, 200, String(r));
	return r.text;
}

function genreOptions(html) {
	const select = html.match(/<select id="h-genre"[\s\S]*?<\/select>/);
	assert.ok(select, 'the home page has the genre filter');
	return [...select[0].matchAll(/<option value="([^"]*)">([^<]*)<\/option>/g)].map((m) => [m[1], m[2]]);
}

function cardOf(html, title) {
	const cards = html.split('<li class="movie-card">').slice(1);
	return cards.find((c) => c.includes(`>${title}<`));
}

function daysFromToday(days) {
	const d = new Date();
	d.setUTCDate(d.getUTCDate() + days);
	return d.toISOString().slice(0, 10);
}

async function addMovie(over) {
	const r = await api('POST', '/v1/movies/add_movie', { token: admin, body: {
		duration_minutes: 104, content_rating: 'PG-13', genres: ['drama'], ...over } });
	assert.equal(r.status, 201, String(r));
	return r.json.movie;
}

test('a new movie shows on the home page with its genres, and its new genre in the filter', async () => {
	const title = `Home Noir ${RUN}`;
	assert.ok(!genreOptions(await home()).some(([v]) => v === GENRE), 'the genre is not offered before any movie has it');
	const m = await addMovie({ title, genres: [GENRE, 'drama'], release_date: daysFromToday(0) });
	const html = await home();
	const card = cardOf(html, title);
	assert.ok(card, 'the movie released today is among the newest now showing');
	assert.match(card, new RegExp(`PG-13 · 104 min · Drama, ${GENRE_NAME}<`), 'the card lists the genres by name');
	assert.ok(genreOptions(html).some(([v, label]) => v === GENRE && label === GENRE_NAME), 'the new genre is offered');

	// Changing the genres changes the card; the old genre goes from the form.
	let r = await api('PUT', `/v1/movies/${m.id}/update_movie`, { token: admin, body: { genres: ['comedy'] } });
	assert.equal(r.status, 200, String(r));
	let after = await home();
	assert.match(cardOf(after, title), /PG-13 · 104 min · Comedy</);
	assert.ok(!genreOptions(after).some(([v]) => v === GENRE), 'a genre no movie has any more is not offered');

	// Back again, then the movie is removed: the card and the genre go.
	r = await api('PUT', `/v1/movies/${m.id}/update_movie`, { token: admin, body: { genres: [GENRE] } });
	assert.equal(r.status, 200, String(r));
	assert.ok(genreOptions(await home()).some(([v]) => v === GENRE));
	r = await api('DELETE', `/v1/movies/${m.id}/remove_movie`, { token: admin });
	assert.equal(r.status, 204, String(r));
	after = await home();
	assert.equal(cardOf(after, title), undefined, 'a removed movie is not on the home page');
	assert.ok(!genreOptions(after).some(([v]) => v === GENRE), 'the genre of a removed movie is not offered');

	// The counts agree with a count from scratch, for every genre.
	const wrong = psql(`SELECT count(*) FROM genres g WHERE live_movies <> (SELECT count(*)
		FROM movie_genres mg JOIN movies m ON m.id = mg.movie_id
		WHERE mg.genre_id = g.id AND m.deleted_at IS NULL)`);
	assert.equal(String(wrong).trim(), '0', 'genres.live_movies matches the movies');
});

test('coming soon lists the soonest releases first; now showing the newest first', async () => {
	const later = await addMovie({ title: `Home Later ${RUN}`, release_date: daysFromToday(3) });
	const sooner = await addMovie({ title: `Home Sooner ${RUN}`, release_date: daysFromToday(1) });
	const html = await home();
	const soon = html.slice(html.indexOf('id="coming-soon"'));
	const a = soon.indexOf(`>${sooner.title}<`), b = soon.indexOf(`>${later.title}<`);
	assert.ok(a > 0 && b > 0, 'both upcoming movies are under "Coming soon"');
	assert.ok(a < b, 'the sooner release comes first');
	const now = html.slice(0, html.indexOf('id="coming-soon"'));
	assert.ok(!now.includes(`>${sooner.title}<`), 'an upcoming movie is not under "Now showing"');
});
