-- Durable news (issue 10): every notification goes through this outbox. A run that finds links
-- newly dead, changed or moved queues one message per channel; delivery is tried at once and,
-- when the receiver is down, again on the next runs with backoff until it succeeds or expires.

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    schedule TEXT NOT NULL,             -- the schedule's name
    channel TEXT NOT NULL,              -- webhook or email
    target TEXT NOT NULL,               -- the webhook's URL, or the mail's recipients
    format TEXT NOT NULL DEFAULT 'json',-- webhook payload shape: json, slack or teams; email: text
    run_id INTEGER REFERENCES runs (id),-- the check run whose news it carries
    payload TEXT NOT NULL,              -- JSON: the digest (webhook) or subject and text (email)
    created_at TEXT NOT NULL,           -- when the news was found, UTC ISO 8601
    expires_at TEXT NOT NULL,           -- given up after this
    next_attempt_at TEXT NOT NULL,      -- not tried again before this
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    last_error TEXT,                    -- why the latest attempt failed
    delivered_at TEXT,
    status TEXT NOT NULL DEFAULT 'pending'  -- pending, delivered, expired
);
CREATE INDEX outbox_pending ON outbox (schedule, status, next_attempt_at);
