// Accounts: the Users API contract, the authorization matrix (authz.mjs),
// CSRF, sessions (rotation, logout, password change, expiry), the log-in
// limiter, the account forms and marquee-admin.
//
// Rate limits: the limiter tests read rl_login_pair, rl_login_account and
// rl_login_window from the instance's config (./stack gives the test instance
// 5, 8 and 4 s).  Each test uses fresh accounts and its own source address
// (see lib.mjs), so the per-address limits of one test never reach another.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import {
  api,
  request,
  fcgi,
  metrics,
  createUser,
  createAdmin,
  loginToken,
  basicAuth,
  uniqueEmail,
  uniquePassword,
  Browser,
  csrfFrom,
  freshIp,
  psql,
  lit,
  config,
  configInt,
  appLogText,
  sleep,
  CONF,
  adminBinary,
} from './lib.mjs';
import { PROTECTED_ROUTES, isApi } from './authz.mjs';

// Every password this file sends; none may ever reach the app's log.
const passwordsUsed = new Set();
function pw() {
  const p = uniquePassword();
  passwordsUsed.add(p);
  return p;
}
async function newUser(opts = {}) {
  const u = await createUser({ password: pw(), ...opts });
  passwordsUsed.add(u.password);
  return u;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function assertApiError(r, status, code) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r}`);
  assert.match(r.headers.get('content-type') || '', /^application\/json/, `JSON expected: ${r}`);
  assert.equal(r.json.error?.code, code, `error code: ${r}`);
  assert.equal(typeof r.json.error.message, 'string');
}

function assertUser(user, { email, name, role = 'customer' } = {}) {
  assert.deepEqual(Object.keys(user).sort(), ['created_at', 'email', 'id', 'name', 'role'], `User fields: ${JSON.stringify(user)}`);
  assert.ok(Number.isInteger(user.id) && user.id > 0);
  if (email !== undefined) assert.equal(user.email, email);
  if (name !== undefined) assert.equal(user.name, name);
  assert.equal(user.role, role);
  assert.match(user.created_at, RFC3339);
}

/** The common passwords the app refuses: entries of its list, 10+ characters. */
function commonPasswords() {
  const file = config().passwords_file;
  const list = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#!') && [...l].length >= 10 && /^[\x21-\x7e]+$/.test(l));
  assert.ok(list.length > 5, `the common-password list ${file} has entries of 10+ characters`);
  return list;
}

// ------------------------------------------------------------ Users API

test('create_account: 201 with user, token and expires_at', async () => {
  const email = uniqueEmail('create');
  const password = pw();
  const r = await api('POST', '/v1/users/create_account', { body: { email, password, name: 'Ada Lovelace' } });
  assert.equal(r.status, 201, `${r}`);
  assert.deepEqual(Object.keys(r.json).sort(), ['expires_at', 'token', 'user']);
  assertUser(r.json.user, { email, name: 'Ada Lovelace' });
  assert.equal(typeof r.json.token, 'string');
  assert.ok(r.json.token.length >= 40, 'a 256-bit token');
  assert.match(r.json.expires_at, RFC3339);
  assert.ok(Date.parse(r.json.expires_at) > Date.now() + 3600e3, 'expires in the future');
  assert.ok(!r.text.includes(password), 'the password is not echoed');
  assert.ok(!/argon2|password_hash/i.test(r.text), 'no hash in the response');
  const me = await api('GET', '/v1/users/me', { token: r.json.token });
  assert.equal(me.status, 200, `${me}`);
  assert.deepEqual(me.json, { user: r.json.user });
});

test('create_account: 400 invalid_input names each bad field', async () => {
  const short = await api('POST', '/v1/users/create_account', {
    body: { email: uniqueEmail(), password: 'short-pw9', name: 'Shorty' },
  });
  assertApiError(short, 400, 'invalid_input');
  assert.match(short.json.error.details.fields.password, /at least 10/);

  const common = commonPasswords().find((p) => /[a-z]/.test(p)) || commonPasswords()[0];
  const com = await api('POST', '/v1/users/create_account', { body: { email: uniqueEmail(), password: common, name: 'Common' } });
  assertApiError(com, 400, 'invalid_input');
  assert.match(com.json.error.details.fields.password, /common/);
  // The list is matched whatever the letter case.
  const upper = await api('POST', '/v1/users/create_account', {
    body: { email: uniqueEmail(), password: common.toUpperCase(), name: 'Common' },
  });
  assertApiError(upper, 400, 'invalid_input');

  for (const email of ['not-an-email', 'a@b', '@example.test', 'two@@example.test', 'sp ace@example.test']) {
    const bad = await api('POST', '/v1/users/create_account', { body: { email, password: pw(), name: 'Bad Mail' } });
    assertApiError(bad, 400, 'invalid_input');
    assert.ok(bad.json.error.details.fields.email, `${email}: names the email field: ${bad}`);
  }
  for (const name of ['', '   ']) {
    const empty = await api('POST', '/v1/users/create_account', { body: { email: uniqueEmail(), password: pw(), name } });
    assertApiError(empty, 400, 'invalid_input');
    assert.ok(empty.json.error.details.fields.name, `empty name ${JSON.stringify(name)}: ${empty}`);
  }
  const none = await api('POST', '/v1/users/create_account', { body: {} });
  assertApiError(none, 400, 'invalid_input');
  for (const f of ['email', 'password', 'name']) assert.ok(none.json.error.details.fields[f], `missing ${f} is named`);
  const wrongType = await api('POST', '/v1/users/create_account', { body: { email: uniqueEmail(), password: 1234567890123, name: 'N' } });
  assertApiError(wrongType, 400, 'invalid_input');
  assert.ok(wrongType.json.error.details.fields.password);
});

test('create_account: 409 email_taken, whatever the letter case', async () => {
  const email = uniqueEmail('Taken.Case');
  await newUser({ email });
  const same = await api('POST', '/v1/users/create_account', { body: { email, password: pw(), name: 'Again' } });
  assertApiError(same, 409, 'email_taken');
  const [local, domain] = email.split('@');
  for (const variant of [`${local.toUpperCase()}@${domain}`, `${local}@${domain.toUpperCase()}`, `  ${email}  `]) {
    const r = await api('POST', '/v1/users/create_account', { body: { email: variant, password: pw(), name: 'Again' } });
    assertApiError(r, 409, 'email_taken');
  }
  assert.equal(psql(`SELECT count(*) FROM users WHERE lower(email) = lower(${lit(email)})`), '1');
});

test('create_account: the e-mail address is trimmed and its domain lower-cased', async () => {
  const local = `Mixed.Case-${Date.now().toString(36)}`;
  const password = pw();
  const r = await api('POST', '/v1/users/create_account', {
    body: { email: `  ${local}@Example.TEST  `, password, name: '  Trimmed Name  ' },
  });
  assert.equal(r.status, 201, `${r}`);
  assert.equal(r.json.user.email, `${local}@example.test`);
  assert.equal(r.json.user.name, 'Trimmed Name');
  // Logging in works with any letter case of the address.
  const t = await loginToken(`${local.toLowerCase()}@EXAMPLE.test`, password);
  assert.ok(t);
});

test('authenticate: Basic credentials give a new token; wrong password and unknown e-mail get the same 401', async () => {
  const ip = freshIp();
  const u = await newUser();
  const ok = await api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(u.email, u.password) }, ip });
  assert.equal(ok.status, 200, `${ok}`);
  assert.deepEqual(Object.keys(ok.json).sort(), ['expires_at', 'token', 'user']);
  assertUser(ok.json.user, { email: u.email, name: u.name });
  assert.notEqual(ok.json.token, u.token, 'a new token for each log-in');
  assert.match(ok.json.expires_at, RFC3339);
  for (const t of [ok.json.token, u.token]) assert.equal((await api('GET', '/v1/users/me', { token: t })).status, 200);

  const wrong = await api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(u.email, pw()) }, ip });
  const unknown = await api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(uniqueEmail('nobody'), pw()) }, ip });
  assertApiError(wrong, 401, 'invalid_credentials');
  assertApiError(unknown, 401, 'invalid_credentials');
  assert.deepEqual(wrong.json, unknown.json, 'the same answer for both');
  assert.equal(wrong.headers.get('www-authenticate'), unknown.headers.get('www-authenticate'));
  assert.ok(!('token' in wrong.json));

  const missing = await api('GET', '/v1/users/authenticate', { ip });
  assertApiError(missing, 401, 'invalid_credentials');
  const garbage = await api('GET', '/v1/users/authenticate', { headers: { Authorization: 'Basic !!!not-base64' }, ip });
  assertApiError(garbage, 401, 'invalid_credentials');
  const noColon = await api('GET', '/v1/users/authenticate', {
    headers: { Authorization: `Basic ${Buffer.from(u.email).toString('base64')}` },
    ip,
  });
  assertApiError(noColon, 401, 'invalid_credentials');
});

test('me: 200 with the user; without a valid token 401 with WWW-Authenticate: Bearer', async () => {
  const u = await newUser({ name: 'Me Myself' });
  const me = await api('GET', '/v1/users/me', { token: u.token });
  assert.equal(me.status, 200, `${me}`);
  assertUser(me.json.user, { email: u.email, name: 'Me Myself' });
  for (const token of [undefined, 'not-a-real-token', `${u.token}x`, 'x'.repeat(200)]) {
    const r = await api('GET', '/v1/users/me', { token });
    assertApiError(r, 401, 'unauthorized');
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
  }
});

test('logout: 204, then that token gets 401 (other sessions keep working)', async () => {
  const u = await newUser();
  const other = await loginToken(u.email, u.password);
  const r = await api('POST', '/v1/users/logout', { token: u.token });
  assert.equal(r.status, 204, `${r}`);
  assert.equal(r.text, '');
  const after = await api('GET', '/v1/users/me', { token: u.token });
  assertApiError(after, 401, 'unauthorized');
  assert.equal(after.headers.get('www-authenticate'), 'Bearer');
  const again = await api('POST', '/v1/users/logout', { token: u.token });
  assertApiError(again, 401, 'unauthorized');
  assert.equal((await api('GET', '/v1/users/me', { token: other })).status, 200, 'the other session still works');
});

// ------------------------------------------------- authorization matrix

/** A signed-in identity for the matrix: an API token and a browser session. */
async function identity(role) {
  const make = role === 'admin' ? (o) => createAdmin({ password: pw(), ...o }) : (o) => newUser(o);
  const api1 = await make({});
  passwordsUsed.add(api1.password);
  const web = await make({});
  passwordsUsed.add(web.password);
  const id = {
    role,
    api: api1,
    token: await loginToken(api1.email, api1.password),
    web,
    browser: new Browser(),
  };
  await id.browser.login(web.email, web.password);
  return id;
}

/** Makes sure the identity's token and cookie still work (a row may log out). */
async function refresh(id) {
  if ((await api('GET', '/v1/users/me', { token: id.token })).status !== 200) {
    id.token = await loginToken(id.api.email, id.api.password);
  }
  if ((await id.browser.get('/account')).status !== 200) {
    id.browser = new Browser();
    await id.browser.login(id.web.email, id.web.password);
  }
}

async function send(row, id) {
  if (isApi(row)) {
    return api(row.method, row.path, { token: id?.token, body: row.body ?? (['POST', 'PUT', 'PATCH'].includes(row.method) ? {} : undefined) });
  }
  const b = id ? id.browser : new Browser();
  if (row.method === 'GET' || row.method === 'HEAD') return b.send(row.method, row.path);
  const fields = { ...(row.body || {}) };
  if (id) {
    const csrf = csrfFrom((await b.get('/account')).text);
    assert.ok(csrf, 'the account page carries a csrf token');
    fields.csrf = csrf;
  }
  return b.post(row.path, fields);
}

/** Through authorization: the row's known status, or at least not 401/403/5xx. */
function assertAllowed(row, r, what) {
  assert.ok(![401, 403].includes(r.status) && r.status < 500, `${what}: ${r}`);
  if (row.ok !== undefined) assert.equal(r.status, row.ok, `${what}: ${r}`);
}

test('authorization matrix: the anonymous are asked to log in', async () => {
  assert.ok(PROTECTED_ROUTES.length >= 19, 'the matrix lists the protected routes');
  for (const row of PROTECTED_ROUTES) {
    const what = `${row.method} ${row.path} (${row.who})`;
    if (row.who === 'internal') {
      const inside = row.path === '/metrics' ? await metrics() : await request(row.method, row.path, { ip: '127.0.0.1' });
      assert.equal(inside.status, 200, `${what} from 127.0.0.1: ${inside}`);
      const outside = await fcgi({ method: row.method, uri: row.path, remoteAddr: '198.51.100.20' });
      assert.equal(outside.status, 403, `${what} from an outside address: ${outside.status}`);
      continue;
    }
    const r = await send(row);
    if (isApi(row)) {
      assertApiError(r, 401, 'unauthorized');
      assert.equal(r.headers.get('www-authenticate'), 'Bearer', what);
    } else if (row.method === 'GET') {
      assert.equal(r.status, 303, `${what}: ${r}`);
      const loc = r.headers.get('location') || '';
      assert.match(loc, /^\/login\?next=/, `${what} redirects to the log-in page: ${loc}`);
      assert.equal(new URLSearchParams(loc.split('?')[1]).get('next'), row.path, `${what}: next= brings back`);
    } else {
      assert.equal(r.status, 401, `${what}: ${r}`);
      assert.match(r.headers.get('content-type') || '', /^text\/html/, what);
    }
  }
});

test('authorization matrix: customers get 403 on admin routes, through on user routes', async () => {
  const id = await identity('customer');
  for (const row of PROTECTED_ROUTES.filter((r) => r.who !== 'internal')) {
    const what = `${row.method} ${row.path} as a customer`;
    const r = await send(row, id);
    if (row.who === 'admin') {
      if (isApi(row)) assertApiError(r, 403, 'forbidden');
      else {
        assert.equal(r.status, 403, `${what}: ${r}`);
        assert.match(r.headers.get('content-type') || '', /^text\/html/, `${what}: a page`);
      }
    } else {
      assertAllowed(row, r, what);
    }
    await refresh(id);
  }
});

test('authorization matrix: admins get through everywhere', async () => {
  const id = await identity('admin');
  for (const row of PROTECTED_ROUTES.filter((r) => r.who !== 'internal')) {
    const what = `${row.method} ${row.path} as an admin`;
    const r = await send(row, id);
    assertAllowed(row, r, what);
    await refresh(id);
  }
});

// ---------------------------------------------------------------- CSRF

test('CSRF: a cookie-session form post needs the session token', async () => {
  const b = new Browser();
  const u = await b.register({ password: pw(), name: 'Csrf Before' });
  const page = await b.get('/account');
  assert.equal(page.status, 200);
  const csrf = csrfFrom(page.text);
  assert.match(csrf || '', /^[0-9a-f]{16,}$/, 'a token in the form');

  const none = await b.post('/account/name', { name: 'Csrf Forged' });
  assert.equal(none.status, 403, `${none}`);
  assert.match(none.text, /csrf|expired|did not come from this site/i);
  const wrong = await b.post('/account/name', { name: 'Csrf Forged', csrf: csrf.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) });
  assert.equal(wrong.status, 403, `${wrong}`);
  const empty = await b.post('/account/name', { name: 'Csrf Forged', csrf: '' });
  assert.equal(empty.status, 403, `${empty}`);
  // Another session's token is no good here.
  const other = new Browser();
  await other.register({ password: pw() });
  const otherCsrf = csrfFrom((await other.get('/account')).text);
  const foreign = await b.post('/account/name', { name: 'Csrf Forged', csrf: otherCsrf });
  assert.equal(foreign.status, 403, `${foreign}`);
  assert.equal(psql(`SELECT name FROM users WHERE email = ${lit(u.email)}`), 'Csrf Before', 'nothing changed');

  const ok = await b.post('/account/name', { name: 'Csrf After', csrf });
  assert.equal(ok.status, 303, `${ok}`);
  assert.equal(psql(`SELECT name FROM users WHERE email = ${lit(u.email)}`), 'Csrf After');
});

test('CSRF: the JSON API with a session cookie needs X-CSRF-Token; bearer tokens do not', async () => {
  const b = new Browser();
  await b.register({ password: pw() });
  const csrf = csrfFrom((await b.get('/account')).text);
  const cookie = { Cookie: b.cookieHeader() };
  // Reads need no token.
  const me = await api('GET', '/v1/users/me', { headers: cookie, ip: b.ip });
  assert.equal(me.status, 200, `${me}`);
  const noHeader = await api('POST', '/v1/users/logout', { headers: cookie, ip: b.ip });
  assertApiError(noHeader, 403, 'csrf_failed');
  const badHeader = await api('POST', '/v1/users/logout', { headers: { ...cookie, 'X-CSRF-Token': 'f'.repeat(csrf.length) }, ip: b.ip });
  assertApiError(badHeader, 403, 'csrf_failed');
  assert.equal((await api('GET', '/v1/users/me', { headers: cookie, ip: b.ip })).status, 200, 'still logged in');
  const ok = await api('POST', '/v1/users/logout', { headers: { ...cookie, 'X-CSRF-Token': csrf }, ip: b.ip });
  assert.equal(ok.status, 204, `${ok}`);
  assert.equal((await api('GET', '/v1/users/me', { headers: cookie, ip: b.ip })).status, 401, 'logged out');

  // A bearer token carries no ambient credential: no CSRF header needed.
  const u = await newUser();
  assert.equal((await api('POST', '/v1/users/logout', { token: u.token })).status, 204);
});

test('CSRF: anonymous forms carry the token of the anonymous cookie', async () => {
  const u = await newUser();
  const b = new Browser();
  const form = await b.get('/login');
  const csrf = csrfFrom(form.text);
  assert.ok(b.cookies.get('mq_anon'), 'the form set mq_anon');
  assert.ok(csrf, 'the form has a token');
  const none = await b.post('/login', { email: u.email, password: u.password });
  assert.equal(none.status, 403, `${none}`);
  assert.equal(b.session, undefined, 'no session without the token');
  // The token of another anonymous cookie does not fit this one.
  const other = new Browser();
  const otherCsrf = csrfFrom((await other.get('/login')).text);
  assert.notEqual(otherCsrf, csrf);
  const foreign = await b.post('/login', { email: u.email, password: u.password, csrf: otherCsrf });
  assert.equal(foreign.status, 403, `${foreign}`);
  // Without the cookie the token means nothing.
  const cookieless = new Browser();
  const bare = await cookieless.post('/login', { email: u.email, password: u.password, csrf });
  assert.equal(bare.status, 403, `${bare}`);
  const ok = await b.post('/login', { email: u.email, password: u.password, csrf });
  assert.equal(ok.status, 303, `${ok}`);
  assert.ok(b.session);
});

// ------------------------------------------------------------ sessions

function sessionCookie(resp) {
  return resp.setCookies.find((c) => /^(__Host-)?mq_session=/.test(c));
}

test('the session cookie is HttpOnly, SameSite=Lax, changes at every log-in, and the old one stops working', async () => {
  const u = await newUser();
  const b = new Browser();
  const first = await b.login(u.email, u.password);
  const set = sessionCookie(first);
  assert.ok(set, 'log-in sets the session cookie');
  assert.match(set, /^mq_session=[A-Za-z0-9_-]{40,};/, 'no __Host- prefix over plain http');
  assert.match(set, /; HttpOnly/i);
  assert.match(set, /; SameSite=Lax/i);
  assert.match(set, /; Path=\//i);
  assert.doesNotMatch(set, /; Secure/i);
  const a = b.session;
  assert.equal((await b.get('/account')).status, 200);

  // Log in again from the same browser (the form posts with the session's token).
  const csrf = csrfFrom((await b.get('/account')).text);
  const second = await b.post('/login', { email: u.email, password: u.password, csrf });
  assert.equal(second.status, 303, `${second}`);
  const bSession = b.session;
  assert.ok(bSession && bSession !== a, 'a new cookie value at the new log-in');

  const old = new Browser({ ip: b.ip });
  old.cookies.set('mq_session', a);
  const r = await old.get('/account');
  assert.equal(r.status, 303, `the old cookie no longer works: ${r}`);
  assert.match(r.headers.get('location'), /^\/login\?next=/);
  assert.equal((await b.get('/account')).status, 200, 'the new one does');

  // Two log-ins in two browsers: two different values.
  const c = new Browser();
  await c.login(u.email, u.password);
  assert.notEqual(c.session, bSession);
});

test('logging out revokes the session: the old cookie gets the log-in redirect', async () => {
  const b = new Browser();
  await b.register({ password: pw() });
  const cookie = b.session;
  assert.ok(cookie, 'registering logs in');
  const csrf = csrfFrom((await b.get('/account')).text);
  const out = await b.post('/logout', { csrf });
  assert.equal(out.status, 303, `${out}`);
  assert.equal(out.headers.get('location'), '/');
  const cleared = sessionCookie(out);
  assert.match(cleared || '', /^mq_session=;.*Max-Age=0/i, `the cookie is cleared: ${cleared}`);
  assert.equal(b.session, undefined);

  const replay = new Browser({ ip: b.ip });
  replay.cookies.set('mq_session', cookie);
  const r = await replay.get('/account');
  assert.equal(r.status, 303, `${r}`);
  assert.match(r.headers.get('location'), /^\/login\?next=/);
  assert.equal(new URLSearchParams(r.headers.get('location').split('?')[1]).get('next'), '/account');
  const apiReplay = await api('GET', '/v1/users/me', { headers: { Cookie: `mq_session=${cookie}` } });
  assert.equal(apiReplay.status, 401);
});

test('changing the password on /account ends the other sessions and keeps this one', async () => {
  const b = new Browser();
  const u = await b.register({ password: pw(), name: 'Pass Changer' });
  passwordsUsed.add(u.password);
  const token = await loginToken(u.email, u.password);
  const b2 = new Browser();
  await b2.login(u.email, u.password);
  const csrf = csrfFrom((await b.get('/account')).text);

  // Refusals first: wrong current password, a common or short new one.
  const wrongCurrent = await b.post('/account/password', { csrf, current: pw(), password: pw() });
  assert.equal(wrongCurrent.status, 400, `${wrongCurrent}`);
  assert.match(wrongCurrent.text, /Current password is not your current password/);
  const common = commonPasswords()[0];
  const weak = await b.post('/account/password', { csrf, current: u.password, password: common });
  assert.equal(weak.status, 400, `${weak}`);
  assert.match(weak.text, /New password is too common/);
  assert.equal((await api('GET', '/v1/users/me', { token })).status, 200, 'nothing ended yet');

  const next = pw();
  const ok = await b.post('/account/password', { csrf, current: u.password, password: next });
  assert.equal(ok.status, 303, `${ok}`);
  assert.equal(ok.headers.get('location'), '/account?saved=password');
  const page = await b.get('/account?saved=password');
  assert.equal(page.status, 200, 'this session goes on');
  assert.match(page.text, /password was changed/i);

  const gone = await api('GET', '/v1/users/me', { token });
  assertApiError(gone, 401, 'unauthorized');
  assert.equal((await b2.get('/account')).status, 303, 'the other browser is logged out');

  const oldLogin = await api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(u.email, u.password) } });
  assert.equal(oldLogin.status, 401, 'the old password no longer works');
  assert.ok(await loginToken(u.email, next), 'the new one does');
});

test('"log out everywhere else" on /account ends the other sessions only', async () => {
  const b = new Browser();
  const u = await b.register({ password: pw() });
  const token = await loginToken(u.email, u.password);
  const csrf = csrfFrom((await b.get('/account')).text);
  const r = await b.post('/account/sessions', { csrf });
  assert.equal(r.status, 303, `${r}`);
  assert.equal((await api('GET', '/v1/users/me', { token })).status, 401);
  assert.equal((await b.get('/account')).status, 200);
});

test('an expired session is refused (absolute and idle expiry)', async () => {
  const u = await newUser();
  const idle = await loginToken(u.email, u.password);
  const keep = await loginToken(u.email, u.password);
  const b = new Browser();
  await b.login(u.email, u.password);
  const ids = psql(`SELECT id FROM sessions WHERE user_id = ${Number(u.user.id)} ORDER BY id`).split('\n').map(Number);
  assert.equal(ids.length, 4, 'create_account, two log-ins and the browser');
  const [absId, idleId, keepId, cookieId] = ids;
  assert.ok(keepId);
  psql(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = ${absId}`);
  psql(`UPDATE sessions SET idle_expires_at = now() - interval '1 second' WHERE id = ${idleId}`);
  psql(`UPDATE sessions SET idle_expires_at = now() - interval '1 second' WHERE id = ${cookieId}`);

  assertApiError(await api('GET', '/v1/users/me', { token: u.token }), 401, 'unauthorized');
  assertApiError(await api('GET', '/v1/users/me', { token: idle }), 401, 'unauthorized');
  assert.equal((await b.get('/account')).status, 303, 'an expired cookie gets the log-in page');
  assert.equal((await api('GET', '/v1/users/me', { token: keep })).status, 200, 'a live session is unaffected');
  // Using a session does not bring an expired one back.
  assertApiError(await api('GET', '/v1/users/me', { token: idle }), 401, 'unauthorized');
});

