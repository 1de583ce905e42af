// Poster uploads on the admin movie form (multipart/form-data): an image is
// checked by its content, stored once under the SHA-256 of its bytes, and
// served by nginx from /static/uploads/posters/ with long cache headers.
// Refusals: a file that is not an image whatever its name, a file over the
// poster limit, a body over upload_limit, a malformed multipart body, and a
// form without its CSRF token.
//
// Everything goes through the forms, as the demo admin logged in with the
// /login form (a cookie session and the page's csrf field).  Each run makes
// its own images (a chunk carries the run's id), so runs can share an
// instance and "nothing was stored" can be checked on disk when the
// instance's static_dir is readable from here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { request, api, Browser, csrfFrom, config, createUser, loginToken, ADMIN_EMAIL, ADMIN_PASSWORD } from './lib.mjs';

const RUN = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
const POSTER_LIMIT = 4 * 1024 * 1024;
const DEFAULT_UPLOAD_LIMIT = 55 * 1024 * 1024;
const YEAR = 365 * 24 * 3600;

// ------------------------------------------------------------------ images

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([head, td, crc]);
}

/** A valid 1×1 RGBA PNG, with a tEXt chunk that makes it this run's own. */
function tinyPng(tag) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0); // width
  ihdr.writeUInt32BE(1, 4); // height
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter, no interlace
  const pixels = Buffer.from([0, 0xff, 0x80, 0x00, 0xff]); // filter 0, one pixel
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('tEXt', Buffer.from(`Comment\0${tag}`, 'latin1')),
    pngChunk('IDAT', zlib.deflateSync(pixels)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');

// --------------------------------------------------------------- multipart

/**
 * A multipart/form-data body: fields { name: value } and files
 * [{ name, filename, type, data }].  Returns { body, contentType }.
 */
function multipart(fields, files = [], boundary = `----MarqueeTest${crypto.randomBytes(8).toString('hex')}`) {
  const parts = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`, 'utf8'));
  }
  for (const f of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\n` +
          `Content-Type: ${f.type || 'application/octet-stream'}\r\n\r\n`,
        'utf8',
      ),
      f.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

function postMultipart(browser, urlPath, { body, contentType }) {
  return browser.send('POST', urlPath, { headers: { 'Content-Type': contentType }, body });
}

// ----------------------------------------------------------------- helpers

const admin = new Browser();
let loggedIn = false;

async function adminBrowser() {
  if (!loggedIn) {
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    loggedIn = true;
  }
  return admin;
}

/** The csrf token of a form page (200 expected). */
async function formCsrf(b, page) {
  const r = await b.get(page);
  assert.equal(r.status, 200, `GET ${page}: ${r}`);
  assert.match(r.text, /enctype="multipart\/form-data"/, 'the movie form posts multipart');
  assert.match(r.text, /<input[^>]*type="file"[^>]*name="poster"|<input[^>]*name="poster"[^>]*type="file"/, 'a poster file input');
  const csrf = csrfFrom(r.text);
  assert.ok(csrf, `a csrf field on ${page}`);
  return csrf;
}

function movieFields(csrf, title, extra = {}) {
  return {
    csrf,
    title,
    slug: '',
    synopsis: 'A movie made by the upload tests.',
    genres: 'drama',
    cast: '',
    duration_minutes: '97',
    release_date: '2026-01-15',
    content_rating: 'PG',
    poster_url: '',
    trailer_url: '',
    ...extra,
  };
}

function slugOf(resp) {
  const loc = resp.headers.get('location') || '';
  const m = /[?&]slug=([^&]+)/.exec(loc);
  assert.ok(m, `a redirect naming the movie: ${resp.status} ${loc} ${resp.text.slice(0, 300)}`);
  return decodeURIComponent(m[1]);
}

/** The poster address shown on a movie's public page. */
async function posterOnPage(slug) {
  const r = await request('GET', `/movies/${slug}`, { headers: { Accept: 'text/html' } });
  assert.equal(r.status, 200, `GET /movies/${slug}: ${r}`);
  const m = /<img src="(\/static\/uploads\/posters\/[0-9a-f]{64}\.png)"/.exec(r.text);
  assert.ok(m, `an uploaded poster on /movies/${slug}`);
  return m[1];
}

/** The posters folder of the instance, when this process can read it. */
function postersDir() {
  const c = config();
  const dir = c.upload_dir && c.upload_dir.startsWith('/') ? path.join(c.upload_dir, 'posters') : c.static_dir && path.join(c.static_dir, 'uploads', 'posters');
  return dir && fs.existsSync(path.dirname(dir)) ? dir : null;
}

function postersOnDisk() {
  const dir = postersDir();
  if (!dir) return null;
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

function uploadLimit() {
  const v = Number.parseInt(config().upload_limit, 10);
  return Number.isFinite(v) ? v : DEFAULT_UPLOAD_LIMIT;
}

// ------------------------------------------------------------------- tests

const png = tinyPng(`marquee upload test ${RUN}`);
const pngUrl = `/static/uploads/posters/${sha256(png)}.png`;
const state = {};

test('an admin creates a movie with an uploaded PNG; nginx serves it for good', async () => {
  const b = await adminBrowser();
  const csrf = await formCsrf(b, '/admin/movies/new');
  const title = `Upload Test ${RUN}`;
  const r = await postMultipart(b, '/admin/movies/new', multipart(movieFields(csrf, title), [{ name: 'poster', filename: 'C:\\Users\\me\\poster.png', type: 'image/png', data: png }]));
  assert.equal(r.status, 303, `created: ${r}`);
  state.slug = slugOf(r);

  const url = await posterOnPage(state.slug);
  assert.equal(url, pngUrl, 'the poster is named by the SHA-256 of its content');

  const img = await request('GET', url);
  assert.equal(img.status, 200, `GET ${url}: ${img}`);
  assert.equal(img.headers.get('content-type'), 'image/png');
  assert.ok(img.body.equals(png), 'the same bytes come back');
  const cc = img.headers.get('cache-control') || '';
  assert.match(cc, /\bimmutable\b/, `Cache-Control: ${cc}`);
  assert.match(cc, /\bpublic\b/, `Cache-Control: ${cc}`);
  const maxAge = Number((/max-age=(\d+)/.exec(cc) || [])[1]);
  assert.ok(maxAge >= YEAR, `max-age of a year or more: ${cc}`);
  const expires = Date.parse(img.headers.get('expires') || '');
  assert.ok(expires - Date.now() > YEAR * 1000, `Expires far ahead: ${img.headers.get('expires')}`);
  assert.equal(img.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(img.headers.get('content-security-policy'), 'the security headers are kept');

  const onDisk = postersOnDisk();
  if (onDisk) assert.ok(onDisk.includes(path.basename(url)), 'stored under upload_dir');
  const adminPage = await b.get(`/admin/movies?q=${encodeURIComponent(title)}`);
  const m = /\/admin\/movies\/(\d+)\/edit/.exec(adminPage.text);
  assert.ok(m, `the movie in the admin list: ${adminPage.text.slice(0, 300)}`);
  state.id = m[1];
});

test('the same image uploaded again keeps the same address and one file', async () => {
  assert.ok(state.id, 'the movie of the first test');
  const b = await adminBrowser();
  const before = postersOnDisk();
  const edit = `/admin/movies/${state.id}/edit`;
  const csrf = await formCsrf(b, edit);
  // A typed address loses to the uploaded file.
  const r = await postMultipart(
    b,
    edit,
    multipart(movieFields(csrf, `Upload Test ${RUN}`, { poster_url: 'https://img.example.com/other.jpg' }), [
      { name: 'poster', filename: 'again.png', type: 'image/png', data: png },
    ]),
  );
  assert.equal(r.status, 303, `updated: ${r}`);
  assert.equal(await posterOnPage(state.slug), pngUrl);
  const after = postersOnDisk();
  if (before) assert.deepEqual(after, before, 'no second file');

  // Saving the edit form as it comes keeps the uploaded poster's address.
  const page = await b.get(edit);
  const kept = /name="poster_url"[^>]*value="([^"]*)"/.exec(page.text);
  assert.ok(kept && kept[1] === pngUrl, `the edit form shows the poster address: ${kept && kept[1]}`);
  const again = await postMultipart(b, edit, multipart(movieFields(csrfFrom(page.text), `Upload Test ${RUN}`, { poster_url: pngUrl }), [{ name: 'poster', filename: '', data: Buffer.alloc(0) }]));
  assert.equal(again.status, 303, `saved without a new file: ${again}`);
  assert.equal(await posterOnPage(state.slug), pngUrl);
});

test('a text file named .png is refused by its content and nothing is stored', async () => {
  const b = await adminBrowser();
  const before = postersOnDisk();
  const csrf = await formCsrf(b, '/admin/movies/new');
  const fake = Buffer.from(`this is not an image ${RUN}\n`);
  const title = `Upload Fake ${RUN}`;
  const r = await postMultipart(b, '/admin/movies/new', multipart(movieFields(csrf, title), [{ name: 'poster', filename: 'poster.png', type: 'image/png', data: fake }]));
  assert.equal(r.status, 400, `refused: ${r}`);
  assert.match(r.headers.get('content-type') || '', /^text\/html/);
  assert.match(r.text, /id="poster-file-error"[^>]*>Poster file is not a JPEG, PNG or WebP image/, 'the type error beside the file input');
  assert.match(r.text, /Nothing was saved/);
  assert.ok(r.text.includes(`value="${title}"`), 'what was typed is kept');
  if (before) assert.deepEqual(postersOnDisk(), before, 'no file stored');
  const list = await b.get(`/admin/movies?q=${encodeURIComponent(title)}`);
  assert.ok(!/\/admin\/movies\/\d+\/edit/.test(list.text), 'no movie created');
});

test('a poster over 4 MB gets a clear error; a body over upload_limit is 413', async () => {
  const b = await adminBrowser();
  const before = postersOnDisk();
  let csrf = await formCsrf(b, '/admin/movies/new');
  // PNG magic bytes, then noise: an image by its first bytes, too large.
  const big = Buffer.concat([png.subarray(0, 8), crypto.randomBytes(POSTER_LIMIT + 1024)]);
  const r = await postMultipart(b, '/admin/movies/new', multipart(movieFields(csrf, `Upload Big ${RUN}`), [{ name: 'poster', filename: 'big.png', type: 'image/png', data: big }]));
  assert.equal(r.status, 400, `refused: ${r.status} ${r.text.slice(0, 200)}`);
  assert.match(r.text, /Poster file is larger than 4 MB/);
  if (before) assert.deepEqual(postersOnDisk(), before, 'no file stored');

  csrf = await formCsrf(b, '/admin/movies/new');
  const huge = Buffer.concat([png.subarray(0, 8), Buffer.alloc(uploadLimit() + 1)]);
  const h = await postMultipart(b, '/admin/movies/new', multipart(movieFields(csrf, `Upload Huge ${RUN}`), [{ name: 'poster', filename: 'huge.png', type: 'image/png', data: huge }]));
  assert.equal(h.status, 413, `too large: ${h.status} ${h.text.slice(0, 200)}`);
  assert.match(h.text, /larger than \d+ bytes/);

  // Other routes keep the ordinary body_limit for multipart bodies too (nginx
  // lets 10 MB through under /admin/, so this is the app's answer).
  const bodyLimit = Number.parseInt(config().body_limit, 10);
  const t = await postMultipart(b, '/admin/theatres/new', multipart({ csrf }, [{ name: 'poster', filename: 'p.png', type: 'image/png', data: Buffer.alloc(bodyLimit + 1) }]));
  assert.equal(t.status, 413, `a theatre form with a file over body_limit: ${t.status} ${t.text.slice(0, 200)}`);
  assert.ok(t.text.includes(`larger than ${bodyLimit} bytes`), 'the app names its limit');
});

// ----------------------------------------------------------------- trailers

/**
 * A small MP4 as a file reads: a "ftyp" box first (size, type, brand),
 * then an "mdat" box of tagged bytes.  Only the first box is what makes
 * it an MP4; the rest is there to be fetched in ranges.
 */
function tinyMp4(tag, size = 64 * 1024) {
  const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1')]);
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + tag.length) & 0xff;
  Buffer.from(tag, 'latin1').copy(body, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(size + 8, 0);
  head.write('mdat', 4, 'latin1');
  return Buffer.concat([ftyp, head, body]);
}

/** A WebM's first bytes: an EBML header whose DocType is "webm". */
function tinyWebm(tag) {
  const docType = Buffer.concat([Buffer.from([0x42, 0x82, 0x84]), Buffer.from('webm', 'latin1')]);
  const ebml = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x80 | docType.length]), docType]);
  return Buffer.concat([ebml, Buffer.from(`segment ${tag}`, 'latin1'), crypto.randomBytes(4096)]);
}

