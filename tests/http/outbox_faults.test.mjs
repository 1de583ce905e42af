// The outbox under faults (DESIGN.md "Notifications (the event log)":
// "Killing the jobs process at any moment loses nothing; a row is delivered
// at least once, and deliveries carry an id so a repeat is recognisable";
// failures are retried with back-off and parked after N tries).
//
//   1. kill -9 of the jobs process in the middle of a batch of 500 messages:
//      all 500 arrive; the only repeats are messages that were in flight
//      (claimed, not yet marked delivered) at the kill, recognisable by
//      their Message-ID;
//   2. the SMTP sink down for 30 s: the messages queued meanwhile arrive
//      within a few seconds of its return;
//   3. a message the relay always refuses is parked after outbox_max_tries,
//      shown on /admin/outbox with its last error, and its Retry button
//      queues it again.
//
// These tests stop and start pieces of the instance: the jobs process (run/
// jobs.pid) and the SMTP sink (run/smtp-sink.pid).  They are started again
// exactly as ./stack starts them (start_bg: setsid, stdin /dev/null, output
// appended to the piece's log, the pid in run/): the same program, arguments,
// environment and working directory, read from /proc before the stop.  A
// failing or interrupted test restores them too (notify_fixtures.mjs guard).
// Other suites' mail is held up while a piece is down, so this file assumes
// that it is not run beside them against the same instance at that moment
// (node --test runs files one at a time on a 2-CPU machine).
//
// Timing follows the instance's outbox settings (outbox_max_tries,
// outbox_backoff_ms, outbox_lease_seconds), read from its config file and the
// jobs process's environment.  ./stack gives the test instance 3 tries, 300 ms
// and 5 s; on the dev instance run a jobs process with the same values in its
// environment (MARQUEE_OUTBOX_MAX_TRIES=3 ...) to run this file there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { api, Browser, csrfFrom, psql, lit, uniqueEmail, waitFor, ADMIN_EMAIL, ADMIN_PASSWORD } from './lib.mjs';
import {
  RUN,
  setupCatalog,
  showtime,
  customer,
  book,
  expectStatus,
  waitDelivered,
  mailbox,
  minuteFromNow,
  outboxSettings,
  confFile,
  sqlInt,
  sqlJson,
  id,
  pidOf,
  alive,
  captureProcess,
  restartProcess,
  waitGone,
  guard,
  unguard,
  sleep,
} from './notify_fixtures.mjs';

const DAY = 86400000;
// src/notify/outbox.c CLAIM_BATCH: rows claimed at once by one jobs process.
const CLAIM_BATCH = 50;
// src/bin/marquee-jobs.c: deliver_outbox runs at least every 5 s (and at
// once on NOTIFY).
const JOB_INTERVAL_MS = 5000;

let fx;
let cfg;
const ids = (rows) => new Set(rows.map((r) => `${r.message_id}@marquee`));

before(async () => {
  cfg = outboxSettings();
  assert.ok(alive(pidOf('jobs.pid')), 'the jobs process runs (run/jobs.pid)');
  assert.ok(alive(pidOf('smtp-sink.pid')), 'the SMTP sink runs (run/smtp-sink.pid)');
  fx = await setupCatalog('f');
});

// Whatever happened, the instance is left with a jobs process and a sink.
after(() => {
  for (const [name, file] of [
    ['jobs', 'jobs.pid'],
    ['smtp-sink', 'smtp-sink.pid'],
  ]) {
    let ok = false;
    try {
      ok = alive(pidOf(file));
    } catch {
      ok = false;
    }
    assert.ok(ok, `${name} is running after the tests`);
  }
});

/** Bookings of fresh customers on a showtime of their own, confirmations out of the way. */
async function bookings(n, tag, auditorium, dayOffset) {
  const st = await showtime(fx, auditorium, minuteFromNow(dayOffset * DAY));
  const out = [];
  for (let i = 0; i < n; i++) {
    const u = await customer(`${tag}${i}`);
    const b = await book(fx, u, st, [`A${i + 1}`]);
    out.push({ u, b });
  }
  for (const { b } of out) await waitDelivered(b.id, 'booking_confirmed');
  return { st, list: out };
}