// ------------------------------------------------------------- limiter

const MAX_WAIT_WINDOW = 30;

/**
 * Waits until the current rate-limit window (floor(now / window), on the
 * wall clock like the app's) has at least 75% of it left (10 s at most), so
 * that a test's attempts fall in one window: a window boundary in the middle
 * would weigh the earlier failures down and blur the exact thresholds.
 */
async function alignWindow(windowSecs) {
  const need = Math.min(windowSecs * 0.75, 10);
  const left = windowSecs - ((Date.now() / 1000) % windowSecs);
  if (left < need) await sleep(left * 1000 + 30);
}

/**
 * Runs attempt(u) with a fresh user u until all of its requests fell in
 * one rate-limit window, by the wall clock before and after: on a slow
 * machine the log-ins may run past the window's end, and then the earlier
 * failures weigh less and the limit comes later.  Three tries at most; the
 * last one's result stands.
 */
async function inOneWindow(windowSecs, attempt) {
  for (let i = 0; ; i++) {
    const u = await newUser();
    await alignWindow(windowSecs);
    const w0 = Math.floor(Date.now() / 1000 / windowSecs);
    const result = await attempt(u);
    if (Math.floor(Date.now() / 1000 / windowSecs) === w0 || i === 2) return result;
  }
}

/**
 * n failed log-ins at once (each Argon2id verification takes a while; sent
 * together they take less of the window).  Every one must be 401.
 */
