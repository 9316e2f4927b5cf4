"""The scheduler's SQL: a row per run of a schedule, what a check run newly broke, the job table.

Functions over a :class:`~linkcheck.store.Store`, as the store package keeps them.
"""

from __future__ import annotations

from collections.abc import Collection

from linkcheck.store import Store, utcnow

JOB_TABLE = "apscheduler_jobs"
"""The table APScheduler's SQLAlchemy job store keeps its jobs in (it creates it itself)."""


def start_job_run(store: Store, schedule: str) -> int:
    """Record that a run of ``schedule`` started; returns its id."""
    with store.db.atomic():
        cur = store.db.execute(
            "INSERT INTO schedule_runs (schedule, started_at) VALUES (?, ?)", [schedule, utcnow()]
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def finish_job_run(
    store: Store, job_run_id: int, status: str, run_id: int | None, checked: int, new: int, error: str | None
) -> None:
    """Record how a run of a schedule ended."""
    with store.db.atomic():
        store.db.execute(
            "UPDATE schedule_runs SET finished_at = ?, status = ?, run_id = ?, checked = ?, new = ?, "
            "error = ? WHERE id = ?",
            [utcnow(), status, run_id, checked, new, error, job_run_id],
        )


def last_job_runs(store: Store) -> dict[str, tuple[str, str, str | None]]:
    """Each schedule's latest run: (started_at, status, why it failed or is partial) by schedule name."""
    # SQLite documents that a bare column beside MAX() comes from the row holding the maximum.
    rows = store.db.execute(
        "SELECT schedule, MAX(id), started_at, status, error FROM schedule_runs GROUP BY schedule"
    ).fetchall()
    return {name: (started, status, error) for name, _, started, status, error in rows}


def newly(store: Store, run_id: int, verdicts: Collection[str]) -> dict[int, str]:
    """Links whose verdict became one of ``verdicts`` in check run ``run_id``: their verdict before it.

    Before is the verdict after the link's previous check (``unchecked`` when it had none);
    after is the verdict this run's check gave it. A link that already had the verdict is not new.
    """
    marks = ",".join("?" * len(verdicts)) or "NULL"
    rows = store.db.execute(
        "SELECT link_id, before FROM ("
        "  SELECT c.link_id, c.verdict AS after, COALESCE("
        "    (SELECT p.verdict FROM checks p WHERE p.link_id = c.link_id AND p.id < c.id "
        "     ORDER BY p.id DESC LIMIT 1), 'unchecked') AS before "
        "  FROM checks c WHERE c.run_id = ?"
        f") WHERE after IN ({marks}) AND after != before",
        [run_id, *sorted(verdicts)],
    ).fetchall()
    return dict(rows)


def has_job_table(store: Store) -> bool:
    """Has a scheduler ever stored its jobs in this database?"""
    return bool(store.db[JOB_TABLE].exists())
