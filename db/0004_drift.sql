-- Content drift: main-text fingerprints of checks and snapshots, the archive's answers (cached),
-- and the baseline each comparison was made against.

-- One row per distinct normalised main text (linkcheck.drift), shared by every check and
-- snapshot that had it: rechecks of an unchanged page add no text.
CREATE TABLE texts (
    sha256 TEXT PRIMARY KEY,            -- of the normalised words joined by spaces
    words INTEGER NOT NULL,
    simhash INTEGER NOT NULL,           -- 64-bit simhash of the word 3-shingles, signed
    text BLOB NOT NULL                  -- the normalised words, zlib-compressed
);

-- Captures the archive named, and their fingerprints once fetched in the id_ form.
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,           -- the capture's URL as the archive gave it
    timestamp TEXT NOT NULL,            -- the capture's time, UTC ISO 8601
    status INTEGER,                     -- the HTTP status the archive recorded for the capture
    fetched_at TEXT,                    -- when its bytes were fetched; NULL: not yet
    fetch_status INTEGER,               -- HTTP status of that fetch
    fetch_error TEXT,                   -- why no fingerprint was taken, when none was
    text_sha256 TEXT REFERENCES texts (sha256),
    title TEXT
);

-- The archive's answers, cached: one question per link, archive and date is asked once
-- (until --refresh-archive). asked_date NULL is the question for the latest capture.
CREATE TABLE archive_lookups (
    id INTEGER PRIMARY KEY,
    link_id INTEGER NOT NULL REFERENCES links (id),
    archive TEXT NOT NULL,              -- the --archive-url asked
    asked_date TEXT,                    -- YYYY-MM-DD accessed-on date; NULL: the latest capture
    asked_at TEXT NOT NULL,
    snapshot_id INTEGER REFERENCES snapshots (id),  -- NULL: the archive has no capture
    distance_days INTEGER               -- capture date minus asked date (negative: before)
);
CREATE UNIQUE INDEX archive_lookups_question ON archive_lookups (link_id, archive, IFNULL(asked_date, ''));

ALTER TABLE checks ADD COLUMN not_modified INTEGER;     -- 1: answered 304 to a conditional request
ALTER TABLE checks ADD COLUMN text_sha256 TEXT;         -- main-text fingerprint (texts.sha256); a 304 keeps the previous one
ALTER TABLE checks ADD COLUMN simhash INTEGER;
ALTER TABLE checks ADD COLUMN word_count INTEGER;
ALTER TABLE checks ADD COLUMN similarity REAL;          -- 0..1 against the baseline; NULL when not compared
ALTER TABLE checks ADD COLUMN change TEXT;              -- none, minor, material; NULL when not compared
ALTER TABLE checks ADD COLUMN baseline_kind TEXT;       -- snapshot (nearest the earliest accessed-on date) or check (the first successful check)
ALTER TABLE checks ADD COLUMN baseline_ref TEXT;        -- the snapshot URL, or the check id
ALTER TABLE checks ADD COLUMN evidence TEXT;            -- JSON: supporting evidence (last-modified after accessed, cited title gone)
CREATE INDEX checks_fingerprint ON checks (link_id, text_sha256);

ALTER TABLE links ADD COLUMN change TEXT;               -- of the latest check
ALTER TABLE links ADD COLUMN baseline_kind TEXT;
ALTER TABLE links ADD COLUMN baseline_ref TEXT;
ALTER TABLE links ADD COLUMN archive_distance_days INTEGER;     -- links.archive_timestamp minus the earliest accessed-on date
ALTER TABLE citations ADD COLUMN archive_distance_days INTEGER; -- citations.archive_timestamp minus the citation's accessed-on date
