-- Issue 12: a check is judged in O(1). The link keeps its current run of failed checks (the
-- "streak": checks skipped by policy neither extend nor end it, so it can differ from
-- links.failures and links.first_failed, which describe the latest check's verdict).
-- NULL: not known yet (a database from before this migration); the next check of the link
-- reads its history once and stores it (linkcheck.store.Store.record_checks).

ALTER TABLE links ADD COLUMN streak INTEGER;          -- failed checks in the current run
ALTER TABLE links ADD COLUMN streak_since TEXT;       -- start of that run, UTC ISO 8601
UPDATE links SET streak = 0 WHERE checks = 0;
