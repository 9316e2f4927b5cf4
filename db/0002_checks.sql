-- Checking: runs, one check per link per run (never deleted), and the link's current state.

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,           -- UTC, ISO 8601
    finished_at TEXT,                   -- NULL while running, or when the run was killed
    status TEXT NOT NULL DEFAULT 'running',  -- running, done, interrupted, outage
    links INTEGER NOT NULL DEFAULT 0,   -- links selected
    checked INTEGER NOT NULL DEFAULT 0, -- checks recorded
    options TEXT                        -- the check options as JSON
);

CREATE TABLE checks (
    id INTEGER PRIMARY KEY,
    link_id INTEGER NOT NULL REFERENCES links (id),
    run_id INTEGER REFERENCES runs (id),
    url TEXT NOT NULL,                  -- the URL fetched (the link's url)
    started_at TEXT NOT NULL,
    duration_ms INTEGER,
    reason TEXT NOT NULL,               -- linkcheck.check.outcome.Reason
    verdict TEXT NOT NULL,              -- the link's verdict after this check
    http_status INTEGER,                -- of the final response
    final_url TEXT,                     -- after redirects
    redirects TEXT,                     -- JSON list of {url, status, location}, one per hop
    method TEXT,
    attempts INTEGER,                   -- tries of the last hop, retries included
    error TEXT,
    address TEXT,                       -- IP address connected to
    etag TEXT,
    last_modified TEXT,
    content_type TEXT,
    content_length INTEGER,             -- as announced
    body_bytes INTEGER,                 -- as read (after decompression, bounded)
    body_sha256 TEXT,
    truncated INTEGER,                  -- 1 when the body was longer than the read bound
    title TEXT,
    probe_similarity REAL               -- text similarity with a made-up sibling page (soft-404 probe)
);
CREATE INDEX checks_link ON checks (link_id, started_at);
CREATE INDEX checks_run ON checks (run_id);

ALTER TABLE links ADD COLUMN last_checked TEXT;        -- started_at of the latest check
ALTER TABLE links ADD COLUMN first_failed TEXT;        -- start of the current run of failed checks
ALTER TABLE links ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;  -- failed checks in that run
ALTER TABLE links ADD COLUMN checks INTEGER NOT NULL DEFAULT 0;    -- checks recorded
ALTER TABLE links ADD COLUMN http_status INTEGER;
ALTER TABLE links ADD COLUMN final_url TEXT;
ALTER TABLE links ADD COLUMN last_check_id INTEGER REFERENCES checks (id);
CREATE INDEX links_due ON links (last_checked);
