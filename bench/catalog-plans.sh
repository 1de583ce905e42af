#!/usr/bin/env bash
# The query plans of bench/catalog.md: runs bench/catalog-plans.sql (EXPLAIN
# (ANALYZE, BUFFERS) of the catalog's listing, search, home, filter and seat
# map queries) against an instance's database, with parameters taken from its
# data: the movie with the most showtimes in the next 7 days, a city and a
# genre of it, a word of its title, the theatres' tomorrow, and its future
# showtime with the most seats sold.
#
# usage: bench/catalog-plans.sh [bench|dev]      (default bench; read-only)
#
# First it checks that the statements in catalog-plans-prepare.sql are still
# the C sources' SQL, and says which one drifted.
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

[[ -S $VAR/run/.s.PGSQL.5432 ]] || die "no PostgreSQL socket in $VAR/run (./stack up $INST)"
PSQL=(/usr/lib/postgresql/15/bin/psql -X -q -w -h "$VAR/run" -U marquee -d marquee)
q() { "${PSQL[@]}" -tAc "$1"; }

# ------------------------------------------------- the SQL still matches

if command -v python3 >/dev/null; then
	python3 - "$ROOT" <<'EOF' || echo "WARNING: bench/catalog-plans-prepare.sql no longer matches the C sources (above); update it"
import re, sys
root = sys.argv[1]
want = {  # PREPARE name -> (C file, C array)
    'listings': ('src/catalog/showtimes.c', 'listings_sql'),
    'search': ('src/catalog/movies.c', 'search_sql'),
    'home': ('src/catalog/home.c', 'home_sql'),
    'filters': ('src/catalog/pages.c', 'filters_sql'),
    'seats': ('src/seating/seatmap.c', 'seats_sql'),
}
plans = open(f'{root}/bench/catalog-plans-prepare.sql').read()
bad = 0
for name, (path, var) in want.items():
    src = open(f'{root}/{path}').read()
    m = re.search(r'\b%s\[\]\s*=\s*((?:\s*"(?:[^"\\]|\\.)*")+)\s*;' % var, src)
    c = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))) if m else None
    p = re.search(r'PREPARE %s\b[^\n]*\n(.*?);\n' % name, plans, re.S)
    if c is None or p is None or p.group(1).strip() != c.replace('\\"', '"').strip():
        print(f'catalog-plans-prepare.sql: {name} differs from {var} in {path}')
        bad = 1
sys.exit(bad)
EOF
fi

# ------------------------------------------------------------ parameters

MOVIE_ID=$(q "SELECT s.movie_id FROM showtimes s JOIN movies m ON m.id = s.movie_id
	WHERE m.deleted_at IS NULL AND s.status = 'scheduled' AND s.starts_at > now()
	  AND s.starts_at < now() + interval '7 days'
	GROUP BY s.movie_id ORDER BY count(*) DESC, s.movie_id LIMIT 1")
[[ -n $MOVIE_ID ]] || die "no movie with showtimes this week on $INST (load the demo data)"
DATE=$(q "SELECT min((now() AT TIME ZONE timezone)::date) + 1 FROM theatres WHERE deleted_at IS NULL")
CITY=$(q "SELECT t.city FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id
	JOIN theatres t ON t.id = a.theatre_id WHERE s.movie_id = $MOVIE_ID AND s.starts_at > now()
	GROUP BY t.city ORDER BY count(*) DESC, t.city LIMIT 1")
THEATRE_ID=$(q "SELECT a.theatre_id FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id
	WHERE s.movie_id = $MOVIE_ID AND s.starts_at > now() GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
GENRE=$(q "SELECT g.slug FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
	WHERE mg.movie_id = $MOVIE_ID ORDER BY g.slug LIMIT 1")
Q=$(q "SELECT w FROM movies, regexp_split_to_table(lower(title), '[^a-z]+') w
	WHERE id = $MOVIE_ID AND length(w) >= 4 ORDER BY length(w) DESC, w LIMIT 1")
SHOWTIME_ID=$(q "SELECT s.id FROM showtimes s JOIN showtime_seats ss ON ss.showtime_id = s.id
	WHERE s.movie_id = $MOVIE_ID AND s.starts_at > now()
	GROUP BY s.id ORDER BY count(ss.booking_id) DESC, s.id LIMIT 1")

echo "catalog query plans on $INST ($VAR/run), $(date -u +%Y-%m-%dT%H:%MZ), $(q 'SHOW server_version')"
echo "parameters: movie $MOVIE_ID ($(q "SELECT slug FROM movies WHERE id = $MOVIE_ID")), date $DATE, city '$CITY'," \
	"genre $GENRE, q '$Q', showtime $SHOWTIME_ID, theatre $THEATRE_ID"
echo "table rows: $(q "SELECT concat_ws(', ', 'showtime_seats ' || (SELECT count(*) FROM showtime_seats),
	'seats ' || (SELECT count(*) FROM seats), 'showtimes ' || (SELECT count(*) FROM showtimes),
	'auditoriums ' || (SELECT count(*) FROM auditoriums), 'theatres ' || (SELECT count(*) FROM theatres),
	'movies ' || (SELECT count(*) FROM movies), 'movie_genres ' || (SELECT count(*) FROM movie_genres),
	'genres ' || (SELECT count(*) FROM genres))")"
echo "settings: $(q "SELECT string_agg(name || ' = ' || current_setting(name), ', ' ORDER BY name)
	FROM pg_settings WHERE name IN ('random_page_cost', 'seq_page_cost', 'shared_buffers', 'effective_cache_size', 'work_mem')")"

"${PSQL[@]}" -v movie_id="$MOVIE_ID" -v date="$DATE" -v city="$CITY" -v genre="$GENRE" \
	-v q="$Q" -v showtime_id="$SHOWTIME_ID" -v theatre_id="$THEATRE_ID" -f "$ROOT/bench/catalog-plans.sql" 2>&1
