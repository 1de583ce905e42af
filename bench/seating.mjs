// Seat-picking benchmark: the load generator and the report.  Run it through
// bench/seating.sh (which picks the instance and raises the descriptor limit).
//
// Phases, all in one run against one instance:
//   1. baseline  GET /healthz (the FastCGI hello route), 64 and 200 clients
//   2. many      64 clients, each its own user, picking random free seats over
//                200 showtimes (a pick replaces that user's hold on the showtime)
//   3. hot       200 clients, each its own user, on ONE showtime of 400 seats
//   4. live      1,000 EventSource subscribers of one showtime, then a series
//                of picks: from each pick to each subscriber's message
// Every load phase is a closed loop (a client sends its next request when the
// previous answer is in) with keep-alive connections, a warm-up that is not
// counted, then a measured window.  The load generator runs on the same
// machine and is part of what is measured (DESIGN.md, "Targets"): for the two
// pick phases it is bench/pickload.c (compiled by seating.sh; --loadgen node
// for the Node loop instead), for the others this script.
//
// Its data: theatre "bench-seating" (10 auditoriums of 150 seats, one of 400),
// movie "bench-seating", 200 + 2 showtimes far in the future; created through
// the admin API on the first run and reused.  Every run first expires whatever
// its showtimes still hold (SQL, as time passing would) and waits for
// marquee-jobs to release it, and does the same at the end.  Users: fresh
// accounts each run.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { adminLogin, createUsers, ensureMovie, f0, f1, httpClient, log, loopback, metrics, must, pct, psql } from './lib.mjs';

const { values: opt } = parseArgs({
	options: {
		url: { type: 'string', default: 'http://127.0.0.1:28080' },
		var: { type: 'string' },
		instance: { type: 'string', default: 'bench' },
		seconds: { type: 'string', default: '10' },
		warmup: { type: 'string', default: '2' },
		subscribers: { type: 'string', default: '1000' },
		'live-picks': { type: 'string', default: '50' },
		json: { type: 'string' },
		phases: { type: 'string', default: 'baseline,many,hot,live' },
		'many-clients': { type: 'string', default: '64' },	// the targets are for 64 and 200;
		'hot-clients': { type: 'string', default: '200' },	// other counts: diagnostics only
		'hot-max-seats': { type: 'string', default: '2' },
		// Diagnosis of a private marquee master (see bench/seating.md): whose CPU
		// counts as "marquee", and the application_name (PGAPPNAME) of its sessions.
		'app-pid': { type: 'string' },
		'pg-appname': { type: 'string' },
		// Diagnosis: leave the run's holds in place (they expire in 8 minutes).
		'keep-holds': { type: 'boolean', default: false },
		// Diagnosis: ANALYZE holds when a pick phase's warm-up ends, so that the
		// planner sees the live holds (see "find_previous" in bench/seating.md).
		'analyze-holds': { type: 'boolean', default: false },
		// The pick phases' load generator: c (bench/pickload.c, the executable
		// given by --pickload) or node (closedLoop() below).
		loadgen: { type: 'string', default: 'c' },
		pickload: { type: 'string' },
	},
});
const { BASE, U } = loopback(opt.url, ['127.0.0.1', '::1', '[::1]']);
const VAR = opt.var;
const SECONDS = Math.min(Math.max(Number(opt.seconds), 1), 120);
const WARMUP = Math.min(Math.max(Number(opt.warmup), 0), 30);
const NSUBS = Math.min(Math.max(Number(opt.subscribers), 1), 5000);
const NLIVE = Math.min(Math.max(Number(opt['live-picks']), 1), 200);
const PHASES = new Set(opt.phases.split(','));
const RUN = randomBytes(4).toString('hex');
const SLUG = 'bench-seating';
const CLIENTS_MANY = Math.min(Math.max(Number(opt['many-clients']), 1), 1000);
const CLIENTS_HOT = Math.min(Math.max(Number(opt['hot-clients']), 1), 1000);
const NSHOWTIMES = 200;
// Seats per pick on the hot showtime: 1..2, so that 200 holders need about 300
// of the 400 seats and the showtime never sells out structurally (with 1..4,
// 200 holders would want 500 seats and most answers would be 409 whatever the
// server did).  Over many showtimes: 1..4.
const HOT_MAX_SEATS = Math.min(Math.max(Number(opt['hot-max-seats']), 1), 10);
const LOADGEN = opt.loadgen;
if (!['c', 'node'].includes(LOADGEN)) throw new Error('--loadgen is c or node');
if (LOADGEN === 'c' && !opt.pickload) throw new Error('--loadgen c needs --pickload PATH (bench/seating.sh compiles bench/pickload.c)');

// --------------------------------------------------------------- HTTP, SQL

const { agent, request } = httpClient(U, { maxSockets: 4096 });
const { sql, sqlJson } = psql(VAR, { timeout: 60000 });

// ----------------------------------------------------------------- fixtures

