-- The communes in force after a reorganisation of communes (the 2025 one: Resolution
-- 202/2025/QH15 and the Standing Committee's resolutions for each province), loaded by an
-- operator from the statistics office's list (`ocop units import --file F.csv`). One row
-- per (old commune, commune in force): an old commune split between several new ones has
-- several rows. Records in the log keep their codes; this table only says which commune
-- holds them from `effective_on`. Append-only: a row once loaded is never changed.
-- Never edit this file once applied: add a new migration instead.
CREATE TABLE commune_successions (
    old_commune  TEXT NOT NULL,
    commune      TEXT NOT NULL,
    old_name     TEXT NOT NULL,
    name         TEXT NOT NULL,
    province     TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    source       TEXT NOT NULL,
    imported_by  TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    PRIMARY KEY (old_commune, commune)
);
CREATE INDEX commune_successions_by_commune ON commune_successions (commune);

CREATE TRIGGER commune_successions_refuse_update BEFORE UPDATE ON commune_successions
BEGIN SELECT RAISE(ABORT, 'commune successions are append-only: update refused'); END;

CREATE TRIGGER commune_successions_refuse_delete BEFORE DELETE ON commune_successions
BEGIN SELECT RAISE(ABORT, 'commune successions are append-only: delete refused'); END;
