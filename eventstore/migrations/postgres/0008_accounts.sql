-- Staff accounts of the web interface (`ocop user …`), their audit trail and browser
-- sessions. Passwords are Argon2id hashes (PHC strings); nothing of them reaches the log.
-- Times are RFC 3339 UTC text with microseconds, as in SQLite, so one query serves both.
-- Never edit this file once applied: add a new migration instead.
CREATE TABLE user_accounts (
    username        text   PRIMARY KEY,
    display_name    text   NOT NULL,
    role            text   NOT NULL,
    scope           text   NOT NULL,
    password_hash   text   NOT NULL,
    disabled        bigint NOT NULL DEFAULT 0,
    failed_attempts bigint NOT NULL DEFAULT 0,
    locked_until    text,
    created_at      text   NOT NULL
);

-- Every account change, append-only: created (with its role), role granted or removed,
-- disabled, password set. Who did it, when.
CREATE TABLE account_events (
    seq      bigserial PRIMARY KEY,
    at       text      NOT NULL,
    username text      NOT NULL,
    kind     text      NOT NULL,
    role     text,
    scope    text,
    by_user  text      NOT NULL
);

CREATE TRIGGER account_events_refuse_change BEFORE UPDATE OR DELETE ON account_events
    FOR EACH ROW EXECUTE FUNCTION ocop_refuse_change();
CREATE TRIGGER account_events_refuse_truncate BEFORE TRUNCATE ON account_events
    FOR EACH STATEMENT EXECUTE FUNCTION ocop_refuse_change();

-- A browser session: the SHA-256 of the cookie's secret (the secret itself is never
-- stored), its CSRF token, and when it was last used (idle sessions end).
CREATE TABLE web_sessions (
    id_hash    text PRIMARY KEY,
    username   text NOT NULL REFERENCES user_accounts (username),
    csrf       text NOT NULL,
    created_at text NOT NULL,
    last_seen  text NOT NULL,
    ended_at   text
);
CREATE INDEX web_sessions_by_user ON web_sessions (username);
