// The live seat map of /showtimes/{id}, in headless Chromium.
//
//   cd tests && npm ci
//   MARQUEE_URL=http://127.0.0.1:8080 node --test browser/seatmap.test.mjs
//
// Two people (two fresh accounts, each logged in through the /login form in
// a browser context of their own) watch the same showtime: when A holds two
// seats, B's map shows them held within a second without reloading, and
// available again within a second after A releases them.  A third context
// without JavaScript holds a seat through the plain form, is told when a
// seat was taken first, goes on to checkout, and releases its hold from the
// map.  On failure each page is
// saved as a screenshot in tests/browser/screenshots/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_URL as BASE, SHOTS, api, findShowtime, launchChromium } from './lib.mjs';

const PASSWORD = 'seat-map-test-password-42';
const LIVE_MS = 1000;         // a seat change reaches another browser within this
const MIN_LEAD_MS = 3600e3;   // a showtime at least an hour away stays open
const REGISTER_TRIES = 4;

let browser;
let showtime;                 // a Showtime with free seats
const tokens = [];            // bearer tokens of the accounts made here
const holdsToRelease = [];    // [token, hold id] left behind by a failure

// A fresh account: {email, token}.  Registration is rate limited per
// address, so a 429 waits for its Retry-After.
async function newAccount(label) {
  const email = `seatmap-${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@marquee.test`;
  for (let i = 0; i < REGISTER_TRIES; i++) {
    const r = await api('POST', '/v1/users/create_account',
      { body: { email, password: PASSWORD, name: `Seat map ${label}` } });
    if (r.status === 201) {
      tokens.push(r.body.token);
      return { email, token: r.body.token };
    }
    assert.equal(r.status, 429, `create_account: ${r.status} ${JSON.stringify(r.body)}`);
    await new Promise((ok) => setTimeout(ok, 1000 * (Number(r.headers.get('retry-after')) || 5)));
  }
  throw new Error('create_account stayed rate limited');
}

// Free standard seats of the showtime, read now, in map order.
async function freeSeats() {
  const r = await api('GET', `/v1/theatre/${showtime.theatre}/seats?showtime=${showtime.id}`);
  assert.equal(r.status, 200);
  return r.body.seats.filter((s) => s.status === 'available' && s.type === 'standard');
}

// Two free seats side by side.
async function twoSeats() {
  const seats = await freeSeats();
  for (let i = 0; i + 1 < seats.length; i++) {
    const a = seats[i], b = seats[i + 1];
    if (a.y === b.y && b.x === a.x + 1) return [a.id, b.id];
  }
  throw new Error('no two free seats side by side');
}

async function logIn(context, email) {
  const page = await context.newPage();
  await page.goto(`${BASE}/login`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login')),
    page.click('form[action="/login"] button[type=submit]'),
  ]);
  return page;
}

// Runs fn; on failure saves a screenshot of every page it names, then fails.
async function withScreenshots(name, pages, fn) {
  try {
    await fn();
  } catch (err) {
    mkdirSync(SHOTS, { recursive: true });
    for (const [who, page] of Object.entries(pages)) {
      await page.screenshot({ path: join(SHOTS, `${name}-${who}.png`), fullPage: true }).catch(() => {});
    }
    throw err;
  }
}

const seatButton = (id) => `button.seat[data-seat="${id}"]`;

// Resolves when every seat in ids shows status on page (classes is-<status>).
function waitForSeats(page, ids, status, timeout) {
  return page.waitForFunction(([ids, status]) => ids.every((id) => {
    const el = document.querySelector(`button.seat[data-seat="${id}"]`);
    return el && el.classList.contains(`is-${status}`);
  }), [ids, status], { timeout, polling: 'raf' });
}

before(async () => {
  browser = await launchChromium();
  // A showtime at least an hour away with room for the tests.
  showtime = await findShowtime(MIN_LEAD_MS);
});

after(async () => {
  for (const [token, id] of holdsToRelease) await api('DELETE', `/v1/holds/${id}`, { token }).catch(() => {});
  for (const token of tokens) await api('POST', '/v1/users/logout', { token }).catch(() => {});
  await browser?.close();
});