function layoutOf(rows, cols, premiumRows) {
	return Array.from({ length: rows }, (_, y) => (y >= rows - premiumRows ? 'p' : 's').repeat(cols));
}
function labelsOf(layout) {
	const out = [];
	layout.forEach((row, y) => {
		let n = 0;
		for (const ch of row) if (ch !== '.') out.push(`${y < 26 ? String.fromCharCode(65 + y) : 'A' + String.fromCharCode(65 + y - 26)}${++n}`);
	});
	return out;
}
const MLAYOUT = layoutOf(10, 15, 2);	// 150 seats
const HLAYOUT = layoutOf(20, 20, 3);	// 400 seats
const AUDS = [...Array.from({ length: 10 }, (_, i) => ({ name: `M${String(i + 1).padStart(2, '0')}`, layout: MLAYOUT })),
	{ name: 'HOT', layout: HLAYOUT }];

async function fixtures(admin) {
	const r = await request('GET', `/v1/theatre/${SLUG}`);
	if (r.status === 404) {
		log('creating theatre', SLUG);
		must(await request('POST', '/v1/theatre/add_theatre', { token: admin, body: {
			name: 'Bench Seating', slug: SLUG, city: 'Benchville', timezone: 'UTC', auditoriums: AUDS,
		} }), 201, 'add_theatre');
	} else must(r, 200, 'theatre');
	const movie = await ensureMovie(request, admin, { title: 'Bench Seating', slug: SLUG, duration_minutes: 90 });
	const q = `SELECT coalesce(json_agg(json_build_object('id', s.id, 'aud', a.name) ORDER BY a.name, s.starts_at), '[]')
	    FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id JOIN theatres t ON t.id = a.theatre_id
	   WHERE t.slug = '${SLUG}' AND s.status = 'scheduled' AND s.starts_at > now() + interval '1 day'`;
	let sts = await sqlJson(q);
	if (sts.length < NSHOWTIMES + 2) {
		log('creating showtimes');
		const day0 = Date.UTC(2031, 0, 6);
		const list = [];
		for (const a of AUDS.slice(0, 10))
			for (let k = 0; k < NSHOWTIMES / 10; k++) list.push({ a: a.name, k });
		list.push({ a: 'HOT', k: 0 }, { a: 'HOT', k: 1 });
		must(await request('POST', `/v1/theatre/${SLUG}/set_showtimes`, { token: admin, body: {
			showtimes: list.map(({ a, k }) => ({ movie_id: movie.id, auditorium: a, base_price_cents: 1250,
				starts_at: new Date(day0 + k * 3 * 3600e3).toISOString().replace('.000Z', 'Z') })),
		} }), 201, 'set_showtimes');
		sts = await sqlJson(q);
	}
	const many = sts.filter((s) => s.aud !== 'HOT').slice(0, NSHOWTIMES).map((s) => s.id);
	const hot = sts.filter((s) => s.aud === 'HOT').map((s) => s.id);
	const theatre = must(await request('GET', `/v1/theatre/${SLUG}`), 200, 'theatre').theatre;
	return { theatre, movie, many, hotId: hot[0], liveId: hot[1], all: sts.map((s) => s.id) };
}

// Expires every live hold of the bench showtimes (as time passing would) and
// waits, up to 60 s, for marquee-jobs to release them.
async function resetHolds(ids) {
	const list = ids.join(',');
	await sql(`BEGIN;
	  UPDATE holds SET expires_at = now() WHERE showtime_id IN (${list}) AND released_at IS NULL AND expires_at > now();
	  UPDATE showtime_seats SET held_until = now() WHERE showtime_id IN (${list}) AND held_until > now();
	  COMMIT;`);
	const end = Date.now() + 60000;
	for (;;) {
		const n = Number(await sql(`SELECT count(*) FROM holds WHERE showtime_id IN (${list}) AND released_at IS NULL`));
		if (n === 0) return;
		if (Date.now() > end) { log(`warning: ${n} expired holds still unreleased after 60 s`); return; }
		await sleep(500);
	}
}

async function createCustomers(n) {
	return createUsers(request, n, (i) => ({ email: `bench-${RUN}-${i}@example.test`, password: `bench-pass-${RUN}`, name: `Bench ${i}` }));
}

// --------------------------------------------------------------- load loops

// Runs `clients` closed loops of fn(client) for warmup + seconds; collects
// what fn returns ({status, ms}) during the measured window only.
async function closedLoop(clients, fn) {
	const t0 = performance.now();
	const tMeasure = t0 + WARMUP * 1000;
	const tEnd = tMeasure + SECONDS * 1000;
	const lat = [], lat201 = [];
	const status = {};
	await Promise.all(Array.from({ length: clients }, async (_, c) => {
		for (let n = 0; n < 1e7; n++) {
			const start = performance.now();
			if (start >= tEnd) break;
			const r = await fn(c);
			if (start >= tMeasure) {
				lat.push(r.ms);
				if (r.status === 201) lat201.push(r.ms);
				status[r.status] = (status[r.status] ?? 0) + 1;
			}
		}
	}));
	const elapsed = (performance.now() - tMeasure) / 1000;
	lat.sort((x, y) => x - y);
	lat201.sort((x, y) => x - y);
	const total = lat.length;
	return {
		clients, seconds: elapsed, total, status, rps: total / elapsed,
		p50: pct(lat, 50), p99: pct(lat, 99), max: lat[lat.length - 1],
		p50_201: pct(lat201, 50), p99_201: pct(lat201, 99),
	};
}