async function failLogins(email, n, ip) {
  const rs = await Promise.all(Array.from({ length: n }, () => authenticate(email, pw(), ip)));
  for (const r of rs) assertApiError(r, 401, 'invalid_credentials');
}

async function authenticate(email, password, ip) {
  return api('GET', '/v1/users/authenticate', { headers: { Authorization: basicAuth(email, password) }, ip });
}

test('log-in limiter: exactly rl_login_pair failures get 401, then 429 with Retry-After even with the right password; the form gets a 429 page', async () => {
  const n = configInt('rl_login_pair');
  const window = configInt('rl_login_window');
  const { u, ip, limited } = await inOneWindow(window, async (u) => {
    const ip = freshIp();
    await failLogins(u.email, n, ip);
    return { u, ip, limited: await authenticate(u.email, u.password, ip) };
  });
  assertApiError(limited, 429, 'rate_limited');
  const retry = Number(limited.headers.get('retry-after'));
  assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 2 * window + 1, `Retry-After: ${limited.headers.get('retry-after')}`);
  assert.ok(!('token' in limited.json));

  // A browser from the same address, the same account: an HTML page that says when.
  const b = new Browser({ ip });
  const page = await b.submit('/login', '/login', { email: u.email, password: u.password });
  assert.equal(page.status, 429, `${page}`);
  assert.match(page.headers.get('content-type') || '', /^text\/html/);
  assert.match(page.headers.get('retry-after') || '', /^\d+$/);
  assert.match(page.text, /try again in \d+ seconds?/i, 'the page says when to try again');
  assert.equal(b.session, undefined);

  // Another address is not limited by this pair (the account limit is higher).
  assert.ok(configInt('rl_login_account') > n, 'rl_login_account > rl_login_pair');
  assert.equal((await authenticate(u.email, u.password, freshIp())).status, 200, 'the owner elsewhere is not locked out');
});

