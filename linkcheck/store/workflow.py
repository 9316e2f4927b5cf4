"""The SQL of the daily workflow: acknowledged links, notes, and which documents cite a link.

An acknowledgement (``linkcheck ack``) says "reviewed, leave it": the link is still checked and
its history kept, but reports do not count it as a problem while its time runs and its verdict
is the one acknowledged (README.md, "linkcheck ack URL"). Whether one holds is decided here, in one place.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from linkcheck.extract.urls import link_key
from linkcheck.store import Store, utcnow


@dataclass(frozen=True, slots=True)
class Ack:
    """One acknowledgement as stored, with the link's verdict now."""

    url: str
    verdict: str
    """The verdict acknowledged."""
    reason: str | None
    created_at: str
    until: str
    note: str | None
    current: str
    """The link's verdict now."""
    changed: bool = False
    """A check since the acknowledgement gave another verdict: it ended then, whatever came after."""

    def holds(self, now: str | None = None) -> bool:
        """Is it in force: not expired, and the verdict unchanged since it was given?"""
        return not self.changed and self.current == self.verdict and (now or utcnow()) < self.until

    def state(self, now: str | None = None) -> str:
        """``active``, ``expired`` or ``ended: verdict changed``, for ``ack --list``."""
        if self.changed or self.current != self.verdict:
            return f"ended: verdict changed (now {self.current})"
        return "active" if self.holds(now) else "expired"


def link_id(store: Store, url: str) -> tuple[int, str, str] | None:
    """The id, stored URL and verdict of the link ``url`` names (in any equivalent form), or None."""
    row = store.db.execute("SELECT id, url, verdict FROM links WHERE normal = ?", [link_key(url)]).fetchone()
    return (row[0], row[1], row[2]) if row else None


def acknowledge(store: Store, link: int, until: dt.datetime, note: str | None) -> str:
    """Acknowledge a link in its present verdict until ``until`` (replacing an earlier one); the verdict.

    The verdict is read in the same transaction as the acknowledgement is written, so a check
    recorded meanwhile cannot slip between them.
    """
    with store.db.atomic():
        verdict, reason = store.db.execute(
            "SELECT verdict, reason FROM links WHERE id = ?", [link]
        ).fetchone()
        store.db.execute(
            "INSERT INTO acks (link_id, verdict, reason, created_at, until, note) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (link_id) DO UPDATE SET verdict = excluded.verdict, reason = excluded.reason, "
            "created_at = excluded.created_at, until = excluded.until, note = excluded.note",
            [link, verdict, reason, utcnow(), until.strftime("%Y-%m-%dT%H:%M:%SZ"), note],
        )
    return str(verdict)


def unacknowledge(store: Store, link: int) -> bool:
    """Remove a link's acknowledgement; False when it had none."""
    with store.db.atomic():
        return store.db.execute("DELETE FROM acks WHERE link_id = ?", [link]).rowcount > 0


def set_note(store: Store, link: int, note: str | None) -> None:
    """Attach ``note`` to a link (None or blank: remove its note)."""
    with store.db.atomic():
        if note and note.strip():
            store.db.execute(
                "INSERT INTO notes (link_id, note, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (link_id) DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at",
                [link, note.strip(), utcnow()],
            )
        else:
            store.db.execute("DELETE FROM notes WHERE link_id = ?", [link])


_ACK_SELECT = (
    "SELECT l.id, l.url, a.verdict, a.reason, a.created_at, a.until, a.note, l.verdict, "
    "EXISTS (SELECT 1 FROM checks k WHERE k.link_id = a.link_id AND k.started_at >= a.created_at "
    "AND k.verdict != a.verdict) "
    "FROM acks a JOIN links l ON l.id = a.link_id"
)


def acks(store: Store) -> list[Ack]:
    """Every acknowledgement, soonest to end first."""
    rows = store.db.execute(f"{_ACK_SELECT} ORDER BY a.until, l.url").fetchall()
    return [_ack(row) for row in rows]


def acks_by_link(store: Store) -> dict[int, Ack]:
    """Every acknowledgement by link id (one query, for a report)."""
    return {row[0]: _ack(row) for row in store.db.execute(_ACK_SELECT)}


def _ack(row: Sequence[Any]) -> Ack:
    _, url, verdict, reason, created_at, until, note, current, changed = row
    return Ack(url, verdict, reason, created_at, until, note, current, bool(changed))


def marks_by_link(store: Store) -> dict[int, tuple[Ack | None, str | None]]:
    """Every link's acknowledgement and note, by link id, in one query (for a report)."""
    rows = store.db.execute(
        "SELECT l.id, l.url, a.verdict, a.reason, a.created_at, a.until, a.note, l.verdict, "
        "EXISTS (SELECT 1 FROM checks k WHERE k.link_id = a.link_id AND k.started_at >= a.created_at "
        "AND k.verdict != a.verdict), n.note "
        "FROM (SELECT link_id FROM acks UNION SELECT link_id FROM notes) m JOIN links l ON l.id = m.link_id "
        "LEFT JOIN acks a ON a.link_id = m.link_id LEFT JOIN notes n ON n.link_id = m.link_id"
    )
    return {row[0]: (_ack(row[:9]) if row[2] is not None else None, row[9]) for row in rows}


def link_documents(store: Store, link_ids: Sequence[int]) -> dict[int, list[str]]:
    """The paths of the documents citing each of ``link_ids`` (links cited nowhere are absent)."""
    found: dict[int, list[str]] = {}
    if not link_ids:
        return found
    rows: Any = store.db.execute(
        "SELECT DISTINCT c.link_id, d.path FROM citations c JOIN documents d ON d.id = c.document_id "
        "WHERE c.link_id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(link_ids))],
    )
    for link, path in rows:
        found.setdefault(link, []).append(path)
    return found