// The load generator's own view of a showtime: seat -> holder (client index),
// updated from every 201.  Clients choose among seats that look free (plus
// their own): "random free seats" as a client with a live map would.
function seatView(labels) {
	return { labels, owner: new Map(), mine: new Map() };
}
function choose(view, c, maxSeats) {
	const want = 1 + Math.floor(Math.random() * maxSeats);
	const own = view.mine.get(c) ?? [];
	const out = new Set();
	for (let tries = 0; out.size < want && tries < 40; tries++) {
		const s = view.labels[Math.floor(Math.random() * view.labels.length)];
		if (!view.owner.has(s) || view.owner.get(s) === c) out.add(s);
	}
	if (out.size === 0) out.add(own.length ? own[0] : view.labels[Math.floor(Math.random() * view.labels.length)]);
	return [...out];
}
function learn(view, c, seats) {
	for (const s of view.mine.get(c) ?? []) if (view.owner.get(s) === c) view.owner.delete(s);
	for (const s of seats) view.owner.set(s, c);
	view.mine.set(c, seats);
}

// The same loop as closedLoop() with choose()/learn() in pickLoad(), run by
// bench/pickload.c: its input on stdin (see there), its events on stdout, one
// JSON object a line; on(event) is called for "measure" and "end".  Returns
// closedLoop()'s figures plus "other" (sample bodies) and "reconnects".
function pickloadRun(clients, users, showtimeIds, labels, theatreId, maxSeats, on) {
	const clean = (x, what) => {
		if (!/^[\x21-\x7e]+$/.test(String(x)) || /["\\]/.test(String(x))) throw new Error(`pickload: bad ${what} ${x}`);
		return String(x);
	};
	const input = [`port ${U.port || 80}`, `theatre ${clean(theatreId, 'theatre')}`, `clients ${clients}`,
		`warmup_ms ${Math.round(WARMUP * 1000)}`, `seconds_ms ${Math.round(SECONDS * 1000)}`, `max_seats ${maxSeats}`,
		`tokens ${clients}`, ...users.slice(0, clients).map((u) => clean(u.token, 'token')),
		`showtimes ${showtimeIds.length}`, ...showtimeIds.map((id) => clean(id, 'showtime')),
		`labels ${labels.length}`, ...labels.map((l) => clean(l, 'label')), ''].join('\n');
	return new Promise((resolve, reject) => {
		const child = spawn(opt.pickload, [], { stdio: ['pipe', 'pipe', 'inherit'] });
		// pickload stops itself 5 s past its window; this is a second fence.
		const fence = setTimeout(() => child.kill('SIGKILL'), (WARMUP + SECONDS + 15) * 1000);
		let buf = '', result = null;
		child.stdout.setEncoding('utf8');
		child.stdout.on('data', (chunk) => {
			buf += chunk;
			let k;
			while ((k = buf.indexOf('\n')) >= 0) {
				let ev;
				try { ev = JSON.parse(buf.slice(0, k)); } catch { ev = { event: 'garbled', line: buf.slice(0, k) }; }
				buf = buf.slice(k + 1);
				if (ev.event === 'result') result = ev;
				else if (on[ev.event]) on[ev.event](ev);
				else log(`pickload: unexpected output ${JSON.stringify(ev).slice(0, 200)}`);
			}
		});
		child.on('error', (e) => { clearTimeout(fence); reject(e); });
		child.on('close', (code, signal) => {
			clearTimeout(fence);
			if (!result) { reject(new Error(`pickload: no result (exit ${code ?? signal})`)); return; }
			const num = (x) => (x === null ? NaN : x);
			resolve({
				clients, seconds: result.seconds, total: result.total, status: result.status, rps: result.total / result.seconds,
				p50: num(result.p50), p99: num(result.p99), max: num(result.max),
				p50_201: num(result.p50_201), p99_201: num(result.p99_201),
				reconnects: result.reconnects, other: result.other,
			});
		});
		child.stdin.on('error', () => {});	// it died early: 'close' says so
		child.stdin.end(input);
	});
}

async function pickLoad(name, clients, users, showtimeIds, labels, theatreId, maxSeats) {
	const views = new Map(showtimeIds.map((id) => [id, seatView(labels)]));
	const other = {};
	const m0 = await metrics(request);
	const pg0 = await pgCounters();
	const logOff = pgLogSize();
	const waits = {};
	let sampling = true;
	const sampler = (async () => {
		while (sampling) {
			await sleep(700);
			if (!sampling) break;
			try {
				const rows = await sqlJson(`SELECT json_agg(json_build_object('w', w, 'n', n)) FROM (
				  SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') w, count(*) n FROM pg_stat_activity
				   WHERE datname = 'marquee' AND backend_type = 'client backend' AND state = 'active'
				     AND pid <> pg_backend_pid() GROUP BY 1) x`);
				for (const r of rows ?? []) waits[r.w] = (waits[r.w] ?? 0) + r.n;
			} catch { /* diagnostics only */ }
		}
	})();
	await findAppBackends();
	let cpu0 = null;
	const analyzeTimer = opt['analyze-holds'] ? setTimeout(() => sql('ANALYZE holds').catch(() => {}), Math.max(0, WARMUP * 1000 - 500)) : null;
	let res;
	if (LOADGEN === 'c') {
		// pickload says when its warm-up and its window end; the snapshots
		// are taken then, and its own CPU in between counts as the loadgen's.
		let cpu1 = null, lg0 = 0, lg1 = 0;
		res = await pickloadRun(clients, users, showtimeIds, labels, theatreId, maxSeats, {
			measure: (ev) => { cpu0 = cpuSnapshot(); lg0 = ev.cpu_ms; },
			end: (ev) => { cpu1 = cpuSnapshot(); lg1 = ev.cpu_ms; },
		});
		Object.assign(other, res.other);
		delete res.other;
		res.cpu = cpu0 && cpu1 ? cpuDelta(cpu0, cpu1) : null;
		if (res.cpu) { res.cpu.loadgen += lg1 - lg0; res.cpu.pickload = lg1 - lg0; }
	} else {
		const cpuTimer = setTimeout(() => { cpu0 = cpuSnapshot(); }, WARMUP * 1000);
		res = await closedLoop(clients, async (c) => {
			const st = showtimeIds[Math.floor(Math.random() * showtimeIds.length)];
			const view = views.get(st);
			const seats = choose(view, c, maxSeats);
			const r = await request('POST', `/v1/theatre/${theatreId}/pick_seats`, { token: users[c].token, body: { showtime_id: st, seats } });
			if (r.status === 201) learn(view, c, seats);
			else if (r.status !== 409 && Object.keys(other).length < 5) other[r.status] = r.text.slice(0, 200);
			return r;
		});
		clearTimeout(cpuTimer);
		res.cpu = cpu0 ? cpuDelta(cpu0, cpuSnapshot()) : null;
	}
	if (analyzeTimer) clearTimeout(analyzeTimer);
	res.loadgen = LOADGEN;
	sampling = false;
	await sampler;
	const m1 = await metrics(request);
	const pg1 = await pgCounters();
	const d = (k) => (m1[k] ?? 0) - (m0[k] ?? 0);
	res.holds = res.status[201] ?? 0;
	res.holds_per_s = res.holds / res.seconds;
	res.conflicts = res.status[409] ?? 0;
	res.conflict_rate = res.conflicts / Math.max(1, res.holds + res.conflicts);
	res.x5 = Object.entries(res.status).filter(([s]) => s >= 500 || s === '0').reduce((a, [, n]) => a + n, 0);
	res.x429 = res.status[429] ?? 0;
	res.metrics = { holds: d('marquee_holds_total'), retries: d('marquee_tx_retries_total'), exhausted: d('marquee_tx_exhausted_total'),
		live_failed: d('marquee_live_publish_failed_total') };
	res.retries_per_hold = res.metrics.retries / Math.max(1, res.metrics.holds);
	res.pg = Object.fromEntries(Object.keys(pg1).map((k) => [k, pg1[k] - pg0[k]]));
	res.pg_log = pgLogScan(logOff);
	res.waits = waits;
	res.other = other;
	res.name = name;
	return res;
}

// CPU time (ms) of the instance's processes by component, from /proc: the
// pid files in run/ (and pgdata/postmaster.pid) and their children; plus this
// load generator and the whole machine.
function readStat(pid) {
	try {
		const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
		return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) * 10 };	// 100 ticks/s
	} catch { return null; }
}
let appBackends = [];
async function findAppBackends() {
	if (!opt['pg-appname']) return;
	const name = opt['pg-appname'].replace(/[^A-Za-z0-9_-]/g, '');
	appBackends = (await sqlJson(`SELECT coalesce(json_agg(pid), '[]') FROM pg_stat_activity WHERE application_name = '${name}'`)) ?? [];
}
function cpuSnapshot() {
	const roots = {};
	const pidOf = (f) => { try { return Number(fs.readFileSync(f, 'utf8').split('\n')[0]); } catch { return 0; } };
	roots.marquee = opt['app-pid'] ? Number(opt['app-pid']) : pidOf(path.join(VAR, 'run/marquee.pid'));
	roots.jobs = pidOf(path.join(VAR, 'run/jobs.pid'));
	roots.nginx = pidOf(path.join(VAR, 'run/nginx.pid'));
	roots.memcached = pidOf(path.join(VAR, 'run/memcached.pid'));
	roots.postgres = pidOf(path.join(VAR, 'pgdata/postmaster.pid'));
	const byParent = new Map();
	const stats = new Map();
	for (const d of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(d)) continue;
		const st = readStat(d);
		if (!st) continue;
		stats.set(Number(d), st);
		if (!byParent.has(st.ppid)) byParent.set(st.ppid, []);
		byParent.get(st.ppid).push(Number(d));
	}
	const out = {};
	for (const [k, root] of Object.entries(roots)) {
		let sum = 0;
		const stack = root ? [root] : [];
		while (stack.length) {
			const p = stack.pop();
			sum += stats.get(p)?.cpu ?? 0;
			stack.push(...(byParent.get(p) ?? []));
		}
		out[k] = sum;
	}
	if (appBackends.length) out.app_pg_backends = appBackends.reduce((a, p) => a + (readStat(p)?.cpu ?? 0), 0);
	const u = process.cpuUsage();
	out.loadgen = (u.user + u.system) / 1000;
	const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
	out.machine_busy = (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7]) * 10;
	out.machine_irq = (cpu[5] + cpu[6]) * 10;	// mostly loopback networking of this run
	out.machine_total = cpu.slice(0, 8).reduce((a, b) => a + b, 0) * 10;
	return out;
}
function cpuDelta(a, b) {
	return Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - a[k]]));
}

