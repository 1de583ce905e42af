-- The catalog's read statements, prepared by name exactly as the app sends
-- them (the C string literals concatenated; bench/catalog-plans.sh checks
-- that they still match the sources).  Included by bench/catalog-plans.sql.

-- src/catalog/showtimes.c: listings_sql (catalog_listings), used by the movie
-- page /movies/{movie} and GET /v1/movies/{movie}/listings.
PREPARE listings(bigint, date, text) AS
SELECT theatre_json(t.id),   json_agg(showtime_json(s.id) ORDER BY s.starts_at) FROM showtimes s JOIN auditoriums au ON au.id = s.auditorium_id JOIN theatres t ON t.id = au.theatre_id WHERE s.movie_id = $1 AND s.status = 'scheduled'   AND t.deleted_at IS NULL AND s.starts_at > now()   AND s.starts_at >= coalesce($2::date, current_date) - 1   AND s.starts_at < coalesce($2::date, current_date) + 8   AND CASE WHEN $2::date IS NULL THEN         (s.starts_at AT TIME ZONE t.timezone)::date           < (now() AT TIME ZONE t.timezone)::date + 7       ELSE (s.starts_at AT TIME ZONE t.timezone)::date = $2::date END   AND ($3::text IS NULL OR lower(t.city) = lower($3)) GROUP BY t.id ORDER BY t.city, t.name;

-- src/catalog/movies.c: search_sql (catalog_movie_search), used by /search,
-- GET /v1/movies and /admin/movies.
PREPARE search(text, text, text, date, text, int, int) AS
SELECT movie_json(m.id) FROM movies m WHERE m.deleted_at IS NULL   AND ($1::text IS NULL OR m.search @@ websearch_to_tsquery('english', $1)        OR strpos(lower(m.title), lower($1)) > 0)   AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM movie_genres mg        JOIN genres g ON g.id = mg.genre_id        WHERE mg.movie_id = m.id AND g.slug = $2))   AND (($3::text IS NULL AND $4::date IS NULL) OR EXISTS (       SELECT 1 FROM showtimes s        JOIN auditoriums a ON a.id = s.auditorium_id        JOIN theatres t ON t.id = a.theatre_id        WHERE s.movie_id = m.id AND s.status = 'scheduled'          AND t.deleted_at IS NULL AND s.starts_at > now()          AND ($3::text IS NULL OR lower(t.city) = lower($3))          AND ($4::date IS NULL OR               (s.starts_at AT TIME ZONE t.timezone)::date = $4::date)))   AND ($5::text IS NULL        OR ($5 = 'now_showing' AND m.release_date <= current_date)        OR ($5 = 'coming_soon' AND m.release_date > current_date)) ORDER BY CASE WHEN $1::text IS NULL THEN 0 ELSE   ts_rank(m.search, websearch_to_tsquery('english', $1)) END DESC,   m.release_date DESC, m.id LIMIT $6::int + 1 OFFSET $7::int;

-- src/catalog/home.c: home_sql (the home page's two lists: the newest 48
-- showing now and the next 24 coming soon).
PREPARE home AS
SELECT m.slug, m.title, m.poster_url, m.content_rating,   m.duration_minutes, to_char(m.release_date, 'YYYY-MM-DD'),   m.release_date <= current_date AS now_showing,   coalesce(string_agg(g.name, ', ' ORDER BY g.name), ''),   m.rating_count, to_char(round(m.rating_sum::numeric /     nullif(m.rating_count, 0), 1), 'FM0.0') FROM ((SELECT id FROM movies WHERE deleted_at IS NULL         AND release_date <= current_date         ORDER BY release_date DESC, title LIMIT 48)       UNION ALL (SELECT id FROM movies WHERE deleted_at IS NULL         AND release_date > current_date         ORDER BY release_date DESC, title LIMIT 24)) pick JOIN movies m ON m.id = pick.id LEFT JOIN movie_genres mg ON mg.movie_id = m.id LEFT JOIN genres g ON g.id = mg.genre_id GROUP BY m.id ORDER BY m.release_date DESC, m.title;

-- src/catalog/pages.c: filters_sql (the genre and city choices of the home
-- page's filter form, and of every catalog page).
PREPARE filters AS
SELECT coalesce((SELECT json_agg(json_build_object('slug', g.slug,   'name', g.name) ORDER BY g.name) FROM genres g WHERE EXISTS (  SELECT 1 FROM movie_genres mg JOIN movies m ON m.id = mg.movie_id   WHERE mg.genre_id = g.id AND m.deleted_at IS NULL)), '[]'), coalesce((SELECT json_agg(DISTINCT city ORDER BY city) FROM theatres   WHERE deleted_at IS NULL), '[]');

-- src/seating/seatmap.c: seats_sql (seatmap_get), the seat map of
-- /showtimes/{id} and GET /v1/theatre/{theatre}/seats?showtime=.
PREPARE seats(bigint) AS
SELECT json_agg(json_build_object(  'id', st.label, 'row', st.row_label, 'number', st.number,   'type', st.kind,   'price_cents', CASE st.kind WHEN 'premium'      THEN (3 * s.base_price_cents + 1) / 2 ELSE s.base_price_cents END,   'status', CASE WHEN ss.booking_id IS NOT NULL THEN 'sold'      WHEN ss.hold_id IS NOT NULL AND ss.held_until > now() THEN 'held'      ELSE 'available' END,   'x', st.x, 'y', st.y) ORDER BY st.y, st.x) FROM showtime_seats ss JOIN seats st ON st.id = ss.seat_id JOIN showtimes s ON s.id = ss.showtime_id WHERE ss.showtime_id = $1;
