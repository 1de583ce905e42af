// Ratings in a real browser (headless Chromium through playwright-core): an
// anonymous visitor follows "Log in to rate" and comes back to the ratings; the
// user rates a movie with a review full of markup through the movie page form;
// the page shows that text literally (no element made of it, no script run),
// the average and the distribution bars follow, and the form comes back filled
// in to update the rating.  A failing step leaves a screenshot in
// tests/browser/screenshots/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { api, basicAuth, createUser, freshIp, ADMIN_EMAIL, ADMIN_PASSWORD } from '../http/lib.mjs';
import { BASE_URL, launchWithPage, stepper } from './lib.mjs';

const RUN = crypto.randomBytes(4).toString('hex');
const REVIEW = '<script>window.__pwned = 1</script><b>bold</b>';

let browser;
let context;
let page;
const problems = [];

before(async () => {
  ({ browser, context, page } = await launchWithPage());
  // Script errors, console errors (a CSP violation is one) and assets that fail.
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  page.on('console', (m) => {
    // Failed loads are judged below, by their response (the favicon is not ours).
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    const type = r.request().resourceType();
    if (r.status() >= 400 && type !== 'document' && !r.url().endsWith('/favicon.ico')) problems.push(`${type} ${r.url()}: ${r.status()}`);
  });
});

after(async () => {
  await browser?.close();
});

/** Runs one step; on failure saves a screenshot named after it. */
const step = stepper('ratings', () => page);

const section = () => page.locator('#ratings');
const bar = (stars) => section().locator(`.rt-dist li[data-stars="${stars}"]`);

/** The bar's fill width as a share of the whole bar (0..1). */
async function fillShare(stars) {
  return bar(stars).evaluate((li) => {
    const whole = li.querySelector('.rt-bar').getBoundingClientRect().width;
    return whole > 0 ? li.querySelector('.rt-bar-fill').getBoundingClientRect().width / whole : -1;
  });
}

async function expectBars(counts) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  for (const s of [5, 4, 3, 2, 1]) {
    const n = counts[s] || 0;
    assert.equal(await bar(s).locator('.visually-hidden').textContent(), `${s} star${s === 1 ? '' : 's'}: ${n}`, `accessible text of the ${s}-star bar`);
    const share = await fillShare(s);
    const want = total ? n / total : 0;
    assert.ok(Math.abs(share - want) <= 0.051, `the ${s}-star bar is ${Math.round(share * 100)}% wide, want about ${Math.round(want * 100)}%`);
  }
}

