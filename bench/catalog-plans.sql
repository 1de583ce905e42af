-- The catalog's read queries under EXPLAIN (ANALYZE, BUFFERS), for
-- bench/catalog.md.  Run it with bench/catalog-plans.sh, which picks the
-- parameters from the instance's data and passes them as psql variables:
--   movie_id, date (a theatre-local date), city, genre, q, showtime_id,
--   theatre_id
--
-- Each statement below is the C source's SQL text as it is sent (the string
-- literals concatenated), prepared here by name with the same parameter
-- types, as src/store/db.c does (every text is prepared once per worker
-- connection and run by name).  PostgreSQL plans the first five executions
-- of a prepared statement with the actual parameter values (custom plans);
-- after that, under the default plan_cache_mode = auto, it switches to one
-- generic plan (parameters unknown: "$1 IS NULL" cannot be folded away)
-- when that plan's estimated cost is not above the custom plans' average.
-- Sections 1-11 show custom plans (plan_cache_mode forced to custom);
-- section 12 shows the generic plans of the same statements, and section 13
-- which of the two a worker's connection ends up using.  Each statement runs
-- once untimed first, so that the plans show a warm cache (shared hit), as a
-- busy server has.
\set ON_ERROR_STOP on
SET plan_cache_mode = force_custom_plan;
\pset pager off

\ir catalog-plans-prepare.sql

\echo
\echo '######## 1. listings: default week (no ?date), every city'
\o /dev/null
EXECUTE listings(:movie_id, NULL, NULL);
\o
EXPLAIN (ANALYZE, BUFFERS) EXECUTE listings(:movie_id, NULL, NULL);

\echo
\echo '######## 2. listings: ?date=' :date
\o /dev/null
EXECUTE listings(:movie_id, :'date', NULL);
\o
EXPLAIN (ANALYZE, BUFFERS) EXECUTE listings(:movie_id, :'date', NULL);

\echo
\echo '######## 3. listings: ?city=' :city
\o /dev/null
EXECUTE listings(:movie_id, NULL, :'city');
\o
EXPLAIN (ANALYZE, BUFFERS) EXECUTE listings(:movie_id, NULL, :'city');

\echo
\echo '######## 4. search: q=' :q ' genre=' :genre ' city=' :city ' date=' :date
\o /dev/null
EXECUTE search(:'q', :'genre', :'city', :'date', NULL, 20, 0);
\o
EXPLAIN (ANALYZE, BUFFERS) EXECUTE search(:'q', :'genre', :'city', :'date', NULL, 20, 0);

\echo
\echo '######## 5. search: q=' :q ' only'
\o /dev/null
EXECUTE search(:'q', NULL, NULL, NULL, NULL, 20, 0);
\o
EXPLAIN (ANALYZE, BUFFERS) EXECUTE search(:'q', NULL, NULL, NULL, NULL, 20, 0);

\echo
\echo '######## 6. search: date=' :date ' only (every city)'
\o /dev/null
EXECUTE search(NULL, NULL, NULL, :'date', NULL, 20, 0);
\o
EXPLAIN (ANALYZE, BUFFERS) EXECUTE search(NULL, NULL, NULL, :'date', NULL, 20, 0);

\echo
\echo '######## 7. search: no filter, status=now_showing (GET /v1/movies?status=now_showing)'
\o /dev/null
EXECUTE search(NULL, NULL, NULL, NULL, 'now_showing', 20, 0);
\o
EXPLAIN (ANALYZE, BUFFERS) EXECUTE search(NULL, NULL, NULL, NULL, 'now_showing', 20, 0);

\echo
\echo '######## 8. home lists'
\o /dev/null
EXECUTE home;
\o
EXPLAIN (ANALYZE, BUFFERS) EXECUTE home;

\echo
\echo '######## 9. filter choices'
\o /dev/null
EXECUTE filters;
\o
EXPLAIN (ANALYZE, BUFFERS) EXECUTE filters;

\echo
\echo '######## 10. seat map of showtime' :showtime_id
\o /dev/null
EXECUTE seats(:showtime_id);
\o
EXPLAIN (ANALYZE, BUFFERS) EXECUTE seats(:showtime_id);

\echo
\echo '######## 10b. the same with random_page_cost = 1.1 (everything in shared_buffers)'
SET random_page_cost = 1.1;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE seats(:showtime_id);
RESET random_page_cost;

-- The SQL functions the queries call per row (showtime_json for every
-- listed showtime, with showtime_seats_available inside; theatre_json per
-- theatre; movie_json per search result) are not inlined, so EXPLAIN does
-- not show their plans: auto_explain logs them, to this client.
\echo
\echo '######## 11. per-row functions: showtime_json, showtime_seats_available, theatre_json, movie_json (auto_explain)'
\o /dev/null
SELECT showtime_json(:showtime_id), theatre_json(:theatre_id), movie_json(:movie_id);
\o
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_timing = on;
SET client_min_messages = log;
\o /dev/null
SELECT showtime_json(:showtime_id), theatre_json(:theatre_id), movie_json(:movie_id);
\o
RESET client_min_messages;
LOAD 'auto_explain';
SET auto_explain.log_min_duration = -1;

-- Generic plans: what a worker's connection runs once PostgreSQL has
-- switched the statement to its generic plan.
SET plan_cache_mode = force_generic_plan;

\echo
\echo '######## 12a. GENERIC listings: default week, every city'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE listings(:movie_id, NULL, NULL);

\echo
\echo '######## 12b. GENERIC search: date=' :date ' only'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE search(NULL, NULL, NULL, :'date', NULL, 20, 0);

\echo
\echo '######## 12c. GENERIC search: q=' :q ' only'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE search(:'q', NULL, NULL, NULL, NULL, 20, 0);

\echo
\echo '######## 12d. GENERIC seat map'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE seats(:showtime_id);

-- Section 13: plan_cache_mode = auto, each statement executed five times
-- with these parameters first; EXPLAIN then shows the plan the sixth
-- execution uses ($n in its conditions: the generic one).
SET plan_cache_mode = auto;
DEALLOCATE ALL;
\ir catalog-plans-prepare.sql
\o /dev/null
EXECUTE listings(:movie_id, NULL, NULL); EXECUTE listings(:movie_id, NULL, NULL); EXECUTE listings(:movie_id, NULL, NULL);
EXECUTE listings(:movie_id, NULL, NULL); EXECUTE listings(:movie_id, NULL, NULL);
EXECUTE search(NULL, NULL, NULL, :'date', NULL, 20, 0); EXECUTE search(NULL, NULL, NULL, :'date', NULL, 20, 0);
EXECUTE search(NULL, NULL, NULL, :'date', NULL, 20, 0); EXECUTE search(NULL, NULL, NULL, :'date', NULL, 20, 0);
EXECUTE search(NULL, NULL, NULL, :'date', NULL, 20, 0);
EXECUTE seats(:showtime_id); EXECUTE seats(:showtime_id); EXECUTE seats(:showtime_id); EXECUTE seats(:showtime_id);
EXECUTE seats(:showtime_id);
\o
\echo
\echo '######## 13a. AUTO (6th execution) listings: default week'
EXPLAIN (COSTS OFF) EXECUTE listings(:movie_id, NULL, NULL);
\echo
\echo '######## 13b. AUTO (6th execution) search: date only'
EXPLAIN (COSTS OFF) EXECUTE search(NULL, NULL, NULL, :'date', NULL, 20, 0);
\echo
\echo '######## 13c. AUTO (6th execution) seat map'
EXPLAIN (COSTS OFF) EXECUTE seats(:showtime_id);
