-- `INSERT OR REPLACE` (and `REPLACE`, and an upsert's conflict resolution) removes the row
-- it conflicts with without firing the delete triggers of 0001 (SQLite fires them for a
-- replacement only with recursive_triggers on, which other clients of the file need not
-- set): a recorded event or command could be swapped for another. Refused here, before
-- the insert, whatever the connection's settings, for the keys that say what the log holds
-- at a place: the position, the stream's version, the command key. The writer never inserts
-- a row with one of those that exists (it checks versions and keys under BEGIN IMMEDIATE),
-- so no append meets these. An event id is left to its UNIQUE constraint, whose violation
-- the writer reports as the one command's fault: a REPLACE colliding on the id alone moves
-- the event, leaving a hole at its position that `ocop ledger verify` reports there.
-- Never edit this file once applied: add a new migration instead.

CREATE TRIGGER events_refuse_replace BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE global_position = NEW.global_position)
  OR EXISTS (SELECT 1 FROM events WHERE stream_id = NEW.stream_id AND version = NEW.version)
BEGIN SELECT RAISE(ABORT, 'events are append-only: a recorded event cannot be replaced'); END;

CREATE TRIGGER commands_refuse_replace BEFORE INSERT ON commands
WHEN EXISTS (SELECT 1 FROM commands WHERE command_id = NEW.command_id)
BEGIN SELECT RAISE(ABORT, 'commands are append-only: a recorded command cannot be replaced'); END;

CREATE TRIGGER ledger_head_refuse_replace BEFORE INSERT ON ledger_head
WHEN EXISTS (SELECT 1 FROM ledger_head)
BEGIN SELECT RAISE(ABORT, 'the ledger head cannot be replaced'); END;
