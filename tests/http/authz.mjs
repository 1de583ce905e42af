// The authorization matrix, as data: every route that is not public.
// accounts.test.mjs checks each row for the anonymous (401 JSON, or a 303 to
// /login?next=... for a page GET, 401 for a page POST), a customer (403 on
// admin rows) and an administrator (never 401 or 403), and 'internal' rows
// for an address outside (403) and the loopback (200).
//
// A row: { method, path, body?, who, ok? }
//   who   'user' (AUTH_USER), 'admin' (AUTH_ADMIN) or 'internal' (AUTH_INTERNAL)
//   path  a concrete address; {captures} name things that do not exist, so
//         that a request that gets through authorization changes nothing
//         (it answers 400/404 instead)
//   body  for POST/PUT: an object, sent as JSON under /v1/ and as a form
//         (plus the csrf field) for pages.  Send one whenever the route takes
//         a body, because an empty JSON body is refused (400) before
//         authorization runs.  Keep it invalid or aimed at nothing: the
//         matrix must never create or change anything but the caller's own
//         test account.
//   ok    the status an allowed caller gets, when it is known (else: anything
//         but 401, 403 and 5xx)
//
// Later issues append their rows.  Source of truth: the AUTH_USER,
// AUTH_ADMIN and AUTH_INTERNAL entries of src/*/routes*.c.

export const NO_MOVIE = 'authz-no-such-movie';
export const NO_THEATRE = 'authz-no-such-theatre';
export const NO_ID = '999999999';

