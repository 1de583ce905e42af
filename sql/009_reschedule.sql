-- When a showtime last moved (start time or auditorium): its bookings made
-- before then may be cancelled for a full refund until it starts, even
-- inside the usual two hours.  A price change does not count.
ALTER TABLE showtimes ADD COLUMN rescheduled_at timestamptz;

-- The one rule for a customer's own cancellation: up to `hours` before
-- the start, or any time before the start when the showtime moved after
-- the booking was made.
CREATE FUNCTION customer_may_cancel(starts timestamptz, rescheduled timestamptz,
    booked timestamptz, hours int) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT starts - now() >= make_interval(hours => hours)
        OR (coalesce(rescheduled > booked, false) AND starts > now())
$$;