test('log-in limiter: after waiting Retry-After, the right password works again', async () => {
  const n = configInt('rl_login_pair');
  const window = configInt('rl_login_window');
  assert.ok(
    window <= MAX_WAIT_WINDOW,
    `rl_login_window is ${window}s on this instance; this test waits it out and needs <= ${MAX_WAIT_WINDOW}s (./stack sets 4s for the test instance)`,
  );
  const { u, ip, limited } = await inOneWindow(window, async (u) => {
    const ip = freshIp();
    await failLogins(u.email, n, ip);
    return { u, ip, limited: await authenticate(u.email, u.password, ip) };
  });
  assertApiError(limited, 429, 'rate_limited');
  const retry = Number(limited.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= MAX_WAIT_WINDOW * 2, `Retry-After ${retry}`);
  await sleep(retry * 1000 + 100);
  const ok = await authenticate(u.email, u.password, ip);
  assert.equal(ok.status, 200, `after ${retry}s: ${ok}`);
  // A success clears this pair's failures: n more failures are answered 401 again.
  const again = await authenticate(u.email, pw(), ip);
  assertApiError(again, 401, 'invalid_credentials');
});

test('log-in limiter: failures from many addresses slow the account down (rl_login_account)', async () => {
  const pair = configInt('rl_login_pair');
  const acct = configInt('rl_login_account');
  const window = configInt('rl_login_window');
  assert.ok(acct > pair, 'rl_login_account > rl_login_pair');
  const limited = await inOneWindow(window, async (u) => {
    // Spread the failures over addresses, each below the pair limit.
    const batches = [];
    for (let left = acct; left > 0; left -= pair - 1) batches.push(failLogins(u.email, Math.min(pair - 1, left), freshIp()));
    await Promise.all(batches);
    return authenticate(u.email, u.password, freshIp());
  });
  assertApiError(limited, 429, 'rate_limited');
  assert.match(limited.headers.get('retry-after') || '', /^\d+$/);
});