/** The trailer markup on a movie's public page: { video, src } or null. */
async function trailerOnPage(slug) {
  const r = await request('GET', `/movies/${slug}`, { headers: { Accept: 'text/html' } });
  assert.equal(r.status, 200, `GET /movies/${slug}: ${r}`);
  const m = /<video src="([^"]+)"[^>]*\bcontrols\b/.exec(r.text);
  return m ? { src: m[1] } : null;
}

test('an uploaded MP4 trailer plays on the movie page; nginx serves it in byte ranges, cached for good', async () => {
  const b = await adminBrowser();
  const csrf = await formCsrf(b, '/admin/movies/new');
  assert.match((await b.get('/admin/movies/new')).text, /<input[^>]*name="trailer"[^>]*type="file"[^>]*accept="video\/mp4,video\/webm"/, 'a trailer file input');
  const mp4 = tinyMp4(`marquee trailer ${RUN}`);
  const r = await postMultipart(b, '/admin/movies/new', multipart(movieFields(csrf, `Trailer Test ${RUN}`), [
    { name: 'trailer', filename: 'trailer.bin', type: 'application/octet-stream', data: mp4 },
  ]));
  assert.equal(r.status, 303, `created: ${r}`);
  const slug = slugOf(r);
  const url = `/static/uploads/trailers/${sha256(mp4)}.mp4`;
  const t = await trailerOnPage(slug);
  assert.ok(t, 'a <video> player on the movie page');
  assert.equal(t.src, url, 'named by the SHA-256 of its content, typed by its content (not by its .bin name)');

  const whole = await request('GET', url);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('content-type'), 'video/mp4');
  assert.equal(whole.headers.get('accept-ranges'), 'bytes');
  assert.ok(whole.body.equals(mp4), 'the same bytes come back');
  assert.match(whole.headers.get('cache-control') || '', /max-age=\d{8,}/);

  // A player asks for parts: the first bytes, a middle, the end.
  for (const [range, from, to] of [['bytes=0-99', 0, 99], ['bytes=1000-4999', 1000, 4999], [`bytes=-512`, mp4.length - 512, mp4.length - 1]]) {
    const part = await request('GET', url, { headers: { Range: range } });
    assert.equal(part.status, 206, `${range}: ${part.status}`);
    assert.equal(part.headers.get('content-range'), `bytes ${from}-${to}/${mp4.length}`);
    assert.ok(part.body.equals(mp4.subarray(from, to + 1)), `${range}: the right bytes`);
  }
  const beyond = await request('GET', url, { headers: { Range: `bytes=${mp4.length + 10}-` } });
  assert.equal(beyond.status, 416, 'a range past the end is 416');

  // The edit form keeps the address; saving it as it comes keeps the trailer.
  const list = await b.get(`/admin/movies?q=${encodeURIComponent(`Trailer Test ${RUN}`)}`);
  const id = (/\/admin\/movies\/(\d+)\/edit/.exec(list.text) || [])[1];
  assert.ok(id, 'the movie in the admin list');
  const page = await b.get(`/admin/movies/${id}/edit`);
  const kept = /name="trailer_url"[^>]*value="([^"]*)"/.exec(page.text);
  assert.equal(kept && kept[1], url, 'the edit form shows the trailer address');
  const again = await postMultipart(b, `/admin/movies/${id}/edit`, multipart(movieFields(csrfFrom(page.text), `Trailer Test ${RUN}`, { trailer_url: url })));
  assert.equal(again.status, 303, `saved: ${again}`);
  assert.equal((await trailerOnPage(slug))?.src, url);
});

