// Checkout in headless Chromium, on a phone-sized screen.
//
//   cd tests && npm ci
//   MARQUEE_URL=http://127.0.0.1:8080 node --test browser/checkout.test.mjs
//
// A new customer registers through the form, picks a seat on the seat map
// of a showtime a few hours away, continues to /checkout/{hold}, pays by
// card through the form, sees the confirmation and the ticket with its QR
// code, finds the booking under My bookings, cancels it and sees the
// refund.  The same steps then run without JavaScript.  On failure each
// page is saved as a screenshot in tests/browser/screenshots/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_URL as BASE, SHOTS, api, findShowtime, launchChromium } from './lib.mjs';

const MIN_LEAD_MS = 4 * 3600e3;	// cancellable: more than 2 hours away
const CARD = '4242424242424242';
const PHONE = { width: 390, height: 844 };
const REGISTER_TRIES = 8;

let browser;
let showtime;

// An available seat of the showtime, from the API's seat map.
async function freeSeat() {
  const r = await api('GET', `/v1/theatre/${showtime.theatre}/seats?showtime=${showtime.id}`);
  assert.equal(r.status, 200);
  const free = r.body.seats.filter((s) => s.status === 'available');
  assert.ok(free.length > 0, 'a free seat');
  return free[Math.floor(Math.random() * free.length)].id;
}

async function shoot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `${name.replace(/[^a-z0-9-]+/gi, '-')}-${Date.now()}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => {});
  return file;
}

// Runs steps(page) in a fresh context; screenshots the page when it fails.
async function withPage(name, { javaScriptEnabled = true } = {}, steps) {
  const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  try {
    await steps(page);
  } catch (e) {
    const file = await shoot(page, name);
    e.message += `\n(screenshot: ${file}; at ${page.url()})`;
    throw e;
  } finally {
    await context.close();
  }
}

// Registers through the form.  Registrations are limited per address: a
// 429 page waits a little and tries again.
async function register(page, label) {
  const email = `checkout-${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@marquee.test`;
  for (let i = 0; i < REGISTER_TRIES; i++) {
    await page.goto(`${BASE}/register`);
    await page.fill('#name', `Checkout ${label}`);
    await page.fill('#email', email);
    await page.fill('#password', `checkout-browser-${Math.random().toString(36).slice(2)}`);
    const [res] = await Promise.all([
      page.waitForNavigation(),
      page.click('form[action="/register"] button[type="submit"]'),
    ]);
    if (res.status() !== 429) break;
    await page.waitForTimeout(1000 * (Number(await res.headerValue('retry-after')) || 5));
  }
  assert.ok(await page.locator('a[href="/bookings"]').isVisible(), 'signed in: the header links My bookings');
  return email;
}

// Seat map -> hold -> /checkout/{hold}.  With JavaScript the map holds
// through the API and offers "Continue to payment"; without it, the form
// posts and redirects straight to checkout.
async function holdOnSeatMap(page, seat, js) {
  await page.goto(`${BASE}/showtimes/${showtime.id}`);
  if (js) {
    // The map draws seats as buttons.
    await page.locator(`button.seat[data-seat="${seat}"]`).click();
    await page.locator('[data-hold-button]').click();
    const go = page.locator('[data-hold-checkout]');
    await go.waitFor({ state: 'visible' });
    await Promise.all([page.waitForURL(/\/checkout\/\d+$/), go.click()]);
  } else {
    // Seats are transparent checkboxes over their labels.  No force: the
    // click must land on the seat itself, not on the sticky summary bar
    // that covers the last rows unless the page keeps them clear of it.
    await page.locator(`input[name="seats"][value="${seat}"]`).check();
    await Promise.all([page.waitForURL(/\/checkout\/\d+/), page.locator('[data-hold-button]').click()]);
  }
}

async function payByCard(page) {
  const pay = page.locator('[data-pay]');
  assert.match(await pay.innerText(), /^Pay \$\d+\.\d\d$/);
  await page.check('#pay-card');
  await page.fill('#card-number', CARD);
  await page.fill('#card-exp-month', '12');
  await page.fill('#card-exp-year', String(new Date().getUTCFullYear() + 2));
  await page.fill('#card-cvc', '123');
  await page.fill('#card-name', 'Grace Hopper');
  await Promise.all([page.waitForURL(/\/bookings\/\d+\?new=1$/), pay.click()]);
}

async function journey(page, label, js) {
  await register(page, label);
  const seat = await freeSeat();
  await holdOnSeatMap(page, seat, js);
  assert.ok((await page.locator('.checkout-seats').innerText()).includes(seat), 'the seat is on the checkout page');
  await payByCard(page);

  const banner = page.locator('[data-confirmation]');
  await banner.waitFor();
  assert.match(await banner.innerText(), /confirmed/i);
  const code = (await page.locator('.booking-code').first().innerText()).trim();
  assert.match(code, /^[A-HJ-NP-Z2-9]{8}$/);
  const bookingUrl = page.url().replace(/\?.*$/, '');

  await Promise.all([page.waitForURL(/\/ticket$/), page.click('a[href$="/ticket"]')]);
  const qr = page.locator('.ticket-qr svg');
  assert.ok(await qr.isVisible(), 'the QR code is visible');
  const box = await qr.boundingBox();
  assert.ok(box.width >= 150, `the QR code is big enough (${box.width}px)`);
  assert.equal((await page.locator('[data-code]').innerText()).trim(), code);

  await Promise.all([page.waitForURL(/\/bookings$/), page.click('header a[href="/bookings"]')]);
  const item = page.locator(`[data-booking="${code}"]`);
  assert.ok(await item.isVisible(), 'My bookings lists it');
  await Promise.all([page.waitForURL(bookingUrl), item.locator('a').click()]);

  await Promise.all([page.waitForURL(/\?refunded=1$/), page.click('[data-cancel-form] button')]);
  const done = page.locator('[data-refunded]');
  assert.match(await done.innerText(), /Refunded \$\d+\.\d\d to your card/);
  await page.goto(`${bookingUrl}/ticket`);
  assert.match(await page.locator('[data-void]').innerText(), /REFUNDED/);
  assert.equal(await page.locator('.ticket-qr svg').count(), 0, 'no QR code once refunded');
}

before(async () => {
  browser = await launchChromium();
  // A showtime more than MIN_LEAD_MS away with free seats.
  showtime = await findShowtime(MIN_LEAD_MS);
});

after(async () => {
  await browser?.close();
});

test('register, hold on the seat map, pay by card, ticket, My bookings, cancel', async () => {
  await withPage('checkout-js', {}, (page) => journey(page, 'js', true));
});

test('the same without JavaScript', async () => {
  await withPage('checkout-nojs', { javaScriptEnabled: false }, (page) => journey(page, 'nojs', false));
});
