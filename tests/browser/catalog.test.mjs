// The catalog end to end in headless Chromium (playwright-core):
//
//   cd tests && npm ci
//   MARQUEE_URL=http://127.0.0.1:8080 node --test browser/catalog.test.mjs
//
// The demo admin (admin@marquee.test, password MARQUEE_DEMO_ADMIN_PASSWORD or
// marquee-admin-demo) logs in through /login and, through the admin panel's
// forms only, adds a movie (a title unique to the run), adds a theatre in
// Asia/Kolkata (UTC+05:30, no daylight saving) with one auditorium whose
// layout the form draws as a seat map, and schedules the movie there in bulk
// for tomorrow (the theatre's tomorrow) at 14:00 and 20:30 local time.
//
// Then an anonymous customer, in a browser context of its own whose time zone
// is Europe/Berlin, finds the movie on the home page and through the search
// box, opens it, picks the theatre's tomorrow from the day links and sees the
// two showtimes at 2:00 PM and 8:30 PM (the theatre's local time, not
// Berlin's: the <time datetime> of each is checked in UTC too), and the first
// one opens /showtimes/{id} with the auditorium's seat map.
//
// Last, the admin removes the movie and the theatre again through their
// forms: the movie's page answers 404 and its showtimes say they were
// cancelled.  (When an earlier step fails, the same removal runs quietly at
// the end so that a shared instance keeps no leftovers.)
//
// The steps run in order and each one depends on the previous ones; a step
// whose prerequisite failed fails at once saying so.  A failing step leaves a
// full-page screenshot of each browser page in tests/browser/screenshots/
// (catalog-<step>-<admin|customer>.png).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_URL as BASE, SHOTS, launchChromium } from './lib.mjs';

const ADMIN_EMAIL = 'admin@marquee.test';
const ADMIN_PASSWORD = process.env.MARQUEE_DEMO_ADMIN_PASSWORD || 'marquee-admin-demo';
const LOGIN_TRIES = 4;

const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const THEATRE_TZ = 'Asia/Kolkata';       // UTC+05:30 all year
const CUSTOMER_TZ = 'Europe/Berlin';     // the customer's browser: neither UTC nor Kolkata
const ADMIN_TZ = 'America/Los_Angeles';  // the admin's browser: another zone again
const MOVIE = {
  title: `Monsoon Ledger ${RUN}`,
  synopsis: `A browser test's movie (run ${RUN}): a clerk balances the books of a flooded city.`,
  genres: 'Drama, Mystery',
  cast: 'Asha Verma — The clerk\nTomas Lind - The auditor',
  minutes: 100,                          // + 15 min cleaning: 14:00 is free at 3:55 PM
  rating: 'PG-13',
};
const THEATRE = {
  name: `Lantern Picture House ${RUN}`,
  city: 'Kolkata',
  address: '12 Park Street',
  auditorium: 'Screen 1',
};
// Front row first: 8 standard, 8 standard, 8 premium, then 2 wheelchair
// spaces and 2 companion seats; "." is an aisle.
const LAYOUT = ['ss.ssss.ss', 'ss.ssss.ss', 'pp.pppp.pp', 'wc......cw'];
const SEATS = { standard: 16, premium: 8, wheelchair: 2, companion: 2, gap: 12 };
const CAPACITY = 28;
const TIMES = [
  { local: '14:00', label: '2:00 PM', utc: 'T08:30:00Z', freeAt: '3:55 PM' },
  { local: '20:30', label: '8:30 PM', utc: 'T15:00:00Z', freeAt: '10:25 PM' },
];

/** YYYY-MM-DD of the instant ms in zone tz. */
function localDate(ms, tz) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(ms));
}

// Kolkata keeps no daylight saving, so 24 hours on is its tomorrow.  Fixed
// once, so that a run across local midnight stays consistent.
const TOMORROW = localDate(Date.now() + 86400e3, THEATRE_TZ);
// Released today (the server's current_date is UTC's): showing now, and as
// near the top of the home page's "Now showing" as a movie can be.
const RELEASED = localDate(Date.now(), 'UTC');

