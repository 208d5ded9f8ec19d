-- The communes in force after a reorganisation of communes (the 2025 one: Resolution
-- 202/2025/QH15 and the Standing Committee's resolutions for each province), loaded by an
-- operator from the statistics office's list (`ocop units import --file F.csv`). One row
-- per (old commune, commune in force): an old commune split between several new ones has
-- several rows. Records in the log keep their codes; this table only says which commune
-- holds them from `effective_on`. Append-only: a row once loaded is never changed.
-- Never edit this file once applied: add a new migration instead.
CREATE TABLE commune_successions (
    old_commune  text NOT NULL,
    commune      text NOT NULL,
    old_name     text NOT NULL,
    name         text NOT NULL,
    province     text NOT NULL,
    effective_on text NOT NULL,
    source       text NOT NULL,
    imported_by  text NOT NULL,
    imported_at  text NOT NULL,
    PRIMARY KEY (old_commune, commune)
);
CREATE INDEX commune_successions_by_commune ON commune_successions (commune);

CREATE TRIGGER commune_successions_refuse_change BEFORE UPDATE OR DELETE ON commune_successions
    FOR EACH ROW EXECUTE FUNCTION ocop_refuse_change();
CREATE TRIGGER commune_successions_refuse_truncate BEFORE TRUNCATE ON commune_successions
    FOR EACH STATEMENT EXECUTE FUNCTION ocop_refuse_change();
