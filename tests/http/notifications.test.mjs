// Notifications (DESIGN.md "Notifications (the event log)", API.md
// send_details, send_change_details, Booking, cancel, update_showtimes):
// what a customer hears, by e-mail (read back from the SMTP sink's files,
// MIME parts decoded) and in the site (/notifications), when a booking is
// made, its showtime moves or is cancelled, an admin resends details or
// sends a notice, and when they reset their password.
//
// Each test makes its own customers and bookings on showtimes of a theatre of
// this run (in New York, so local times differ from UTC), and checks each
// message against the outbox row behind it (same Message-ID).  "Exactly one"
// is checked once the outbox rows are delivered, so a late duplicate cannot
// slip past.  Runs against any instance (./stack gives MARQUEE_URL etc.).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { api, basicAuth, Browser, csrfFrom, psql, lit, uniqueEmail, uniquePassword, waitFor } from './lib.mjs';
import {
  setupCatalog,
  showtime,
  customer,
  book,
  updateShowtimes,
  expectStatus,
  outboxOfBooking,
  waitDelivered,
  waitMails,
  mailbox,
  mailWhen,
  icsUtc,
  htmlText,
  hrefs,
  minuteFromNow,
  sqlInt,
  sqlJson,
  id,
  BASE_LINK,
  sleep,
} from './notify_fixtures.mjs';

