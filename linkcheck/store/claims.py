"""Neighbours on one database: runs that say who they are, and links claimed by the run checking them.

Two ``linkcheck check`` processes on one database (a cron job and a person, two schedules)
must not both check every due link: that doubles the load on every cited host. Each run
claims the links it selected, in one write transaction, leaving out those another live run
has claimed and those checked since it selected them; a claim lasts :data:`CLAIM_TTL` unless
the run renews it (it does, whenever it writes checks), and is released when the link's
check is stored and when the run ends. A run killed with its claims held blocks nobody for
longer than the TTL, and the next run marks it ``interrupted``.
"""

from __future__ import annotations

import array
import datetime as dt
import os
import socket
from collections.abc import Iterable, Sequence

from linkcheck.store import Store

CLAIM_TTL = dt.timedelta(minutes=10)
"""How long a claim (and a run's heartbeat) holds without renewal."""
_FMT = "%Y-%m-%dT%H:%M:%SZ"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _text(moment: dt.datetime) -> str:
    return moment.strftime(_FMT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def register(store: Store, run_id: int) -> int:
    """Record this process as ``run_id``'s, and mark runs left ``running`` by dead processes interrupted.

    Returns how many stale runs were marked. A run is stale when its process is gone from this
    machine, when its heartbeat is older than :data:`CLAIM_TTL` (another machine, or a hung
    process), or when it was started by a version that recorded no process.
    """
    now = _now()
    host = socket.gethostname()
    with store.db.atomic():
        store.db.execute(
            "UPDATE runs SET pid = ?, host = ?, heartbeat = ? WHERE id = ?",
            [os.getpid(), host, _text(now), run_id],
        )
        stale = []
        for rid, pid, rhost, beat in store.db.execute(
            "SELECT id, pid, host, heartbeat FROM runs WHERE status = 'running' AND id != ?", [run_id]
        ).fetchall():
            gone = pid is None or beat is None or beat < _text(now - CLAIM_TTL)
            if not gone and rhost == host:
                gone = not _alive(pid)
            if gone:
                stale.append(rid)
        for rid in stale:
            store.db.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = COALESCE(heartbeat, started_at) "
                "WHERE id = ?",
                [rid],
            )
            store.db.execute("DELETE FROM link_claims WHERE run_id = ?", [rid])
    return len(stale)


def watermark(store: Store) -> int:
    """The latest check's id: taken before selecting links, it tells checks stored since."""
    return int(store.db.execute("SELECT COALESCE(MAX(id), 0) FROM checks").fetchone()[0])


def claim(store: Store, run_id: int, link_ids: Sequence[int], since: int) -> set[int]:
    """Claim ``link_ids`` for ``run_id``; return those claimed (the others are another run's).

    Left out: links another run holds an unexpired claim on, and links with a check stored
    after the :func:`watermark` ``since`` (another run checked them between this run's
    selection and now).
    """
    return set(claim_ids(store, run_id, link_ids, since))


def claim_ids(store: Store, run_id: int, link_ids: Sequence[int], since: int) -> array.array[int]:
    """:func:`claim`, the ids claimed in their order in a compact array (8 bytes a link).

    A run of a million links holds its ids only (linkcheck.check.runner.plan), never a set of
    them (some 60 bytes a link).
    """
    now = _now()
    expires = _text(now + CLAIM_TTL)
    got: array.array[int] = array.array("q")
    with store.db.atomic():
        store.db.execute("DELETE FROM link_claims WHERE expires_at < ?", [_text(now)])
        for chunk in _chunks(link_ids, 500):
            marks = ",".join("?" * len(chunk))
            taken = {
                r[0]
                for r in store.db.execute(
                    f"SELECT link_id FROM link_claims WHERE run_id != ? AND link_id IN ({marks})",
                    [run_id, *chunk],
                )
            }
            taken |= {
                r[0]
                for r in store.db.execute(
                    "SELECT l.id FROM links l JOIN checks c ON c.id = l.last_check_id "
                    f"WHERE c.id > ? AND l.id IN ({marks})",
                    [since, *chunk],
                )
            }
            mine = [i for i in chunk if i not in taken]
            store.db.conn.executemany(
                "INSERT OR REPLACE INTO link_claims (link_id, run_id, expires_at) VALUES (?, ?, ?)",
                [(i, run_id, expires) for i in mine],
            )
            got.extend(mine)
    return got


def renew(store: Store, run_id: int, done: Iterable[int] = ()) -> None:
    """A sign of life: extend ``run_id``'s claims and heartbeat, and release the links ``done``."""
    now = _now()
    with store.db.atomic():
        store.db.execute("UPDATE runs SET heartbeat = ? WHERE id = ?", [_text(now), run_id])
        store.db.execute(
            "UPDATE link_claims SET expires_at = ? WHERE run_id = ?", [_text(now + CLAIM_TTL), run_id]
        )
        store.db.conn.executemany(
            "DELETE FROM link_claims WHERE link_id = ? AND run_id = ?", [(i, run_id) for i in done]
        )


def release(store: Store, run_id: int) -> None:
    """Release every claim of ``run_id`` (at its end, however it ends)."""
    with store.db.atomic():
        store.db.execute("DELETE FROM link_claims WHERE run_id = ?", [run_id])


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
