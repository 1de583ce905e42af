-- update_showtimes applies a request's changes one showtime at a time.
-- Checked after each row, two showtimes could not trade places in one
-- request (the first move meets the second showtime where it still is).
-- The constraint stays immediate for everything else; update_showtimes
-- defers it to the end of its transaction and checks there.
ALTER TABLE showtimes DROP CONSTRAINT showtimes_no_overlap;
ALTER TABLE showtimes ADD CONSTRAINT showtimes_no_overlap EXCLUDE USING gist (
    auditorium_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (status = 'scheduled') DEFERRABLE INITIALLY IMMEDIATE;