const DAY = 86400000;
const money = (cents) => `$${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const escRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let fx;
const st = {};

before(async () => {
  fx = await setupCatalog('n');
  // One showtime per scenario, so that "everyone of this showtime" is known.
  st.confirm = await showtime(fx, 'North', minuteFromNow(5 * DAY));
  st.change = await showtime(fx, 'South', minuteFromNow(5 * DAY));
  st.other = await showtime(fx, 'South', minuteFromNow(8 * DAY));
  st.soon = await showtime(fx, 'East', minuteFromNow(60 * 60000));
  st.notice = await showtime(fx, 'East', minuteFromNow(9 * DAY));
  st.cancel = await showtime(fx, 'West', minuteFromNow(6 * DAY));
});

/** The messages of the outbox rows, by Message-ID (each must have arrived). */
function mailsOfRows(rows) {
  const ids = new Set(rows.map((r) => `${r.message_id}@marquee`));
  return mailbox.scan().withIds(ids);
}

/** A customer's messages, grouped: { all, confirmations, ... } by subject. */
function inbox(user) {
  const all = mailbox.to(user.email);
  return {
    all,
    confirmations: all.filter((m) => m.subject.startsWith('Your tickets')),
    changes: all.filter((m) => m.subject.startsWith('Time change')),
    refunds: all.filter((m) => m.subject.startsWith('Refunded')),
    notices: all.filter((m) => m.subject.startsWith('About your booking')),
  };
}

/** The unread badge of the site header ('' when none). */
function badge(html) {
  const m = /<a href="\/notifications">Notifications(?:\s*<span class="badge">(\d+)<\/span>)?<\/a>/.exec(html);
  assert.ok(m, `no Notifications link in the header of ${html.slice(0, 200)}`);
  return m[1] ?? '';
}

/** The lines of an iCalendar text, unfolded (RFC 5545 3.1). */
const icsLines = (s) => s.replace(/\r\n[ \t]/g, '').split(/\r\n/);

test('a booking sends exactly one confirmation e-mail: every detail in the text and HTML parts, and an .ics entry in UTC', async () => {
  const u = await customer('conf');
  const b = await book(fx, u, st.confirm, ['C5', 'C6', 'E1']);
  assert.equal(b.total_cents, 1250 * 2 + 1875, 'two standard seats and a premium one');
  const rows = await waitDelivered(b.id, 'booking_confirmed');
  assert.equal(rows.length, 1, `one confirmation row for booking ${b.id}: ${JSON.stringify(rows)}`);
  const box = inbox(u);
  assert.equal(box.all.length, 1, `exactly one e-mail to ${u.email}, got: ${box.all.map((m) => m.subject).join(' | ')}`);
  const m = box.all[0];
  assert.equal(m.messageId, `${rows[0].message_id}@marquee`, 'Message-ID carries the outbox message id');
  assert.match(m.to, new RegExp(`<${escRe(u.email)}>`), 'To: header');
  assert.equal(m.contentType, 'multipart/mixed', 'alternative parts plus the attachment');
  assert.match(m.subject, new RegExp(escRe(fx.movie.title)), 'subject names the movie');

  const starts = Date.parse(st.confirm.starts_at);
  const base = BASE_LINK();
  const ticket = `${base}${b.ticket_url}`;
  assert.ok(b.ticket_url.endsWith(`/bookings/${b.id}/ticket`), `ticket_url ${b.ticket_url}`);
  const want = {
    movie: fx.movie.title,
    theatre: fx.theatre.name,
    address: fx.theatre.address,
    auditorium: 'North',
    'local date and time': mailWhen(starts),
    seats: 'C5, C6, E1',
    'total paid': money(b.total_cents),
    'booking code': b.code,
  };
  assert.ok(m.text, 'a text/plain part');
  assert.ok(m.html, 'a text/html part');
  const html = htmlText(m.html);
  for (const [what, v] of Object.entries(want)) {
    assert.ok(m.text.includes(v), `text part: ${what} "${v}" missing in:\n${m.text}`);
    assert.ok(html.includes(v), `HTML part: ${what} "${v}" missing in:\n${html}`);
  }
  assert.ok(m.text.includes(ticket), `text part: the ticket page ${ticket}`);
  assert.ok(hrefs(m.html).includes(ticket), `HTML part: a link to ${ticket}; links: ${hrefs(m.html)}`);
  // The UTC time must not be what the customer reads.
  assert.ok(!m.text.includes(mailWhen(starts, 'UTC')), 'the time is the theatre\'s local time, not UTC');

  assert.equal(m.attachments.length, 1, 'one attachment');
  const [ics] = m.attachments;
  assert.match(ics.type, /^text\/calendar\b/, `attachment type ${ics.type}`);
  assert.match(ics.filename, /\.ics$/, `attachment name ${ics.filename}`);
  const lines = icsLines(ics.content.toString('utf8'));
  assert.equal(lines[0], 'BEGIN:VCALENDAR');
  const from = lines.indexOf('BEGIN:VEVENT');
  const to = lines.indexOf('END:VEVENT');
  assert.ok(from > 0 && to > from, `a VEVENT in:\n${lines.join('\n')}`);
  const ev = lines.slice(from, to);
  assert.ok(ev.includes(`DTSTART:${icsUtc(starts)}`), `DTSTART:${icsUtc(starts)} (the start in UTC) in:\n${ev.join('\n')}`);
  const end = ev.find((l) => l.startsWith('DTEND:'));
  assert.ok(end && end.slice(6) > icsUtc(starts), `DTEND after the start: ${end}`);
  assert.ok(ev.some((l) => l.startsWith('SUMMARY:') && l.includes(fx.movie.title)), 'SUMMARY names the movie');

  // Still one a moment later: no second row, no second message.
  await sleep(1000);
  assert.equal(outboxOfBooking(b.id, 'booking_confirmed').length, 1, 'no second confirmation row');
  assert.equal(inbox(u).all.length, 1, 'no second e-mail');
});

test('text/plain parts show names as written: no HTML entities for &, \' and " (HTML parts escape them)', async () => {
  const title = `Smith & Jones's "Big" Night ${crypto.randomUUID().slice(0, 6)}`;
  const m0 = await api('POST', '/v1/movies/add_movie', {
    token: fx.admin,
    body: { title, genres: [], duration_minutes: 95, release_date: '2025-01-01', content_rating: 'PG' },
  });
  const movie = expectStatus(m0, 201, 'add_movie').movie;
  const s = await showtime({ ...fx, movie }, 'North', minuteFromNow(12 * DAY));
  const u = await customer('amp', { name: `Ann O'Neil & Co` });
  const b = await book(fx, u, s, ['B9']);
  const [row] = await waitDelivered(b.id, 'booking_confirmed');
  const [m] = mailsOfRows([row]);
  assert.ok(m, 'the confirmation');
  assert.ok(m.subject.includes(title), `Subject: ${m.subject}`);
  assert.ok(htmlText(m.html).includes(title), 'HTML part: the title (escaped in the HTML, read back as written)');
  assert.ok(!m.html.includes(title), 'HTML part: the title is escaped');
  assert.ok(m.text.includes(title), `text part: the title as written, in:\n${m.text}`);
  assert.ok(m.text.includes(`Hello ${u.name},`), `text part: the name as written, in:\n${m.text}`);
});

