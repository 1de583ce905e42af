// The foundation: routing errors, request limits, request ids and the log,
// operations endpoints, security headers, and how the stack behaves when
// PostgreSQL goes away and when workers die or are rolled.
//
// The last tests stop PostgreSQL, SIGKILL a worker and SIGHUP the master of
// the instance under test; each puts things back (also on failure).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  api,
  request,
  fcgi,
  config,
  configInt,
  findLogLine,
  masterPid,
  workerPids,
  waitFor,
  psql,
  pgStop,
  pgStart,
  pgRunning,
  guardPostgres,
  memcached,
  createUser,
  metrics,
} from './lib.mjs';

const MIB = 1024 * 1024;

function assertApiError(r, status, code) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r}`);
  assert.match(r.headers.get('content-type') || '', /^application\/json/, `JSON error expected: ${r}`);
  assert.equal(typeof r.json.error, 'object', `error object expected: ${r}`);
  assert.equal(r.json.error.code, code, `error code: ${r}`);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0, 'the error has a message');
}

function assertHtml(r, status) {
  assert.equal(r.status, status, `expected ${status}, got ${r}`);
  assert.match(r.headers.get('content-type') || '', /^text\/html/, `HTML expected: ${r}`);
  assert.match(r.text, /<!doctype html>/i, 'a whole page');
}

// ------------------------------------------------------------ routing

test('an unknown /v1 address is 404 not_found in the JSON error shape', async () => {
  const r = await api('GET', '/v1/no-such-thing/here');
  assertApiError(r, 404, 'not_found');
  assert.deepEqual(Object.keys(r.json), ['error']);
  const post = await api('POST', '/v1/no-such-thing', { body: {} });
  assertApiError(post, 404, 'not_found');
});

test('an unknown page is an HTML 404 page', async () => {
  const r = await request('GET', '/no-such-page-here', { headers: { Accept: 'text/html' } });
  assertHtml(r, 404);
  assert.match(r.text, /Not Found/);
  assert.match(r.text, /href="\/"/, 'the 404 page links home');
});

test('a known address with the wrong method is 405 with Allow', async () => {
  const r = await api('POST', '/v1/status', { body: {} });
  assertApiError(r, 405, 'method_not_allowed');
  const allow = (r.headers.get('allow') || '').split(',').map((s) => s.trim());
  assert.ok(allow.includes('GET'), `Allow lists GET: ${allow}`);
  assert.ok(!allow.includes('POST'), `Allow does not list POST: ${allow}`);

  const del = await api('DELETE', '/v1/users/me');
  assertApiError(del, 405, 'method_not_allowed');
  assert.match(del.headers.get('allow') || '', /\bGET\b/);

  const page = await request('DELETE', '/login', { headers: { Accept: 'text/html' } });
  assert.equal(page.status, 405, `${page}`);
  const pageAllow = (page.headers.get('allow') || '').split(',').map((s) => s.trim());
  assert.ok(pageAllow.includes('GET') && pageAllow.includes('POST'), `Allow of /login: ${pageAllow}`);
});

// ------------------------------------------------------------- limits

test('a body over 1 MiB is 413 payload_too_large through nginx', async () => {
  const limit = configInt('body_limit');
  assert.equal(limit, MIB, 'body_limit is 1 MiB, like nginx client_max_body_size');
  const big = Buffer.alloc(MIB + 1, 'a');
  const r = await api('POST', '/v1/users/create_account', { body: big });
  assertApiError(r, 413, 'payload_too_large');
  assert.match(r.requestId || '', /^[0-9a-f]{32}$/, 'nginx answers carry X-Request-Id too');
  // Exactly the limit is read and parsed (and is not JSON).
  const exact = await api('POST', '/v1/users/create_account', { body: Buffer.alloc(MIB, 'a') });
  assertApiError(exact, 400, 'invalid_json');
});

test('the app itself refuses a body over body_limit (413), past nginx', async () => {
  const limit = configInt('body_limit');
  const r = await fcgi({
    method: 'POST',
    uri: '/v1/users/create_account',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    contentLength: limit + 1,
  });
  assert.equal(r.status, 413, r.text);
  assert.equal(JSON.parse(r.text).error.code, 'payload_too_large');
});

test('malformed percent-encoding is 400', async () => {
  const q = await api('GET', '/v1/status?name=%zz');
  assertApiError(q, 400, 'bad_request');
  const half = await api('GET', '/v1/status?name=abc%4');
  assertApiError(half, 400, 'bad_request');
  const form = await api('POST', '/v1/users/create_account', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'email=a%G0b&name=x&password=abcdefghijk',
  });
  assertApiError(form, 400, 'bad_request');
  // In the path nginx refuses it itself, before the app.
  const p = await request('GET', '/v1/sta%zztus');
  assert.equal(p.status, 400, `${p}`);
});

test('invalid UTF-8 is 400, in the query, the path and a form', async () => {
  const q = await api('GET', '/v1/status?name=%C3%28');
  assertApiError(q, 400, 'bad_request');
  const over = await api('GET', '/v1/status?name=%C0%AF'); // overlong "/"
  assertApiError(over, 400, 'bad_request');
  const p = await api('GET', '/v1/%FFstatus');
  assertApiError(p, 400, 'bad_request');
  const form = await api('POST', '/v1/users/create_account', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'email=a%40b.test&name=%ED%A0%80&password=abcdefghijk', // a surrogate
  });
  assertApiError(form, 400, 'bad_request');
  // Valid multi-byte text passes the parser.
  const ok = await api('GET', '/v1/status?name=%E2%9C%93');
  assert.equal(ok.status, 200, `${ok}`);
});

test('more than max_fields (256) fields is 400; exactly 256 is fine', async () => {
  const max = configInt('max_fields');
  const fields = (n) => Array.from({ length: n }, (_, i) => `f${i}=1`).join('&');
  const okq = await api('GET', `/v1/status?${fields(max)}`);
  assert.equal(okq.status, 200, `${max} query fields: ${okq}`);
  const q = await api('GET', `/v1/status?${fields(max + 1)}`);
  assertApiError(q, 400, 'bad_request');
  const form = await api('POST', '/v1/users/create_account', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: fields(max + 1),
  });
  assertApiError(form, 400, 'bad_request');
});

test('an over-long field is 400', async () => {
  const max = configInt('max_field_len');
  const form = await api('POST', '/v1/users/create_account', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `email=a%40b.test&password=abcdefghijk&name=${'n'.repeat(max + 1)}`,
  });
  assertApiError(form, 400, 'bad_request');
  const q = await api('GET', `/v1/status?x=${'q'.repeat(Math.min(max + 1, 7000))}`);
  // nginx's header buffers bound the query first (414/400), or the app does.
  assert.ok(q.status === 200 || q.status === 400 || q.status === 414, `${q}`);
  // A JSON string longer than the field allows is a validation error.
  const j = await api('POST', '/v1/users/create_account', {
    body: { email: 'long@example.test', password: 'abcdefghijk-long', name: 'n'.repeat(201) },
  });
  assertApiError(j, 400, 'invalid_input');
  assert.ok(j.json.error.details.fields.name, `names the field: ${j}`);
});

test('a body that is not JSON is 400 invalid_json; so is a JSON array', async () => {
  const bad = await api('POST', '/v1/users/create_account', { body: '{"email": "x@y.test",' });
  assertApiError(bad, 400, 'invalid_json');
  const arr = await api('POST', '/v1/users/create_account', { body: '[{"email": "x@y.test"}]' });
  assertApiError(arr, 400, 'invalid_json');
  const str = await api('POST', '/v1/users/create_account', { body: '"just a string"' });
  assertApiError(str, 400, 'invalid_json');
  const dup = await api('POST', '/v1/users/create_account', { body: '{"name": "a", "name": "b"}' });
  assertApiError(dup, 400, 'invalid_json');
  const empty = await api('POST', '/v1/users/create_account', { body: '' });
  assert.equal(empty.status, 400, `${empty}`);
});

test('an unknown content type is 415', async () => {
  const r = await api('POST', '/v1/users/create_account', {
    headers: { 'Content-Type': 'text/plain' },
    body: 'email=a@b.test',
  });
  assertApiError(r, 415, 'unsupported_media_type');
  const xml = await api('POST', '/v1/users/create_account', {
    headers: { 'Content-Type': 'application/xml; charset=utf-8' },
    body: '<user/>',
  });
  assertApiError(xml, 415, 'unsupported_media_type');
});

// ------------------------------------------------------ ids and the log

test('every response has an X-Request-Id, and the app logs it with the request', async () => {
  const responses = [
    await api('GET', '/v1/status'),
    await api('GET', '/v1/no-such-thing'),
    await request('GET', '/no-such-page'),
    await request('GET', '/healthz'),
    await request('GET', '/login'),
    await request('GET', '/account'),
    await request('GET', '/static/css/site.css'),
    await api('POST', '/v1/users/create_account', { body: Buffer.alloc(MIB + 1, 'a') }),
  ];
  // A page nginx serves from memcached (anonymous, cacheable) has one too.
  await request('GET', '/');
  const cachedHome = await request('GET', '/');
  responses.push(cachedHome);
  const ids = new Set();
  for (const r of responses) {
    assert.match(r.requestId || '', /^[0-9a-f]{32}$/, `X-Request-Id on ${r}`);
    assert.equal(r.headers.get('x-request-id').split(',').length, 1, 'exactly one id');
    ids.add(r.requestId);
  }
  assert.equal(ids.size, responses.length, 'ids are unique');

  const r = await api('GET', '/v1/status?from=log-test');
  const line = await findLogLine(r.requestId);
  assert.equal(line.id, r.requestId);
  assert.equal(line.method, 'GET');
  assert.equal(line.route, 'GET /v1/status');
  assert.equal(line.status, 200);
  assert.ok(Number.isInteger(line.us) && line.us >= 0, `us: ${line.us}`);
  assert.ok(Number.isInteger(line.pid) && line.pid > 0, `pid: ${line.pid}`);
  assert.ok(workerPids().includes(line.pid), 'the pid is one of the workers');
  assert.ok(Math.abs(Date.parse(line.time) - Date.now()) < 60000, `time: ${line.time}`);

  const nf = responses[1];
  const nfLine = await findLogLine(nf.requestId);
  assert.equal(nfLine.status, 404);

  // An authenticated request names its user.
  const u = await createUser();
  const me = await api('GET', '/v1/users/me', { token: u.token });
  const meLine = await findLogLine(me.requestId);
  assert.equal(meLine.user, u.user.id);
  assert.equal(meLine.route, 'GET /v1/users/me');
});

// ---------------------------------------------------------- operations

test('/healthz answers 200', async () => {
  const r = await request('GET', '/healthz');
  assert.equal(r.status, 200, `${r}`);
});

test('/readyz answers 200 with the database up and reports the cache', async () => {
  const r = await request('GET', '/readyz');
  assert.equal(r.status, 200, `${r}`);
  assert.equal(r.json.database, 'up');
  assert.ok(['up', 'down'].includes(r.json.cache), `cache state: ${r.text}`);
  assert.equal(r.json.cache, 'up', 'memcached runs in the stack');
});

test('GET /v1/status has status, version and the schema version', async () => {
  const r = await api('GET', '/v1/status');
  assert.equal(r.status, 200, `${r}`);
  assert.match(r.headers.get('content-type'), /^application\/json; charset=utf-8/);
  assert.equal(r.json.status, 'ok');
  assert.equal(typeof r.json.version, 'string');
  assert.match(r.json.version, /^\d+\.\d+/);
  assert.ok(Number.isInteger(r.json.schema_version) && r.json.schema_version > 0);
  assert.equal(r.json.schema_version, Number(psql('SELECT max(version) FROM schema_migrations')));
});

function counter(text, name, labels) {
  const want = `${name}{${labels}}`;
  const line = text.split('\n').find((l) => l.startsWith(`${want} `));
  return line ? Number(line.slice(want.length + 1)) : 0;
}

/** An unlabelled sample's value (NaN when missing). */
function plain(text, name) {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

test('/metrics answers Prometheus text from loopback and counts requests', async () => {
  const before = await metrics();
  assert.equal(before.status, 200, `${before}`);
  assert.match(before.headers.get('content-type') || '', /^text\/plain; version=0\.0\.4/);
  assert.match(before.text, /^# TYPE marquee_requests_total counter$/m);
  assert.match(before.text, /^# TYPE marquee_request_duration_seconds histogram$/m);
  for (const line of before.text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (-?[0-9.]+(e[+-]?\d+)?|[+-]Inf|NaN)$/, `a sample line: ${line}`);
  }
  const labels = 'route="GET /v1/status",status="200"';
  const n0 = counter(before.text, 'marquee_requests_total', labels);
  for (let i = 0; i < 3; i++) assert.equal((await api('GET', '/v1/status')).status, 200);
  const afterText = (await metrics()).text;
  const n1 = counter(afterText, 'marquee_requests_total', labels);
  assert.ok(n1 >= n0 + 3, `marquee_requests_total{${labels}} went from ${n0} to ${n1}`);
  assert.ok(
    counter(afterText, 'marquee_request_duration_seconds_count', 'route="GET /v1/status"') >= n1,
    'the latency histogram counts the same requests',
  );
});

test('/metrics is refused to an outside address (the app checks too)', async () => {
  const outside = await fcgi({ uri: '/metrics', remoteAddr: '203.0.113.7' });
  assert.equal(outside.status, 403, outside.text.slice(0, 200));
  const inside = await fcgi({ uri: '/metrics', remoteAddr: '10.1.2.3' });
  assert.equal(inside.status, 200);
});

// ------------------------------------------------------------ headers

function directives(csp) {
  const m = new Map();
  for (const part of csp.split(';')) {
    const [name, ...vals] = part.trim().split(/\s+/);
    if (name) m.set(name.toLowerCase(), vals);
  }
  return m;
}

test('security headers are on pages, JSON, static files and nginx answers', async () => {
  const responses = {
    page: await request('GET', '/login'),
    json: await api('GET', '/v1/status'),
    error: await api('GET', '/v1/nothing'),
    static: await request('GET', '/static/css/site.css'),
    tooLarge: await api('POST', '/v1/users/create_account', { body: Buffer.alloc(MIB + 1, 'a') }),
    notFoundPage: await request('GET', '/no-such-page'),
    home: await request('GET', '/'),
    homeAgain: await request('GET', '/'), // from nginx's page cache when enabled
  };
  for (const [what, r] of Object.entries(responses)) {
    const csp = r.headers.get('content-security-policy');
    assert.ok(csp, `${what}: Content-Security-Policy present`);
    const d = directives(csp);
    const scripts = d.get('script-src') || d.get('default-src');
    assert.ok(scripts, `${what}: scripts are restricted (script-src or default-src)`);
    assert.ok(!scripts.includes("'unsafe-inline'"), `${what}: no 'unsafe-inline' for scripts: ${csp}`);
    assert.ok(!scripts.includes("'unsafe-eval'"), `${what}: no 'unsafe-eval' for scripts: ${csp}`);
    assert.ok(!scripts.includes('*'), `${what}: no wildcard script source`);
    assert.deepEqual(d.get('frame-ancestors'), ["'none'"], `${what}: frame-ancestors 'none'`);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
    assert.ok(
      ['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'].includes(r.headers.get('referrer-policy')),
      `${what}: Referrer-Policy ${r.headers.get('referrer-policy')}`,
    );
    assert.equal(r.headers.get('strict-transport-security'), null, `${what}: no HSTS over plain HTTP`);
  }
  // Session cookies are HttpOnly and SameSite=Lax, without the __Host- prefix over http.
  const u = await createUser();
  const form = await request('GET', '/login');
  const anon = form.setCookies.find((c) => c.startsWith('mq_anon='));
  assert.ok(anon, 'the log-in form sets the anonymous cookie');
  assert.match(anon, /; HttpOnly/i);
  assert.match(anon, /; SameSite=Lax/i);
  assert.ok(u.token, 'account created');
});

// ------------------------------------------------ the database goes away

test('PostgreSQL stopped: 503 JSON and pages, /healthz 200; back without restarting marquee', async (t) => {
  assert.ok(pgRunning(), 'PostgreSQL runs before the test');
  guardPostgres();
  const master = masterPid();
  const workers = workerPids();
  const u = await createUser();
  // The home page may sit in memcached, whole (nginx serves "page:/") or as
  // its lists: dropping the one and starting a new catalog generation makes
  // the next request read PostgreSQL.
  await memcached('delete page:/').catch(() => {});
  await memcached('incr gen:catalog 1').catch(() => {});
  pgStop();
  try {
    const status = await api('GET', '/v1/status');
    assertApiError(status, 503, 'service_unavailable');
    assert.match(status.headers.get('retry-after') || '', /^\d+$/, 'Retry-After in seconds');

    const home = await request('GET', '/', { headers: { Accept: 'text/html' } });
    assertHtml(home, 503);
    assert.match(home.headers.get('retry-after') || '', /^\d+$/);

    // A valid token while the database is away: unavailable, not "logged out".
    const me = await api('GET', '/v1/users/me', { token: u.token });
    assertApiError(me, 503, 'service_unavailable');

    const ready = await request('GET', '/readyz');
    assert.equal(ready.status, 503, `${ready}`);
    assert.equal(ready.json.database, 'down');

    const health = await request('GET', '/healthz');
    assert.equal(health.status, 200, 'the process still serves');
  } finally {
    pgStart();
  }
  const t0 = Date.now();
  await waitFor(async () => (await api('GET', '/v1/status')).status === 200, { timeout: 5000, interval: 100, what: '/v1/status 200 again' });
  t.diagnostic(`back after ${Date.now() - t0} ms`);
  // Every worker reconnects (a few requests reach each).
  for (let i = 0; i < 20; i++) {
    const r = await api('GET', '/v1/status');
    assert.equal(r.status, 200, `request ${i} after the restart: ${r}`);
  }
  assert.equal((await request('GET', '/')).status, 200);
  assert.equal((await api('GET', '/v1/users/me', { token: u.token })).status, 200, 'the session survived');
  assert.equal((await request('GET', '/readyz')).status, 200);
  assert.equal(masterPid(), master, 'marquee was not restarted');
  assert.deepEqual(workerPids(), workers, 'no worker was restarted');
});

// ------------------------------------------------ workers dying and rolling

/**
 * Runs `concurrency` request loops against /v1/status until stop() says so
 * (checked between requests); returns { ok, failed, failures }.
 */
async function stream({ concurrency = 4, stop, onProgress = () => {}, maxMs = 15000 }) {
  const res = { ok: 0, failed: 0, failures: [] };
  const end = Date.now() + maxMs; // the assertions after it say what never happened
  const loop = async () => {
    while (!stop(res) && Date.now() < end) {
      try {
        const r = await api('GET', '/v1/status', { timeout: 10000 });
        if (r.status === 200) res.ok++;
        else {
          res.failed++;
          res.failures.push(`${r.status} ${r.text.slice(0, 100)}`);
        }
      } catch (e) {
        res.failed++;
        res.failures.push(e.message);
      }
      await onProgress(res);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return res;
}

after(() => {
  // Whatever happened above, PostgreSQL runs when this file is done.
  if (!pgRunning()) pgStart();
});

test('kill -9 of a worker under load: the master replaces it, at most in-flight requests fail', async (t) => {
  const master = masterPid();
  const before = workerPids();
  assert.ok(before.length >= 1, 'workers run');
  const restarts0 = plain((await metrics()).text, 'marquee_worker_restarts_total');
  // A worker of the page pool: one that just served /v1/status.
  const served = await findLogLine((await api('GET', '/v1/status')).requestId);
  const victim = served.pid;
  assert.ok(before.includes(victim), `the pid of the log line (${victim}) is a worker: ${before}`);
  let killed = false;
  let replaced = false;
  const res = await stream({
    concurrency: 4,
    stop: (r) => r.ok + r.failed >= 300 && replaced,
    onProgress: async (r) => {
      if (!killed && r.ok + r.failed >= 60) {
        killed = true;
        process.kill(victim, 'SIGKILL');
      }
      if (killed && !replaced) {
        const now = workerPids(master);
        replaced = now.length === before.length && !now.includes(victim);
      }
    },
  });
  const total = res.ok + res.failed;
  t.diagnostic(`${res.ok}/${total} succeeded; failures: ${res.failures.join(' | ')}`);
  assert.ok(res.ok / total >= 0.99, `at least 99% succeed: ${res.ok}/${total}`);
  const after = workerPids(master);
  assert.equal(after.length, before.length, 'as many workers as before');
  assert.ok(!after.includes(victim), 'the killed worker is gone');
  assert.equal(masterPid(), master, 'the master survived');
  // And then every request succeeds.
  for (let i = 0; i < 40; i++) {
    const r = await api('GET', '/v1/status');
    assert.equal(r.status, 200, `after the restart, request ${i}: ${r}`);
  }
  const restarts1 = plain((await metrics()).text, 'marquee_worker_restarts_total');
  assert.ok(restarts1 >= restarts0 + 1, `marquee_worker_restarts_total went from ${restarts0} to ${restarts1}`);
});

test('SIGHUP to the master during a request stream: zero failures, all new workers', async (t) => {
  const master = masterPid();
  const before = workerPids(master);
  let hupped = false;
  let rolled = false;
  const res = await stream({
    concurrency: 4,
    stop: (r) => r.ok + r.failed >= 300 && rolled,
    onProgress: async (r) => {
      if (!hupped && r.ok + r.failed >= 60) {
        hupped = true;
        process.kill(master, 'SIGHUP');
      }
      if (hupped && !rolled) {
        const now = workerPids(master);
        rolled = now.length === before.length && now.every((p) => !before.includes(p));
      }
    },
  });
  t.diagnostic(`${res.ok}/${res.ok + res.failed} succeeded; failures: ${res.failures.join(' | ')}`);
  assert.equal(res.failed, 0, `no request failed: ${res.failures.join(' | ')}`);
  const after = workerPids(master);
  assert.equal(after.length, before.length, 'as many workers as before');
  assert.ok(after.every((p) => !before.includes(p)), `all workers are new: ${before} -> ${after}`);
  assert.equal(masterPid(), master, 'the same master');
  for (let i = 0; i < 20; i++) assert.equal((await api('GET', '/v1/status')).status, 200);
});

// Config the suites rely on is readable (a broken MARQUEE_CONF shows here first).
test('the instance config is readable', () => {
  const c = config();
  assert.ok(c.memcached, 'memcached servers listed');
  assert.ok(Number(c.body_limit) > 0);
});
