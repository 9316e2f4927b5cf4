"""Scheduled checks: ``linkcheck schedule`` runs the jobs defined in ``schedules/*.toml``.

- :mod:`.config`: schedule files read and checked (:func:`load_schedules`, :class:`ScheduleConfig`);
- :mod:`.job`: the job itself, an ordinary function (:func:`run_job`): seed, check, reports, notify;
- :mod:`.scheduler`: APScheduler wiring only: the persistent job store, the lock, signals, listing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkcheck.schedule.config import ScheduleConfig, ScheduleError, load_schedule, load_schedules

if TYPE_CHECKING:
    from linkcheck.schedule.job import JobResult, run_job

__all__ = ["JobResult", "ScheduleConfig", "ScheduleError", "load_schedule", "load_schedules", "run_job"]


def __getattr__(name: str) -> Any:
    # The job (reports, e-mail, the outbox) is imported when first asked for, not by every
    # command that reads a schedule file's format (``check`` reads the settings file with it).
    if name in ("JobResult", "run_job"):
        from linkcheck.schedule import job

        return getattr(job, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