test('the confirmation is an in-app notice: /notifications lists it, the header shows an unread badge, "mark all read" clears it', async () => {
  const u = await customer('inapp');
  const b = await book(fx, u, st.confirm, ['A1']);
  const [row] = await waitDelivered(b.id, 'booking_confirmed');
  assert.equal(sqlInt(`SELECT count(*) FROM notifications WHERE user_id = ${id(u.id)}`), 1, 'one notice');
  assert.equal(sqlInt(`SELECT count(*) FROM notifications WHERE message_id = ${lit(row.message_id)}`), 1, 'the notice carries the message id');

  const br = new Browser();
  await br.login(u.email, u.password);
  let page = await br.get('/notifications');
  assert.equal(page.status, 200, `GET /notifications: ${page}`);
  assert.match(page.text, /Booking confirmed/, 'the notice title');
  assert.ok(page.text.includes(fx.movie.title), 'the notice names the movie');
  assert.ok(page.text.includes(`/bookings/${b.id}`), 'the notice links to the booking');
  assert.match(page.text, /class="notice unread"/, 'shown as unread');
  assert.equal(badge(page.text), '1', 'header badge: one unread');
  const home = await br.get('/');
  assert.equal(badge(home.text), '1', 'the badge is on every page');

  const csrf = csrfFrom(page.text.slice(page.text.indexOf('action="/notifications/read"') - 200));
  assert.ok(csrf, 'the mark-all-read form has a csrf token');
  const r = await br.post('/notifications/read', { csrf });
  assert.equal(r.status, 303, `mark all read: ${r}`);
  assert.equal(r.headers.get('location'), '/notifications');
  page = await br.get('/notifications');
  assert.equal(badge(page.text), '', 'no badge once read');
  assert.doesNotMatch(page.text, /class="notice unread"/, 'nothing unread');
  assert.match(page.text, /Booking confirmed/, 'the notice is still listed');
  assert.equal(badge((await br.get('/')).text), '', 'no badge on other pages either');
});

test('a showtime change reaches every confirmed booking of it (old and new time, a link to cancel) and no one else', async () => {
  const [a, b2, d, c] = [await customer('chgA'), await customer('chgB'), await customer('chgD'), await customer('chgC')];
  const ba = await book(fx, a, st.change, ['B1', 'B2']);
  const bb = await book(fx, b2, st.change, ['C1']);
  const bd = await book(fx, d, st.change, ['D1']);
  const bc = await book(fx, c, st.other, ['B1']);
  // d's booking is refunded before the change: not confirmed, not told.
  expectStatus(await api('POST', `/v1/bookings/${bd.id}/cancel`, { token: d.token }), 200, 'd cancels');
  for (const x of [ba, bb, bd, bc]) await waitDelivered(x.id, 'booking_confirmed');
  await waitDelivered(bd.id, 'booking_refunded');

  const oldMs = Date.parse(st.change.starts_at);
  const newMs = oldMs + 3 * 3600000 + 15 * 60000;
  const r = await updateShowtimes(fx, [{ id: st.change.id, starts_at: new Date(newMs).toISOString().replace(/\.\d+Z$/, 'Z') }]);
  const j = expectStatus(r, 200, 'update_showtimes (new start)');
  assert.equal(j.notified_bookings, 2, `notified_bookings: ${JSON.stringify(j)}`);
  const after = j.showtimes.find((s) => s.id === st.change.id);
  assert.equal(Date.parse(after.starts_at), newMs);

  for (const [u, bk] of [
    [a, ba],
    [b2, bb],
  ]) {
    const rows = await waitDelivered(bk.id, 'showtime_changed');
    assert.equal(rows.length, 1, `one change row for booking ${bk.id}`);
    const box = inbox(u);
    assert.equal(box.changes.length, 1, `one change e-mail to ${u.email}: ${box.all.map((m) => m.subject).join(' | ')}`);
    const m = box.changes[0];
    assert.equal(m.messageId, `${rows[0].message_id}@marquee`);
    const html = htmlText(m.html);
    // The old and the new time, as the customer reads times (local), in some
    // human or RFC 3339 local form.
    const oldForms = [mailWhen(oldMs), st.change.starts_local];
    const newForms = [mailWhen(newMs), after.starts_local];
    for (const [part, text] of [
      ['text', m.text],
      ['HTML', html],
    ]) {
      assert.ok(oldForms.some((f) => text.includes(f)), `${part} part: the old time (${oldForms.join(' or ')}) in:\n${text}`);
      assert.ok(newForms.some((f) => text.includes(f)), `${part} part: the new time (${newForms.join(' or ')}) in:\n${text}`);
      assert.match(text, /cancel/i, `${part} part: says the booking can be cancelled`);
      assert.ok(text.includes(bk.code), `${part} part: the booking code`);
    }
    const link = `${BASE_LINK()}/bookings/${bk.id}`;
    assert.ok(m.text.includes(link), `text part: a link to cancel (${link})`);
    assert.ok(hrefs(m.html).includes(link), `HTML part: a link to cancel (${link}); links: ${hrefs(m.html)}`);
    assert.equal(sqlInt(`SELECT count(*) FROM notifications WHERE booking_id = ${id(bk.id)} AND kind = 'showtime_changed'`), 1, 'and one in-app notice');
  }
  // No one else: not the refunded booking, not the other showtime's buyer.
  await sleep(500);
  assert.deepEqual(outboxOfBooking(bd.id, 'showtime_changed'), [], 'no change row for the refunded booking');
  assert.deepEqual(outboxOfBooking(bc.id, 'showtime_changed'), [], 'no change row for another showtime');
  assert.equal(inbox(d).changes.length, 0, 'the refunded booking\'s holder hears nothing of the change');
  assert.deepEqual(
    inbox(c).all.map((m) => m.subject.split(':')[0]),
    ['Your tickets'],
    'the other showtime\'s buyer got only the confirmation',
  );
});

