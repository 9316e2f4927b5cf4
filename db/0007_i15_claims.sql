-- Good neighbours on one database (docs/hostile.md): who runs a check, and which links it has claimed.
-- A run records its process and host, and a heartbeat renewed as it writes; a run still
-- 'running' whose process is gone (or whose heartbeat stopped) is marked 'interrupted' by
-- the next run. Two checks at once never check one link twice: each claims the links it
-- takes; a claim expires unless renewed, and is released when the link's check is stored.

ALTER TABLE runs ADD COLUMN pid INTEGER;          -- the process running the check
ALTER TABLE runs ADD COLUMN host TEXT;            -- the machine it runs on
ALTER TABLE runs ADD COLUMN heartbeat TEXT;       -- UTC, ISO 8601: last sign of life

CREATE TABLE link_claims (
    link_id INTEGER PRIMARY KEY REFERENCES links (id),
    run_id INTEGER NOT NULL REFERENCES runs (id),
    expires_at TEXT NOT NULL                      -- UTC, ISO 8601
);
CREATE INDEX link_claims_run ON link_claims (run_id);
