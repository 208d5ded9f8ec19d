-- Signed checkpoints of the ledger's head (docs/ledger-verification.md, "Signed
-- checkpoints"). Not part of the hash chain and not needed to verify it: each row is a
-- statement signed with a key kept outside the database, published so that auditors can
-- keep it. At most one checkpoint per position, whichever process signed it first.
-- `signed_at` is the exact RFC 3339 text that was signed, so it is kept as text.
-- Never edit this file once applied: add a new migration instead.
CREATE TABLE ledger_checkpoints (
    global_position BIGINT PRIMARY KEY CHECK (global_position >= 0),
    hash            TEXT   NOT NULL,
    signed_at       TEXT   NOT NULL,
    key_id          TEXT   NOT NULL,
    signature       TEXT   NOT NULL
);

CREATE TRIGGER ledger_checkpoints_refuse_change BEFORE UPDATE OR DELETE ON ledger_checkpoints
    FOR EACH ROW EXECUTE FUNCTION ocop_refuse_change();
CREATE TRIGGER ledger_checkpoints_refuse_truncate BEFORE TRUNCATE ON ledger_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION ocop_refuse_change();
