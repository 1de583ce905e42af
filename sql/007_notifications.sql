-- In-app notifications.  A notice made from an outbox row carries that
-- row's message id, so a redelivery after a crash adds nothing twice.
CREATE TABLE notifications (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    kind         text NOT NULL,
    title        text NOT NULL,
    body         text NOT NULL DEFAULT '',
    booking_id   bigint REFERENCES bookings,
    message_id   uuid UNIQUE,
    read_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

-- What the outbox sent, by message id: lets a redelivered message be
-- recognised (and counted) as a repeat.
ALTER TABLE outbox ADD COLUMN sent_count int NOT NULL DEFAULT 0;

-- Money as people read it: 1802 -> "$18.02".
CREATE FUNCTION money_text(cents bigint, currency text DEFAULT 'USD')
    RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN currency = 'USD' THEN '$' ELSE currency || ' ' END ||
        to_char(cents / 100.0, 'FM999999990.00')
$$;

-- What a booking's messages say, in the theatre's own time.
CREATE FUNCTION booking_mail_json(bid bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'booking', booking_json(b.id),
        'code', b.code, 'status', b.status,
        'user', json_build_object('id', u.id, 'email', u.email, 'name', u.name),
        'movie', m.title,
        'theatre', json_build_object('name', t.name, 'address', t.address,
                                     'city', t.city),
        'auditorium', au.name,
        'when', to_char(s.starts_at AT TIME ZONE t.timezone,
                        'FMDay FMDD FMMonth YYYY, FMHH12:MI AM'),
        'seats', (SELECT string_agg(bs.label, ', ' ORDER BY bs.label)
                    FROM booking_seats bs WHERE bs.booking_id = b.id),
        'total', money_text(b.total_cents, b.currency),
        'payment', CASE b.payment_type
            WHEN 'card' THEN initcap(coalesce(b.payment_brand, 'card')) ||
                             ' ending in ' || coalesce(b.payment_last4, '')
            WHEN 'gift_card' THEN 'gift card'
            ELSE 'account credit' END)
    FROM bookings b JOIN users u ON u.id = b.user_id
    JOIN showtimes s ON s.id = b.showtime_id
    JOIN movies m ON m.id = s.movie_id
    JOIN auditoriums au ON au.id = s.auditorium_id
    JOIN theatres t ON t.id = au.theatre_id
    WHERE b.id = bid
$$;
