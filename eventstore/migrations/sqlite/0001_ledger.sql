-- The OCOP ledger on SQLite: the append-only event log, the command keys and the head.
-- Never edit this file once applied: add a new migration instead.

-- The single row every append transaction reads and moves: the last global position and
-- its hash. Writers are serialized by BEGIN IMMEDIATE, so positions are gapless and in
-- commit order.
CREATE TABLE ledger_head (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    position    INTEGER NOT NULL CHECK (position >= 0),
    hash        TEXT    NOT NULL,
    recorded_at TEXT
) STRICT;

INSERT INTO ledger_head (id, position, hash, recorded_at)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', NULL);

-- One row per recorded command: its idempotency key and what it recorded.
CREATE TABLE commands (
    command_id     TEXT    PRIMARY KEY,
    request_hash   TEXT    NOT NULL,
    stream_id      TEXT    NOT NULL,
    first_version  INTEGER NOT NULL,
    last_version   INTEGER NOT NULL,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL,
    recorded_at    TEXT    NOT NULL
) STRICT;

-- The log. `payload` holds the exact canonical JSON bytes that were hashed; `recorded_at`
-- is RFC 3339 UTC with six fractional digits, so text order is time order.
CREATE TABLE events (
    global_position INTEGER PRIMARY KEY CHECK (global_position >= 1),
    stream_id       TEXT    NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    event_id        TEXT    NOT NULL UNIQUE,
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    payload         TEXT    NOT NULL,
    actor_user      TEXT    NOT NULL,
    actor_role      TEXT    NOT NULL,
    actor_scope     TEXT    NOT NULL,
    command_id      TEXT    NOT NULL,
    correlation_id  TEXT,
    causation_id    TEXT,
    rules_version   TEXT,
    occurred_on     TEXT,
    recorded_at     TEXT    NOT NULL,
    prev_hash       TEXT    NOT NULL,
    hash            TEXT    NOT NULL,
    UNIQUE (stream_id, version)
) STRICT;

-- Immutability: the database itself refuses to change or remove a recorded fact.
CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: update refused'); END;

CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: delete refused'); END;

CREATE TRIGGER commands_refuse_update BEFORE UPDATE ON commands
BEGIN SELECT RAISE(ABORT, 'commands are append-only: update refused'); END;

CREATE TRIGGER commands_refuse_delete BEFORE DELETE ON commands
BEGIN SELECT RAISE(ABORT, 'commands are append-only: delete refused'); END;

CREATE TRIGGER ledger_head_refuse_delete BEFORE DELETE ON ledger_head
BEGIN SELECT RAISE(ABORT, 'the ledger head cannot be deleted'); END;