test('rating a movie with a review full of markup, in Chromium', async (t) => {
  let movie;
  let user;
  let other;

  await step(t, 'set up a movie and two customers through the API', async () => {
    const a = await api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(ADMIN_EMAIL, ADMIN_PASSWORD) }, ip: freshIp() });
    assert.equal(a.status, 200, `admin log-in: ${a}`);
    const m = await api('POST', '/v1/movies/add_movie', {
      token: a.json.token,
      body: { title: `Browser Stars ${RUN}`, slug: `browser-stars-${RUN}`, genres: [], duration_minutes: 101, release_date: '2025-05-01', content_rating: 'PG' },
    });
    assert.equal(m.status, 201, `add_movie: ${m}`);
    movie = m.json.movie;
    [user, other] = await Promise.all([createUser({ name: `Browser Rater ${RUN}` }), createUser({ name: `Other Rater ${RUN}` })]);
  });

  await step(t, 'an anonymous visitor sees no ratings and a link to log in', async () => {
    await page.goto(`/movies/${movie.slug}`);
    await section().getByText('No ratings yet').waitFor();
    await expectBars({});
    assert.equal(await section().locator('form.rt-form').count(), 0, 'no rating form before logging in');
    const login = section().getByRole('link', { name: 'Log in to rate' });
    const href = new URL(await login.getAttribute('href'), BASE_URL);
    assert.equal(href.pathname, '/login');
    assert.equal(href.searchParams.get('next'), `/movies/${movie.slug}#ratings`);
    await Promise.all([page.waitForURL(/\/login\?/), login.click()]);
  });

  await step(t, 'log in and come back to the ratings', async () => {
    await page.getByLabel('E-mail').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await Promise.all([page.waitForURL(`${BASE_URL}/movies/${movie.slug}#ratings`), page.getByRole('button', { name: 'Log in' }).click()]);
    await section().getByRole('heading', { name: 'Rate this movie' }).waitFor();
  });

  await step(t, 'rate 4 stars with the review through the form', async () => {
    const group = section().getByRole('group', { name: 'Your rating' });
    for (const label of ['5 stars', '4 stars', '3 stars', '2 stars', '1 star']) assert.equal(await group.getByRole('radio', { name: label, exact: true }).count(), 1, `a radio labelled ${label}`);
    await group.getByRole('radio', { name: '4 stars', exact: true }).check();
    const box = section().getByLabel(/^Your review/);
    assert.equal(await box.getAttribute('maxlength'), '5000');
    await box.fill(REVIEW);
    await Promise.all([page.waitForURL(/\?rated=1#ratings$/), section().getByRole('button', { name: 'Submit rating' }).click()]);
    await section().getByText('your rating is saved').waitFor();
  });

  await step(t, 'the review is shown as the text that was typed, nothing more', async () => {
    const review = section().locator('.rt-review').filter({ hasText: user.name });
    assert.equal(await review.count(), 1, 'one review by the user');
    const text = review.locator('.rt-text');
    assert.equal(await text.textContent(), REVIEW, 'the text content equals what was typed');
    assert.equal(await text.locator('b').count(), 0, 'no <b> element made from the review');
    assert.equal(await text.locator('script').count(), 0, 'no <script> element made from the review');
    assert.equal(await page.evaluate(() => typeof window.__pwned), 'undefined', 'the script did not run');
    assert.equal(await text.evaluate((el) => getComputedStyle(el).fontWeight), await section().locator('.rt-average .muted').evaluate((el) => getComputedStyle(el).fontWeight), 'not bold');
    assert.equal(await text.evaluate((el) => getComputedStyle(el).whiteSpace), 'pre-line', 'newlines are kept');
    assert.equal(await review.getByRole('button', { name: /^Helpful/ }).count(), 0, 'no helpful button on your own review');
    assert.equal(await review.getByRole('img', { name: 'Rated 4 out of 5' }).count(), 1, 'its stars');
  });

  await step(t, 'the average and the distribution follow', async () => {
    assert.equal((await section().locator('.rt-average').innerText()).replace(/\s+/g, ' ').trim(), '★ 4.0 out of 5 · 1 rating');
    await expectBars({ 4: 1 });
  });

  await step(t, 'the form comes back filled in: update to 2 stars', async () => {
    await section().getByRole('heading', { name: 'Update your rating' }).waitFor();
    const group = section().getByRole('group', { name: 'Your rating' });
    assert.equal(await group.getByRole('radio', { name: '4 stars', exact: true }).isChecked(), true, 'the rating is checked');
    assert.equal(await section().getByLabel(/^Your review/).inputValue(), REVIEW, 'the review is in the box, as typed');
    await group.getByRole('radio', { name: '2 stars', exact: true }).check();
    await Promise.all([page.waitForURL(/\?rated=1#ratings$/), section().getByRole('button', { name: 'Update your rating' }).click()]);
    await section().getByText('your rating is saved').waitFor();
    assert.equal((await section().locator('.rt-average').innerText()).replace(/\s+/g, ' ').trim(), '★ 2.0 out of 5 · 1 rating');
    await expectBars({ 2: 1 });
    assert.equal(await section().locator('.rt-review .rt-text').textContent(), REVIEW, 'the review is unchanged');
  });

  await step(t, 'another rating moves the average and the bars', async () => {
    const r = await api('POST', `/v1/movies/${movie.slug}/add_rating`, { token: other.token, body: { rating: 5, review: 'Two\nlines' } });
    assert.equal(r.status, 201, `add_rating: ${r}`);
    await page.goto(`/movies/${movie.slug}`);
    assert.equal((await section().locator('.rt-average').innerText()).replace(/\s+/g, ' ').trim(), '★ 3.5 out of 5 · 2 ratings');
    await expectBars({ 2: 1, 5: 1 });
    const theirs = section().locator('.rt-review').filter({ hasText: other.name });
    assert.equal(await theirs.locator('.rt-text').innerText(), 'Two\nlines', 'the newline shows as a line break');
    const helpful = theirs.getByRole('button', { name: 'Helpful (0)' });
    await Promise.all([page.waitForURL(/order=helpful#ratings$/), helpful.click()]);
    await section().locator('.rt-review').filter({ hasText: other.name }).getByRole('button', { name: 'Helpful (1)' }).waitFor();
    assert.equal(await page.evaluate(() => typeof window.__pwned), 'undefined');
  });

  await step(t, 'no script errors, CSP violations or missing assets on the way', async () => {
    assert.deepEqual(problems, []);
  });
});
