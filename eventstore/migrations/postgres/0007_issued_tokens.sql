-- The register of bearer tokens this server has signed with its own secret (`ocop token`):
-- who, which role and scope, until when, issued by which operator. Not part of the hash
-- chain (a token is not a fact of the programme), but append-only like the log, so an
-- auditor can list every token that could have been used.
-- Never edit this file once applied: add a new migration instead.
CREATE TABLE issued_tokens (
    token_id   uuid        PRIMARY KEY,
    subject    text        NOT NULL,
    role       text        NOT NULL,
    scope      text        NOT NULL,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    issued_by  text        NOT NULL
);

CREATE TRIGGER issued_tokens_refuse_change BEFORE UPDATE OR DELETE ON issued_tokens
    FOR EACH ROW EXECUTE FUNCTION ocop_refuse_change();
CREATE TRIGGER issued_tokens_refuse_truncate BEFORE TRUNCATE ON issued_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION ocop_refuse_change();
