-- Checkout: promotions, gift cards, account credit, payment attempts,
-- bookings, refunds and idempotency keys.  Money is integer cents and
-- never goes negative: the CHECK constraints hold even if C is wrong.

CREATE TABLE promotions (
    id                 bigserial PRIMARY KEY,
    code               text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9]{4,32}$'),
    kind               text NOT NULL CHECK (kind IN ('percent', 'amount')),
    value              int NOT NULL CHECK (value > 0),
    starts_at          timestamptz,
    ends_at            timestamptz,
    max_uses           int CHECK (max_uses > 0),
    max_uses_per_user  int CHECK (max_uses_per_user > 0),
    min_tickets        int NOT NULL DEFAULT 1 CHECK (min_tickets >= 1),
    uses               int NOT NULL DEFAULT 0 CHECK (uses >= 0),
    created_by         bigint REFERENCES users,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'percent' OR value <= 100),
    -- Reserved uses never pass the limit, however many checkouts race.
    CHECK (max_uses IS NULL OR uses <= max_uses)
);

CREATE TABLE gift_cards (
    id             bigserial PRIMARY KEY,
    code           text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9]{8,32}$'),
    balance_cents  int NOT NULL CHECK (balance_cents >= 0),
    initial_cents  int NOT NULL CHECK (initial_cents >= 0),
    currency       char(3) NOT NULL DEFAULT 'USD',
    created_by     bigint REFERENCES users,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Account credit: the balance row and its ledger.
CREATE TABLE wallets (
    user_id        bigint PRIMARY KEY REFERENCES users ON DELETE RESTRICT,
    balance_cents  int NOT NULL DEFAULT 0 CHECK (balance_cents >= 0)
);

