-- The OCOP ledger on PostgreSQL: the append-only event log, the command keys and the head.
-- Never edit this file once applied: add a new migration instead.

-- The single row every append transaction locks (SELECT … FOR UPDATE) and moves: the last
-- global position and its hash. The lock is held until commit, so positions are gapless
-- and in commit order, across every process sharing the database.
CREATE TABLE ledger_head (
    id          smallint    PRIMARY KEY CHECK (id = 1),
    position    bigint      NOT NULL CHECK (position >= 0),
    hash        text        NOT NULL,
    recorded_at timestamptz
);

INSERT INTO ledger_head (id, position, hash, recorded_at)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', NULL);

-- One row per recorded command: its idempotency key and what it recorded.
CREATE TABLE commands (
    command_id     uuid        PRIMARY KEY,
    request_hash   text        NOT NULL,
    stream_id      uuid        NOT NULL,
    first_version  bigint      NOT NULL,
    last_version   bigint      NOT NULL,
    first_position bigint      NOT NULL,
    last_position  bigint      NOT NULL,
    recorded_at    timestamptz NOT NULL
);

-- The log. `payload` holds the exact canonical JSON bytes that were hashed (text, not
-- jsonb, which would reorder keys and lose the bytes).
CREATE TABLE events (
    global_position bigint      PRIMARY KEY CHECK (global_position >= 1),
    stream_id       uuid        NOT NULL,
    version         bigint      NOT NULL CHECK (version >= 1),
    event_id        uuid        NOT NULL UNIQUE,
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL,
    payload         text        NOT NULL,
    actor_user      text        NOT NULL,
    actor_role      text        NOT NULL,
    actor_scope     text        NOT NULL,
    command_id      uuid        NOT NULL,
    correlation_id  uuid,
    causation_id    uuid,
    rules_version   text,
    occurred_on     date,
    recorded_at     timestamptz NOT NULL,
    prev_hash       text        NOT NULL,
    hash            text        NOT NULL,
    UNIQUE (stream_id, version)
);

-- Immutability: the database itself refuses to change or remove a recorded fact.
CREATE FUNCTION ocop_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: the ledger is append-only', TG_OP, TG_TABLE_NAME;
END
$$;

CREATE TRIGGER events_refuse_change BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION ocop_refuse_change();
CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION ocop_refuse_change();
CREATE TRIGGER commands_refuse_change BEFORE UPDATE OR DELETE ON commands
    FOR EACH ROW EXECUTE FUNCTION ocop_refuse_change();
CREATE TRIGGER commands_refuse_truncate BEFORE TRUNCATE ON commands
    FOR EACH STATEMENT EXECUTE FUNCTION ocop_refuse_change();
CREATE TRIGGER ledger_head_refuse_delete BEFORE DELETE ON ledger_head
    FOR EACH ROW EXECUTE FUNCTION ocop_refuse_change();
CREATE TRIGGER ledger_head_refuse_truncate BEFORE TRUNCATE ON ledger_head
    FOR EACH STATEMENT EXECUTE FUNCTION ocop_refuse_change();

-- Followers in other processes wake on this notification, delivered at commit.
CREATE FUNCTION ocop_notify_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ocop_events', NEW.position::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER ledger_head_notify AFTER UPDATE ON ledger_head
    FOR EACH ROW EXECUTE FUNCTION ocop_notify_head();