let browser;
let admin;                 // the admin's page
let customer;              // the customer's page
const pages = {};          // name -> page, for the screenshots
const made = {};           // what the steps created: movieSlug, movieId, theatreId, ...
const failed = new Set();  // names of the steps that failed

/** Runs one step; on failure saves screenshots and fails the step. */
function step(name, needs, fn) {
  test(name, async () => {
    for (const n of needs) {
      if (failed.has(n)) {
        failed.add(name);
        assert.fail(`not run: the step "${n}" failed`);
      }
    }
    try {
      await fn();
    } catch (err) {
      failed.add(name);
      mkdirSync(SHOTS, { recursive: true });
      const slug = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
      for (const [who, page] of Object.entries(pages)) {
        await page.screenshot({ path: join(SHOTS, `catalog-${slug}-${who}.png`), fullPage: true })
          .catch(() => {});
      }
      throw err;
    }
  });
}

/** Texts of every element that matches the locator, trimmed. */
async function texts(locator) {
  return (await locator.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

/** The save button of an admin form (the theatre form also has Preview). */
const SAVE = 'form.admin-form button[type=submit]:not([name=preview])';

/** Clicks the submit button and waits for the document that answers. */
async function submit(page, button) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().resourceType() === 'document'),
    page.locator(button).click(),
  ]);
  await page.waitForLoadState('domcontentloaded');
  return res;
}

/**
 * How many movies showing now come before ours in the home page's order
 * (release date, newest first, then title), from GET /v1/movies.
 */
