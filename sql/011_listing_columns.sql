-- What a listing shows of a movie, kept on the rows it reads, so that the
-- home page and the filter form are plain index scans with no joins, sorts
-- or aggregates on every render:
--   movies.genre_names   "Action, Drama": the names of its genres, by name;
--   genres.live_movies   how many movies not removed carry the genre (the
--                        filter form offers only genres with some).
-- Triggers keep both right whatever writes the rows (the app, the demo data,
-- psql).  The genre trigger first locks the movie's row in a statement of
-- its own and then recounts in the next one, whose snapshot (READ
-- COMMITTED) is taken after the wait: two transactions changing the same
-- movie's genres, or its genres and its removal, take turns, and each
-- counts what the other committed.

ALTER TABLE movies ADD COLUMN genre_names text NOT NULL DEFAULT '';
ALTER TABLE genres ADD COLUMN live_movies int NOT NULL DEFAULT 0
    CHECK (live_movies >= 0);

-- The newest first, as the home page and "now showing" lists order them.
CREATE INDEX movies_listing_idx ON movies (release_date DESC, title)
    WHERE deleted_at IS NULL;

CREATE FUNCTION movie_genre_names(m bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(g.name, ', ' ORDER BY g.name), '')
      FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
     WHERE mg.movie_id = m
$$;

-- A genre added to or taken from a movie.
CREATE FUNCTION movie_genres_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    live boolean;
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM 1 FROM movies WHERE id = OLD.movie_id FOR NO KEY UPDATE;
        UPDATE movies SET genre_names = movie_genre_names(id)
         WHERE id = OLD.movie_id RETURNING deleted_at IS NULL INTO live;
        IF live THEN
            UPDATE genres SET live_movies = live_movies - 1
             WHERE id = OLD.genre_id;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM 1 FROM movies WHERE id = NEW.movie_id FOR NO KEY UPDATE;
        UPDATE movies SET genre_names = movie_genre_names(id)
         WHERE id = NEW.movie_id RETURNING deleted_at IS NULL INTO live;
        IF live THEN
            UPDATE genres SET live_movies = live_movies + 1
             WHERE id = NEW.genre_id;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER movie_genres_listing
    AFTER INSERT OR UPDATE OR DELETE ON movie_genres
    FOR EACH ROW EXECUTE FUNCTION movie_genres_changed();

-- A movie removed, restored or deleted outright.
CREATE FUNCTION movies_liveness_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    delta int := 0;
    m bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        m := OLD.id;
        IF OLD.deleted_at IS NULL THEN
            delta := -1;
        END IF;
    ELSE
        m := NEW.id;
        IF (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) THEN
            delta := CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END;
        END IF;
    END IF;
    IF delta <> 0 THEN
        UPDATE genres SET live_movies = live_movies + delta
         WHERE id IN (SELECT genre_id FROM movie_genres WHERE movie_id = m);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;             -- BEFORE DELETE: let the delete go on
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER movies_listing_update
    AFTER UPDATE OF deleted_at ON movies
    FOR EACH ROW EXECUTE FUNCTION movies_liveness_changed();
-- BEFORE, while the movie's genres are still there to count (the cascade
-- then deletes them, and the row trigger above finds no live movie).
CREATE TRIGGER movies_listing_delete
    BEFORE DELETE ON movies
    FOR EACH ROW EXECUTE FUNCTION movies_liveness_changed();

UPDATE movies SET genre_names = movie_genre_names(id);
UPDATE genres g SET live_movies = (
    SELECT count(*) FROM movie_genres mg JOIN movies m ON m.id = mg.movie_id
     WHERE mg.genre_id = g.id AND m.deleted_at IS NULL);
