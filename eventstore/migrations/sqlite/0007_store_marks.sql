-- Marks an operator set on the whole store, once, for good. `rehearsal`: the store holds
-- rehearsal or test records only, so `ocop timers run --now` may run the timers on a day
-- after today there (on a live store that would record expiries dated in the future,
-- permanently). A store is marked only while its log is empty (`ocop migrate
-- --rehearsal`). Append-only. Never edit this file once applied: add a new migration.
CREATE TABLE store_marks (
    mark      TEXT PRIMARY KEY,
    marked_by TEXT NOT NULL,
    marked_at TEXT NOT NULL
);

CREATE TRIGGER store_marks_refuse_update BEFORE UPDATE ON store_marks
BEGIN SELECT RAISE(ABORT, 'store marks are append-only: update refused'); END;

CREATE TRIGGER store_marks_refuse_delete BEFORE DELETE ON store_marks
BEGIN SELECT RAISE(ABORT, 'store marks are append-only: delete refused'); END;
