"""The drift stage's SQL: main texts, snapshots, the archive's cached answers, a check's content columns.

Functions over a :class:`~linkcheck.store.Store`, as the store package keeps them. Every row
a check produces is written by :func:`record_drift`, inside the transaction that records the
check: its content columns, its main text, the link's similarity and archive suggestion, and
the archive's answers and capture fetches learnt for it (so that a check and the archived copy
it reports can never disagree). Answers that arrive after their link's check is written are
kept by :func:`keep_archive_answers` in the run's last transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from linkcheck.models import ArchiveAnswer, Fingerprint, Outcome, Snapshot, SnapshotFetch
from linkcheck.store import Store, utcnow


def pack(text: str) -> bytes:
    """Normalised text as stored (zlib)."""
    return zlib.compress(text.encode(), 6)


def unpack(blob: bytes) -> str:
    """Stored text back."""
    return zlib.decompress(blob).decode()


@dataclass(frozen=True, slots=True)
class CitationFacts:
    """What the drift stage reads of one citation."""

    id: int
    accessed: dt.date | None
    title: str | None


@dataclass(frozen=True, slots=True)
class PastCheck:
    """A past check with a fingerprint: its id, final URL, validators, text and title."""

    id: int
    final_url: str | None
    etag: str | None
    last_modified: str | None
    text_sha256: str
    title: str | None
    body_sha256: str | None
    """Of the body as received: a recheck with the same bytes has the same main text."""


@dataclass(frozen=True, slots=True)
class Lookup:
    """A cached archive answer: the capture (None: the archive has none) and its fingerprint state."""

    snapshot: Snapshot | None
    distance_days: int | None
    fetched: bool = False
    """Were the capture's bytes fetched (successfully or for good)?"""
    text_sha256: str | None = None
    title: str | None = None


@dataclass(slots=True)
class LinkState:
    """Everything the drift stage needs to know about one link before checking it."""

    citations: list[CitationFacts] = field(default_factory=list)
    latest: PastCheck | None = None
    """The latest check with a fingerprint (its validators make the recheck conditional)."""
    first: PastCheck | None = None
    """The first check with a fingerprint: the baseline when there is no snapshot."""
    lookups: dict[dt.date | None, Lookup] = field(default_factory=dict)
    """Cached answers of the archive asked, by accessed-on date (None: the latest capture)."""


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def link_states(store: Store, link_ids: Sequence[int], archive: str | None) -> dict[int, LinkState]:
    """Citations, fingerprinted checks and cached archive answers (of ``archive``) of many links.

    Four queries whatever the number of links: a run reads them in chunks, ahead of the checks.
    """
    conn = store.db.conn
    states = {link_id: LinkState() for link_id in link_ids}
    marks = ",".join("?" * len(link_ids))
    for link_id, cid, accessed, title in conn.execute(
        f"SELECT link_id, id, accessed, title FROM citations WHERE link_id IN ({marks}) ORDER BY link_id, id",
        link_ids,
    ):
        states[link_id].citations.append(CitationFacts(cid, _date(accessed), title))
    cols = "id, final_url, etag, last_modified, text_sha256, title, body_sha256"
    for link_id, first, latest, *row in conn.execute(
        f"SELECT link_id, first, latest, {cols} FROM ("
        f"SELECT link_id, {cols}, "
        "ROW_NUMBER() OVER (PARTITION BY link_id ORDER BY started_at, id) = 1 AS first, "
        "ROW_NUMBER() OVER (PARTITION BY link_id ORDER BY started_at DESC, id DESC) = 1 AS latest "
        f"FROM checks WHERE link_id IN ({marks}) AND text_sha256 IS NOT NULL) WHERE first OR latest",
        link_ids,
    ):
        past = PastCheck(*row)
        if first:
            states[link_id].first = past
        if latest:
            states[link_id].latest = past
    if archive is not None:
        rows = conn.execute(
            "SELECT a.link_id, a.asked_date, a.distance_days, s.url, s.timestamp, s.status, s.fetched_at, "
            "s.text_sha256, s.title FROM archive_lookups a LEFT JOIN snapshots s ON s.id = a.snapshot_id "
            f"WHERE a.link_id IN ({marks}) AND a.archive = ?",
            [*link_ids, archive],
        )
        for link_id, asked, distance, url, stamp, status, fetched_at, sha, title in rows:
            snap = Snapshot(url, stamp, status) if url else None
            states[link_id].lookups[_date(asked)] = Lookup(snap, distance, fetched_at is not None, sha, title)
    return states


def lookup_of(store: Store, snapshot: Snapshot | None, distance_days: int | None) -> Lookup:
    """An archive answer as the content step uses it: with what is known of the capture's text."""
    if snapshot is None:
        return Lookup(None, None)
    row = store.db.execute(
        "SELECT fetched_at, text_sha256, title FROM snapshots WHERE url = ?", [snapshot.url]
    ).fetchone()
    if row is None:
        return Lookup(snapshot, distance_days)
    return Lookup(snapshot, distance_days, row[0] is not None, row[1], row[2])