// ------------------------------------------------------------- the forms

test('register form: short and common passwords are refused beside the field, typed values kept', async () => {
  const name = `Zoë <O'Brien> & "Co"`;
  const email = uniqueEmail('form');
  for (const [password, msg] of [
    ['short-pw9', /at least 10 characters/],
    [commonPasswords().find((p) => /[a-z]/.test(p)), /too common/],
  ]) {
    const b = new Browser();
    const r = await b.submit('/register', '/register', { name, email, password });
    assert.equal(r.status, 400, `${password}: ${r}`);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    const err = /<span class="error" id="password-error">([^<]*)<\/span>/.exec(r.text);
    assert.ok(err, 'an error beside the password field');
    assert.match(err[1], msg);
    assert.match(r.text, /<input id="password"[^>]*aria-invalid="true"/, 'the field is marked');
    assert.ok(r.text.includes(`value="${email}"`), 'the e-mail is kept');
    assert.ok(r.text.includes('value="Zoë &lt;O&#39;Brien&gt; &amp; &quot;Co&quot;"') || r.text.includes('value="Zoë &lt;O&#x27;Brien&gt; &amp; &quot;Co&quot;"'), 'the name is kept, escaped');
    assert.ok(!r.text.includes("<O'Brien>"), 'never unescaped');
    assert.ok(!r.text.includes(`value="${password}"`) && !r.text.includes(password), 'the password is not echoed');
    assert.equal(b.session, undefined, 'no account, no session');
  }
  assert.equal(psql(`SELECT count(*) FROM users WHERE email = ${lit(email)}`), '0');
});