test('a WebM trailer is accepted; a text file named .mp4 is refused by its content, with the form kept', async () => {
  const b = await adminBrowser();
  let csrf = await formCsrf(b, '/admin/movies/new');
  const webm = tinyWebm(RUN);
  const ok = await postMultipart(b, '/admin/movies/new', multipart(movieFields(csrf, `Trailer WebM ${RUN}`), [
    { name: 'trailer', filename: 'clip.webm', type: 'video/webm', data: webm },
  ]));
  assert.equal(ok.status, 303, `created: ${ok}`);
  const url = `/static/uploads/trailers/${sha256(webm)}.webm`;
  assert.equal((await trailerOnPage(slugOf(ok)))?.src, url);
  const got = await request('GET', url, { headers: { Range: 'bytes=0-3' } });
  assert.equal(got.status, 206);
  assert.equal(got.headers.get('content-type'), 'video/webm');

  csrf = await formCsrf(b, '/admin/movies/new');
  const title = `Trailer Fake ${RUN}`;
  const fake = Buffer.from(`not a video at all ${RUN}\n`);
  const bad = await postMultipart(b, '/admin/movies/new', multipart(movieFields(csrf, title), [
    { name: 'trailer', filename: 'trailer.mp4', type: 'video/mp4', data: fake },
  ]));
  assert.equal(bad.status, 400, `refused: ${bad}`);
  assert.match(bad.text, /id="trailer-file-error"[^>]*>Trailer file is not an MP4 or WebM video/);
  assert.ok(bad.text.includes(`value="${title}"`), 'what was typed is kept');
  const list = await b.get(`/admin/movies?q=${encodeURIComponent(title)}`);
  assert.ok(!/\/admin\/movies\/\d+\/edit/.test(list.text), 'no movie created');

  // A typed address must be http(s) or a path of the site's own files.
  csrf = await formCsrf(b, '/admin/movies/new');
  const typed = await postMultipart(b, '/admin/movies/new', multipart(movieFields(csrf, `Trailer Typed ${RUN}`, { trailer_url: 'javascript:alert(1)' })));
  assert.equal(typed.status, 400, `a javascript: address: ${typed.status}`);
  assert.match(typed.text, /id="trailer-error"[^>]*>Trailer address [^<]*or the path of an uploaded trailer/);
});