async function pgCounters() {
	return sqlJson(`SELECT json_build_object('commits', xact_commit, 'rollbacks', xact_rollback,
	    'deadlocks', deadlocks, 'conflicts', conflicts) FROM pg_stat_database WHERE datname = 'marquee'`);
}
function pgLogSize() {
	try { return fs.statSync(path.join(VAR, 'log/postgresql.log')).size; } catch { return 0; }
}
function pgLogScan(from) {
	const out = {};
	try {
		const fd = fs.openSync(path.join(VAR, 'log/postgresql.log'), 'r');
		const size = fs.fstatSync(fd).size;
		const len = Math.min(size - from, 64 << 20);
		const buf = Buffer.alloc(Math.max(0, len));
		fs.readSync(fd, buf, 0, buf.length, from);
		fs.closeSync(fd);
		for (const line of buf.toString().split('\n')) {
			const m = /(ERROR|FATAL|LOG):\s+(could not serialize[^:]*|deadlock detected|duration|process \d+ (still waiting|acquired)[^\d]*|[^:]{0,60})/.exec(line);
			if (!m) continue;
			const k = `${m[1]}: ${m[2].replace(/\d+(\.\d+)?/g, 'N').slice(0, 60)}`;
			out[k] = (out[k] ?? 0) + 1;
		}
	} catch { /* no log */ }
	return out;
}