async function moviesBefore() {
  let n = 0;
  let cursor = null;
  for (let pages = 0; pages < 50; pages++) {
    const res = await fetch(`${BASE}/v1/movies?status=now_showing&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.status, 200, 'GET /v1/movies?status=now_showing');
    const body = await res.json();
    for (const m of body.items) {
      if (m.release_date < RELEASED) return n;
      if (m.release_date > RELEASED || m.title < MOVIE.title) n++;
    }
    if (!body.next_cursor) return n;
    cursor = body.next_cursor;
  }
  return n;
}

/** The status a GET of the page's document answers. */
async function statusOf(page, path) {
  const res = await page.goto(BASE + path);
  assert.ok(res, `no answer for ${path}`);
  return res.status();
}

function newContext(timezoneId) {
  return browser.newContext({ timezoneId, locale: 'en-US', baseURL: BASE });
}

function watch(page, who) {
  pages[who] = page;
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => console.error(`# ${who}: script error: ${e.message}`));
}

before(async () => {
  browser = await launchChromium();
  admin = await (await newContext(ADMIN_TZ)).newPage();
  watch(admin, 'admin');
});

// Best effort: whatever a failed run left behind is removed (cancelling its
// showtimes), so that a shared instance does not collect test theatres.
after(async () => {
  try {
    if (admin && !made.removed) {
      for (const [kind, id] of [['movies', made.movieId], ['theatres', made.theatreId]]) {
        if (!id) continue;
        await admin.goto(`${BASE}/admin/${kind}/${id}/edit`);
        await admin.locator('.cat-danger-zone summary').click();
        await Promise.all([admin.waitForURL(/saved=removed/), admin.locator('button.cat-danger').click()]);
      }
    }
  } catch (err) {
    console.error(`# cleanup: ${err.message} (movie ${made.movieId}, theatre ${made.theatreId})`);
  }
  await browser?.close();
});

step('the admin logs in through /login', [], async () => {
  for (let i = 1; ; i++) {
    await admin.goto(`${BASE}/login`);
    await admin.fill('#email', ADMIN_EMAIL);
    await admin.fill('#password', ADMIN_PASSWORD);
    const res = await submit(admin, 'form[action="/login"] button[type=submit]');
    // The per-address log-in limit of a shared instance: wait it out.
    if (res.status() === 429 && i < LOGIN_TRIES) {
      await new Promise((ok) => setTimeout(ok, 1000 * (Number(res.headers()['retry-after']) || 5)));
      continue;
    }
    assert.ok(res.status() < 400, `POST /login answered ${res.status()}`);
    break;
  }
  assert.ok(!new URL(admin.url()).pathname.startsWith('/login'),
    `still on ${admin.url()} after logging in: ${await admin.locator('main').innerText().catch(() => '')}`);
  await assert.doesNotReject(admin.locator('header.site-header a[href="/admin"]').waitFor(),
    'the header has no Admin link after the admin logged in');
});

step('the admin adds a movie through the movie form', ['the admin logs in through /login'], async () => {
  const res = await admin.goto(`${BASE}/admin/movies/new`);
  assert.equal(res.status(), 200);
  assert.equal((await admin.locator('h1').innerText()).trim(), 'Add a movie');
  await admin.fill('#title', MOVIE.title);
  await admin.fill('#synopsis', MOVIE.synopsis);
  await admin.fill('#genres', MOVIE.genres);
  await admin.fill('#cast', MOVIE.cast);
  await admin.fill('#duration_minutes', String(MOVIE.minutes));
  await admin.fill('#release_date', RELEASED);
  await admin.selectOption('#content_rating', MOVIE.rating);
  const posted = await submit(admin, 'form.admin-form button[type=submit]');
  assert.ok(posted.status() === 303 || posted.status() === 200,
    `POST /admin/movies/new answered ${posted.status()}`);
  const url = new URL(admin.url());
  assert.equal(url.pathname, '/admin/movies',
    `the form came back (${url}): ${await texts(admin.locator('.error, .notice.error'))}`);
  assert.equal(url.searchParams.get('saved'), 'created');
  const notice = admin.locator('.notice[role=status]');
  assert.match(await notice.innerText(), /The movie was added\./);
  made.movieSlug = url.searchParams.get('slug');
  assert.match(made.movieSlug || '', /^monsoon-ledger-/, `slug ${made.movieSlug}`);
  assert.equal(await notice.locator('a').getAttribute('href'), `/movies/${made.movieSlug}`);

  // Its row in the list, and what was stored.
  await admin.goto(`${BASE}/admin/movies?q=${encodeURIComponent(RUN)}`);
  const row = admin.locator('table.cat-admin-table tbody tr', { hasText: MOVIE.title });
  assert.equal(await row.count(), 1, 'the movie is not listed once in /admin/movies?q=');
  const edit = await row.locator('a[href$="/edit"]').getAttribute('href');
  made.movieId = Number(/^\/admin\/movies\/(\d+)\/edit$/.exec(edit)?.[1]);
  assert.ok(made.movieId > 0, `edit link ${edit}`);
  const cells = await texts(row.locator('td'));
  assert.deepEqual(cells.slice(1, 5), [RELEASED, MOVIE.rating, `${MOVIE.minutes} min`, 'drama, mystery']);
});

step('the admin adds a theatre in Asia/Kolkata and sees the seat-map preview', ['the admin logs in through /login'], async () => {
  const res = await admin.goto(`${BASE}/admin/theatres/new`);
  assert.equal(res.status(), 200);
  const slot = admin.locator('fieldset.auditorium-slot').first();
  assert.match(await slot.locator('.slot-preview').innerText(), /seat map shows here once the layout is valid/);
  await admin.fill('#name', THEATRE.name);
  await admin.fill('#timezone', THEATRE_TZ);
  await admin.fill('#address', THEATRE.address);
  await admin.fill('#aud-name-0', THEATRE.auditorium);
  await admin.fill('#aud-layout-0', LAYOUT.join('\n'));

  // "Preview the seat maps" draws the layout before anything is saved.
  const preview = await submit(admin, 'form.admin-form button[name=preview]');
  assert.equal(preview.status(), 200);
  assert.match(await admin.locator('.notice[role=status]').innerText(), /A preview: nothing was saved yet/);
  assert.equal(await admin.inputValue('#aud-layout-0'), LAYOUT.join('\n'));
  await checkPreview(slot);

  // Without the city the form comes back, keeps what was typed, and draws
  // the layout it was given.
  const first = await submit(admin, SAVE);
  assert.equal(first.status(), 400, 'a theatre without a city was not refused');
  assert.equal(await admin.locator('#city').getAttribute('aria-invalid'), 'true');
  assert.match(await admin.locator('#city-error').innerText(), /City /);
  assert.equal(await admin.inputValue('#name'), THEATRE.name);
  assert.equal(await admin.inputValue('#aud-layout-0'), LAYOUT.join('\n'));
  await checkPreview(slot);

  await admin.fill('#city', THEATRE.city);
  const second = await submit(admin, SAVE);
  assert.ok(second.status() < 400, `POST /admin/theatres/new answered ${second.status()}`);
  const url = new URL(admin.url());
  assert.equal(url.pathname, '/admin/theatres',
    `the form came back: ${await texts(admin.locator('.error, .notice.error'))}`);
  assert.equal(url.searchParams.get('saved'), 'created');
  made.theatreSlug = url.searchParams.get('slug');
  assert.match(await admin.locator('.notice[role=status]').innerText(), /The theatre was added\./);
  const row = admin.locator('table.cat-admin-table tbody tr', { hasText: THEATRE.name });
  assert.equal(await row.count(), 1, 'the theatre is not listed once');
  assert.deepEqual((await texts(row.locator('td'))).slice(1, 5), [THEATRE.city, THEATRE_TZ, '1', String(CAPACITY)]);
  const edit = await row.locator('a[href$="/edit"]').getAttribute('href');
  made.theatreId = Number(/^\/admin\/theatres\/(\d+)\/edit$/.exec(edit)?.[1]);
  assert.ok(made.theatreId > 0, `edit link ${edit}`);

  // The stored auditorium: its slot on the edit form, drawn again.
  await admin.goto(`${BASE}${edit}`);
  const stored = admin.locator('fieldset.auditorium-slot').first();
  assert.equal((await stored.locator('legend').innerText()).trim(), THEATRE.auditorium);
  assert.equal(await admin.inputValue('#aud-layout-0'), LAYOUT.join('\n'));
  await checkPreview(stored);
});

/** The slot's preview draws LAYOUT: rows A-D, the seats of each kind, the capacity. */
async function checkPreview(slot) {
  const map = slot.locator('.slot-preview .aud-map');
  await assert.doesNotReject(map.waitFor({ state: 'visible' }), 'no seat-map preview beside the layout');
  assert.equal((await slot.locator('.slot-preview strong').innerText()).trim(), `${CAPACITY} seats`);
  const rows = map.locator('.aud-map-scroll .aud-row');
  assert.equal(await rows.count(), LAYOUT.length);
  for (let i = 0; i < LAYOUT.length; i++) {
    const row = rows.nth(i);
    assert.equal((await row.locator('.aud-row-label').first().innerText()).trim(), 'ABCD'[i]);
    const kinds = await row.locator('.aud-seat').evaluateAll((els) =>
      els.map((e) => [...e.classList].find((c) => c.startsWith('aud-seat-')).slice(9)));
    const want = [...LAYOUT[i]].map((c) => ({ s: 'standard', p: 'premium', w: 'wheelchair', c: 'companion', '.': 'gap' })[c]);
    assert.deepEqual(kinds, want, `row ${'ABCD'[i]} of the preview`);
  }
  for (const [kind, n] of Object.entries(SEATS)) {
    assert.equal(await map.locator(`.aud-map-scroll .aud-seat-${kind}`).count(), n, `${kind} positions`);
  }
  assert.equal(await map.locator('.aud-map-scroll .aud-seat-standard').first().getAttribute('title'), 'A1 standard');
  assert.equal(await map.locator('.aud-map-scroll .aud-seat-wheelchair').last().getAttribute('title'), 'D4 wheelchair');
  assert.ok(await map.locator('.aud-map-scroll').isVisible(), 'the preview is hidden');
}

step('the admin schedules tomorrow 14:00 and 20:30 (local) in bulk',
  ['the admin adds a movie through the movie form', 'the admin adds a theatre in Asia/Kolkata and sees the seat-map preview'], async () => {
    const res = await admin.goto(`${BASE}/admin/showtimes?theatre=${made.theatreId}`);
    assert.equal(res.status(), 200);
    assert.equal((await admin.locator('h1').innerText()).trim(), `Showtimes at ${THEATRE.name}`);
    assert.match(await admin.locator('main').innerText(), new RegExp(`all times are local \\(${THEATRE_TZ}\\)`));
    const form = admin.locator('form[action="/admin/showtimes/bulk"]');
    await form.locator('#bulk-movie').selectOption({ label: `${MOVIE.title} (${MOVIE.minutes} min)` });
    await form.locator('#bulk-auditorium').selectOption(THEATRE.auditorium);
    await form.locator('#bulk-format').selectOption('2D');
    await form.locator('#bulk-language').fill('English');
    await form.locator('#bulk-price').fill('12.50');
    await form.locator('#bulk-start').fill(TOMORROW);
    await form.locator('#bulk-end').fill(TOMORROW);
    await form.locator('#bulk-times').fill(TIMES.map((t) => t.local).join(', '));
    const posted = await submit(admin, 'form[action="/admin/showtimes/bulk"] button[type=submit]');
    assert.ok(posted.status() < 400,
      `POST /admin/showtimes/bulk answered ${posted.status()}: ${await texts(admin.locator('.error, .notice.error'))}`);
    const url = new URL(admin.url());
    assert.equal(url.searchParams.get('saved'), 'scheduled', `landed on ${url}`);
    assert.equal(url.searchParams.get('date'), TOMORROW);
    assert.equal(url.searchParams.get('count'), String(TIMES.length));
    assert.match(await admin.locator('.notice[role=status]').innerText(), /Scheduled: 2 showtimes were added\./);

    // The day's table, in the theatre's local time.
    const rows = admin.locator('table.showtimes-table tbody tr', { hasText: MOVIE.title });
    assert.equal(await rows.count(), TIMES.length);
    for (let i = 0; i < TIMES.length; i++) {
      const cells = await texts(rows.nth(i).locator('td'));
      assert.match(cells[0], new RegExp(`^${TIMES[i].label} free at ${TIMES[i].freeAt}$`), `row ${i}: ${cells[0]}`);
      assert.equal(cells[2], THEATRE.auditorium);
      assert.equal(cells[3], '2D · English');
      assert.equal(cells[4], '$12.50');
      assert.equal(cells[5], String(CAPACITY));
    }
  });

step('an anonymous customer in Europe/Berlin finds the movie on the home page and through search',
  ['the admin schedules tomorrow 14:00 and 20:30 (local) in bulk'], async () => {
    customer = await (await newContext(CUSTOMER_TZ)).newPage();
    watch(customer, 'customer');
    const res = await customer.goto(`${BASE}/`);
    assert.equal(res.status(), 200);
    assert.equal(await customer.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), CUSTOMER_TZ);
    assert.equal(await customer.locator('header.site-header a[href="/login"]').count(), 1, 'the customer is not anonymous');

    // "Now showing" on the home page lists the newest releases first (by
    // release date, then title), only so many of them: the movie must be
    // there unless the list is full of movies that come before it.
    const nowCards = customer.locator('section[aria-labelledby="now-showing"] li.movie-card');
    const shown = await nowCards.count();
    assert.ok(shown > 0, 'nothing under "Now showing" on the home page');
    const before = await moviesBefore();
    const onHome = nowCards.locator(`a[href="/movies/${made.movieSlug}"]`);
    if (before < shown) {
      assert.equal(await onHome.count(), 1,
        `the new movie is not under "Now showing" on the home page (${before} movies come before it, ${shown} are shown)`);
      assert.equal((await onHome.locator('.movie-title').innerText()).trim(), MOVIE.title);
    } else {
      console.error(`# the home page's "Now showing" is full (${shown}) of ${before} newer movies: found through search only`);
    }

    // The header's search box.
    await customer.fill('header.site-header #q', MOVIE.title);
    await Promise.all([customer.waitForURL(/\/search\?/), customer.press('header.site-header #q', 'Enter')]);
    assert.equal(new URL(customer.url()).searchParams.get('q'), MOVIE.title);
    assert.equal((await customer.locator('h1').innerText()).trim(), `Movies matching “${MOVIE.title}”`);
    const hit = customer.locator('ul.movie-grid li.movie-card a', { hasText: MOVIE.title });
    assert.equal(await hit.count(), 1, 'the search does not find the movie by its title');
    assert.match(await customer.locator('ul.movie-grid li.movie-card', { hasText: MOVIE.title }).innerText(),
      /PG-13 · 100 min · Drama, Mystery/);
    await Promise.all([customer.waitForURL(`${BASE}/movies/${made.movieSlug}`), hit.click()]);
    assert.equal((await customer.locator('.movie-facts h1').innerText()).trim(), MOVIE.title);
    assert.match(await customer.locator('.synopsis').innerText(), /balances the books/);
    assert.deepEqual(await texts(customer.locator('.cast-list .cast-name')), ['Asha Verma', 'Tomas Lind']);
  });

step('the movie page shows the showtimes at 2:00 PM and 8:30 PM, Kolkata time',
  ['an anonymous customer in Europe/Berlin finds the movie on the home page and through search'], async () => {
    // Without a date the page shows each theatre's today; tomorrow is a link.
    const day = customer.locator(`nav.day-links a[href*="date=${TOMORROW}"]`);
    assert.equal(await day.count(), 1, `no day link to ${TOMORROW}: ${await texts(customer.locator('nav.day-links a'))}`);
    await Promise.all([customer.waitForURL((u) => u.searchParams.get('date') === TOMORROW), day.click()]);
    assert.equal(await customer.locator('nav.day-links a[aria-current="date"]').getAttribute('href'),
      `/movies/${made.movieSlug}?date=${TOMORROW}`);
    const block = customer.locator('.theatre-showtimes', { has: customer.locator(`h3 a[href="/theatres/${made.theatreSlug}"]`) });
    assert.equal(await block.count(), 1, `the theatre is not listed on ${TOMORROW}`);
    assert.equal((await block.locator('h3').innerText()).trim(), THEATRE.name);
    assert.match(await block.locator('p.muted').innerText(), new RegExp(`${THEATRE.city} · local time \\(${THEATRE_TZ}\\)`));
    const times = block.locator('.st-card time.st-time');
    assert.deepEqual(await texts(times), TIMES.map((t) => t.label));
    assert.deepEqual(await times.evaluateAll((els) => els.map((e) => e.getAttribute('datetime'))),
      TIMES.map((t) => TOMORROW + t.utc));
    // What the same instants are in the browser's own zone, to be sure the
    // page did not show those instead.
    const berlin = await customer.evaluate((iso) => iso.map((s) => new Date(s)
      .toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' })), TIMES.map((t) => TOMORROW + t.utc));
    assert.notDeepEqual(berlin, TIMES.map((t) => t.label), 'Berlin time happens to equal Kolkata time?');
    for (const card of await block.locator('.st-card').all()) {
      assert.match(await card.innerText(), /2D · English · Screen 1[\s\S]*from \$12\.50[\s\S]*28 seats left/);
    }
    made.showtimeHrefs = await block.locator('.st-card').evaluateAll((els) => els.map((e) => e.getAttribute('href')));
    assert.equal(made.showtimeHrefs.length, 2);
    for (const h of made.showtimeHrefs) assert.match(h, /^\/showtimes\/\d+$/);
    assert.notEqual(made.showtimeHrefs[0], made.showtimeHrefs[1]);
  });

step('the 2:00 PM showtime opens /showtimes/{id} with the seat map',
  ['the movie page shows the showtimes at 2:00 PM and 8:30 PM, Kolkata time'], async () => {
    const card = customer.locator(`.theatre-showtimes a.st-card[href="${made.showtimeHrefs[0]}"]`);
    assert.equal(await card.count(), 1);
    assert.equal((await card.locator('time').innerText()).trim(), TIMES[0].label);
    await Promise.all([customer.waitForURL(`${BASE}${made.showtimeHrefs[0]}`), card.click()]);
    assert.equal((await customer.locator('.showtime-head h1').innerText()).trim(), MOVIE.title);
    const when = await customer.locator('.showtime-when').innerText();
    const longDate = new Date(`${TOMORROW}T12:00:00Z`).toLocaleDateString('en-US',
      { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
    assert.equal(when.trim(), `${longDate} at ${TIMES[0].label}`);
    assert.equal(await customer.locator('.showtime-when time').getAttribute('datetime'), TOMORROW + TIMES[0].utc);
    assert.match(await customer.locator('.showtime-where').innerText(),
      new RegExp(`^${THEATRE.name}, ${THEATRE.city} · ${THEATRE.auditorium} · 2D · English$`));
    assert.match(await customer.locator('.showtime-page .notice').first().innerText(), /To hold seats, log in/);

    // The seat map: the layout's rows, every seat free, JavaScript's buttons.
    const map = customer.locator('form#seatmap');
    await assert.doesNotReject(map.waitFor({ state: 'visible' }), 'no seat map');
    assert.equal(await map.getAttribute('data-timezone'), THEATRE_TZ);
    assert.equal(await map.locator('.seat-row').count(), LAYOUT.length);
    await customer.waitForFunction((n) => document.querySelectorAll('#seatmap button.seat').length === n, CAPACITY);
    for (const [kind, n] of Object.entries(SEATS)) {
      if (kind === 'gap') assert.equal(await map.locator('.seat-gap').count(), n);
      else assert.equal(await map.locator(`button.seat[data-type="${kind}"]`).count(), n, `${kind} seats`);
    }
    assert.equal(await map.locator('button.seat.is-available').count(), CAPACITY, 'not every seat is free');
    assert.deepEqual(await map.locator('.seat-row').nth(3).locator('button.seat')
      .evaluateAll((els) => els.map((e) => `${e.dataset.seat}:${e.dataset.type}`)),
    ['D1:wheelchair', 'D2:companion', 'D3:companion', 'D4:wheelchair']);
    assert.equal(await map.locator('button.seat[data-seat="C1"]').getAttribute('data-price'), '1875');
    assert.equal(await map.locator('button.seat[data-seat="A1"]').getAttribute('data-price'), '1250');
  });

step('the admin removes the movie and the theatre; their pages say so',
  ['the 2:00 PM showtime opens /showtimes/{id} with the seat map'], async () => {
    for (const [kind, id, title] of [['movies', made.movieId, MOVIE.title], ['theatres', made.theatreId, THEATRE.name]]) {
      await admin.goto(`${BASE}/admin/${kind}/${id}/edit`);
      await admin.locator('.cat-danger-zone summary').click();
      assert.match(await admin.locator('.cat-danger-zone summary').innerText(), new RegExp(`Remove “${title}”`));
      await Promise.all([admin.waitForURL(/saved=removed/), admin.locator('button.cat-danger').click()]);
      assert.match(await admin.locator('.notice[role=status]').innerText(), /was removed, and its showtimes still to come were cancelled/);
    }
    made.removed = true;
    assert.equal(await statusOf(customer, `/movies/${made.movieSlug}`), 404);
    assert.equal(await statusOf(customer, `/theatres/${made.theatreSlug}`), 404);
    for (const href of made.showtimeHrefs) {
      await customer.goto(BASE + href);
      assert.match(await customer.locator('.showtime-page').innerText(), /This showtime has been cancelled\./, href);
    }
  });