const portOpen = (port) =>
  new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });

const smtpPort = () => Number(/:(\d+)\/?$/.exec(confFile().smtp_url)[1]);

function outboxRows(messageIds) {
  return sqlJson(`SELECT coalesce(json_agg(json_build_object('id', id, 'message_id', message_id, 'kind', kind, 'state', state,
      'attempts', attempts, 'last_error', last_error, 'next_at', next_at) ORDER BY id), '[]')
    FROM outbox WHERE message_id IN (${[...messageIds].map((m) => lit(m.replace(/@marquee$/, ''))).join(',')})`);
}

test('kill -9 of the jobs process in the middle of 500 messages: all 500 arrive; repeats only for messages in flight, with the same Message-ID', { timeout: 150000 }, async () => {
  const { list } = await bookings(5, 'kill', 'North', 5);
  const jobsPid = pidOf('jobs.pid');
  const spec = captureProcess(jobsPid);
  guard('jobs', () => {
    if (!alive(pidOf('jobs.pid'))) restartProcess(spec, 'jobs.pid');
  });

  mailbox.scan(); // read what is there already, so that polling below is quick
  // 500 change notices in one transaction: 100 for each of 5 bookings.
  const tag = `kill-${RUN}-${crypto.randomUUID().slice(0, 8)}`;
  const rows = JSON.parse(
    psql(`WITH ins AS (
      INSERT INTO outbox (kind, payload)
      SELECT 'change_notice', jsonb_build_object('booking_id', b.id, 'message', ${lit(tag)} || ' #' || g, 'sent_by', 0)
        FROM unnest(ARRAY[${list.map(({ b }) => id(b.id)).join(',')}]::bigint[]) AS b(id), generate_series(1, 100) AS g
      RETURNING message_id)
      SELECT json_agg(json_build_object('message_id', message_id)) FROM ins`),
  );
  assert.equal(rows.length, 500);
  const want = ids(rows);
  const arrived = () => {
    const ms = mailbox.scan().withIds(want);
    return { files: ms.length, distinct: new Set(ms.map((m) => m.messageId)).size, ms };
  };

  // In flight: claimed by the process (attempts > 0) and not marked delivered.
  const claimed = () => new Set(
    JSON.parse(psql(`SELECT coalesce(json_agg(message_id || '@marquee'), '[]') FROM outbox
      WHERE message_id IN (${rows.map((r) => lit(r.message_id)).join(',')}) AND state = 'pending' AND attempts > 0`)),
  );

  // Kill it after about 50 have arrived, at a moment it holds claimed rows:
  // stopped first and looked at (between two batches it holds none), then
  // killed as it stands.
  const t0 = Date.now();
  await waitFor(() => arrived().distinct >= 50, { timeout: 30000, interval: 10, what: '50 of the 500 messages' });
  let inFlight;
  for (let i = 0; ; i++) {
    process.kill(jobsPid, 'SIGSTOP');
    inFlight = claimed();
    if (inFlight.size > 0 || i === 50) break;
    process.kill(jobsPid, 'SIGCONT');
    await sleep(5);
  }
  process.kill(jobsPid, 'SIGKILL');
  const atKill = arrived();
  await waitGone(jobsPid);
  const killedAfter = Date.now() - t0;
  assert.ok(atKill.distinct < 500, `the kill came in the middle of the batch (${atKill.distinct} of 500 had arrived after ${killedAfter} ms)`);
  assert.ok(inFlight.size > 0, `the kill came while the process held claimed rows (${atKill.distinct} of 500 had arrived after ${killedAfter} ms)`);

  const newPid = restartProcess(spec, 'jobs.pid');
  unguard('jobs');
  await sleep(200);
  assert.ok(alive(newPid), 'the jobs process started again');

  // The rows the dead process held come back when their lease runs out.
  const budget = cfg.outbox_lease_seconds * 1000 + JOB_INTERVAL_MS + 45000;
  await waitFor(() => arrived().distinct === 500, { timeout: budget, interval: 200, what: `all 500 messages (lease ${cfg.outbox_lease_seconds} s)` });
  await waitFor(() => sqlInt(`SELECT count(*) FROM outbox WHERE message_id IN (${rows.map((r) => lit(r.message_id)).join(',')}) AND state = 'delivered'`) === 500, {
    timeout: 20000,
    what: 'all 500 rows marked delivered',
  });
  await sleep(500);
  const end = arrived();
  const byId = new Map();
  for (const m of end.ms) byId.set(m.messageId, (byId.get(m.messageId) || 0) + 1);
  const repeats = [...byId].filter(([, n]) => n > 1).map(([k]) => k);
  const extra = end.files - end.distinct;
  // eslint-disable-next-line no-console
  console.log(`# kill -9 after ${atKill.distinct} messages (${killedAfter} ms); ${inFlight.size} in flight; ${end.files} files for 500 messages (${extra} repeats)`);
  assert.equal(end.distinct, 500, 'every message arrived');
  assert.ok(end.files <= 500 + CLAIM_BATCH, `at most one batch repeated: ${end.files} files`);
  for (const r of repeats) assert.ok(inFlight.has(r), `message ${r} arrived twice but was not in flight at the kill`);
  // A repeat is the same message: same Message-ID, recipient and body.
  for (const r of repeats) {
    const copies = end.ms.filter((m) => m.messageId === r);
    assert.ok(copies.every((c) => c.text === copies[0].text && c.rcpts.join() === copies[0].rcpts.join()), `the copies of ${r} are the same message`);
  }
  // Each notice is in the site once, whatever the repeats.
  assert.equal(
    sqlInt(`SELECT count(*) FROM notifications WHERE message_id IN (${rows.map((r) => lit(r.message_id)).join(',')})`),
    500,
    'one in-app notice per message',
  );
  // The notices went where they belong: 100 to each customer.
  for (const { u } of list) {
    const mine = new Set(end.ms.filter((m) => m.rcpts.includes(u.email.toLowerCase())).map((m) => m.messageId));
    assert.equal(mine.size, 100, `100 distinct notices to ${u.email}`);
  }
});

