-- Catalog: movies, genres, cast, theatres, auditoriums, seats, showtimes.

CREATE TABLE movies (
    id               bigserial PRIMARY KEY,
    slug             text NOT NULL UNIQUE
                     CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    synopsis         text NOT NULL DEFAULT '',
    duration_minutes int NOT NULL CHECK (duration_minutes BETWEEN 1 AND 600),
    release_date     date NOT NULL,
    content_rating   text NOT NULL
                     CHECK (content_rating IN ('G','PG','PG-13','R','NC-17','NR')),
    poster_url       text,
    trailer_url      text,
    -- The rating summary, kept exact in the same transaction as each
    -- rating change; star_counts[i] counts ratings of i stars.
    rating_count     int NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_sum       bigint NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    star_counts      int[] NOT NULL DEFAULT '{0,0,0,0,0}',
    -- Title, cast and synopsis for full-text search, set by the app.
    search           tsvector NOT NULL DEFAULT ''::tsvector,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz
);
CREATE INDEX movies_search_idx ON movies USING gin (search);
CREATE INDEX movies_release_idx ON movies (release_date) WHERE deleted_at IS NULL;

CREATE TABLE genres (
    id    serial PRIMARY KEY,
    slug  text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name  text NOT NULL
);

CREATE TABLE movie_genres (
    movie_id  bigint NOT NULL REFERENCES movies ON DELETE CASCADE,
    genre_id  int NOT NULL REFERENCES genres ON DELETE RESTRICT,
    PRIMARY KEY (movie_id, genre_id)
);
CREATE INDEX movie_genres_genre_idx ON movie_genres (genre_id);

CREATE TABLE people (
    id    bigserial PRIMARY KEY,
    name  text NOT NULL UNIQUE
);

CREATE TABLE movie_cast (
    movie_id   bigint NOT NULL REFERENCES movies ON DELETE CASCADE,
    position   int NOT NULL,
    person_id  bigint NOT NULL REFERENCES people ON DELETE RESTRICT,
    role       text NOT NULL DEFAULT '',
    PRIMARY KEY (movie_id, position)
);

CREATE TABLE theatres (
    id          bigserial PRIMARY KEY,
    slug        text NOT NULL UNIQUE
                CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    city        text NOT NULL,
    address     text NOT NULL DEFAULT '',
    timezone    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE INDEX theatres_city_idx ON theatres (lower(city)) WHERE deleted_at IS NULL;

-- A layout is row strings, front row first (see API.md).
CREATE TABLE auditoriums (
    id          bigserial PRIMARY KEY,
    theatre_id  bigint NOT NULL REFERENCES theatres ON DELETE RESTRICT,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    layout      text[] NOT NULL,
    capacity    int NOT NULL CHECK (capacity > 0),
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX auditoriums_name_idx ON auditoriums (theatre_id, lower(name))
    WHERE deleted_at IS NULL;

-- Seats are derived from the layout.  A layout change retires the old
-- seats (bookings keep pointing at them) and adds new ones.
CREATE TABLE seats (
    id             bigserial PRIMARY KEY,
    auditorium_id  bigint NOT NULL REFERENCES auditoriums ON DELETE RESTRICT,
    label          text NOT NULL,
    row_label      text NOT NULL,
    number         int NOT NULL CHECK (number >= 1),
    kind           text NOT NULL
                   CHECK (kind IN ('standard','premium','wheelchair','companion')),
    x              int NOT NULL,
    y              int NOT NULL,
    retired_at     timestamptz
);
CREATE UNIQUE INDEX seats_label_idx ON seats (auditorium_id, label)
    WHERE retired_at IS NULL;

CREATE TABLE showtimes (
    id                bigserial PRIMARY KEY,
    movie_id          bigint NOT NULL REFERENCES movies ON DELETE RESTRICT,
    auditorium_id     bigint NOT NULL REFERENCES auditoriums ON DELETE RESTRICT,
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    format            text NOT NULL DEFAULT '2D' CHECK (format IN ('2D','3D','IMAX')),
    language          text NOT NULL DEFAULT 'English',
    base_price_cents  int NOT NULL CHECK (base_price_cents >= 0),
    currency          char(3) NOT NULL DEFAULT 'USD',
    status            text NOT NULL DEFAULT 'scheduled'
                      CHECK (status IN ('scheduled','cancelled')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    -- Two scheduled showtimes never share an auditorium at once.
    CONSTRAINT showtimes_no_overlap EXCLUDE USING gist (
        auditorium_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
        WHERE (status = 'scheduled')
);
CREATE INDEX showtimes_movie_idx ON showtimes (movie_id, starts_at);
CREATE INDEX showtimes_auditorium_idx ON showtimes (auditorium_id, starts_at);
CREATE INDEX showtimes_starts_idx ON showtimes (starts_at);

-- Recomputes a movie's search document from its title, cast and synopsis
-- (title weighs most).  Called after every change to those.
CREATE FUNCTION movie_search_refresh(mid bigint) RETURNS void
    LANGUAGE sql AS $$
    UPDATE movies m SET search =
        setweight(to_tsvector('english', m.title), 'A') ||
        setweight(to_tsvector('english', coalesce((
            SELECT string_agg(p.name, ' ')
              FROM movie_cast c JOIN people p ON p.id = c.person_id
             WHERE c.movie_id = m.id), '')), 'B') ||
        setweight(to_tsvector('english', m.synopsis), 'C')
     WHERE m.id = mid
$$;