test('register form: a taken e-mail address is named beside the field', async () => {
  const u = await newUser();
  const b = new Browser();
  const password = pw();
  const r = await b.submit('/register', '/register', { name: 'Second Try', email: u.email.toUpperCase(), password });
  assert.equal(r.status, 409, `${r}`);
  const err = /<span class="error" id="email-error">([^<]*)<\/span>/.exec(r.text);
  assert.ok(err, 'an error beside the e-mail field');
  assert.match(err[1], /already has an account/);
  assert.ok(r.text.includes('value="Second Try"'));
  assert.ok(!r.text.includes(password));
  const bad = await b.submit('/register', '/register', { name: '', email: 'nope', password });
  assert.equal(bad.status, 400, `${bad}`);
  assert.match(bad.text, /id="email-error"/);
  assert.match(bad.text, /id="name-error"/);
});

test('register form: success logs in and goes to next (local paths only)', async () => {
  const b = new Browser();
  const page = await b.get('/register?next=/account');
  const csrf = csrfFrom(page.text);
  const r = await b.post('/register', { csrf, name: 'Next Person', email: uniqueEmail('next'), password: pw(), next: '/account' });
  assert.equal(r.status, 303, `${r}`);
  assert.equal(r.headers.get('location'), '/account');
  const acct = await b.get('/account');
  assert.equal(acct.status, 200);
  assert.match(acct.text, /Next Person/);

  const evil = new Browser();
  const c2 = csrfFrom((await evil.get('/register')).text);
  const r2 = await evil.post('/register', { csrf: c2, name: 'Evil Next', email: uniqueEmail('evil'), password: pw(), next: '//evil.example/x' });
  assert.equal(r2.status, 303);
  assert.equal(r2.headers.get('location'), '/', 'never to another site');
});