test('a full-size poster and trailer together are taken; an AVIF image named .mp4 is not a trailer', async () => {
  const b = await adminBrowser();
  let csrf = await formCsrf(b, '/admin/movies/new');
  // 3.5 MB of poster and 49 MB of trailer in one form.
  const poster = Buffer.concat([tinyPng(`big poster ${RUN}`), crypto.randomBytes(3.5 * 1024 * 1024)]);
  const trailer = tinyMp4(`big trailer ${RUN}`, 49 * 1024 * 1024);
  const r = await postMultipart(b, '/admin/movies/new', multipart(movieFields(csrf, `Trailer Big ${RUN}`), [
    { name: 'poster', filename: 'p.png', type: 'image/png', data: poster },
    { name: 'trailer', filename: 't.mp4', type: 'video/mp4', data: trailer },
  ]));
  assert.equal(r.status, 303, `both files at once: ${r.status} ${r.text.slice(0, 200)}`);
  assert.equal((await trailerOnPage(slugOf(r)))?.src, `/static/uploads/trailers/${sha256(trailer)}.mp4`);

  csrf = await formCsrf(b, '/admin/movies/new');
  const avif = Buffer.concat([Buffer.from([0, 0, 0, 28]), Buffer.from('ftypavif\0\0\0\0avifmif1miaf', 'latin1'), crypto.randomBytes(256)]);
  const bad = await postMultipart(b, '/admin/movies/new', multipart(movieFields(csrf, `Trailer Avif ${RUN}`), [
    { name: 'trailer', filename: 'still.mp4', type: 'video/mp4', data: avif },
  ]));
  assert.equal(bad.status, 400);
  assert.match(bad.text, /Trailer file is not an MP4 or WebM video/);
});

