"""Scheduled checks: ``linkcheck schedule`` runs the jobs defined in ``schedules/*.toml``.

- :mod:`.config`: schedule files read and checked (:func:`load_schedules`, :class:`ScheduleConfig`);
- :mod:`.job`: the job itself, an ordinary function (:func:`run_job`): seed, check, reports, notify;
- :mod:`.scheduler`: APScheduler wiring only: the persistent job store, the lock, signals, listing.
"""

from linkcheck.schedule.config import ScheduleConfig, ScheduleError, load_schedule, load_schedules
from linkcheck.schedule.job import JobResult, run_job

__all__ = ["JobResult", "ScheduleConfig", "ScheduleError", "load_schedule", "load_schedules", "run_job"]