test('a hold and its release reach another browser within a second', async () => {
  const [a, b] = [await newAccount('a'), await newAccount('b')];
  const ctxA = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const ctxB = await browser.newContext({ viewport: { width: 390, height: 900 } });
  const pageA = await logIn(ctxA, a.email);
  const pageB = await logIn(ctxB, b.email);
  try {
    await withScreenshots('live', { a: pageA, b: pageB }, async () => {
      const url = `${BASE}/showtimes/${showtime.id}`;
      await pageA.goto(url);
      await pageB.goto(url);
      // Both maps are enhanced and subscribed.
      await pageA.waitForSelector('#seatmap[data-live="open"]');
      await pageB.waitForSelector('#seatmap[data-live="open"]');
      await pageB.evaluate(() => { window.notReloaded = true; });

      const ids = await twoSeats();
      for (const id of ids) {
        assert.match(await pageB.getAttribute(seatButton(id), 'class'), /\bis-available\b/);
        await pageA.click(seatButton(id));
        assert.equal(await pageA.getAttribute(seatButton(id), 'aria-pressed'), 'true');
      }
      assert.match(await pageA.textContent('[data-summary-text]'), new RegExp(`${ids[0]} and ${ids[1]}`));

      const picked = pageA.waitForResponse((r) => r.url().includes('/pick_seats'));
      await pageA.click('[data-hold-button]');
      const res = await picked;
      assert.equal(res.status(), 201, await res.text());
      const hold = (await res.json()).hold;
      holdsToRelease.push([a.token, hold.id]);
      await waitForSeats(pageB, ids, 'held', LIVE_MS);

      // A sees its hold; B sees seats it cannot pick, named as held.
      await pageA.waitForSelector('#hold-panel:not([hidden])');
      assert.match(await pageA.textContent('#hold-panel'), new RegExp(`${ids[0]} and ${ids[1]}`));
      assert.match(await pageA.textContent('[data-hold-left]'), /^[0-8]:\d\d$/);
      assert.match(await pageA.getAttribute(seatButton(ids[0]), 'class'), /\bis-yours\b/);
      assert.match(await pageB.getAttribute(seatButton(ids[0]), 'aria-label'), /, held$/);
      assert.equal(await pageB.getAttribute(seatButton(ids[0]), 'aria-disabled'), 'true');

      const released = pageA.waitForResponse((r) => r.url().includes(`/v1/holds/${hold.id}`));
      await pageA.click('#hold-panel [data-release-form] button[type=submit]');
      assert.equal((await released).status(), 204);
      holdsToRelease.pop();
      await waitForSeats(pageB, ids, 'available', LIVE_MS);
      assert.match(await pageB.getAttribute(seatButton(ids[1]), 'aria-label'), /, available$/);
      assert.equal(await pageB.evaluate(() => window.notReloaded), true, 'B reloaded');
      await pageA.waitForSelector('#hold-panel[hidden]', { state: 'attached' });
    });
  } finally {
    await ctxA.close();
    await ctxB.close();
  }
});

