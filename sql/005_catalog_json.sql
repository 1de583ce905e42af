-- The API's objects, built where the data is.  json_build_object keeps
-- the field order of API.md.

CREATE FUNCTION movie_json(mid bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', m.id, 'slug', m.slug, 'title', m.title, 'synopsis', m.synopsis,
        'genres', coalesce((SELECT json_agg(g.slug ORDER BY g.slug)
                              FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
                             WHERE mg.movie_id = m.id), '[]'::json),
        'cast', coalesce((SELECT json_agg(json_build_object('name', p.name, 'role', c.role)
                                          ORDER BY c.position)
                            FROM movie_cast c JOIN people p ON p.id = c.person_id
                           WHERE c.movie_id = m.id), '[]'::json),
        'duration_minutes', m.duration_minutes,
        'release_date', to_char(m.release_date, 'YYYY-MM-DD'),
        'content_rating', m.content_rating,
        'poster_url', m.poster_url, 'trailer_url', m.trailer_url,
        'rating', json_build_object(
            'average', CASE WHEN m.rating_count = 0 THEN NULL
                            ELSE round(m.rating_sum::numeric / m.rating_count, 1) END,
            'count', m.rating_count))
    FROM movies m WHERE m.id = mid
$$;

CREATE FUNCTION theatre_json(tid bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', t.id, 'slug', t.slug, 'name', t.name, 'city', t.city,
        'address', t.address, 'timezone', t.timezone,
        'auditoriums', coalesce((SELECT json_agg(json_build_object(
                'name', a.name, 'capacity', a.capacity, 'layout', to_json(a.layout))
                ORDER BY a.name)
              FROM auditoriums a WHERE a.theatre_id = t.id AND a.deleted_at IS NULL),
            '[]'::json))
    FROM theatres t WHERE t.id = tid
$$;

-- Seats a customer could still pick: not sold, not held by a live hold.
CREATE FUNCTION showtime_seats_available(sid bigint) RETURNS int
    LANGUAGE sql STABLE AS $$
    SELECT count(*)::int FROM showtime_seats ss
     WHERE ss.showtime_id = sid AND ss.booking_id IS NULL
       AND (ss.hold_id IS NULL OR ss.held_until <= now())
$$;

CREATE FUNCTION showtime_json(sid bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', s.id, 'movie_id', s.movie_id, 'theatre_id', a.theatre_id,
        'auditorium', a.name,
        'starts_at', rfc3339(s.starts_at),
        'starts_local', rfc3339_local(s.starts_at, t.timezone),
        'ends_at', rfc3339(s.ends_at),
        'format', s.format, 'language', s.language,
        'base_price_cents', s.base_price_cents, 'currency', s.currency,
        'status', s.status,
        'seats_available', showtime_seats_available(s.id))
    FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id
    JOIN theatres t ON t.id = a.theatre_id
    WHERE s.id = sid
$$;
