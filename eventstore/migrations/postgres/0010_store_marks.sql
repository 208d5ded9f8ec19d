-- Marks an operator set on the whole store, once, for good. `rehearsal`: the store holds
-- rehearsal or test records only, so `ocop timers run --now` may run the timers on a day
-- after today there (on a live store that would record expiries dated in the future,
-- permanently). A store is marked only while its log is empty (`ocop migrate
-- --rehearsal`). Append-only. Never edit this file once applied: add a new migration.
CREATE TABLE store_marks (
    mark      text PRIMARY KEY,
    marked_by text NOT NULL,
    marked_at text NOT NULL
);

CREATE TRIGGER store_marks_refuse_change BEFORE UPDATE OR DELETE ON store_marks
    FOR EACH ROW EXECUTE FUNCTION ocop_refuse_change();
CREATE TRIGGER store_marks_refuse_truncate BEFORE TRUNCATE ON store_marks
    FOR EACH STATEMENT EXECUTE FUNCTION ocop_refuse_change();