// Double sales and inconsistencies over the bench showtimes (all must be 0).
// "(released_at IS NULL) IS TRUE" keeps the correlated lookup on the
// primary key: planned onto holds_expiry_idx it scanned every live hold
// per seat and took minutes (see sql/012_pick_function.sql).
async function doubleSales(ids) {
	const l = ids.join(',');
	return sqlJson(`SELECT json_build_object(
	  'seat_in_two_live_holds', (SELECT count(*) FROM (SELECT h.showtime_id, x FROM holds h, unnest(h.seat_ids) x
	      WHERE h.showtime_id IN (${l}) AND h.released_at IS NULL AND h.expires_at > now()
	      GROUP BY 1, 2 HAVING count(*) > 1) d),
	  'live_hold_seat_not_claimed', (SELECT count(*) FROM holds h, unnest(h.seat_ids) x
	      WHERE h.showtime_id IN (${l}) AND h.released_at IS NULL AND h.expires_at > now()
	        AND NOT EXISTS (SELECT 1 FROM showtime_seats ss WHERE ss.showtime_id = h.showtime_id
	              AND ss.seat_id = x AND ss.hold_id = h.id AND ss.held_until > now())),
	  'claim_without_live_hold', (SELECT count(*) FROM showtime_seats ss
	      WHERE ss.showtime_id IN (${l}) AND ss.hold_id IS NOT NULL AND ss.held_until > now()
	        AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.id = ss.hold_id AND (h.released_at IS NULL) IS TRUE
	              AND h.expires_at > now() AND ss.seat_id = ANY (h.seat_ids))),
	  'user_with_two_live_holds', (SELECT count(*) FROM (SELECT showtime_id, user_id FROM holds
	      WHERE showtime_id IN (${l}) AND released_at IS NULL AND expires_at > now()
	      GROUP BY 1, 2 HAVING count(*) > 1) d),
	  'seat_in_two_bookings', (SELECT count(*) FROM (SELECT b.showtime_id, bs.seat_id FROM bookings b
	      JOIN booking_seats bs ON bs.booking_id = b.id WHERE b.showtime_id IN (${l}) AND b.status = 'confirmed'
	      GROUP BY 1, 2 HAVING count(*) > 1) d))`);
}

// ----------------------------------------------------------------- live

function subscriber(showtimeId, onMessage) {
	return new Promise((resolve, reject) => {
		const req = http.request({ host: U.hostname, port: U.port, path: `/live/showtimes/${showtimeId}`,
			headers: { accept: 'text/event-stream' }, agent: false });
		req.on('response', (res) => {
			if (res.statusCode !== 200) { reject(new Error(`subscribe: ${res.statusCode}`)); res.resume(); return; }
			res.setEncoding('utf8');
			let buf = '';
			res.on('data', (chunk) => {
				const at = performance.now();
				buf += chunk;
				let k;
				while ((k = buf.indexOf('\n\n')) >= 0) {
					const ev = buf.slice(0, k);
					buf = buf.slice(k + 2);
					for (const line of ev.split('\n')) if (line.startsWith('data:')) onMessage(line.slice(5), at);
				}
			});
			res.on('error', () => {});
			resolve(req);
		});
		req.on('error', reject);
		req.setTimeout(120000, () => req.destroy());
		req.end();
	});
}