test('the SMTP sink down for 30 s: messages queued meanwhile arrive within a few seconds of its return', { timeout: 120000 }, async () => {
  const { st, list } = await bookings(3, 'sink', 'South', 6);
  const sinkPid = pidOf('smtp-sink.pid');
  const spec = captureProcess(sinkPid);
  const port = smtpPort();
  guard('smtp-sink', () => {
    if (!alive(pidOf('smtp-sink.pid'))) restartProcess(spec, 'smtp-sink.pid');
  });

  // Down: ./stack stops it with SIGTERM (stop_pid).
  process.kill(sinkPid, 'SIGTERM');
  await waitGone(sinkPid);
  const downAt = Date.now();
  assert.equal(await portOpen(port), false, `nothing listens on ${port}`);

  const message = `The sink was down (${RUN}); this notice waited for it.`;
  const r = await api('POST', '/v1/booking_details/send_change_details', { token: fx.admin, body: { showtime_id: st.id, message } });
  assert.deepEqual(expectStatus(r, 202, 'send_change_details'), { queued: 3 });
  const rows = sqlJson(`SELECT json_agg(json_build_object('message_id', message_id)) FROM outbox
    WHERE kind = 'change_notice' AND payload->>'message' = ${lit(message)}`);
  assert.equal(rows.length, 3);
  const want = ids(rows);

  // The deliveries fail while it is down (and are retried).
  await waitFor(() => outboxRows(want).every((x) => x.attempts >= 1 && x.last_error), { timeout: 15000, what: 'a failed delivery of each message' });
  const whileDown = outboxRows(want);
  assert.equal(mailbox.scan().withIds(want).length, 0, 'nothing arrives while the sink is down');

  await sleep(Math.max(0, 30000 - (Date.now() - downAt)));
  const duringOutage = outboxRows(want);
  const upPid = restartProcess(spec, 'smtp-sink.pid');
  unguard('smtp-sink');
  await waitFor(() => portOpen(port), { timeout: 5000, what: `the sink listening on ${port} again` });
  const upAt = Date.now();
  assert.ok(alive(upPid), 'the sink runs again');

  let arrivedIn;
  try {
    await waitFor(() => mailbox.scan().withIds(want).length >= 3, { timeout: 15000, interval: 100, what: 'the 3 notices after the sink came back' });
    arrivedIn = Date.now() - upAt;
  } catch (e) {
    const now = outboxRows(want);
    assert.fail(
      `the messages queued while the sink was down did not arrive within 15 s of its return (outbox_max_tries ${cfg.outbox_max_tries}, ` +
        `outbox_backoff_ms ${cfg.outbox_backoff_ms}).\n  rows after the first failure: ${JSON.stringify(whileDown)}\n` +
        `  rows at the sink's return: ${JSON.stringify(duringOutage)}\n  rows now: ${JSON.stringify(now)}\n  (${e.message})`,
    );
  }
  // eslint-disable-next-line no-console
  console.log(`# sink back: the 3 notices arrived ${arrivedIn} ms later`);
  assert.ok(arrivedIn <= 10000, `within a few seconds of the sink's return: ${arrivedIn} ms`);
  for (const { u, b } of list) {
    await waitDelivered(b.id, 'change_notice');
    const ms = mailbox.to(u.email).filter((m) => want.has(m.messageId));
    assert.equal(ms.length, 1, `one notice to ${u.email}`);
    assert.ok(ms[0].text.includes(message), 'with the message');
  }
});