test('only an admin makes the app read a large upload: others are answered before the body', async () => {
  // A body over upload_limit: read first, it would be 413; the caller is
  // looked at first, so a customer gets 403 and a visitor 401.
  const body = multipart({ csrf: 'x', title: 'x' }, [{ name: 'trailer', filename: 't.mp4', type: 'video/mp4', data: Buffer.alloc(uploadLimit() + 1) }]);
  const u = await createUser();
  const customer = new Browser();
  await customer.login(u.email, u.password);
  const c = await postMultipart(customer, '/admin/movies/new', body);
  assert.equal(c.status, 403, `a customer: ${c.status} ${c.text.slice(0, 200)}`);
  const anon = await postMultipart(new Browser(), '/admin/movies/new', body);
  assert.equal(anon.status, 401, `a visitor: ${anon.status} ${anon.text.slice(0, 200)}`);
});

test('the API takes back what it gives: an uploaded trailer\'s /static/ path, and nothing outside /static/', async () => {
  const token = await loginToken(ADMIN_EMAIL, ADMIN_PASSWORD);
  const body = {
    title: `Trailer Api ${RUN}`, genres: ['drama'], duration_minutes: 90, release_date: '2026-02-01', content_rating: 'PG',
    trailer_url: `/static/uploads/trailers/${'a'.repeat(64)}.mp4`, poster_url: `/static/uploads/posters/${'b'.repeat(64)}.png`,
  };
  const made = await api('POST', '/v1/movies/add_movie', { token, body });
  assert.equal(made.status, 201, `${made.status} ${made.text}`);
  const m = made.json.movie;
  assert.equal(m.trailer_url, body.trailer_url);
  const writable = ['title', 'slug', 'synopsis', 'genres', 'cast', 'duration_minutes', 'release_date', 'content_rating', 'poster_url', 'trailer_url'];
  const again = Object.fromEntries(writable.map((k) => [k, m[k]]));
  const back = await api('PUT', `/v1/movies/${m.id}/update_movie`, { token, body: again });
  assert.equal(back.status, 200, `the movie as GET gives it, sent back: ${back.status} ${back.text}`);
  for (const bad of ['/static/../etc/passwd', '/etc/passwd', 'javascript:alert(1)', '/static//x.mp4']) {
    const r = await api('PUT', `/v1/movies/${m.id}/update_movie`, { token, body: { trailer_url: bad } });
    assert.equal(r.status, 400, `${bad}: ${r.status}`);
    assert.match(JSON.stringify(r.json), /trailer_url/);
  }
});

