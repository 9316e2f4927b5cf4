"""Retention (``linkcheck prune``): drop old checks and the main texts no longer needed.

Without it nothing is ever deleted from ``checks`` (the history is the evidence behind every
verdict): every check of every link is kept, about 0.6-0.8 KB a check, which for 100,000 links
checked daily is gigabytes a month.
Pruning is the user's choice, by command or by a schedule file's ``prune`` key, never
automatic. It keeps everything a verdict, a report or the drift stage reads:

- every check younger than the ``keep`` period;
- the first and the latest check of every link (``history`` shows where it began and where it is);
- every check at which the link's verdict changed (so ``summary --since``, acknowledgements and
  the "newly dead" news of a schedule see the same verdicts as before);
- the first and the latest check with a main-text fingerprint (the drift baseline when the
  archive has no capture, and the validators of the next conditional request), and every
  check another check or the link names as its baseline;
- the link's latest check (``links.last_check_id``);
- every main text a remaining check or archive capture points to.

The verdict needs no history (the link's streak, ``db/0012_i12_streak.sql``): before a link's
checks are pruned its streak is made known. Work goes in chunks of links, each one transaction,
so that a run killed midway leaves a sound database (and pruning again finishes the job), and a
check run waiting to write is held up for a chunk at most.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from linkcheck.models import streak_of
from linkcheck.store import Store, stamp

PRUNE_CHUNK = 2000
"""Links whose checks are pruned in one transaction."""


@dataclass(slots=True)
class PruneResult:
    """What a prune did (or, with ``dry_run``, would do)."""

    cutoff: str
    """Checks that started before this moment (UTC ISO 8601) were candidates."""
    checks: int = 0
    """Checks in the database before pruning."""
    old: int = 0
    """Of those, checks older than the cutoff."""
    deleted: int = 0
    """Checks deleted (or that would be)."""
    texts_deleted: int = 0
    """Main texts no longer pointed to, deleted (not counted on a dry run)."""
    bytes_before: int = 0
    bytes_after: int = 0
    """The database's size (pages in use times page size) before and after."""

    @property
    def kept_old(self) -> int:
        """Old checks kept: verdict changes, first and last checks, drift baselines."""
        return self.old - self.deleted


# One row per check of the chunk's links, with what makes it worth keeping. ``changed``: its
# verdict differs from the link's previous check's (the first check is a change from unchecked).
_CANDIDATES = """
SELECT id FROM (
    SELECT id, started_at,
        verdict IS NOT LAG(verdict) OVER by_time AS changed,
        ROW_NUMBER() OVER by_time AS n,
        ROW_NUMBER() OVER (PARTITION BY link_id ORDER BY started_at DESC, id DESC) AS back,
        text_sha256 IS NOT NULL AND (
            ROW_NUMBER() OVER by_text = 1
            OR ROW_NUMBER() OVER (PARTITION BY link_id, text_sha256 IS NULL
                                  ORDER BY started_at DESC, id DESC) = 1
        ) AS baseline
    FROM checks WHERE link_id BETWEEN ? AND ?
    WINDOW by_time AS (PARTITION BY link_id ORDER BY started_at, id),
        by_text AS (PARTITION BY link_id, text_sha256 IS NULL ORDER BY started_at, id)
)
WHERE started_at < ? AND NOT changed AND n > 1 AND back > 1 AND NOT baseline
    AND id NOT IN (SELECT last_check_id FROM links WHERE id BETWEEN ? AND ? AND last_check_id IS NOT NULL)
    AND id NOT IN (SELECT CAST(baseline_ref AS INTEGER) FROM links
                   WHERE id BETWEEN ? AND ? AND baseline_kind = 'check' AND baseline_ref IS NOT NULL)
    AND id NOT IN (SELECT CAST(baseline_ref AS INTEGER) FROM checks
                   WHERE link_id BETWEEN ? AND ? AND baseline_kind = 'check' AND baseline_ref IS NOT NULL)
"""


def database_bytes(store: Store) -> int:
    """Bytes the database's pages in use take (its file size less the free pages)."""
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    free = store.db.execute("PRAGMA freelist_count").fetchone()[0]
    size = store.db.execute("PRAGMA page_size").fetchone()[0]
    return int((pages - free) * size)


def prune(
    store: Store,
    keep: dt.timedelta,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    vacuum: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> PruneResult:
    """Delete the checks older than ``keep`` that nothing needs, then the texts no check needs.

    ``dry_run`` counts what would go and changes nothing. ``vacuum`` then rewrites the file to
    give the freed space back to the file system (without it, SQLite reuses the free pages for
    new checks, so a database pruned regularly stops growing). ``progress(done, total)`` hears
    of each chunk of links.
    """
    now = now or dt.datetime.now(dt.UTC)
    cutoff = stamp(now - keep)
    assert cutoff is not None
    db = store.db
    result = PruneResult(cutoff)
    result.checks = db.execute("SELECT COUNT(*) FROM checks").fetchone()[0]
    result.old = db.execute("SELECT COUNT(*) FROM checks WHERE started_at < ?", [cutoff]).fetchone()[0]
    result.bytes_before = database_bytes(store)
    top = db.execute("SELECT IFNULL(MAX(id), 0) FROM links").fetchone()[0]
    for low in range(1, top + 1, PRUNE_CHUNK):
        high = low + PRUNE_CHUNK - 1
        with db.atomic():
            # Their verdict must not need the checks about to go: make every streak known first.
            unknown = db.execute(
                "SELECT id FROM links WHERE id BETWEEN ? AND ? AND streak IS NULL "
                "AND EXISTS (SELECT 1 FROM checks WHERE link_id = links.id AND started_at < ?)",
                [low, high, cutoff],
            ).fetchall()
            for (link_id,) in unknown:
                streak = streak_of([fact for _, fact in store.history_facts(link_id)])
                if not dry_run:
                    db.execute(
                        "UPDATE links SET streak = ?, streak_since = ? WHERE id = ?",
                        [streak.failures, stamp(streak.first_failed), link_id],
                    )
            params = [low, high, cutoff, low, high, low, high, low, high]
            if dry_run:
                result.deleted += db.execute(f"SELECT COUNT(*) FROM ({_CANDIDATES})", params).fetchone()[0]
            else:
                cur = db.execute(f"DELETE FROM checks WHERE id IN ({_CANDIDATES})", params)
                result.deleted += cur.rowcount
        if progress is not None:
            progress(min(high, top), top)
    if not dry_run:
        with db.atomic():
            cur = db.execute(
                "DELETE FROM texts WHERE sha256 NOT IN "
                "(SELECT text_sha256 FROM checks WHERE text_sha256 IS NOT NULL "
                "UNION SELECT text_sha256 FROM snapshots WHERE text_sha256 IS NOT NULL)"
            )
            result.texts_deleted = cur.rowcount
        if vacuum:
            db.execute("VACUUM")
    result.bytes_after = database_bytes(store)
    return result