test('log-in form: a wrong password is answered beside the field, the e-mail kept', async () => {
  const u = await newUser();
  const b = new Browser();
  const wrong = pw();
  const r = await b.submit('/login', '/login', { email: u.email, password: wrong });
  assert.equal(r.status, 401, `${r}`);
  assert.match(r.text, /id="password-error"/);
  assert.ok(r.text.includes(`value="${u.email}"`));
  assert.ok(!r.text.includes(wrong));
  assert.equal(b.session, undefined);
});

// -------------------------------------------------- admin pages and CLI

test('/admin as a customer is a 403 page', async () => {
  const b = new Browser();
  await b.register({ password: pw() });
  const r = await b.get('/admin');
  assert.equal(r.status, 403, `${r}`);
  assert.match(r.headers.get('content-type') || '', /^text\/html/);
  assert.match(r.text, /Forbidden/);
  assert.match(r.text, /<!doctype html>/i);
});

function marqueeAdmin(args, input) {
  const r = spawnSync(adminBinary(), ['-c', CONF, ...args], { input, encoding: 'utf8', timeout: 30000 });
  return r;
}

test('marquee-admin create-admin makes an administrator; set-role customer demotes', async () => {
  const email = uniqueEmail('cli-admin');
  const password = pw();
  const made = marqueeAdmin(['create-admin', email], `${password}\n`);
  assert.equal(made.status, 0, `create-admin: ${made.stderr}${made.stdout}`);
  assert.ok(!made.stdout.includes(password), 'a given password is not printed');

  const b = new Browser();
  await b.login(email, password);
  const admin = await b.get('/admin');
  assert.equal(admin.status, 200, `${admin}`);
  assert.match(admin.headers.get('content-type') || '', /^text\/html/);
  const token = await loginToken(email, password);
  const me = await api('GET', '/v1/users/me', { token });
  assert.equal(me.json.user.role, 'admin');
  const addMovie = await api('POST', '/v1/movies/add_movie', { token, body: {} });
  assert.equal(addMovie.status, 400, `an admin reaches validation: ${addMovie}`);

  const demoted = marqueeAdmin(['set-role', email, 'customer']);
  assert.equal(demoted.status, 0, `set-role: ${demoted.stderr}`);
  const forbidden = await b.get('/admin');
  assert.equal(forbidden.status, 403, `the same session, demoted: ${forbidden}`);
  assertApiError(await api('POST', '/v1/movies/add_movie', { token, body: {} }), 403, 'forbidden');
  assert.equal((await api('GET', '/v1/users/me', { token })).json.user.role, 'customer');

  const badRole = marqueeAdmin(['set-role', email, 'superuser']);
  assert.notEqual(badRole.status, 0, 'an unknown role is refused');
  const nobody = marqueeAdmin(['set-role', uniqueEmail('nobody'), 'admin']);
  assert.notEqual(nobody.status, 0, 'an unknown account is refused');
});

// ------------------------------------------------------------------ log

test('no password used by this file appears in the app log', () => {
  assert.ok(passwordsUsed.size > 20, `collected ${passwordsUsed.size} passwords`);
  const log = appLogText(); // what was logged while this file ran
  assert.match(log, /"route":"GET \/v1\/users\/authenticate"/, 'the log holds this file\'s requests');
  for (const p of passwordsUsed) assert.ok(!log.includes(p), `password ${p} found in ${'marquee.log'}`);
  assert.doesNotMatch(log, /\$argon2id\$/, 'no password hash either');
});