test('a multipart body with a broken boundary is 400, naming the problem', async () => {
  const b = await adminBrowser();
  const csrf = await formCsrf(b, '/admin/movies/new');
  const good = multipart(movieFields(csrf, `Upload Broken ${RUN}`), [{ name: 'poster', filename: 'p.png', type: 'image/png', data: png }], 'right-boundary');

  const mismatch = await postMultipart(b, '/admin/movies/new', { body: good.body, contentType: 'multipart/form-data; boundary=wrong-boundary' });
  assert.equal(mismatch.status, 400, `boundary mismatch: ${mismatch}`);
  assert.match(mismatch.text, /does not contain the boundary/);

  const none = await postMultipart(b, '/admin/movies/new', { body: good.body, contentType: 'multipart/form-data' });
  assert.equal(none.status, 400, `no boundary: ${none}`);
  assert.match(none.text, /no boundary parameter/);

  const cut = good.body.subarray(0, good.body.length - '--right-boundary--\r\n'.length - 2);
  const unclosed = await postMultipart(b, '/admin/movies/new', { body: cut, contentType: good.contentType });
  assert.equal(unclosed.status, 400, `no closing delimiter: ${unclosed}`);
  assert.match(unclosed.text, /closing delimiter/);

  const j = await b.send('POST', '/admin/movies/new', {
    headers: { 'Content-Type': 'multipart/form-data; boundary=wrong-boundary', Accept: 'application/json' },
    body: good.body,
  });
  assert.equal(j.status, 400);
  assert.equal(j.json.error.code, 'bad_request');
});

test('without its CSRF token the upload is refused (403) and nothing is stored', async () => {
  const b = await adminBrowser();
  const before = postersOnDisk();
  const other = tinyPng(`no csrf ${RUN}`);
  const fields = movieFields('', `Upload No CSRF ${RUN}`);
  delete fields.csrf;
  const r = await postMultipart(b, '/admin/movies/new', multipart(fields, [{ name: 'poster', filename: 'p.png', type: 'image/png', data: other }]));
  assert.equal(r.status, 403, `refused: ${r}`);
  const wrong = await postMultipart(b, '/admin/movies/new', multipart(movieFields('not-the-token', `Upload No CSRF ${RUN}`), [{ name: 'poster', filename: 'p.png', type: 'image/png', data: other }]));
  assert.equal(wrong.status, 403, `a wrong token: ${wrong}`);
  if (before) assert.deepEqual(postersOnDisk(), before, 'no file stored');
  const img = await request('GET', `/static/uploads/posters/${sha256(other)}.png`);
  assert.equal(img.status, 404);
});
