-- Foundation: extensions, the audit log and the transactional outbox.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Every admin change: who, what, before/after, when.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    actor_id    bigint,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text,
    before      jsonb,
    after       jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);

-- Events that someone must hear about, written in the same transaction
-- as the change and delivered at least once by the jobs process.
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    message_id    uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    kind          text NOT NULL,
    payload       jsonb NOT NULL,
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'delivered', 'parked')),
    attempts      int NOT NULL DEFAULT 0,
    next_at       timestamptz NOT NULL DEFAULT now(),
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    delivered_at  timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (next_at) WHERE state = 'pending';

-- Wake the jobs process as soon as a row is committed.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', NEW.kind);
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_notify();

-- Times on the wire: RFC 3339 in UTC, and in a theatre's own zone.
CREATE FUNCTION rfc3339(ts timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

CREATE FUNCTION rfc3339_local(ts timestamptz, tz text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT to_char(ts AT TIME ZONE tz, 'YYYY-MM-DD"T"HH24:MI:SS') ||
        CASE WHEN off < interval '0' THEN '-' ELSE '+' END ||
        to_char(abs(extract(epoch FROM off))::int / 3600, 'FM00') || ':' ||
        to_char((abs(extract(epoch FROM off))::int % 3600) / 60, 'FM00')
    FROM (SELECT (ts AT TIME ZONE tz) - (ts AT TIME ZONE 'UTC') AS off) o
$$;
