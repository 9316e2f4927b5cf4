"""The outbox's SQL: notifications queued, tried, delivered or given up (db/0008_i10_outbox.sql).

Functions over a :class:`~linkcheck.store.Store`, as the store package keeps them. Each change
is its own small transaction: a message queued is kept whatever happens to the run after it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from linkcheck.store import Store, utcnow


@dataclass(frozen=True, slots=True)
class Message:
    """One queued notification."""

    id: int
    schedule: str
    channel: str
    target: str
    format: str
    run_id: int | None
    payload: dict[str, Any]
    created_at: str
    expires_at: str
    attempts: int
    last_error: str | None


_COLUMNS = (
    "id, schedule, channel, target, format, run_id, payload, created_at, expires_at, attempts, last_error"
)


def _message(row: tuple[Any, ...]) -> Message:
    values = list(row)
    values[6] = json.loads(values[6])
    return Message(*values)


def enqueue(
    store: Store, schedule: str, channel: str, target: str, fmt: str, run_id: int | None,
    payload: dict[str, Any], expires_at: str,
) -> int:  # fmt: skip
    """Queue one message, due at once; returns its id."""
    now = utcnow()
    with store.db.atomic():
        cur = store.db.execute(
            "INSERT INTO outbox (schedule, channel, target, format, run_id, payload, created_at, expires_at, "
            "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [schedule, channel, target, fmt, run_id, json.dumps(payload), now, expires_at, now],
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def due(store: Store, schedule: str, now: str) -> list[Message]:
    """The pending messages of ``schedule`` whose next attempt is due, oldest first."""
    rows = store.db.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE schedule = ? AND status = 'pending' AND next_attempt_at <= ? "
        "ORDER BY id",
        [schedule, now],
    ).fetchall()
    return [_message(r) for r in rows]


def pending(store: Store, schedule: str) -> int:
    """How many messages of ``schedule`` still wait for delivery."""
    row = store.db.execute(
        "SELECT COUNT(*) FROM outbox WHERE schedule = ? AND status = 'pending'", [schedule]
    ).fetchone()
    return int(row[0])


def delivered(store: Store, message_id: int) -> None:
    """Record a successful delivery."""
    now = utcnow()
    with store.db.atomic():
        store.db.execute(
            "UPDATE outbox SET status = 'delivered', delivered_at = ?, last_attempt_at = ?, "
            "attempts = attempts + 1 WHERE id = ?",
            [now, now, message_id],
        )


def failed(store: Store, message_id: int, error: str, next_attempt_at: str, give_up: bool) -> None:
    """Record a failed attempt: tried again from ``next_attempt_at``, or given up (expired)."""
    with store.db.atomic():
        store.db.execute(
            "UPDATE outbox SET status = ?, last_error = ?, last_attempt_at = ?, next_attempt_at = ?, "
            "attempts = attempts + 1 WHERE id = ?",
            ["expired" if give_up else "pending", error, utcnow(), next_attempt_at, message_id],
        )