async function liveBench(fx, users) {
	const labels = labelsOf(HLAYOUT);
	const startWallUs = Date.now() * 1000;
	const picks = [];	// {label, tSend, tResp}
	const arrivals = new Map();	// label -> array of arrival times
	const byLabel = new Map();
	let stale = 0;
	const onMessage = (data, at) => {
		let msg;
		try { msg = JSON.parse(data); } catch { return; }
		if (!(msg.version >= startWallUs)) { stale++; return; }
		for (const s of msg.seats) {
			if (s.status !== 'held' || !byLabel.has(s.id)) continue;
			arrivals.get(s.id).push({ at, pub: performance.timeOrigin + at - msg.version / 1000 });
		}
	};
	log(`live: connecting ${NSUBS} subscribers`);
	const t0 = performance.now();
	const subs = [];
	for (let i = 0; i < NSUBS; i += 100) {
		subs.push(...await Promise.all(Array.from({ length: Math.min(100, NSUBS - i) }, () => subscriber(fx.liveId, onMessage))));
	}
	const connectMs = performance.now() - t0;
	await sleep(1000);
	log(`live: ${subs.length} subscribers in ${Math.round(connectMs)} ms; ${NLIVE} picks`);
	for (let j = 0; j < NLIVE; j++) {
		const label = labels[j];
		byLabel.set(label, j);
		arrivals.set(label, []);
		const tSend = performance.now();
		const r = await request('POST', `/v1/theatre/${fx.theatre.id}/pick_seats`, { token: users[j % users.length].token,
			body: { showtime_id: fx.liveId, seats: [label] } });
		const tResp = performance.now();
		picks.push({ label, tSend, tResp, status: r.status });
		await sleep(100);
	}
	await sleep(2000);
	for (const s of subs) s.destroy();
	const fromResp = [], fromSend = [], fromPub = [];
	let missing = 0;
	for (const p of picks) {
		const a = arrivals.get(p.label);
		missing += Math.max(0, subs.length - a.length);
		for (const t of a) { fromResp.push(t.at - p.tResp); fromSend.push(t.at - p.tSend); fromPub.push(t.pub); }
	}
	for (const x of [fromResp, fromSend, fromPub]) x.sort((a, b) => a - b);
	return {
		subscribers: subs.length, connect_ms: connectMs, picks: picks.length,
		pick_status: picks.reduce((o, p) => ({ ...o, [p.status]: (o[p.status] ?? 0) + 1 }), {}),
		messages: fromResp.length, missing, stale_skipped: stale,
		p50_from_response: pct(fromResp, 50), p99_from_response: pct(fromResp, 99), max_from_response: fromResp[fromResp.length - 1],
		p50_from_send: pct(fromSend, 50), p99_from_send: pct(fromSend, 99),
		p50_from_publish: pct(fromPub, 50), p99_from_publish: pct(fromPub, 99), max_from_publish: fromPub[fromPub.length - 1],
	};
}

// ------------------------------------------------------------------ main

// Plans of the pick's statements, taken right after the load phases while
// their holds are still live (EXPLAIN ANALYZE inside a rolled-back
// SERIALIZABLE transaction; the SQL is the app's, from src/seating/holds.c).
async function explainPick(fx) {
	const q = (s) => sql(`BEGIN ISOLATION LEVEL SERIALIZABLE; ${s}; ROLLBACK;`).catch((e) => e.message);
	const live = await sqlJson(`SELECT json_build_object('live_holds', (SELECT count(*) FROM holds WHERE released_at IS NULL),
	    'sample', (SELECT json_build_object('user', user_id, 'showtime', showtime_id) FROM holds
	               WHERE released_at IS NULL AND showtime_id = ${fx.hotId} LIMIT 1),
	    'index_stats', (SELECT json_object_agg(relname, json_build_object('relpages', relpages, 'reltuples', reltuples))
	               FROM pg_class WHERE relname IN ('holds', 'holds_user_idx', 'holds_expiry_idx')))`);
	const u = live.sample?.user ?? 1, st = live.sample?.showtime ?? fx.hotId;
	const free = await sqlJson(`SELECT json_agg(ss.seat_id) FROM (SELECT seat_id FROM showtime_seats
	    WHERE showtime_id = ${fx.hotId} AND hold_id IS NULL AND booking_id IS NULL LIMIT 2) ss`) ?? [0];
	const labels = labelsOf(HLAYOUT).slice(0, 2);
	return {
		live_holds: live.live_holds, index_stats: live.index_stats,
		find_previous: await q(`EXPLAIN (ANALYZE, BUFFERS, SUMMARY) SELECT coalesce(array_agg(id)::text, '{}'),
	      coalesce((SELECT array_agg(DISTINCT x) FROM holds h2, unnest(h2.seat_ids) x WHERE h2.user_id = ${u}
	      AND h2.showtime_id = ${st} AND h2.released_at IS NULL)::text, '{}') FROM holds
	      WHERE user_id = ${u} AND showtime_id = ${st} AND released_at IS NULL`),
		resolve_seats: await q(`EXPLAIN (ANALYZE, BUFFERS, SUMMARY) SELECT id, label, kind FROM seats WHERE auditorium_id =
	      (SELECT auditorium_id FROM showtimes WHERE id = ${fx.hotId}) AND retired_at IS NULL AND label IN
	      (SELECT json_array_elements_text('${JSON.stringify(labels)}'::json))`),
		claim: await q(`EXPLAIN (ANALYZE, BUFFERS, SUMMARY) UPDATE showtime_seats ss SET hold_id = 1, hold_user_id = 1,
	      held_until = now() + make_interval(secs => 480) FROM seats st WHERE ss.showtime_id = ${fx.hotId}
	      AND ss.seat_id = ANY ('{${free.join(',')}}'::bigint[]) AND st.id = ss.seat_id
	      AND ss.booking_id IS NULL AND (ss.hold_id IS NULL OR ss.held_until <= now()) RETURNING st.label`),
	};
}

