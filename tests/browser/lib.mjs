// Shared helpers of the browser suite (headless Chromium through
// playwright-core).  Not a test file itself: the suites import it.
//
//   MARQUEE_URL  base URL of the instance (default http://127.0.0.1:8080)
//   CHROMIUM     the browser binary (default /usr/bin/chromium)
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE_URL = (process.env.MARQUEE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
/** Where a failing step leaves its screenshots. */
export const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

/** Headless Chromium, as every browser test starts it. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Chromium with one context (relative URLs against BASE_URL, 15 s default
 * timeout) and one page in it: {browser, context, page}.
 */
export async function launchWithPage() {
  const browser = await launchChromium();
  const context = await browser.newContext({ baseURL: BASE_URL });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  return { browser, context, page };
}

/**
 * step(t, name, fn) for a test whose steps share one page: runs fn as the
 * subtest name; on failure saves a screenshot named prefix-<name>-<time>.png
 * of getPage() and names it in the error.
 */
export function stepper(prefix, getPage) {
  return async function step(t, name, fn) {
    await t.test(name, async () => {
      try {
        await fn();
      } catch (e) {
        const page = getPage();
        try {
          mkdirSync(SHOTS, { recursive: true });
          const file = join(SHOTS, `${prefix}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${Date.now()}.png`);
          await page.screenshot({ path: file, fullPage: true });
          e.message += `\n(screenshot: ${file}; page ${page.url()})`;
        } catch {
          /* the browser itself failed */
        }
        throw e;
      }
    });
  };
}

/** A JSON request to the API: {status, headers, body (parsed, or null)}. */
export async function api(method, path, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE_URL + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/**
 * A scheduled showtime more than minLeadMs away with at least 10 free seats,
 * picked at random so that parallel runs rarely share one; its theatre's slug
 * is added as .theatre.
 */
export async function findShowtime(minLeadMs) {
  const movies = await api('GET', '/v1/movies?limit=100');
  assert.equal(movies.status, 200);
  const found = [];
  for (const m of movies.body.items) {
    const l = await api('GET', `/v1/movies/${m.id}/listings`);
    if (l.status !== 200) continue;
    for (const t of l.body.theatres) {
      for (const s of t.showtimes) {
        if (s.status === 'scheduled' && s.seats_available >= 10 &&
            Date.parse(s.starts_at) - Date.now() > minLeadMs) {
          found.push({ ...s, theatre: t.theatre.slug });
        }
      }
    }
    if (found.length >= 20) break;
  }
  assert.ok(found.length > 0, 'no future showtime with free seats: load the demo data');
  return found[Math.floor(Math.random() * found.length)];
}
