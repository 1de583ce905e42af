-- The object builders (movie_json, showtime_json, ...) were SQL functions
-- whose bodies have a FROM clause, so the planner cannot inline them: each
-- query that calls one parses and plans its body again, on every execution,
-- even when the calling statement itself is prepared.  For the movie page
-- that was most of its database time (1.6 ms to plan the bodies for one
-- listed showtime, 0.6 ms for movie_json).  As PL/pgSQL functions with the
-- same SELECT, the plan is made once per connection and kept.
--
-- The bodies are not copied here: each is taken from the catalog and
-- wrapped, so that this stays what sql/005-008 say the objects are.
DO $$
DECLARE
    f record;
    body text;
BEGIN
    FOR f IN
        SELECT p.oid, p.proname, p.prosrc,
               pg_get_function_arguments(p.oid) AS args,
               pg_get_function_result(p.oid) AS result
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          JOIN pg_language l ON l.oid = p.prolang
         WHERE n.nspname = current_schema() AND l.lanname = 'sql'
           AND p.proname IN ('movie_json', 'theatre_json', 'showtime_json',
                             'showtime_seats_available', 'booking_json',
                             'booking_mail_json', 'rating_json',
                             'movie_rating_json')
    LOOP
        body := rtrim(btrim(f.prosrc), E'; \n\t');
        EXECUTE format(
            'CREATE OR REPLACE FUNCTION %I(%s) RETURNS %s LANGUAGE plpgsql '
            'STABLE AS %L', f.proname, f.args, f.result,
            E'BEGIN\n    RETURN (' || body || E');\nEND');
    END LOOP;
END
$$;

-- The time formatters were declared IMMUTABLE around to_char(), which is
-- STABLE, and the planner inlines a SQL function only when its body is no
-- more volatile than declared: so every call went through the SQL-function
-- executor, planned again in every query.  Declared STABLE (what they are)
-- and without a FROM clause, they are inlined into the calling query.
CREATE OR REPLACE FUNCTION rfc3339(ts timestamptz) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- Not STRICT (a CASE is not strict, and a STRICT function is inlined only
-- when its body is); a NULL argument still gives NULL through to_char().
CREATE OR REPLACE FUNCTION rfc3339_local(ts timestamptz, tz text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(ts AT TIME ZONE tz, 'YYYY-MM-DD"T"HH24:MI:SS') ||
        CASE WHEN (ts AT TIME ZONE tz) < (ts AT TIME ZONE 'UTC')
             THEN '-' ELSE '+' END ||
        to_char(abs(extract(epoch FROM (ts AT TIME ZONE tz) -
            (ts AT TIME ZONE 'UTC')))::int / 3600, 'FM00') || ':' ||
        to_char((abs(extract(epoch FROM (ts AT TIME ZONE tz) -
            (ts AT TIME ZONE 'UTC')))::int % 3600) / 60, 'FM00')
$$;
