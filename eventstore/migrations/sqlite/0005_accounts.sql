-- Staff accounts of the web interface (`ocop user …`), their audit trail and browser
-- sessions. Passwords are Argon2id hashes (PHC strings); nothing of them reaches the log.
-- Never edit this file once applied: add a new migration instead.
CREATE TABLE user_accounts (
    username        TEXT    PRIMARY KEY,
    display_name    TEXT    NOT NULL,
    role            TEXT    NOT NULL,
    scope           TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    disabled        INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    created_at      TEXT    NOT NULL
) STRICT;

-- Every account change, append-only: created (with its role), role granted or removed,
-- disabled, password set. Who did it, when.
CREATE TABLE account_events (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT    NOT NULL,
    username TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    role     TEXT,
    scope    TEXT,
    by_user  TEXT    NOT NULL
) STRICT;

CREATE TRIGGER account_events_refuse_update BEFORE UPDATE ON account_events
BEGIN SELECT RAISE(ABORT, 'account events are append-only: update refused'); END;

CREATE TRIGGER account_events_refuse_delete BEFORE DELETE ON account_events
BEGIN SELECT RAISE(ABORT, 'account events are append-only: delete refused'); END;

-- A browser session: the SHA-256 of the cookie's secret (the secret itself is never
-- stored), its CSRF token, and when it was last used (idle sessions end).
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES user_accounts (username),
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    ended_at   TEXT
) STRICT;
CREATE INDEX web_sessions_by_user ON web_sessions (username);