export const PROTECTED_ROUTES = [
  // users (src/users/routes.c)
  { method: 'GET', path: '/v1/users/me', who: 'user', ok: 200 },
  { method: 'POST', path: '/v1/users/logout', who: 'user', ok: 204 },
  { method: 'GET', path: '/account', who: 'user', ok: 200 },
  { method: 'POST', path: '/account/name', body: { name: 'Authz Check' }, who: 'user', ok: 303 },
  { method: 'POST', path: '/account/password', body: { current: '', password: '' }, who: 'user', ok: 400 },
  { method: 'POST', path: '/account/sessions', body: {}, who: 'user', ok: 303 },

  // seating (src/seating/routes.c)
  { method: 'POST', path: `/v1/theatre/${NO_THEATRE}/pick_seats`, body: { showtime_id: 0, seats: ['A1'] }, who: 'user' },
  { method: 'DELETE', path: `/v1/holds/${NO_ID}`, who: 'user', ok: 404 },
  { method: 'POST', path: `/showtimes/${NO_ID}/release`, body: {}, who: 'user' },

  // bookings and payments (src/bookings/routes.c, routes_pages.c)
  { method: 'POST', path: '/v1/payments/card', body: { hold_id: 0 }, who: 'user' },
  { method: 'GET', path: '/v1/bookings', who: 'user', ok: 200 },
  { method: 'GET', path: `/v1/bookings/${NO_ID}`, who: 'user', ok: 404 },
  { method: 'POST', path: `/v1/bookings/${NO_ID}/cancel`, body: {}, who: 'user', ok: 404 },
  { method: 'GET', path: `/checkout/${NO_ID}`, who: 'user' },
  { method: 'POST', path: `/checkout/${NO_ID}`, body: {}, who: 'user' },
  { method: 'GET', path: '/bookings', who: 'user', ok: 200 },
  { method: 'GET', path: `/bookings/${NO_ID}`, who: 'user', ok: 404 },
  { method: 'POST', path: `/bookings/${NO_ID}/cancel`, body: {}, who: 'user' },
  { method: 'GET', path: `/bookings/${NO_ID}/ticket`, who: 'user', ok: 404 },
  { method: 'GET', path: `/bookings/${NO_ID}/calendar.ics`, who: 'user', ok: 404 },
  { method: 'POST', path: '/v1/admin/promotions', body: {}, who: 'admin', ok: 400 },
  { method: 'POST', path: '/v1/admin/gift_cards', body: {}, who: 'admin', ok: 400 },
  { method: 'POST', path: `/v1/admin/users/${NO_ID}/credit`, body: {}, who: 'admin' },

  // ratings (src/ratings/routes.c)
  { method: 'POST', path: `/v1/movies/${NO_MOVIE}/add_rating`, body: { rating: 5 }, who: 'user', ok: 404 },
  { method: 'PUT', path: `/v1/movies/${NO_MOVIE}/update_rating`, body: { rating: 5 }, who: 'user', ok: 404 },
  { method: 'POST', path: `/movies/${NO_MOVIE}/rate`, body: {}, who: 'user' },
  { method: 'POST', path: `/movies/${NO_MOVIE}/reviews/${NO_ID}/helpful`, body: {}, who: 'user' },

  // notifications (src/notify/routes.c)
  { method: 'POST', path: '/v1/booking_details/send_details', body: { booking_id: Number(NO_ID) }, who: 'user', ok: 404 },
  { method: 'POST', path: '/v1/booking_details/send_change_details', body: {}, who: 'admin', ok: 400 },
  { method: 'GET', path: '/notifications', who: 'user', ok: 200 },
  { method: 'POST', path: '/notifications/read', body: {}, who: 'user' },

  // catalog administration, API (src/catalog/routes.c)
  { method: 'POST', path: '/v1/movies/add_movie', body: {}, who: 'admin', ok: 400 },
  { method: 'PUT', path: `/v1/movies/${NO_MOVIE}/update_movie`, body: { title: 'Authz' }, who: 'admin', ok: 404 },
  { method: 'DELETE', path: `/v1/movies/${NO_MOVIE}/remove_movie`, who: 'admin', ok: 404 },
  { method: 'POST', path: '/v1/theatre/add_theatre', body: {}, who: 'admin', ok: 400 },
  { method: 'PUT', path: `/v1/theatre/${NO_THEATRE}/update_theatre`, body: { name: 'Authz' }, who: 'admin', ok: 404 },
  { method: 'DELETE', path: `/v1/theatre/${NO_THEATRE}/remove_theatre`, who: 'admin', ok: 404 },
  { method: 'POST', path: `/v1/theatre/${NO_THEATRE}/set_showtimes`, body: { showtimes: [] }, who: 'admin' },
  { method: 'PUT', path: `/v1/theatre/${NO_THEATRE}/update_showtimes`, body: { showtimes: [] }, who: 'admin' },

  // admin panel (src/admin/routes.c and the domains' admin pages)
  { method: 'GET', path: '/admin', who: 'admin', ok: 200 },
  { method: 'GET', path: '/admin/audit', who: 'admin', ok: 200 },
  { method: 'GET', path: '/admin/movies', who: 'admin', ok: 200 },
  { method: 'GET', path: '/admin/movies/new', who: 'admin', ok: 200 },
  { method: 'POST', path: '/admin/movies/new', body: {}, who: 'admin', ok: 400 },
  { method: 'GET', path: `/admin/movies/${NO_ID}/edit`, who: 'admin', ok: 404 },
  { method: 'POST', path: `/admin/movies/${NO_ID}/edit`, body: {}, who: 'admin' },
  { method: 'POST', path: `/admin/movies/${NO_ID}/remove`, body: {}, who: 'admin' },
  { method: 'GET', path: '/admin/theatres', who: 'admin', ok: 200 },
  { method: 'GET', path: '/admin/theatres/new', who: 'admin', ok: 200 },
  { method: 'POST', path: '/admin/theatres/new', body: {}, who: 'admin', ok: 400 },
  { method: 'GET', path: `/admin/theatres/${NO_ID}/edit`, who: 'admin', ok: 404 },
  { method: 'POST', path: `/admin/theatres/${NO_ID}/edit`, body: {}, who: 'admin' },
  { method: 'POST', path: `/admin/theatres/${NO_ID}/remove`, body: {}, who: 'admin' },
  { method: 'GET', path: '/admin/showtimes', who: 'admin', ok: 200 },
  { method: 'POST', path: '/admin/showtimes/schedule', body: {}, who: 'admin' },
  { method: 'POST', path: '/admin/showtimes/bulk', body: {}, who: 'admin' },
  { method: 'POST', path: `/admin/showtimes/${NO_ID}/edit`, body: {}, who: 'admin' },
  { method: 'POST', path: `/admin/showtimes/${NO_ID}/cancel`, body: {}, who: 'admin' },
  { method: 'POST', path: '/admin/showtimes/notice', body: {}, who: 'admin' },
  { method: 'GET', path: '/admin/bookings', who: 'admin', ok: 200 },
  { method: 'GET', path: `/admin/bookings/${NO_ID}`, who: 'admin', ok: 404 },
  { method: 'POST', path: `/admin/bookings/${NO_ID}/refund`, body: {}, who: 'admin' },
  { method: 'POST', path: `/admin/bookings/${NO_ID}/credit`, body: {}, who: 'admin' },
  { method: 'GET', path: '/admin/checkin', who: 'admin', ok: 200 },
  { method: 'POST', path: '/admin/checkin', body: {}, who: 'admin' },
  { method: 'GET', path: '/admin/promotions', who: 'admin', ok: 200 },
  { method: 'POST', path: '/admin/promotions', body: {}, who: 'admin' },
  { method: 'GET', path: '/admin/gift_cards', who: 'admin', ok: 200 },
  { method: 'POST', path: '/admin/gift_cards', body: {}, who: 'admin' },
  { method: 'GET', path: '/admin/reports', who: 'admin', ok: 200 },
  { method: 'GET', path: '/admin/outbox', who: 'admin', ok: 200 },
  { method: 'POST', path: `/admin/outbox/${NO_ID}/retry`, body: {}, who: 'admin' },
  { method: 'GET', path: '/admin/reviews', who: 'admin', ok: 200 },
  { method: 'POST', path: `/admin/reviews/${NO_ID}`, body: {}, who: 'admin' },

  // operations (src/ops/routes.c)
  { method: 'GET', path: '/metrics', who: 'internal' },
];

/** Whether a row is a JSON API route (bearer token) or a page (cookie + csrf). */
export function isApi(row) {
  return row.path.startsWith('/v1/');
}