async function main() {
	if (!VAR) throw new Error('--var is required (the instance directory)');
	const out = { date: new Date().toISOString(), url: BASE, instance: opt.instance, seconds: SECONDS, warmup: WARMUP,
		clients: { many: CLIENTS_MANY, hot: CLIENTS_HOT }, analyze_holds: opt['analyze-holds'], loadgen: LOADGEN,
		host: { cpus: (await import('node:os')).cpus().length, load_before: (await import('node:os')).loadavg() } };
	const admin = await adminLogin(request);
	const fx = await fixtures(admin);
	log(`fixtures: theatre ${fx.theatre.id}, ${fx.many.length} showtimes, hot ${fx.hotId}, live ${fx.liveId}`);
	await resetHolds(fx.all);
	log('creating 200 users');
	const users = await createCustomers(Math.max(CLIENTS_HOT, CLIENTS_MANY, 50));
	const manyLabels = labelsOf(MLAYOUT), hotLabels = labelsOf(HLAYOUT);

	if (PHASES.has('baseline')) {
		for (const c of new Set([CLIENTS_MANY, CLIENTS_HOT])) {
			log(`baseline: GET /healthz, ${c} clients`);
			out[`baseline_${c}`] = await closedLoop(c, () => request('GET', '/healthz'));
		}
	}
	if (PHASES.has('many')) {
		log(`many: ${CLIENTS_MANY} clients over ${fx.many.length} showtimes`);
		out.many = await pickLoad('many', CLIENTS_MANY, users, fx.many, manyLabels, fx.theatre.id, 4);
	}
	if (PHASES.has('hot')) {
		log(`hot: ${CLIENTS_HOT} clients on showtime ${fx.hotId} (${hotLabels.length} seats)`);
		out.hot = await pickLoad('hot', CLIENTS_HOT, users, [fx.hotId], hotLabels, fx.theatre.id, HOT_MAX_SEATS);
	}
	out.double_sales = await doubleSales(fx.all);
	out.explain = await explainPick(fx);
	if (PHASES.has('live')) out.live = await liveBench(fx, users.slice(0, 50));
	if (!opt['keep-holds']) {
		log('releasing the bench holds');
		await resetHolds(fx.all);
	}
	agent.destroy();
	report(out);
	if (opt.json) fs.writeFileSync(opt.json, JSON.stringify(out, null, 2));
}

function verdict(ok) { return ok ? 'PASS' : 'MISS'; }

