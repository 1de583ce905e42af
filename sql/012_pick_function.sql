-- A seat pick as two server-side functions, so that a pick costs the server
-- a handful of statements (prepare; BEGIN, the pick, COMMIT; the unlock)
-- instead of a dozen round trips and two commits.  The statements inside
-- are those the app ran one by one before (src/seating/holds.c): rows by
-- primary key, no range reads of shared tables inside the SERIALIZABLE
-- transaction.

-- The price of a seat of this kind at a showtime's base price: premium is
-- 1.5 times, rounded half a cent up.  The one definition: the seat map, the
-- hold's total, the checkout page and the payment all price seats with it.
CREATE FUNCTION seat_price(base int, kind text) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN kind = 'premium' THEN (3 * base + 1) / 2 ELSE base END
$$;

-- Whether theatre (id, slug) is the one a path names: ref is its id when
-- all digits (as src/catalog/lookup.c reads it), else its slug; NULL: any.
CREATE FUNCTION theatre_is(t_id bigint, t_slug text, ref text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN ref IS NULL THEN true
                -- ids are positive: leading zeros do not change one
                WHEN ref ~ '^[0-9]{1,18}$' THEN t_id::text = ltrim(ref, '0')
                ELSE t_slug = ref END
$$;

-- Before the transaction, READ COMMITTED.  First a look at the wanted
-- seats: when the showtime is open at this theatre, every seat is one of
-- its auditorium's and someone else holds or has bought some of them, the
-- answer is 409 at once (taken, in the order asked), with no lock and no
-- transaction; on a crowded showtime most picks end there.  Anything else
-- (unknown seats, a closed showtime, another theatre) is pick_seats()'s to
-- refuse: it decides, this only saves work.  Otherwise it waits for the
-- user's other picks of this showtime (an advisory lock the caller keeps
-- until its pick has committed) and reads the user's holds there, after
-- the wait, so that a pick that just committed is seen.
CREATE FUNCTION pick_prepare(p_user bigint, p_showtime bigint,
    p_theatre text, p_labels text[], OUT taken text[],
    OUT prev_holds bigint[], OUT prev_seats bigint[])
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    known int;
BEGIN
    SELECT count(*), array_agg(l.label ORDER BY l.i) FILTER (
               WHERE ss.booking_id IS NOT NULL
                  OR (ss.hold_id IS NOT NULL AND ss.held_until > now()
                      AND ss.hold_user_id <> p_user))
      INTO known, taken
      FROM unnest(p_labels) WITH ORDINALITY AS l(label, i)
      JOIN showtimes s ON s.id = p_showtime AND s.status = 'scheduled'
                      AND s.starts_at > now()
      JOIN auditoriums au ON au.id = s.auditorium_id
      JOIN theatres t ON t.id = au.theatre_id AND t.deleted_at IS NULL
                     AND theatre_is(t.id, t.slug, p_theatre)
      JOIN seats se ON se.auditorium_id = s.auditorium_id
                   AND se.label = l.label AND se.retired_at IS NULL
      JOIN showtime_seats ss ON ss.showtime_id = s.id AND ss.seat_id = se.id;
    IF taken IS NOT NULL AND known = cardinality(p_labels) THEN
        RETURN;
    END IF;
    taken := NULL;
    PERFORM pg_advisory_lock(hashtextextended(
        'hold:' || p_user || ':' || p_showtime, 0));
    SELECT coalesce(array_agg(DISTINCT h.id), '{}'),
           coalesce(array_agg(DISTINCT x), '{}')
      INTO prev_holds, prev_seats
      FROM holds h CROSS JOIN LATERAL unnest(h.seat_ids) x
     WHERE h.user_id = p_user AND h.showtime_id = p_showtime
       AND (h.released_at IS NULL) IS TRUE;  -- see the note at the end
END
$$;

