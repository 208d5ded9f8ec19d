-- The register of bearer tokens this server has signed with its own secret (`ocop token`):
-- who, which role and scope, until when, issued by which operator. Not part of the hash
-- chain (a token is not a fact of the programme), but append-only like the log, so an
-- auditor can list every token that could have been used.
-- Never edit this file once applied: add a new migration instead.
CREATE TABLE issued_tokens (
    token_id   TEXT PRIMARY KEY,
    subject    TEXT NOT NULL,
    role       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    issued_by  TEXT NOT NULL
) STRICT;

CREATE TRIGGER issued_tokens_refuse_update BEFORE UPDATE ON issued_tokens
BEGIN SELECT RAISE(ABORT, 'issued_tokens is append-only: update refused'); END;

CREATE TRIGGER issued_tokens_refuse_delete BEFORE DELETE ON issued_tokens
BEGIN SELECT RAISE(ABORT, 'issued_tokens is append-only: delete refused'); END;