function report(o) {
	const L = [];
	const p = (s = '') => L.push(s);
	p(`Marquee seat-picking benchmark, ${o.date}, ${o.url} (instance ${o.instance}), ${o.host.cpus} CPUs, load before ${o.host.load_before.map((x) => x.toFixed(2)).join(' ')}`);
	p(`closed loops, keep-alive, ${o.warmup} s warm-up + ${o.seconds} s measured per phase; load generator on the same machine`);
	p(`load generator: ${o.loadgen === 'c' ? 'C pickload (bench/pickload.c)' : 'Node'} for the pick phases, Node for the baseline and live`);
	if (o.analyze_holds) p('DIAGNOSTIC RUN: ANALYZE holds after each warm-up (--analyze-holds), not the system as deployed');
	p();
	for (const c of [o.clients.many, o.clients.hot]) {
		const b = o[`baseline_${c}`];
		if (b) p(`baseline  GET /healthz      ${String(c).padStart(3)} clients: ${f0(b.rps).padStart(6)} req/s  p50 ${f1(b.p50)} ms  p99 ${f1(b.p99)} ms  statuses ${JSON.stringify(b.status)}`);
	}
	const sold = o.double_sales ? Object.values(o.double_sales).reduce((a, b) => a + b, 0) : NaN;
	const rows = [['many', o.clients.many, 1000, 100], ['hot', o.clients.hot, 500, 1000]];
	for (const [k, c, tHolds, tP99] of rows) {
		const r = o[k];
		if (!r) continue;
		const b = o[`baseline_${c}`];
		p();
		p(`${k === 'many' ? `many showtimes (${c} clients, 200 showtimes of 150 seats, 1-4 seats a pick)` : `hot showtime (${c} clients, one showtime of 400 seats, 1-${HOT_MAX_SEATS} seats a pick)`}`);
		p(`  successful holds/s   ${f0(r.holds_per_s).padStart(6)}   (${r.holds} holds in ${r.seconds.toFixed(1)} s)  target >= ${tHolds}: ${verdict(r.holds_per_s >= tHolds)}` +
			(b ? `   ${(r.holds_per_s / b.rps).toFixed(3)}x the /healthz baseline (${f0(b.rps)} req/s)` : ''));
		p(`  picks/s (all answers) ${f0(r.rps).padStart(5)}   ${b ? `${(r.rps / b.rps).toFixed(3)}x baseline` : ''}`);
		p(`  latency, all picks   p50 ${f1(r.p50)} ms  p99 ${f1(r.p99)} ms  max ${f1(r.max)} ms   target p99 < ${tP99} ms: ${verdict(r.p99 < tP99)}`);
		p(`  latency, 201 only    p50 ${f1(r.p50_201)} ms  p99 ${f1(r.p99_201)} ms`);
		p(`  409 rate             ${(100 * r.conflict_rate).toFixed(1)} %  (${r.conflicts} seats_unavailable)`);
		p(`  5xx / errors         ${r.x5}   429: ${r.x429}   statuses ${JSON.stringify(r.status)}${Object.keys(r.other).length ? `  e.g. ${JSON.stringify(r.other)}` : ''}   target 0: ${verdict(r.x5 === 0)}` +
			(r.reconnects ? `   (connections reopened: ${r.reconnects})` : ''));
		p(`  serialization retries per hold  ${r.retries_per_hold.toFixed(3)}  (marquee_tx_retries_total +${r.metrics.retries}, marquee_holds_total +${r.metrics.holds}, exhausted +${r.metrics.exhausted})`);
		p(`  PostgreSQL           commits +${r.pg.commits}  rollbacks +${r.pg.rollbacks}  deadlocks +${r.pg.deadlocks}`);
		const w = Object.entries(r.waits).sort((x, y) => y[1] - x[1]).slice(0, 6).map(([k2, n]) => `${k2} ${n}`).join(', ');
		p(`  pg_stat_activity     active backends by wait (samples summed): ${w || '-'}`);
		const lg = Object.entries(r.pg_log).sort((x, y) => y[1] - x[1]).slice(0, 5).map(([k2, n]) => `${n}x ${k2}`).join('; ');
		p(`  postgresql.log       ${lg || 'nothing new'}`);
		if (r.cpu) {
			const n = Math.max(1, r.total);
			const parts = ['marquee', 'postgres', 'app_pg_backends', 'nginx', 'memcached', 'jobs', 'loadgen'].filter((k) => k in r.cpu)
				.map((k) => `${k} ${(r.cpu[k] / n).toFixed(2)}`).join(', ');
			const others = r.cpu.machine_busy - r.cpu.machine_irq - ['marquee', 'postgres', 'nginx', 'memcached', 'jobs', 'loadgen'].reduce((a, k) => a + r.cpu[k], 0);
			p(`  CPU ms per pick      ${parts}, irq+softirq ${(r.cpu.machine_irq / n).toFixed(2)}` +
				('pickload' in r.cpu ? `   (loadgen: pickload ${(r.cpu.pickload / n).toFixed(2)}, the rest this script)` : ''));
			p(`  machine              busy ${(100 * r.cpu.machine_busy / r.cpu.machine_total).toFixed(0)} %, of which other processes ${(100 * others / r.cpu.machine_total).toFixed(0)} %` +
				' (anything not listed above: other people\'s work, psql samplers)');
		}
	}
	p();
	p(`double sales (SQL over holds and showtime_seats of the bench showtimes): ${Number.isFinite(sold) ? sold : '-'}  ${JSON.stringify(o.double_sales)}  target 0: ${verdict(sold === 0)}`);
	if (o.live) {
		const l = o.live;
		p();
		p(`live: ${l.subscribers} EventSource subscribers (connected in ${f0(l.connect_ms)} ms), ${l.picks} picks ${JSON.stringify(l.pick_status)}, 100 ms apart`);
		p(`  from the publish (message "version" = server wall clock at publish, same machine)`);
		p(`                                     p50 ${f1(l.p50_from_publish)} ms  p99 ${f1(l.p99_from_publish)} ms  max ${f1(l.max_from_publish)} ms   target p99 < 100 ms: ${verdict(l.p99_from_publish < 100)}`);
		p(`  from the pick's HTTP response      p50 ${f1(l.p50_from_response)} ms  p99 ${f1(l.p99_from_response)} ms  max ${f1(l.max_from_response)} ms` +
			`   (negative: the message came first; the app publishes before it answers)`);
		p(`  from the pick's request being sent p50 ${f1(l.p50_from_send)} ms  p99 ${f1(l.p99_from_send)} ms   (includes the pick itself)`);
		p(`  messages ${l.messages} of ${l.subscribers * l.picks} expected, missing ${l.missing}; stale (older buffered) messages skipped ${l.stale_skipped}`);
	}
	if (o.explain) {
		p();
		p(`plans of the pick's statements right after the load, ${o.explain.live_holds} live holds; planner's view of the holds indexes ${JSON.stringify(o.explain.index_stats)}:`);
		for (const k of ['find_previous', 'resolve_seats', 'claim']) {
			p(`  -- ${k}`);
			for (const line of String(o.explain[k]).split('\n')) if (line.trim()) p(`  ${line}`);
		}
	}
	console.log(L.join('\n'));
}

main().catch((e) => { console.error(e); process.exit(1); });
