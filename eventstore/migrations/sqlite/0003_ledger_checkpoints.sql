-- Signed checkpoints of the ledger's head (docs/ledger-verification.md, "Signed
-- checkpoints"). Not part of the hash chain and not needed to verify it: each row is a
-- statement signed with a key kept outside the database, published so that auditors can
-- keep it. At most one checkpoint per position, whichever process signed it first.
-- Never edit this file once applied: add a new migration instead.
CREATE TABLE ledger_checkpoints (
    global_position INTEGER PRIMARY KEY CHECK (global_position >= 0),
    hash            TEXT    NOT NULL,
    signed_at       TEXT    NOT NULL,
    key_id          TEXT    NOT NULL,
    signature       TEXT    NOT NULL
) STRICT;

CREATE TRIGGER ledger_checkpoints_refuse_update BEFORE UPDATE ON ledger_checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: update refused'); END;

CREATE TRIGGER ledger_checkpoints_refuse_delete BEFORE DELETE ON ledger_checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: delete refused'); END;
