-- Scheduled jobs (linkcheck schedule): one row per run of a schedule, whether it checked
-- anything or not, linked to the check run it made. APScheduler keeps its own job state
-- (next run times) in its table apscheduler_jobs, which it creates itself in this file.

CREATE TABLE schedule_runs (
    id INTEGER PRIMARY KEY,
    schedule TEXT NOT NULL,             -- the schedule's name
    started_at TEXT NOT NULL,           -- UTC, ISO 8601
    finished_at TEXT,                   -- NULL while running, or when the process was killed
    status TEXT NOT NULL DEFAULT 'running',  -- running, done, interrupted, outage, failed
    run_id INTEGER REFERENCES runs (id),     -- the check run it made; NULL when nothing was due
    checked INTEGER NOT NULL DEFAULT 0, -- checks recorded
    new INTEGER NOT NULL DEFAULT 0,     -- links newly dead, changed or moved
    error TEXT                          -- why a failed run failed
);
CREATE INDEX schedule_runs_schedule ON schedule_runs (schedule, started_at);