-- The pick itself, inside the caller's SERIALIZABLE transaction.  Returns
--   {"hold": Hold, "freed": [labels of the replaced hold]}
-- or refuses by raising SQLSTATE MQ001 (DB_REFUSAL in src/store/db.h) with
-- one of these as the message, which rolls the transaction back (the
-- replaced hold's seats may have been freed on the way):
--   {"refusal": "not_found" | "showtime_closed"}
--   {"unknown": [indexes into p_labels of labels not in the auditorium]}
--   {"taken": [labels someone else holds or bought]}
-- p_theatre is the path's theatre, its id or its slug (NULL: any): the
-- showtime must be at that theatre, and the theatre not removed.
CREATE FUNCTION pick_seats(p_hold bigint, p_user bigint, p_showtime bigint,
    p_theatre text, p_labels text[], p_seconds int,
    p_prev_holds bigint[], p_prev_seats bigint[])
RETURNS json
LANGUAGE plpgsql VOLATILE
-- Plans made once per connection, not for each call's values (planning
-- was a third of the server's time per pick).
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    st record;
    ids bigint[];
    total int;
    unknown int[];
    freed text[] := '{}';
    claimed text[];
    hold json;
BEGIN
    SELECT s.status = 'scheduled' AND s.starts_at > now() AS open,
           s.base_price_cents AS base, s.auditorium_id AS aud, s.currency
      INTO st
      FROM showtimes s JOIN auditoriums au ON au.id = s.auditorium_id
      JOIN theatres t ON t.id = au.theatre_id
     WHERE s.id = p_showtime AND t.deleted_at IS NULL
       AND theatre_is(t.id, t.slug, p_theatre);
    IF NOT FOUND THEN
        RAISE SQLSTATE 'MQ001' USING MESSAGE =
            json_build_object('refusal', 'not_found');
    END IF;
    IF NOT st.open THEN
        RAISE SQLSTATE 'MQ001' USING MESSAGE =
            json_build_object('refusal', 'showtime_closed');
    END IF;

    SELECT array_agg(se.id), sum(seat_price(st.base, se.kind))
      INTO ids, total
      FROM seats se
     WHERE se.auditorium_id = st.aud AND se.retired_at IS NULL
       AND se.label = ANY (p_labels);
    IF coalesce(cardinality(ids), 0) < cardinality(p_labels) THEN
        SELECT array_agg(l.i ORDER BY l.i) INTO unknown
          FROM unnest(p_labels) WITH ORDINALITY AS l(label, i)
         WHERE NOT EXISTS (SELECT 1 FROM seats se
                            WHERE se.auditorium_id = st.aud
                              AND se.retired_at IS NULL
                              AND se.label = l.label);
        RAISE SQLSTATE 'MQ001' USING MESSAGE =
            json_build_object('unknown', unknown);
    END IF;

    IF cardinality(p_prev_holds) > 0 THEN
        WITH f AS (
            UPDATE showtime_seats ss
               SET hold_id = NULL, hold_user_id = NULL, held_until = NULL
              FROM seats se
             WHERE ss.showtime_id = p_showtime
               AND ss.seat_id = ANY (p_prev_seats)
               AND ss.hold_id = ANY (p_prev_holds) AND se.id = ss.seat_id
            RETURNING se.label)
        SELECT coalesce(array_agg(label), '{}') INTO freed FROM f;
    END IF;

    WITH c AS (
        UPDATE showtime_seats ss
           SET hold_id = p_hold, hold_user_id = p_user,
               held_until = now() + make_interval(secs => p_seconds)
          FROM seats se
         WHERE ss.showtime_id = p_showtime AND ss.seat_id = ANY (ids)
           AND se.id = ss.seat_id AND ss.booking_id IS NULL
           AND (ss.hold_id IS NULL OR ss.held_until <= now())
        RETURNING se.label)
    SELECT coalesce(array_agg(label), '{}') INTO claimed FROM c;
    IF cardinality(claimed) <> cardinality(p_labels) THEN
        RAISE SQLSTATE 'MQ001' USING MESSAGE = json_build_object('taken', (
            SELECT coalesce(json_agg(l.label ORDER BY l.i), '[]')
              FROM unnest(p_labels) WITH ORDINALITY AS l(label, i)
             WHERE l.label <> ALL (claimed)));
    END IF;

    INSERT INTO holds (id, user_id, showtime_id, seat_ids, seat_labels,
                       total_cents, currency, expires_at)
    VALUES (p_hold, p_user, p_showtime, ids, p_labels, total, st.currency,
            now() + make_interval(secs => p_seconds))
    RETURNING json_build_object('id', id, 'showtime_id', showtime_id,
        'seats', to_json(seat_labels), 'total_cents', total_cents,
        'currency', currency, 'expires_at', rfc3339(expires_at))
    INTO hold;
    -- The replaced holds, by primary key: only this user's picks of this
    -- showtime touch them, and those wait for the advisory lock.
    IF cardinality(p_prev_holds) > 0 THEN
        UPDATE holds SET released_at = coalesce(released_at, now())
         WHERE id = ANY (p_prev_holds);  -- see the note at the end
    END IF;
    RETURN json_build_object('hold', hold, 'freed', to_json(freed));
END
$$;

-- A note on the holds queries above.  holds_expiry_idx is partial (WHERE
-- released_at IS NULL), and when autovacuum last counted it with no live
-- hold its reltuples is 0: a plan made then (and these plans are kept for
-- the connection's life) scans it for any query that says "released_at IS
-- NULL", reading every live hold of the site, and inside a SERIALIZABLE
-- pick every such read is a conflict with every other pick.  So these
-- queries say it in words the planner does not match to that index
-- ("(released_at IS NULL) IS TRUE", or no such test at all) and go by
-- holds_user_idx and the primary key.
