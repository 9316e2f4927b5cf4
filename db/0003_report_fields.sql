-- What the report shows beside a verdict: similarity with what the author saw, and the
-- archived snapshot nearest the accessed-on date, for the link and for each citation
-- (one URL cited with different dates may have a different nearest snapshot per citation).

ALTER TABLE links ADD COLUMN similarity REAL;          -- 0..1 against the baseline; NULL when not compared
ALTER TABLE links ADD COLUMN archive_url TEXT;         -- snapshot nearest the earliest accessed-on date (latest when no date)
ALTER TABLE links ADD COLUMN archive_timestamp TEXT;   -- that snapshot's time, UTC ISO 8601
ALTER TABLE citations ADD COLUMN archive_url TEXT;     -- snapshot nearest this citation's accessed-on date
ALTER TABLE citations ADD COLUMN archive_timestamp TEXT;
