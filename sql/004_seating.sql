-- Seating: seats derived from layouts, one claimable row per seat per
-- showtime, and holds.
--
-- Why this shape: seat picking runs SERIALIZABLE.  Inserting hold rows
-- into shared index pages and range reads are read as conflicts, while
-- updates of pre-created rows found by primary key scale (see the
-- measurements in DESIGN.md).  So each showtime gets one row per seat when
-- it is created, and picking is an UPDATE of those rows by primary key,
-- conditional on the seat being free.  A seat has a single hold column and
-- a single booking column: the schema itself cannot sell it twice.

-- Derives seats from an auditorium's layout: a changed position retires
-- the old seat and adds a new one; unchanged seats keep their ids.
CREATE FUNCTION seats_sync(aud bigint) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    lay    text[];
    r      int;
    x      int;
    num    int;
    ch     text;
    lbl    text;
    rowlbl text;
    k      text;
    n      int := 0;
BEGIN
    SELECT layout INTO lay FROM auditoriums WHERE id = aud;
    CREATE TEMP TABLE IF NOT EXISTS wanted_seats (
        label text, row_label text, number int, kind text, x int, y int
    ) ON COMMIT DROP;
    DELETE FROM wanted_seats;
    FOR r IN 1 .. coalesce(array_length(lay, 1), 0) LOOP
        rowlbl := seat_row_label(r);
        num := 0;
        FOR x IN 1 .. length(lay[r]) LOOP
            ch := substr(lay[r], x, 1);
            CONTINUE WHEN ch = '.';
            num := num + 1;
            k := CASE ch WHEN 's' THEN 'standard' WHEN 'p' THEN 'premium'
                         WHEN 'w' THEN 'wheelchair' WHEN 'c' THEN 'companion' END;
            IF k IS NULL THEN
                RAISE EXCEPTION 'bad layout character %', ch;
            END IF;
            INSERT INTO wanted_seats VALUES (rowlbl || num, rowlbl, num, k, x - 1, r - 1);
            n := n + 1;
        END LOOP;
    END LOOP;
    UPDATE seats s SET retired_at = now()
     WHERE s.auditorium_id = aud AND s.retired_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM wanted_seats w
                        WHERE w.label = s.label AND w.kind = s.kind
                          AND w.x = s.x AND w.y = s.y);
    INSERT INTO seats (auditorium_id, label, row_label, number, kind, x, y)
    SELECT aud, w.label, w.row_label, w.number, w.kind, w.x, w.y
      FROM wanted_seats w
     WHERE NOT EXISTS (SELECT 1 FROM seats s
                        WHERE s.auditorium_id = aud AND s.retired_at IS NULL
                          AND s.label = w.label);
    UPDATE auditoriums SET capacity = n WHERE id = aud;
    RETURN n;
END $$;

-- Row labels: A..Z, then AA, AB, ...
CREATE FUNCTION seat_row_label(r int) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN r <= 26 THEN chr(64 + r)
                ELSE chr(64 + (r - 1) / 26) || chr(65 + (r - 1) % 26) END
$$;

CREATE TABLE showtime_seats (
    showtime_id   bigint NOT NULL REFERENCES showtimes ON DELETE CASCADE,
    seat_id       bigint NOT NULL REFERENCES seats ON DELETE RESTRICT,
    hold_id       bigint,
    hold_user_id  bigint,
    held_until    timestamptz,
    booking_id    bigint,
    PRIMARY KEY (showtime_id, seat_id),
    CHECK ((hold_id IS NULL) = (held_until IS NULL)),
    CHECK (hold_id IS NULL OR booking_id IS NULL)
) WITH (fillfactor = 70);	-- room on each page for HOT updates

-- Every showtime gets its seats the moment it exists.
CREATE FUNCTION showtime_seats_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO showtime_seats (showtime_id, seat_id)
    SELECT NEW.id, s.id FROM seats s
     WHERE s.auditorium_id = NEW.auditorium_id AND s.retired_at IS NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER showtime_seats_fill AFTER INSERT ON showtimes
    FOR EACH ROW EXECUTE FUNCTION showtime_seats_fill();

-- A hold: ids are random so that concurrent picks insert into different
-- index pages.  A hold is live while its seats still point at it and
-- expires_at is in the future.
CREATE TABLE holds (
    id            bigint PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    showtime_id   bigint NOT NULL REFERENCES showtimes ON DELETE CASCADE,
    seat_ids      bigint[] NOT NULL,
    seat_labels   text[] NOT NULL,
    total_cents   int NOT NULL CHECK (total_cents >= 0),
    currency      char(3) NOT NULL DEFAULT 'USD',
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    released_at   timestamptz
);
CREATE INDEX holds_expiry_idx ON holds (expires_at) WHERE released_at IS NULL;
CREATE INDEX holds_user_idx ON holds (user_id, showtime_id) WHERE released_at IS NULL;