// How to make the relay refuse one message for ever: smtp-sink (the stack's
// relay) accepts every recipient, and its -f/-r/-Q options refuse a command
// for every message, not for one.  So the message goes to an address that
// ends the SMTP session: the app sends "RCPT TO:<" address ">" as one command
// line (libcurl passes the address through as it is), and an address holding
// CR LF makes it several lines.  With "park-...\r\nQUIT\r\nx@example.test"
// the sink accepts "RCPT TO:<park-...", answers "QUIT" with 221 and closes
// the connection; the client reads that 221 as the answer to its DATA, and
// the delivery fails at once ("Failed sending data to the peer"), every time,
// with nothing delivered.  (Ending the session matters: an injected line the
// sink merely refuses, like "RSET@example.test>", puts its answers one step
// behind the client's commands, and libcurl can then wait up to 100 s, the
// sink's own timeout, for the answer to its QUIT, past CURLOPT_TIMEOUT_MS.)
// Such an address cannot be registered (the e-mail validator refuses control
// characters), so it is set with SQL, as a bad import or a hand-edited row
// would.
test('a message the relay always refuses is parked after outbox_max_tries, listed on /admin/outbox with its last error, and Retry sends it again', { timeout: 150000 }, async () => {
  const { list } = await bookings(1, 'park', 'East', 7);
  const [{ u, b }] = list;
  const bad = `park-${RUN}-${crypto.randomUUID().slice(0, 6)}\r\nQUIT\r\nx@example.test`;
  psql(`UPDATE users SET email = ${lit(bad)} WHERE id = ${id(u.id)}`);
  const r = await api('POST', '/v1/booking_details/send_details', { token: u.token, body: { booking_id: b.id } });
  expectStatus(r, 202, 'send_details');
  const row = sqlJson(`SELECT json_build_object('id', id, 'message_id', message_id) FROM outbox
    WHERE kind = 'booking_confirmed' AND payload->>'booking_id' = '${id(b.id)}' ORDER BY id DESC LIMIT 1`);
  const want = new Set([`${row.message_id}@marquee`]);

  // Tries 1..N, a back-off after each; the job runs at least every 5 s.
  let backoff = 0;
  for (let i = 1; i < cfg.outbox_max_tries; i++) backoff += Math.min(cfg.outbox_backoff_ms * 2 ** (i - 1), 3600000);
  const budget = backoff + cfg.outbox_max_tries * (JOB_INTERVAL_MS + 1000) + 10000;
  assert.ok(budget < 140000, `with these settings parking takes up to ${budget} ms: run this on an instance with few tries (the test instance: 3)`);
  const parked = await waitFor(
    () => {
      const [x] = outboxRows(want);
      return x.state === 'parked' ? x : false;
    },
    { timeout: budget, interval: 250, what: `the message parked after ${cfg.outbox_max_tries} tries` },
  );
  assert.equal(parked.attempts, cfg.outbox_max_tries, 'parked after exactly outbox_max_tries tries');
  assert.ok(parked.last_error, 'with the last error');
  await sleep(Math.min(3000, cfg.outbox_backoff_ms * 4));
  assert.equal(outboxRows(want)[0].attempts, cfg.outbox_max_tries, 'a parked message is not tried again');
  assert.equal(mailbox.scan().withIds(want).length, 0, 'nothing was delivered');

  // The admin page lists it with its last error.
  const admin = new Browser();
  await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  let page = await admin.get('/admin/outbox');
  assert.equal(page.status, 200, `GET /admin/outbox: ${page}`);
  const rowHtml = (html) => (new RegExp(`<tr>(?:(?!</tr>)[\\s\\S])*${row.message_id}(?:(?!</tr>)[\\s\\S])*</tr>`).exec(html) || [])[0];
  const tr = rowHtml(page.text);
  assert.ok(tr, `the parked message ${row.message_id} is listed`);
  assert.match(tr, /<td>booking_confirmed<\/td>/, 'its kind');
  assert.match(tr, new RegExp(`<td>${cfg.outbox_max_tries}</td>`), 'its tries');
  const escaped = parked.last_error.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  assert.ok(tr.includes(`<td>${escaped}</td>`) || tr.includes(`<td>${parked.last_error}</td>`), `its last error "${parked.last_error}" in ${tr}`);
  const action = `/admin/outbox/${parked.id}/retry`;
  assert.ok(tr.includes(`action="${action}"`), 'a Retry button');
  const customerPage = await (async () => {
    const br = new Browser();
    const c = await customer('peek');
    await br.login(c.email, c.password);
    return br.get('/admin/outbox');
  })();
  assert.equal(customerPage.status, 403, `a customer may not see parked messages: ${customerPage.status}`);

  // Fix the address, press Retry: it goes out, with the same Message-ID.
  const good = uniqueEmail(`fixed-${RUN}`);
  psql(`UPDATE users SET email = ${lit(good)} WHERE id = ${id(u.id)}`);
  const csrf = csrfFrom(tr);
  assert.ok(csrf, 'the Retry form has a csrf token');
  const retry = await admin.post(action, { csrf });
  assert.equal(retry.status, 303, `Retry: ${retry}`);
  assert.equal(retry.headers.get('location'), '/admin/outbox?retried=1');
  const requeued = outboxRows(want)[0];
  assert.ok(['pending', 'delivered'].includes(requeued.state), `queued again: ${JSON.stringify(requeued)}`);
  await waitFor(() => outboxRows(want)[0].state === 'delivered', { timeout: JOB_INTERVAL_MS + 10000, what: 'the retried message delivered' });
  const [m] = await waitFor(() => {
    const ms = mailbox.scan().withIds(want);
    return ms.length ? ms : false;
  }, { timeout: 5000, what: 'the retried message in the sink' });
  assert.ok(m.rcpts.includes(good.toLowerCase()), `to the fixed address: ${m.rcpts}`);
  page = await admin.get('/admin/outbox?retried=1');
  assert.match(page.text, /delivered again shortly/);
  assert.equal(rowHtml(page.text), undefined, 'no longer listed as parked');
  assert.equal(sqlInt(`SELECT count(*) FROM audit_log WHERE action = 'outbox.retry' AND object_id = '${id(parked.id)}'`), 1, 'the retry is in the audit log');
});

