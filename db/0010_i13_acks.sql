-- Acknowledged links and notes (linkcheck ack, unack, note). An acknowledgement holds while
-- its time has not run out and the link's verdict is still the one it was given for; it is
-- kept after that (ack --list shows it as expired or superseded) until unack or a new ack.

CREATE TABLE acks (
    link_id INTEGER PRIMARY KEY REFERENCES links (id),
    verdict TEXT NOT NULL,              -- the verdict acknowledged: another verdict ends it at once
    reason TEXT,                        -- the reason it had then, for ack --list
    created_at TEXT NOT NULL,           -- UTC, ISO 8601
    until TEXT NOT NULL,                -- UTC, ISO 8601: the acknowledgement's end
    note TEXT                           -- why, as the person who acknowledged it wrote
);

CREATE TABLE notes (
    link_id INTEGER PRIMARY KEY REFERENCES links (id),
    note TEXT NOT NULL,
    updated_at TEXT NOT NULL            -- UTC, ISO 8601
);
