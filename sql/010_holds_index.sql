-- A person's holds of a showtime are found by (user_id, showtime_id).  As a
-- partial index it had no statistics whenever autovacuum last saw no live
-- hold, and the planner then chose the expiry index and scanned every live
-- hold of the site on each pick; a full index always has them.
DROP INDEX holds_user_idx;
CREATE INDEX holds_user_idx ON holds (user_id, showtime_id);