test('without JavaScript the form holds seats, names a taken one, and releases', async () => {
  const [c, rival] = [await newAccount('c'), await newAccount('rival')];
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 900 } });
  const page = await logIn(ctx, c.email);
  try {
    await withScreenshots('nojs', { c: page }, async () => {
      const [taken, mine] = await twoSeats();
      await page.goto(`${BASE}/showtimes/${showtime.id}`);
      assert.equal(await page.locator('button.seat').count(), 0, 'no script, no buttons');
      assert.match(await page.getAttribute(`input[name=seats][value="${mine}"]`, 'aria-label'),
        /^Row [A-Z]+, seat \d+, standard, \$\d+\.\d\d, available$/);
      await page.check(`input[name=seats][value="${taken}"]`);
      await page.check(`input[name=seats][value="${mine}"]`);

      // Someone else holds one of the two while the form is open.
      const r = await api('POST', `/v1/theatre/${showtime.theatre}/pick_seats`,
        { token: rival.token, body: { showtime_id: showtime.id, seats: [taken] } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      holdsToRelease.push([rival.token, r.body.hold.id]);

      const [refused] = await Promise.all([
        page.waitForNavigation(),
        page.click('#seatmap button[type=submit]'),
      ]);
      assert.equal(refused.status(), 409);
      assert.match(await page.textContent('[data-page-notice]'), new RegExp(`${taken} was just taken`));
      assert.equal(await page.isDisabled(`input[name=seats][value="${taken}"]`), true, 'taken seat locked');
      assert.equal(await page.isChecked(`input[name=seats][value="${mine}"]`), true, 'other seat kept');

      // Holding the free one goes on to checkout.
      await Promise.all([page.waitForNavigation(), page.click('#seatmap button[type=submit]')]);
      const seats = await api('GET', `/v1/theatre/${showtime.theatre}/seats?showtime=${showtime.id}`,
        { token: c.token });
      assert.deepEqual(seats.body.my_hold?.seats, [mine]);
      holdsToRelease.push([c.token, seats.body.my_hold.id]);
      assert.equal(new URL(page.url()).pathname, `/checkout/${seats.body.my_hold.id}`);

      // Back on the map, the hold is shown with its end and total.
      await page.goto(`${BASE}/showtimes/${showtime.id}`);
      const panel = await page.textContent('#hold-panel');
      assert.match(panel, /Your seats are held until \d{1,2}:\d\d [AP]M/);
      assert.match(panel, new RegExp(`\\b${mine}\\b`));
      assert.match(panel, /total \$\d+\.\d\d/);
      assert.equal(await page.isChecked(`input[name=seats][value="${mine}"]`), true);
      assert.match(await page.getAttribute(`input[name=seats][value="${mine}"]`, 'aria-label'), /held for you$/);

      await Promise.all([page.waitForNavigation(), page.click('#hold-panel button[type=submit]')]);
      assert.match(await page.textContent('[data-page-notice]'), /Your seats were released/);
      const after = await api('GET', `/v1/theatre/${showtime.theatre}/seats?showtime=${showtime.id}`,
        { token: c.token });
      assert.equal(after.body.my_hold, null);
      holdsToRelease.pop();
      assert.equal(after.body.seats.find((s) => s.id === mine).status, 'available');
    });
  } finally {
    await ctx.close();
  }
});

test('on a phone, a seat scrolled to in the last rows is not left under the summary bar', async () => {
  // The bar with "Hold these seats" sticks to the bottom of the screen.  A
  // seat brought into view the way keyboard focus and "scroll to" do it
  // (the least scrolling that shows it) must come to rest above the bar,
  // where a tap or a click reaches the seat and not the bar.
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  try {
    await withScreenshots('phone-last-rows', { phone: page }, async () => {
      await page.goto(`${BASE}/showtimes/${showtime.id}`);
      const hidden = await page.evaluate(() => {
        const rows = [...document.querySelectorAll('.seat-row')].filter((r) => r.querySelector('input[name=seats]'));
        const out = [];
        for (const row of rows.slice(-2)) {
          for (const input of row.querySelectorAll('input[name=seats]')) {
            window.scrollTo(0, 0);
            input.scrollIntoView({ block: 'nearest', inline: 'nearest' });
            const r = input.getBoundingClientRect();
            const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
            if (hit !== input) out.push(`${input.value} under ${hit?.className || hit?.tagName}`);
          }
        }
        return out;
      });
      assert.deepEqual(hidden, [], 'every seat of the last two rows can be reached');
    });
  } finally {
    await ctx.close();
  }
});

test('picking without logging in asks to log in first', async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  try {
    await withScreenshots('anonymous', { anon: page }, async () => {
      const [seat] = await twoSeats();
      await page.goto(`${BASE}/showtimes/${showtime.id}`);
      await page.check(`input[name=seats][value="${seat}"]`);
      await Promise.all([page.waitForNavigation(), page.click('#seatmap button[type=submit]')]);
      const url = new URL(page.url());
      assert.equal(url.pathname, '/login');
      assert.equal(url.searchParams.get('next'), `/showtimes/${showtime.id}`);
    });
  } finally {
    await ctx.close();
  }
});