def _save_answer(store: Store, answer: ArchiveAnswer) -> None:
    """Cache one archive answer, replacing an older answer to the same question."""
    snapshot_id = None
    if answer.snapshot is not None:
        snap = answer.snapshot
        store.db.execute(
            "INSERT INTO snapshots (url, timestamp, status) VALUES (?, ?, ?) ON CONFLICT (url) DO NOTHING",
            [snap.url, snap.timestamp, snap.status],
        )
        snapshot_id = store.db.execute("SELECT id FROM snapshots WHERE url = ?", [snap.url]).fetchone()[0]
    asked = answer.asked.isoformat() if answer.asked else None
    store.db.execute(
        "DELETE FROM archive_lookups WHERE link_id = ? AND archive = ? AND IFNULL(asked_date, '') = ?",
        [answer.link_id, answer.archive, asked or ""],
    )
    store.db.execute(
        "INSERT INTO archive_lookups (link_id, archive, asked_date, asked_at, snapshot_id, distance_days) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [answer.link_id, answer.archive, asked, utcnow(), snapshot_id, answer.distance_days],
    )


def _save_fetch(store: Store, fetch: SnapshotFetch) -> None:
    """Record a capture's fetch: its fingerprint, or why it has none."""
    fp = fetch.fingerprint
    if fp is not None:
        _save_text(store, fp)
    store.db.execute(
        "UPDATE snapshots SET fetched_at = ?, fetch_status = ?, fetch_error = ?, text_sha256 = ?, "
        "title = ? WHERE url = ?",
        [utcnow(), fetch.status, fetch.error, fp.sha256 if fp else None, fp.title if fp else None, fetch.url],
    )


def record_archive(store: Store, answers: Sequence[ArchiveAnswer], fetches: Sequence[SnapshotFetch]) -> None:
    """Cache archive answers and capture fetches, inside the caller's transaction."""
    for answer in answers:
        _save_answer(store, answer)
    for fetch in fetches:
        _save_fetch(store, fetch)


def keep_archive_answers(
    store: Store, answers: Sequence[ArchiveAnswer], fetches: Sequence[SnapshotFetch]
) -> None:
    """The run's last transaction: answers that came after their link's check was written."""
    if answers or fetches:
        with store.db.atomic():
            record_archive(store, answers, fetches)


def _save_text(store: Store, fp: Fingerprint) -> None:
    """Keep a main text (once per distinct text), inside the caller's transaction."""
    store.db.execute(
        "INSERT INTO texts (sha256, words, simhash, text) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [fp.sha256, fp.words, fp.simhash, pack(fp.text)],
    )


def load_text(store: Store, sha256: str) -> Fingerprint | None:
    """A kept main text as a fingerprint (without a title), or None."""
    row = store.db.execute("SELECT words, simhash, text FROM texts WHERE sha256 = ?", [sha256]).fetchone()
    if row is None:
        return None
    return Fingerprint(sha256=sha256, simhash=row[1], words=row[0], title=None, text=unpack(row[2]))


def record_drift(store: Store, check_id: int, link_id: int, outcome: Outcome) -> None:
    """Write a check's content columns, and the link's and citations' drift and archive fields.

    Called inside :meth:`Store.record_checks`' transaction, after the check's row and the
    link's verdict: the verdict and the similarity it rests on land together.
    """
    d = outcome.drift
    db = store.db
    if d is not None:
        record_archive(store, d.archive_answers, d.snapshot_fetches)
    if d is None or not d.has_content:
        db.execute("UPDATE links SET similarity = NULL, change = NULL WHERE id = ?", [link_id])
        return
    if d.new_text is not None:
        _save_text(store, d.new_text)
    ref = d.baseline_ref if d.baseline_ref is not None or d.baseline_kind != "check" else str(check_id)
    db.execute(
        "UPDATE checks SET not_modified = ?, text_sha256 = ?, simhash = ?, word_count = ?, similarity = ?, "
        "change = ?, baseline_kind = ?, baseline_ref = ?, evidence = ? WHERE id = ?",
        [
            int(outcome.not_modified), d.text_sha256, d.simhash, d.word_count, d.similarity, d.change,
            d.baseline_kind, ref, json.dumps(d.evidence, sort_keys=True) if d.evidence else None, check_id,
        ],
    )  # fmt: skip
    db.execute(
        "UPDATE links SET similarity = ?, change = ?, baseline_kind = ?, baseline_ref = ? WHERE id = ?",
        [d.similarity, d.change, d.baseline_kind, ref, link_id],
    )
    if d.link_archive is not None:
        pick = d.link_archive
        db.execute(
            "UPDATE links SET archive_url = ?, archive_timestamp = ?, archive_distance_days = ? WHERE id = ?",
            [pick.url, pick.timestamp, pick.distance_days, link_id],
        )
    for citation_id, pick in d.citation_archive.items():
        db.execute(
            "UPDATE citations SET archive_url = ?, archive_timestamp = ?, archive_distance_days = ? "
            "WHERE id = ? AND link_id = ?",
            [pick.url, pick.timestamp, pick.distance_days, citation_id, link_id],
        )