// A password-reset message carries the raw reset token in its payload until
// it is delivered (src/notify/outbox.c scrubs it then).  Parked, it keeps the
// token, and /admin/outbox prints every payload as it is: whoever reads the
// page could use the link (valid 30 minutes) and take over the account.
// src/notify/reset.c: "The token is 32 random bytes of which only a hash is
// kept"; the page should not show it.
test('a parked password-reset message does not show its reset token on /admin/outbox', { timeout: 150000 }, async () => {
  const u = await customer('pwpark');
  const jobsPid = pidOf('jobs.pid');
  const spec = captureProcess(jobsPid);
  guard('jobs', () => {
    if (!alive(pidOf('jobs.pid'))) restartProcess(spec, 'jobs.pid');
  });
  // The request is made while the jobs process is stopped (./stack stops it
  // with SIGTERM), and the address goes bad before it can be delivered.
  process.kill(jobsPid, 'SIGTERM');
  await waitGone(jobsPid, 25000);
  try {
    const br = new Browser();
    const r = await br.submit('/account/password/forgot', '/account/password/forgot', { email: u.email });
    assert.equal(r.status, 200, `forgot: ${r}`);
    psql(`UPDATE users SET email = ${lit(`pwpark-${RUN}-${crypto.randomUUID().slice(0, 6)}\r\nQUIT\r\nx@example.test`)} WHERE id = ${id(u.id)}`);
  } finally {
    restartProcess(spec, 'jobs.pid');
    unguard('jobs');
  }
  const row = sqlJson(`SELECT json_build_object('id', id, 'message_id', message_id, 'token', payload->>'token') FROM outbox
    WHERE kind = 'password_reset' AND payload->>'user_id' = '${id(u.id)}' ORDER BY id DESC LIMIT 1`);
  assert.ok(row && row.token, 'the queued reset message');
  const want = new Set([`${row.message_id}@marquee`]);
  let backoff = 0;
  for (let i = 1; i < cfg.outbox_max_tries; i++) backoff += Math.min(cfg.outbox_backoff_ms * 2 ** (i - 1), 3600000);
  const budget = backoff + cfg.outbox_max_tries * (JOB_INTERVAL_MS + 1000) + 10000;
  assert.ok(budget < 140000, `with these settings parking takes up to ${budget} ms: run this on an instance with few tries (the test instance: 3)`);
  await waitFor(() => outboxRows(want)[0].state === 'parked', { timeout: budget, interval: 250, what: 'the reset message parked' });

  const admin = new Browser();
  await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  const page = await admin.get('/admin/outbox');
  assert.equal(page.status, 200);
  const tr = (new RegExp(`<tr>(?:(?!</tr>)[\\s\\S])*${row.message_id}(?:(?!</tr>)[\\s\\S])*</tr>`).exec(page.text) || [])[0];
  assert.ok(tr, 'the parked reset message is listed');

  // Put things right before the verdict: a good address, Retry, delivered.
  const good = uniqueEmail(`pwfixed-${RUN}`);
  psql(`UPDATE users SET email = ${lit(good)} WHERE id = ${id(u.id)}`);
  const retry = await admin.post(`/admin/outbox/${outboxRows(want)[0].id}/retry`, { csrf: csrfFrom(tr) });
  assert.equal(retry.status, 303, `Retry: ${retry}`);
  await waitFor(() => mailbox.scan().withIds(want).length === 1, { timeout: JOB_INTERVAL_MS + 10000, what: 'the retried reset message' });

  assert.ok(!tr.includes(row.token), `/admin/outbox shows the live reset token of ${u.email} (anyone reading the page can open /account/password/reset?token=${row.token.slice(0, 6)}...): ${tr.replace(/\s+/g, ' ').slice(0, 400)}`);
});
