// Accounts in a real browser (headless Chromium through playwright-core):
// register with the form, see the name in the header, log out, log in, change
// the name on the account page; a customer opening /admin sees the 403 page.
// A failing step leaves a screenshot in tests/browser/screenshots/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { BASE_URL, launchWithPage, stepper } from './lib.mjs';

let browser;
let context;
let page;
const consoleErrors = [];

before(async () => {
  ({ browser, context, page } = await launchWithPage());
  // Script errors, and stylesheets or scripts that fail to load.  (Documents
  // may answer 4xx on purpose here; images belong to the catalog's data.)
  page.on('pageerror', (e) => consoleErrors.push(`script error: ${e.message}`));
  page.on('response', (r) => {
    const type = r.request().resourceType();
    if (r.status() >= 400 && ['script', 'stylesheet', 'font'].includes(type)) {
      consoleErrors.push(`${type} ${r.url()}: ${r.status()}`);
    }
  });
});

after(async () => {
  await browser?.close();
});

/** Runs one step; on failure saves a screenshot named after it. */
const step = stepper('accounts', () => page);

const header = () => page.locator('header.site-header');

test('an account from registration to a new name, in Chromium', async (t) => {
  const id = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
  const email = `browser-${id}@example.test`;
  const password = `br-${crypto.randomBytes(9).toString('base64url')}`;
  const name = `Browser Person ${id}`;
  const newName = `Renamed Person ${id}`;

  await step(t, 'register with the form', async () => {
    await page.goto('/register');
    assert.equal(await page.title(), 'Create an account · Marquee');
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel(/^Password/).fill(password);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/register')), page.getByRole('button', { name: 'Create account' }).click()]);
  });

  await step(t, 'the header shows the name', async () => {
    const link = header().getByRole('link', { name });
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), '/account');
    assert.equal(await header().getByRole('link', { name: 'Log in' }).count(), 0, 'no log-in link once logged in');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'mq_session');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
  });

  await step(t, 'log out', async () => {
    await Promise.all([page.waitForURL(`${BASE_URL}/`), header().getByRole('button', { name: 'Log out' }).click()]);
    await header().getByRole('link', { name: 'Log in' }).waitFor();
    assert.equal(await header().getByText(name).count(), 0, 'the name is gone');
    await page.goto('/account');
    assert.match(new URL(page.url()).pathname, /^\/login$/, 'the account page asks to log in');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/account');
  });

  await step(t, 'a wrong password is shown beside the field', async () => {
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(`${password}-wrong`);
    await Promise.all([page.waitForLoadState('domcontentloaded'), page.getByRole('button', { name: 'Log in' }).click()]);
    await page.locator('#password-error').waitFor();
    assert.match(await page.locator('#password-error').innerText(), /does not match/);
    assert.equal(await page.getByLabel('E-mail').inputValue(), email, 'the e-mail is kept');
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password is not');
  });

  await step(t, 'log in and land on the account page (next=)', async () => {
    await page.getByLabel('Password').fill(password);
    await Promise.all([page.waitForURL(`${BASE_URL}/account`), page.getByRole('button', { name: 'Log in' }).click()]);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    assert.ok((await page.locator('main, body').first().innerText()).includes(email), 'the account page shows the e-mail');
    assert.equal(await page.getByLabel('Your name').inputValue(), name);
  });

  await step(t, 'change the name and see it', async () => {
    await page.getByLabel('Your name').fill(newName);
    await Promise.all([page.waitForURL(/\/account\?saved=name$/), page.getByRole('button', { name: 'Save name' }).click()]);
    await page.getByText('Your name was saved.').waitFor();
    assert.equal(await page.getByLabel('Your name').inputValue(), newName);
    await header().getByRole('link', { name: newName }).waitFor();
    await page.goto('/');
    await header().getByRole('link', { name: newName }).waitFor();
  });

  await step(t, 'a customer opening /admin sees the 403 page', async () => {
    const resp = await page.goto('/admin');
    assert.equal(resp.status(), 403, `status of /admin: ${resp.status()} at ${page.url()}`);
    assert.equal(new URL(page.url()).pathname, '/admin', 'answered at /admin itself, not after a redirect');
    await page.getByRole('heading', { name: 'Forbidden' }).waitFor();
    assert.match(await page.locator('.error-page').innerText(), /administrators only/);
    assert.equal(await header().getByRole('link', { name: 'Admin' }).count(), 0, 'no Admin link for customers');
  });

  await step(t, 'no script errors or missing assets on the way', async () => {
    assert.deepEqual(consoleErrors, []);
  });
});