test('an update that does not move a showtime (its own start sent again, a new price) tells no one and keeps the 2-hour rule', async () => {
  // Clients that send the whole showtime back (starts_at unchanged) must not
  // set off a "Time change" e-mail whose before and after are the same time,
  // nor lift API.md's "up to 2 hours before the start" (sql/009: moved
  // showtimes may be cancelled until they start) for a showtime that did not
  // move.  A price change alone is the control.
  const problems = [];
  const s1 = await showtime(fx, 'North', minuteFromNow(75 * 60000));
  const s2 = await showtime(fx, 'West', minuteFromNow(75 * 60000));
  const [u1, u2] = [await customer('sameA'), await customer('sameB')];
  const b1 = await book(fx, u1, s1, ['A1']);
  const b2 = await book(fx, u2, s2, ['A1']);
  for (const b of [b1, b2]) await waitDelivered(b.id, 'booking_confirmed');

  const j2 = expectStatus(await updateShowtimes(fx, [{ id: s2.id, base_price_cents: 1500 }]), 200, 'a new price only');
  assert.equal(j2.notified_bookings, 0, 'a price change notifies no one');
  const c2 = await api('POST', `/v1/bookings/${b2.id}/cancel`, { token: u2.token });
  assert.equal(c2.status, 409, `cancel 75 minutes before the start after a price change: ${c2}`);

  const j1 = expectStatus(await updateShowtimes(fx, [{ id: s1.id, starts_at: s1.starts_at, base_price_cents: 1400 }]), 200, 'same start, new price');
  assert.equal(j1.showtimes[0].starts_at, s1.starts_at, 'the start did not move');
  if (j1.notified_bookings !== 0) problems.push(`PUT /v1/theatre/${fx.theatre.slug}/update_showtimes {"showtimes": [{"id": ${s1.id}, "starts_at": "${s1.starts_at}" (its start as it was), "base_price_cents": 1400}]} answered notified_bookings ${j1.notified_bookings}, expected 0`);
  await sleep(1500);
  const changes = inbox(u1).changes;
  if (changes.length) {
    const lines = changes[0].text.split('\n').filter((l) => /Before|Now/.test(l)).map((l) => l.trim());
    problems.push(`${changes.length} "Time change" e-mail(s) for a showtime that did not move: ${lines.join(' / ')}`);
  }
  const c1 = await api('POST', `/v1/bookings/${b1.id}/cancel`, { token: u1.token });
  if (c1.status !== 409) problems.push(`POST /v1/bookings/${b1.id}/cancel 75 minutes before a start that never moved answered ${c1.status} (${c1.json?.booking?.status ?? c1.json?.error?.code}), expected 409 too_late`);
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('after a change the customer may cancel even inside the 2-hour window', async () => {
  const e = await customer('soon');
  const be = await book(fx, e, st.soon, ['A4', 'A5']);
  await waitDelivered(be.id, 'booking_confirmed');
  // Starts in about an hour: too late to cancel...
  const late = await api('POST', `/v1/bookings/${be.id}/cancel`, { token: e.token });
  assert.equal(late.status, 409, `cancel 1 hour before: ${late}`);
  assert.equal(late.json.error.code, 'too_late');
  // ...until the theatre moves it (still inside the window).
  const newMs = minuteFromNow(90 * 60000);
  const j = expectStatus(await updateShowtimes(fx, [{ id: st.soon.id, starts_at: new Date(newMs).toISOString().replace(/\.\d+Z$/, 'Z') }]), 200, 'move the showtime');
  assert.equal(j.notified_bookings, 1);
  await waitDelivered(be.id, 'showtime_changed');
  assert.equal(inbox(e).changes.length, 1, 'the change e-mail');
  const r = await api('POST', `/v1/bookings/${be.id}/cancel`, { token: e.token });
  const c = expectStatus(r, 200, 'cancel after the change, 90 minutes before the start');
  assert.equal(c.booking.status, 'refunded');
  await waitDelivered(be.id, 'booking_refunded');
  const box = inbox(e);
  assert.equal(box.refunds.length, 1, `one refund e-mail: ${box.all.map((m) => m.subject).join(' | ')}`);
  assert.ok(box.refunds[0].text.includes(money(be.total_cents)), `the amount ${money(be.total_cents)} in:\n${box.refunds[0].text}`);
});

test('a cancelled showtime refunds every booking by itself; each holder gets ONE e-mail saying how much went back where', async () => {
  const [f, g] = [await customer('cxF'), await customer('cxG')];
  const bf = await book(fx, f, st.cancel, ['B6']);
  const bg = await book(fx, g, st.cancel, ['C6', 'C7', 'E6']);
  for (const x of [bf, bg]) await waitDelivered(x.id, 'booking_confirmed');

  const j = expectStatus(await updateShowtimes(fx, [{ id: st.cancel.id, status: 'cancelled' }]), 200, 'cancel the showtime');
  assert.equal(j.notified_bookings, 2, JSON.stringify(j));
  assert.equal(j.showtimes[0].status, 'cancelled');

  for (const [u, bk] of [
    [f, bf],
    [g, bg],
  ]) {
    await waitFor(
      async () => {
        const r = await api('GET', `/v1/bookings/${bk.id}`, { token: u.token });
        return r.status === 200 && r.json.booking.status === 'refunded';
      },
      { timeout: 20000, what: `booking ${bk.id} refunded` },
    );
    const charge = await waitFor(
      () => {
        const c = sqlJson(`SELECT json_build_object('amount', c.amount_cents, 'refunded', c.refunded_cents)
          FROM card_charges c JOIN bookings b ON b.payment_ref = c.reference WHERE b.id = ${id(bk.id)}`);
        return c && c.refunded === c.amount ? c : false;
      },
      { timeout: 20000, what: `card_charges.refunded_cents of booking ${bk.id}` },
    );
    assert.equal(charge.refunded, bk.total_cents, 'the whole amount went back to the card');
    const rows = await waitDelivered(bk.id, 'booking_refunded');
    assert.equal(rows.length, 1, 'one refund row');
    await waitDelivered(bk.id, 'showtime_cancelled');
  }
  await sleep(500);
  for (const [u, bk] of [
    [f, bf],
    [g, bg],
  ]) {
    const box = inbox(u);
    assert.equal(box.all.length, 2, `the confirmation and ONE more e-mail to ${u.email}: ${box.all.map((m) => m.subject).join(' | ')}`);
    assert.equal(box.refunds.length, 1, 'that one is the refund');
    const m = box.refunds[0];
    for (const [part, text] of [
      ['text', m.text],
      ['HTML', htmlText(m.html)],
    ]) {
      assert.ok(text.includes(money(bk.total_cents)), `${part} part: how much (${money(bk.total_cents)}) in:\n${text}`);
      assert.match(text, /\bcard\b/i, `${part} part: where (the card)`);
      assert.match(text, /cancel/i, `${part} part: why (the showtime was cancelled)`);
      assert.ok(text.includes(bk.code), `${part} part: the booking code`);
    }
  }
});

test('send_details: the owner gets the confirmation again (202), another customer gets 404, an admin 202', async () => {
  const h = await customer('sdH');
  const other = await customer('sdI');
  const bh = await book(fx, h, st.confirm, ['D2', 'D3']);
  await waitDelivered(bh.id, 'booking_confirmed');

  let r = await api('POST', '/v1/booking_details/send_details', { token: h.token, body: { booking_id: bh.id } });
  assert.deepEqual(expectStatus(r, 202, 'send_details by the owner'), { queued: true });
  let rows = await waitDelivered(bh.id, 'booking_confirmed', { count: 2 });
  await waitFor(() => inbox(h).confirmations.length >= 2, { timeout: 10000, what: 'the second confirmation' });
  const again = mailsOfRows([rows[1]]);
  assert.equal(again.length, 1, 'the resent confirmation, by its Message-ID');
  assert.match(again[0].text, /details again/i, `says it is a resend:\n${again[0].text}`);
  assert.ok(again[0].text.includes(bh.code), 'with the booking code');
  assert.equal(again[0].attachments.length, 1, 'and the calendar entry');

  r = await api('POST', '/v1/booking_details/send_details', { token: other.token, body: { booking_id: bh.id } });
  assert.equal(r.status, 404, `another customer's booking: ${r}`);
  assert.equal(r.json.error.code, 'not_found');
  r = await api('POST', '/v1/booking_details/send_details', { body: { booking_id: bh.id } });
  assert.equal(r.status, 401, `no token: ${r}`);

  r = await api('POST', '/v1/booking_details/send_details', { token: fx.admin, body: { booking_id: bh.id } });
  assert.deepEqual(expectStatus(r, 202, 'send_details by an admin'), { queued: true });
  rows = await waitDelivered(bh.id, 'booking_confirmed', { count: 3 });
  assert.equal(rows.length, 3, 'the owner\'s, the admin\'s, none for the refused one');
  await waitFor(() => inbox(h).confirmations.length >= 3, { timeout: 10000, what: 'the third confirmation' });
  await sleep(300);
  const box = inbox(h);
  assert.equal(box.confirmations.length, 3, 'three confirmations to the owner');
  assert.equal(new Set(box.confirmations.map((m) => m.messageId)).size, 3, 'each with its own Message-ID');
  assert.equal(inbox(other).all.length, 0, 'nothing to the other customer');
});

test('send_change_details: admin 202 {"queued": N} (N = confirmed bookings), the message in each e-mail; customer 403; unknown showtime 404', async () => {
  const [j1, k1, l1] = [await customer('ntJ'), await customer('ntK'), await customer('ntL')];
  const bj = await book(fx, j1, st.notice, ['A1']);
  const bk = await book(fx, k1, st.notice, ['A2', 'A3']);
  const bl = await book(fx, l1, st.notice, ['A4']);
  expectStatus(await api('POST', `/v1/bookings/${bl.id}/cancel`, { token: l1.token }), 200, 'l cancels');
  const confirmed = sqlInt(`SELECT count(*) FROM bookings WHERE showtime_id = ${id(st.notice.id)} AND status = 'confirmed'`);
  assert.equal(confirmed, 2);
  const message = `Screen "East" has new seats & a <better> sound system.\nPlease arrive 15 minutes early (${crypto.randomUUID().slice(0, 8)}).`;

  let r = await api('POST', '/v1/booking_details/send_change_details', { token: j1.token, body: { showtime_id: st.notice.id, message } });
  assert.equal(r.status, 403, `a customer: ${r}`);
  r = await api('POST', '/v1/booking_details/send_change_details', { token: fx.admin, body: { showtime_id: 999999999, message } });
  assert.equal(r.status, 404, `unknown showtime: ${r}`);
  assert.equal(r.json.error.code, 'not_found');
  r = await api('POST', '/v1/booking_details/send_change_details', { token: fx.admin, body: { showtime_id: st.notice.id } });
  assert.equal(r.status, 400, `no message: ${r}`);
  assert.deepEqual(outboxOfBooking(bj.id, 'change_notice'), [], 'nothing queued by the refused requests');

  r = await api('POST', '/v1/booking_details/send_change_details', { token: fx.admin, body: { showtime_id: st.notice.id, message } });
  assert.deepEqual(expectStatus(r, 202, 'send_change_details by an admin'), { queued: confirmed });
  for (const [u, b] of [
    [j1, bj],
    [k1, bk],
  ]) {
    const rows = await waitDelivered(b.id, 'change_notice');
    assert.equal(rows.length, 1);
    const [m] = mailsOfRows(rows);
    assert.ok(m, `the notice to ${u.email} by its Message-ID`);
    assert.ok(m.rcpts.includes(u.email.toLowerCase()), 'to the booking\'s holder');
    assert.ok(htmlText(m.html).includes(message.replace('\n', ' ')), `HTML part: the message, in:\n${m.html}`);
    assert.ok(!m.html.includes('<better>'), 'HTML part: the message is escaped');
    assert.ok(m.text.includes(b.code), 'names the booking');
    // Last, as it fails today: a text/plain part is not HTML, so nothing in
    // it is written as an HTML entity.
    assert.ok(m.text.includes(message), `text part: the message as written (not HTML-escaped), in:\n${m.text}`);
  }
  await sleep(300);
  assert.deepEqual(outboxOfBooking(bl.id, 'change_notice'), [], 'not to the refunded booking');
  assert.equal(inbox(l1).notices.length, 0);
});

test('a backlog goes out without pausing: 500 queued notices arrive with no gap of seconds between them', async () => {
  // DESIGN.md: LISTEN/NOTIFY wakes the jobs process "without polling delay".
  // One run of the outbox job delivers for at most 2 s (src/notify/outbox.c
  // RUN_USEC, "then lets other jobs run"); with rows still due it must go on
  // at once, not wait for the job's 5-second interval.
  const us = [await customer('blA'), await customer('blB')];
  const s = await showtime(fx, 'West', minuteFromNow(14 * DAY));
  const bs = [];
  for (const [i, u] of us.entries()) bs.push(await book(fx, u, s, [`B${i + 1}`]));
  for (const b of bs) await waitDelivered(b.id, 'booking_confirmed');
  mailbox.scan();
  const t0 = Date.now();
  const rows = JSON.parse(
    psql(`WITH ins AS (INSERT INTO outbox (kind, payload)
        SELECT 'change_notice', jsonb_build_object('booking_id', b.id, 'message', 'Backlog notice ' || g)
        FROM unnest(ARRAY[${bs.map((b) => id(b.id)).join(',')}]::bigint[]) AS b(id), generate_series(1, 250) AS g
        RETURNING message_id)
      SELECT json_agg(message_id || '@marquee') FROM ins`),
  );
  const want = new Set(rows);
  const seen = new Map();
  while (seen.size < want.size && Date.now() - t0 < 60000) {
    // When the sink wrote each file (its mtime), not when this loop saw it:
    // a stall of the test process is not a pause of the sender.
    for (const m of mailbox.scan().withIds(want)) if (!seen.has(m.messageId)) seen.set(m.messageId, m.mtime - t0);
    await sleep(25);
  }
  assert.equal(seen.size, 500, 'all 500 arrived within 60 s');
  const times = [...seen.values()].sort((a, b) => a - b);
  let gap = 0;
  let at = 0;
  for (let i = 1; i < times.length; i++) {
    if (times[i] - times[i - 1] > gap) {
      gap = times[i] - times[i - 1];
      at = i;
    }
  }
  const perSecond = {};
  for (const t of times) perSecond[Math.floor(t / 1000)] = (perSecond[Math.floor(t / 1000)] || 0) + 1;
  assert.ok(
    gap < 3000,
    `a pause of ${gap} ms after the ${at}th of 500 queued messages (all out after ${times.at(-1)} ms; arrivals per second: ${JSON.stringify(perSecond)})`,
  );
});

/** The page's main section, without the per-request csrf token. */
const mainSection = (html) =>
  (/<section[\s\S]*<\/section>/.exec(html) || [''])[0].replace(/name="csrf" value="[^"]*"/g, 'name="csrf"');

/** Asks for a reset link through the form; the page. */
async function forgot(email) {
  const br = new Browser();
  const r = await br.submit('/account/password/forgot', '/account/password/forgot', { email });
  assert.equal(r.status, 200, `POST /account/password/forgot (${email}): ${r}`);
  return r;
}

/** The reset link of the newest password e-mail to the user. */
async function resetLink(u, count = 1) {
  const ms = await waitMails(u.email, { count, where: (m) => /password/i.test(m.subject) });
  const m = ms.at(-1);
  const link = (/https?:\/\/\S+\/account\/password\/reset\?token=[A-Za-z0-9_-]+/.exec(m.text) || [])[0];
  assert.ok(link, `a reset link in:\n${m.text}`);
  assert.ok(link.startsWith(`${BASE_LINK()}/account/password/reset?token=`), `the link is on this site: ${link}`);
  assert.ok(hrefs(m.html).includes(link), 'the HTML part has the same link');
  return { mail: m, link, path: link.slice(BASE_LINK().length) };
}

test('password reset: same answer for known and unknown addresses, the e-mailed link sets a new password once and ends every session', async () => {
  const u = await customer('reset');
  const oldToken = u.token;
  const tok2 = (await api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(u.email, u.password) } })).json.token;
  assert.ok(tok2, 'a second session');
  const unknown = uniqueEmail(`nobody-${crypto.randomUUID().slice(0, 6)}`);

  const known = await forgot(u.email);
  const other = await forgot(unknown);
  assert.match(known.text, /If an account exists for that address/);
  assert.equal(mainSection(other.text), mainSection(known.text), 'the same page for an unknown address');

  const { path } = await resetLink(u);
  assert.equal(mailbox.to(unknown).length, 0, 'no mail to the unknown address');
  await waitFor(() => sqlInt(`SELECT count(*) FROM outbox WHERE kind = 'password_reset' AND payload->>'user_id' = '${id(u.id)}' AND state = 'delivered'`) === 1, {
    what: 'the reset row delivered',
  });
  assert.equal(
    sqlInt(`SELECT count(*) FROM outbox WHERE kind = 'password_reset' AND payload->>'user_id' = '${id(u.id)}' AND payload ? 'token'`),
    0,
    'the delivered row no longer keeps the token',
  );

  const br = new Browser();
  const form = await br.get(path);
  assert.equal(form.status, 200, `GET the link: ${form}`);
  assert.match(form.text, /name="password"/, 'a new-password form');
  const newPassword = uniquePassword();
  const r = await br.post('/account/password/reset', { csrf: csrfFrom(form.text), token: new URL(path, 'http://x').searchParams.get('token'), password: newPassword });
  assert.equal(r.status, 303, `POST the new password: ${r}`);
  assert.match(r.headers.get('location') || '', /^\/login/);

  const auth = (pw) => api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(u.email, pw) } });
  assert.equal((await auth(newPassword)).status, 200, 'the new password logs in');
  assert.equal((await auth(u.password)).status, 401, 'the old one does not');
  const br2 = new Browser();
  await br2.login(u.email, newPassword);
  for (const t of [oldToken, tok2]) {
    const me = await api('GET', '/v1/users/me', { token: t });
    assert.equal(me.status, 401, `a session from before the reset is revoked: ${me}`);
  }

  // Once only.
  const again = await br.get(path);
  assert.equal(again.status, 410, `the link a second time: ${again}`);
  assert.match(again.text, /expired or was already used/);
  assert.doesNotMatch(again.text, /name="password"/, 'no form on the expired page');
  const reuse = await br.post('/account/password/reset', { csrf: csrfFrom(form.text), token: new URL(path, 'http://x').searchParams.get('token'), password: uniquePassword() });
  assert.equal(reuse.status, 410, `posting the used token again: ${reuse}`);
  assert.match(reuse.text, /expired or was already used/);
  assert.equal((await auth(newPassword)).status, 200, 'the password set by the first use stands');
});

test('password reset: an expired link shows the expired page and changes nothing', async () => {
  const u = await customer('expired');
  await forgot(u.email);
  const { path } = await resetLink(u);
  psql(`UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE user_id = ${id(u.id)} AND used_at IS NULL`);
  const br = new Browser();
  const page = await br.get(path);
  assert.equal(page.status, 410, `GET an expired link: ${page}`);
  assert.match(page.text, /expired or was already used/);
  assert.doesNotMatch(page.text, /name="password"/, 'no form');
  const csrf = csrfFrom((await br.get('/account/password/forgot')).text);
  assert.ok(csrf, 'a csrf token of this browser');
  const r = await br.post('/account/password/reset', { csrf, token: new URL(path, 'http://x').searchParams.get('token'), password: uniquePassword() });
  assert.equal(r.status, 410, `POST with an expired token: ${r}`);
  assert.match(r.text, /expired or was already used/);
  const still = await api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(u.email, u.password) } });
  assert.equal(still.status, 200, 'the old password still works');
  assert.equal((await api('GET', '/v1/users/me', { token: u.token })).status, 200, 'and the session still stands');
});
