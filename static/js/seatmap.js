/*
 * The live seat map of /showtimes/{id}.
 *
 * The page works without this script: a form of checkboxes that posts to
 * /showtimes/{id}/hold.  This script turns each checkbox into a seat
 * button (keyboard: Tab into the map, arrow keys move, Space or Enter
 * picks), holds and releases through the JSON API, counts the hold down,
 * and keeps the map live from the showtime's EventSource channel.
 *
 * Data comes from data-* attributes of form#seatmap (no inline script:
 * the Content-Security-Policy forbids it).  Live messages are
 * {"showtime_id", "seats": [{"id", "status"}], "version"}; those not newer
 * than the page's snapshot (data-version, microseconds) are already in
 * the page and are dropped.  After a lost connection the whole seat list
 * is read again, so the map is right even when messages were missed.
 * form[data-live] says "open" while the live channel is connected.
 */
(function () {
  'use strict';

  var form = document.getElementById('seatmap');
  if (!form || !window.fetch || !window.Map || !window.Set) return;

  var data = form.dataset;
  var cfg = {
    showtime: data.showtime,
    theatre: data.theatre,
    tz: data.timezone,
    csrf: data.csrf,
    version: Number(data.version) || 0,
    loggedIn: data.loggedIn === '1',
    open: data.open === '1',
    max: Number(data.max) || 10,
    login: data.login || '/login'
  };
  var STATUS_WORDS = { available: 'available', held: 'held', sold: 'sold', yours: 'held for you' };
  var SERVER_STATES = { available: 1, held: 1, sold: 1 };
  var RECONNECT_MS = 3000;
  var EXPIRED_RECHECK_MS = 3000;

  var grid = form.querySelector('[data-grid]');
  var scroller = form.querySelector('.seatmap-scroll');
  var summaryText = form.querySelector('[data-summary-text]');
  var holdButton = form.querySelector('[data-hold-button]');
  var panel = document.getElementById('hold-panel');
  var message = document.getElementById('seat-message');
  var announcer = document.querySelector('[data-announcer]');
  var bestForm = document.querySelector('[data-best-form]');
  var releaseForm = panel && panel.querySelector('[data-release-form]');

  var seats = new Map();     /* id -> {el, id, type, price, name, status, row, col, order} */
  var rows = [];             /* rows of seats, left to right */
  var selected = new Set();  /* what "Hold these seats" would hold */
  var mine = new Set();      /* the seats of the caller's live hold */
  var hold = null;           /* the Hold object, or null */
  var busy = false;
  var countdown = null;
  var warned = false;

  /* The server's clock minus ours, from the page's snapshot time. */
  var skew = (function () {
    var nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    var at = (performance.timeOrigin || Date.now()) + (nav ? nav.responseStart : 0);
    var s = cfg.version / 1000 - at;
    return Math.abs(s) < 10 * 60 * 1000 ? s : 0;  /* an old page from cache */
  })();

  /* Words */

  function money(cents, currency) {
    var s = Math.floor(cents / 100) + '.' + String(cents % 100).padStart(2, '0');
    return !currency || currency === 'USD' ? '$' + s : s + ' ' + currency;
  }

  function list(ids) {
    if (ids.length < 2) return ids.join('');
    return ids.slice(0, -1).join(', ') + ' and ' + ids[ids.length - 1];
  }

  function seatWord(ids) {
    return (ids.length === 1 ? 'Seat ' : 'Seats ') + list(ids);
  }

  function clock(iso) {
    try {
      return new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: cfg.tz })
        .format(new Date(iso));
    } catch (e) {
      return new Date(iso).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
    }
  }

  function announce(text) {
    if (!announcer) return;
    announcer.textContent = '';
    window.setTimeout(function () { announcer.textContent = text; }, 60);
  }

  /* A sentence above the map; error ones in red.  link: [text, href]. */
  function say(text, isError, link) {
    var old = document.querySelector('[data-page-notice]');
    if (old) old.hidden = true;
    if (!message) return;
    message.textContent = text;
    if (link) {
      var a = document.createElement('a');
      a.href = link[1];
      a.textContent = link[0];
      message.appendChild(document.createTextNode(' '));
      message.appendChild(a);
    }
    message.classList.toggle('error', !!isError);
    message.hidden = !text;
  }

  /* Seats */

  function shown(s) {
    return s.status === 'held' && mine.has(s.id) ? 'yours' : s.status;
  }

  function pickable(s) {
    var st = shown(s);
    return cfg.open && (st === 'available' || st === 'yours');
  }

  function paint(s) {
    var st = shown(s);
    var on = selected.has(s.id);
    var cl = s.el.classList;
    cl.remove('is-available', 'is-held', 'is-sold', 'is-yours');
    cl.add('is-' + st);
    cl.toggle('is-selected', on);
    s.el.setAttribute('aria-pressed', on ? 'true' : 'false');
    s.el.setAttribute('aria-disabled', pickable(s) ? 'false' : 'true');
    s.el.setAttribute('aria-label', s.name + ', ' + STATUS_WORDS[st]);
  }

  function paintAll() {
    seats.forEach(paint);
    summarize();
  }

  function flash(s) {
    s.el.classList.remove('seat-flash');
    void s.el.offsetWidth;  /* restart the animation */
    s.el.classList.add('seat-flash');
    window.setTimeout(function () { s.el.classList.remove('seat-flash'); }, 1300);
  }

  function ordered(set) {
    return Array.from(set).filter(function (id) { return seats.has(id); })
      .sort(function (a, b) { return seats.get(a).order - seats.get(b).order; });
  }

  function sameAsHold() {
    if (selected.size !== mine.size) return false;
    var same = true;
    selected.forEach(function (id) { if (!mine.has(id)) same = false; });
    return same;
  }

  function summarize() {
    var ids = ordered(selected);
    var total = ids.reduce(function (t, id) { return t + seats.get(id).price; }, 0);
    var lead;
    if (!cfg.open) lead = 'Seats for this showtime can no longer be held.';
    else if (ids.length === 0 && hold) lead = 'No seats selected. Pick seats to hold instead of your current ones, or release them above.';
    else if (ids.length === 0) lead = 'Pick the seats you want on the map (up to ' + cfg.max + ').';
    else if (hold && sameAsHold()) lead = 'Held for you: ' + list(ids) + ' · total ';
    else lead = 'Selected: ' + list(ids) + ' · ' + ids.length + (ids.length === 1 ? ' seat' : ' seats') + ' · total ';
    summaryText.textContent = lead;
    if (cfg.open && ids.length > 0) {
      var strong = document.createElement('strong');
      strong.textContent = money(total, data.currency);
      summaryText.appendChild(strong);
    }
    holdButton.textContent = !cfg.loggedIn ? 'Log in to hold seats' : hold ? 'Update my hold' : 'Hold these seats';
    holdButton.disabled = busy || !cfg.open || (cfg.loggedIn && (ids.length === 0 || (hold && sameAsHold())));
  }

  function toggle(s) {
    if (!pickable(s)) {
      flash(s);
      announce(cfg.open ? 'Seat ' + s.id + ' is ' + STATUS_WORDS[shown(s)] + '.' : 'Seats can no longer be held.');
      return;
    }
    if (selected.has(s.id)) {
      selected.delete(s.id);
    } else if (selected.size >= cfg.max) {
      say('You can hold at most ' + cfg.max + ' seats at a time.', true);
      return;
    } else {
      selected.add(s.id);
    }
    paint(s);
    summarize();
  }

  /* The checkboxes become buttons; rows and columns for the arrow keys. */
  function enhance() {
    var order = 0;
    grid.querySelectorAll('.seat-row').forEach(function (rowEl) {
      var row = [];
      var col = 0;
      Array.prototype.forEach.call(rowEl.children, function (cell) {
        if (cell.classList.contains('seat-gap')) { col++; return; }
        if (!cell.classList.contains('seat')) return;
        var input = cell.querySelector('input');
        var btn = document.createElement('button');
        btn.type = 'button';
        btn.className = cell.className;
        btn.tabIndex = -1;
        ['seat', 'type', 'price', 'name'].forEach(function (k) { btn.dataset[k] = cell.dataset[k]; });
        var num = cell.querySelector('.seat-num');
        if (num) btn.appendChild(num.cloneNode(true));
        var st = ['available', 'held', 'sold', 'yours'].filter(function (x) {
          return cell.classList.contains('is-' + x);
        })[0] || 'available';
        var s = {
          el: btn, id: cell.dataset.seat, type: cell.dataset.type, price: Number(cell.dataset.price) || 0,
          name: cell.dataset.name, status: st === 'yours' ? 'held' : st, row: rows.length, col: col, order: order++
        };
        if (input && input.checked) selected.add(s.id);
        cell.replaceWith(btn);
        seats.set(s.id, s);
        row.push(s);
        col++;
      });
      rows.push(row);
    });
  }

  /* Keyboard: one seat is in the tab order; arrows move between seats. */
  function focusSeat(s) {
    if (!s) return;
    seats.forEach(function (o) { o.el.tabIndex = -1; });
    s.el.tabIndex = 0;
    s.el.focus();
  }

  function nearest(row, col) {
    var best = null;
    (rows[row] || []).forEach(function (s) {
      if (!best || Math.abs(s.col - col) < Math.abs(best.col - col)) best = s;
    });
    return best;
  }

  function onKey(e) {
    var s = e.target && seats.get(e.target.dataset.seat);
    if (!s) return;
    var row = rows[s.row];
    var i = row.indexOf(s);
    var next = null;
    var r;
    switch (e.key) {
      case 'ArrowLeft': next = row[i - 1]; break;
      case 'ArrowRight': next = row[i + 1]; break;
      case 'Home': next = row[0]; break;
      case 'End': next = row[row.length - 1]; break;
      case 'ArrowUp':
        for (r = s.row - 1; r >= 0 && !next; r--) next = nearest(r, s.col);
        break;
      case 'ArrowDown':
        for (r = s.row + 1; r < rows.length && !next; r++) next = nearest(r, s.col);
        break;
      default: return;
    }
    e.preventDefault();
    focusSeat(next);
  }

  function initialTabStop() {
    var first = ordered(selected)[0] || ordered(mine)[0];
    var s = first ? seats.get(first) : null;
    if (!s) seats.forEach(function (o) { if (!s && pickable(o)) s = o; });
    if (!s) s = seats.values().next().value;
    if (s) s.el.tabIndex = 0;
  }

  /* The hold */

  function setHold(h) {
    hold = h || null;
    mine = new Set(hold ? hold.seats : []);
    if (hold) hold.seats.forEach(function (id) { var s = seats.get(id); if (s) s.status = 'held'; });
    if (!panel) return;
    panel.hidden = !hold;
    if (!hold) { stopCountdown(); return; }
    var until = panel.querySelector('[data-hold-until]');
    until.dateTime = hold.expires_at;
    until.textContent = clock(hold.expires_at);
    panel.querySelector('[data-hold-seats]').textContent = list(hold.seats);
    panel.querySelector('[data-hold-total]').textContent = money(hold.total_cents, hold.currency);
    panel.querySelector('[data-hold-id]').value = hold.id;
    var pay = panel.querySelector('[data-hold-checkout]');
    if (pay) pay.href = '/checkout/' + hold.id;
    startCountdown();
  }

  function stopCountdown() {
    if (countdown) window.clearInterval(countdown);
    countdown = null;
  }

  function startCountdown() {
    stopCountdown();
    warned = false;
    var box = panel.querySelector('[data-hold-countdown]');
    var left = panel.querySelector('[data-hold-left]');
    box.hidden = false;
    var tick = function () {
      if (!hold) return stopCountdown();
      var ms = Date.parse(hold.expires_at) - (Date.now() + skew);
      if (ms <= 0) return expired();
      var sec = Math.ceil(ms / 1000);
      left.textContent = Math.floor(sec / 60) + ':' + String(sec % 60).padStart(2, '0');
      if (sec <= 60 && !warned) {
        warned = true;
        announce('One minute left to pay for your seats.');
      }
    };
    tick();
    countdown = window.setInterval(tick, 1000);
  }

  /* The hold ran out: its seats are free for everyone (the server treats
   * an expired hold as free at once); a re-read confirms shortly. */
  function expired() {
    var ids = hold ? hold.seats.slice() : [];
    ids.forEach(function (id) {
      var s = seats.get(id);
      if (s && s.status === 'held') s.status = 'available';
      selected.delete(id);
    });
    setHold(null);
    paintAll();
    say('Your hold expired and ' + list(ids) + (ids.length === 1 ? ' is' : ' are') +
      ' free again for anyone. Pick seats and hold them again.', true);
    window.setTimeout(refresh, EXPIRED_RECHECK_MS);
  }

  function api(method, path, body) {
    var headers = { Accept: 'application/json', 'X-CSRF-Token': cfg.csrf };
    if (body) headers['Content-Type'] = 'application/json';
    return fetch(path, {
      method: method, credentials: 'same-origin', cache: 'no-store', headers: headers,
      body: body ? JSON.stringify(body) : undefined
    }).then(function (res) {
      if (res.status === 204) return { res: res, body: {} };
      return res.json().catch(function () { return {}; }).then(function (b) { return { res: res, body: b }; });
    });
  }

  function setBusy(on) {
    busy = on;
    holdButton.setAttribute('aria-busy', on ? 'true' : 'false');
    summarize();
    if (on) holdButton.textContent = 'Holding…';
  }

  function pickSeats() {
    if (!cfg.loggedIn) {
      window.location.href = cfg.login;
      return;
    }
    var ids = ordered(selected);
    if (ids.length === 0 || busy) return;
    setBusy(true);
    pause();
    api('POST', '/v1/theatre/' + encodeURIComponent(cfg.theatre) + '/pick_seats',
      { showtime_id: Number(cfg.showtime), seats: ids })
      .then(function (r) {
        setBusy(false);
        if (r.res.status === 201 && r.body.hold) held(r.body.hold);
        else refused(r.res, (r.body && r.body.error) || {});
      }, function () {
        setBusy(false);
        say('We could not reach Marquee. Check your connection and try again.', true);
      })
      .then(resume, resume);
  }

  function held(h) {
    var before = Array.from(mine);
    before.forEach(function (id) {
      var s = seats.get(id);
      if (s && h.seats.indexOf(id) < 0) s.status = 'available';
    });
    setHold(h);
    selected = new Set(h.seats);
    say('');
    paintAll();
    announce(seatWord(h.seats) + (h.seats.length === 1 ? ' is' : ' are') + ' held for you until ' +
      clock(h.expires_at) + '.');
    panel.querySelector('h2').focus();
  }

  function refused(res, err) {
    var details = err.details || {};
    if (res.status === 409 && err.code === 'seats_unavailable') {
      var taken = details.seats || [];
      taken.forEach(function (id) {
        var s = seats.get(id);
        if (!s) return;
        s.status = 'held';
        selected.delete(id);
        flash(s);
      });
      paintAll();
      say('Sorry: ' + list(taken) + (taken.length === 1 ? ' was' : ' were') +
        ' just taken by someone else, so nothing was held. Your other seats are still selected.', true);
      refresh();
    } else if (res.status === 409 && err.code === 'showtime_closed') {
      cfg.open = false;
      paintAll();
      say('This showtime has been cancelled or has already started, so its seats can no longer be held.', true);
    } else if (res.status === 401 || err.code === 'csrf_failed') {
      say('Your session has ended.', true, ['Log in again to hold seats.', cfg.login]);
    } else if (res.status === 429) {
      var wait = Number(res.headers.get('Retry-After')) || details.retry_after || 10;
      say('Too many tries in a short time. Please wait ' + wait + ' seconds and try again.', true);
    } else if (res.status === 422 && err.code === 'too_many_seats') {
      say('You can hold at most ' + cfg.max + ' seats at a time.', true);
    } else {
      say(err.message ? err.message.charAt(0).toUpperCase() + err.message.slice(1) + '.' :
        'Something went wrong. Please try again.', true);
      refresh();
    }
  }

  function release(e) {
    e.preventDefault();
    if (!hold || busy) return;
    var h = hold;
    pause();
    api('DELETE', '/v1/holds/' + encodeURIComponent(h.id)).then(function (r) {
      if (r.res.status !== 204 && r.res.status !== 404) {
        say('We could not release your seats just now. Please try again.', true);
        return;
      }
      h.seats.forEach(function (id) {
        var s = seats.get(id);
        if (s && s.status === 'held') s.status = 'available';
        selected.delete(id);
      });
      setHold(null);
      paintAll();
      say('Your seats were released.');
      if (r.res.status === 404) refresh();
    }, function () {
      say('We could not reach Marquee. Check your connection and try again.', true);
    }).then(resume, resume);
  }

  /* Best available */

  function best(e) {
    e.preventDefault();
    var input = bestForm.querySelector('input[name=best]');
    var n = parseInt(input.value, 10);
    if (!(n >= 1 && n <= cfg.max)) {
      say('Best available finds between 1 and ' + cfg.max + ' seats.', true);
      input.focus();
      return;
    }
    fetch('/v1/theatre/' + encodeURIComponent(cfg.theatre) + '/best_seats?showtime=' +
      encodeURIComponent(cfg.showtime) + '&count=' + n, { credentials: 'same-origin', cache: 'no-store',
      headers: { Accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : Promise.reject(res); })
      .then(function (b) {
        var ids = (b.seats || []).filter(function (id) { return seats.has(id); });
        if (ids.length === 0) {
          say('There are no ' + n + ' free seats side by side. Pick seats on the map instead.', true);
          return;
        }
        selected = new Set(ids);
        paintAll();
        say('Best available: ' + list(ids) + (ids.length === 1 ? ' is' : ' are') +
          ' selected. Hold them, or change the selection.');
        focusSeat(seats.get(ids[0]));
      })
      .catch(function () { say('We could not find seats just now. Please try again.', true); });
  }

  /* Live updates */

  /* While our own request or a re-read is on its way, messages wait: the
   * echo of our own pick arrives before the answer to it does. */
  var queue = null;
  var paused = 0;
  var refreshing = false;
  var again = false;

  function pause() {
    if (paused++ === 0) queue = [];
  }

  function resume() {
    if (--paused > 0) return;
    var q = queue;
    queue = null;
    q.forEach(handle);
  }

  /* Paints a change; says what others just did. */
  function update(changes) {
    var taken = [], freed = [], lost = [], mineGone = false;
    changes.forEach(function (c) {
      var s = seats.get(c.id);
      if (!s || !SERVER_STATES[c.status]) return;
      var was = shown(s);
      s.status = c.status;
      if (mine.has(s.id) && c.status !== 'held') mineGone = true;
      var now = shown(s);
      if (was === now) return;
      if (now === 'held' || now === 'sold') {
        if (selected.has(s.id) && !mine.has(s.id)) {
          selected.delete(s.id);
          lost.push(s.id);
        }
        taken.push(s.id);
        flash(s);
      } else if (now === 'available') {
        freed.push(s.id);
      }
      paint(s);
    });
    summarize();
    if (lost.length) {
      say('Sorry: ' + list(lost) + ', which you had selected, ' + (lost.length === 1 ? 'was' : 'were') +
        ' just taken by someone else.', true);
    }
    var words = [];
    if (taken.length) words.push(seatWord(taken) + (taken.length === 1 ? ' was' : ' were') + ' just taken.');
    if (freed.length) words.push(seatWord(freed) + (freed.length === 1 ? ' is' : ' are') + ' free again.');
    if (words.length) announce(words.join(' '));
    return mineGone;
  }

  function handle(m) {
    /* Our hold's seats freed or sold elsewhere (another tab, checkout):
     * the hold is over, and the server says how. */
    if (update(m.seats || [])) refresh();
  }

  function onMessage(e) {
    var m;
    try { m = JSON.parse(e.data); } catch (x) { return; }
    if (!m || String(m.showtime_id) !== String(cfg.showtime) || !(Number(m.version) > cfg.version)) return;
    if (queue) queue.push(m);
    else handle(m);
  }

  /* Reads the whole seat list and the caller's hold again. */
  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    pause();
    fetch('/v1/theatre/' + encodeURIComponent(cfg.theatre) + '/seats?showtime=' + encodeURIComponent(cfg.showtime),
      { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (b) { if (b) reread(b); })
      .then(done, done);
    function done() {
      refreshing = false;
      resume();
      if (again) { again = false; refresh(); }
    }
  }

  function reread(b) {
    var h = b.my_hold || null;
    if (hold && (!h || h.id !== hold.id)) {
      hold.seats.forEach(function (id) { if (!h || h.seats.indexOf(id) < 0) selected.delete(id); });
    }
    if (!hold && h) selected = new Set(h.seats);
    setHold(h);
    if (b.showtime && b.showtime.status && b.showtime.status !== 'scheduled') cfg.open = false;
    update((b.seats || []).map(function (s) { return { id: s.id, status: s.status }; }));
    paintAll();
  }

  var source = null;
  var disconnected = false;

  function connect() {
    if (!window.EventSource) {
      window.setInterval(refresh, 15000);
      return;
    }
    source = new EventSource('/live/showtimes/' + encodeURIComponent(cfg.showtime));
    source.onmessage = onMessage;
    source.onopen = function () {
      form.dataset.live = 'open';
      if (disconnected) { disconnected = false; refresh(); }
    };
    source.onerror = function () {
      form.dataset.live = 'reconnecting';
      disconnected = true;
      if (source.readyState === 2) {  /* CLOSED: the browser gave up */
        source.close();
        refresh();
        window.setTimeout(connect, RECONNECT_MS + Math.random() * RECONNECT_MS);
      }
    };
  }

  /* Start */

  enhance();
  try { setHold(data.hold ? JSON.parse(data.hold) : null); } catch (x) { setHold(null); }
  initialTabStop();
  paintAll();
  grid.addEventListener('click', function (e) {
    var el = e.target.closest && e.target.closest('button.seat');
    if (el && seats.has(el.dataset.seat)) {
      toggle(seats.get(el.dataset.seat));
      focusSeat(seats.get(el.dataset.seat));
    }
  });
  grid.addEventListener('keydown', onKey);
  form.addEventListener('submit', function (e) { e.preventDefault(); pickSeats(); });
  if (releaseForm) releaseForm.addEventListener('submit', release);
  if (bestForm) bestForm.addEventListener('submit', best);
  if (scroller && scroller.scrollWidth > scroller.clientWidth) {
    scroller.scrollLeft = (scroller.scrollWidth - scroller.clientWidth) / 2;
  }
  window.addEventListener('pageshow', function (e) { if (e.persisted) refresh(); });
  form.classList.add('is-live');
  connect();
})();