CREATE TABLE wallet_entries (
    id             bigserial PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users ON DELETE RESTRICT,
    amount_cents   int NOT NULL,
    reason         text NOT NULL,
    booking_id     bigint,
    created_by     bigint REFERENCES users,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wallet_entries_user_idx ON wallet_entries (user_id, id);

CREATE TABLE gift_card_entries (
    id             bigserial PRIMARY KEY,
    gift_card_id   bigint NOT NULL REFERENCES gift_cards ON DELETE RESTRICT,
    amount_cents   int NOT NULL,
    booking_id     bigint,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- The simulated card processor's own ledger: what it charged under each
-- idempotency key.  A real processor keeps this on its side.
CREATE TABLE card_charges (
    idempotency_key  text PRIMARY KEY,
    amount_cents     int NOT NULL CHECK (amount_cents >= 0),
    outcome          text NOT NULL CHECK (outcome IN ('approved', 'declined')),
    reason           text,
    reference        text NOT NULL,
    refunded_cents   int NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (refunded_cents <= amount_cents)
);

CREATE TABLE bookings (
    id               bigserial PRIMARY KEY,
    code             text NOT NULL UNIQUE CHECK (code ~ '^[A-HJ-NP-Z2-9]{8}$'),
    user_id          bigint NOT NULL REFERENCES users ON DELETE RESTRICT,
    showtime_id      bigint NOT NULL REFERENCES showtimes ON DELETE RESTRICT,
    status           text NOT NULL DEFAULT 'confirmed'
                     CHECK (status IN ('confirmed', 'refunded', 'cancelled')),
    subtotal_cents   int NOT NULL CHECK (subtotal_cents >= 0),
    discount_cents   int NOT NULL DEFAULT 0 CHECK (discount_cents >= 0),
    total_cents      int NOT NULL CHECK (total_cents >= 0),
    currency         char(3) NOT NULL DEFAULT 'USD',
    payment_type     text NOT NULL CHECK (payment_type IN ('card', 'gift_card', 'wallet')),
    payment_brand    text,
    payment_last4    text,
    payment_ref      text,
    gift_card_id     bigint REFERENCES gift_cards,
    promotion_id     bigint REFERENCES promotions,
    hold_id          bigint NOT NULL UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    cancelled_at     timestamptz,
    checked_in_at    timestamptz,
    CHECK (total_cents = subtotal_cents - discount_cents)
);
CREATE INDEX bookings_user_idx ON bookings (user_id, created_at DESC);
CREATE INDEX bookings_showtime_idx ON bookings (showtime_id) WHERE status = 'confirmed';

CREATE TABLE booking_seats (
    booking_id   bigint NOT NULL REFERENCES bookings ON DELETE RESTRICT,
    seat_id      bigint NOT NULL REFERENCES seats ON DELETE RESTRICT,
    label        text NOT NULL,
    kind         text NOT NULL,
    price_cents  int NOT NULL CHECK (price_cents >= 0),
    PRIMARY KEY (booking_id, seat_id)
);

ALTER TABLE showtime_seats ADD CONSTRAINT showtime_seats_booking_fk
    FOREIGN KEY (booking_id) REFERENCES bookings ON DELETE RESTRICT;

CREATE TABLE promotion_uses (
    id            bigserial PRIMARY KEY,
    promotion_id  bigint NOT NULL REFERENCES promotions ON DELETE RESTRICT,
    user_id       bigint NOT NULL REFERENCES users ON DELETE RESTRICT,
    attempt_id    bigint NOT NULL UNIQUE,
    booking_id    bigint REFERENCES bookings,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX promotion_uses_user_idx ON promotion_uses (promotion_id, user_id);

-- One per payment request that got past validation.  'open' pins the
-- hold; 'charged' means money was taken and the booking is owed.
CREATE TABLE payment_attempts (
    id               bigserial PRIMARY KEY,
    user_id          bigint NOT NULL REFERENCES users ON DELETE RESTRICT,
    hold_id          bigint NOT NULL,
    showtime_id      bigint NOT NULL REFERENCES showtimes,
    provider         text NOT NULL,
    state            text NOT NULL DEFAULT 'open'
                     CHECK (state IN ('open', 'charged', 'booked', 'declined', 'failed', 'refunded')),
    subtotal_cents   int NOT NULL,
    discount_cents   int NOT NULL DEFAULT 0,
    amount_cents     int NOT NULL CHECK (amount_cents >= 0),
    promotion_id     bigint REFERENCES promotions,
    gift_card_code   text,
    brand            text,
    last4            text,
    reference        text,
    decline_reason   text,
    booking_id       bigint REFERENCES bookings,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_attempts_open_idx ON payment_attempts (updated_at)
    WHERE state IN ('open', 'charged');
-- One attempt at a time per hold: a second concurrent payment waits.
CREATE UNIQUE INDEX payment_attempts_hold_live_idx ON payment_attempts (hold_id)
    WHERE state IN ('open', 'charged', 'booked');

CREATE TABLE refunds (
    id             bigserial PRIMARY KEY,
    booking_id     bigint NOT NULL REFERENCES bookings ON DELETE RESTRICT,
    amount_cents   int NOT NULL CHECK (amount_cents >= 0),
    destination    text NOT NULL CHECK (destination IN ('card', 'gift_card', 'wallet')),
    reason         text NOT NULL,
    reference      text,
    created_by     bigint REFERENCES users,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX refunds_booking_idx ON refunds (booking_id);

-- The first answer to each Idempotency-Key, for 24 hours.
CREATE TABLE idempotency_keys (
    user_id        bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    key            text NOT NULL,
    request_hash   text NOT NULL,
    status         int,
    response       text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

CREATE FUNCTION booking_json(bid bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', b.id, 'code', b.code, 'status', b.status,
        'showtime', showtime_json(b.showtime_id),
        'movie', json_build_object('id', m.id, 'title', m.title),
        'theatre', json_build_object('id', t.id, 'name', t.name),
        'seats', (SELECT json_agg(json_build_object('id', bs.label,
                    'type', bs.kind, 'price_cents', bs.price_cents)
                    ORDER BY bs.label)
                  FROM booking_seats bs WHERE bs.booking_id = b.id),
        'subtotal_cents', b.subtotal_cents, 'discount_cents', b.discount_cents,
        'total_cents', b.total_cents, 'currency', b.currency,
        'payment', json_strip_nulls(json_build_object('type', b.payment_type,
                    'brand', b.payment_brand, 'last4', b.payment_last4)),
        'created_at', rfc3339(b.created_at),
        'ticket_url', '/bookings/' || b.id || '/ticket')
    FROM bookings b JOIN showtimes s ON s.id = b.showtime_id
    JOIN movies m ON m.id = s.movie_id
    JOIN auditoriums au ON au.id = s.auditorium_id
    JOIN theatres t ON t.id = au.theatre_id
    WHERE b.id = bid
$$;
