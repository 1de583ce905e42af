-- Accounts and sessions.

CREATE TABLE users (
    id             bigserial PRIMARY KEY,
    email          text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash  text NOT NULL,
    role           text NOT NULL DEFAULT 'customer'
                   CHECK (role IN ('customer', 'admin')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
-- E-mail addresses are unique whatever their case.
CREATE UNIQUE INDEX users_email_idx ON users (lower(email));

-- Only a hash of each token is stored: a leaked table opens no session.
CREATE TABLE sessions (
    id             bigserial PRIMARY KEY,
    token_hash     text NOT NULL UNIQUE,
    user_id        bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('cookie', 'bearer')),
    csrf           text NOT NULL,
    user_agent     text NOT NULL DEFAULT '',
    ip             text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    idle_expires_at timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

-- Sliding-window counters used when memcached is away (log-in limits
-- stay enforced).
CREATE TABLE rate_counters (
    key            text NOT NULL,
    window_start   bigint NOT NULL,
    count          int NOT NULL DEFAULT 0,
    PRIMARY KEY (key, window_start)
);

-- One-time password reset links (hash only), valid 30 minutes.
CREATE TABLE password_resets (
    token_hash     text PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
