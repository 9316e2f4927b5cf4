"""APScheduler wiring: the foreground scheduler, its persistent job store, one instance per database.

Job state (each job's next run time) lives in APScheduler's SQLAlchemy job store, in the
linkcheck database file itself (table ``apscheduler_jobs``), so that a run missed while the
scheduler was down happens once when it comes back: on start the stored jobs are reconciled
with the schedule files (a job whose trigger did not change keeps its stored, possibly past,
next run time; a changed trigger is rescheduled; a job whose file is gone is removed), and
each job coalesces missed runs into one, with no limit on lateness. A job never runs twice at
once (``max_instances=1``); a second scheduler on the same database is refused by an OS file
lock that dies with its process. SIGTERM and SIGINT set the running jobs' ``stop`` event (their
checks so far are kept, their runs marked interrupted) and shut the scheduler down cleanly.

The function stored jobs name is :func:`run_scheduled`, by reference and with the schedule's
name as its only argument: the schedule files read at start are the truth, never a stale
copy pickled in the job store.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from linkcheck.errors import EnvironmentFailure, SchedulerBusy
from linkcheck.schedule.config import ScheduleConfig
from linkcheck.schedule.job import JobResult, run_job
from linkcheck.store import BUSY_TIMEOUT_MS, Store
from linkcheck.store import schedule as sql

log = logging.getLogger("linkcheck.schedule")

FUNC_REF = "linkcheck.schedule.scheduler:run_scheduled"
"""What every stored job calls (APScheduler stores functions by this textual reference)."""
JOB_OPTIONS: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
"""Never two runs of a job at once; runs missed while down are one run, however late."""


def lock_path(db_path: str) -> Path:
    """The lock file of the scheduler on ``db_path``: beside the database."""
    return Path(f"{db_path}.schedule.lock")


@contextmanager
def scheduler_lock(db_path: str) -> Iterator[Path]:
    """Hold the database's scheduler lock, or raise SchedulerBusy naming the process that holds it.

    An ``flock`` on a file beside the database: the OS releases it when the process ends, however
    it ends, so a killed scheduler never leaves a stale lock behind. The file itself stays
    (removing it would let a second process lock a new file while the first still holds the old).
    """
    path = lock_path(db_path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise SchedulerBusy(
                f"another linkcheck scheduler{who} is already running on {db_path}; "
                f"stop it first (its lock: {path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)


@contextmanager
def stop_on_signals(stop: threading.Event, then: Callable[[], None] | None = None) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT set ``stop`` (once) and call ``then``; then old handlers return."""

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.info("%s again: already stopping, waiting for running jobs to wind up", name)
            return
        log.info("%s: stopping; running jobs keep what they have checked", name)
        stop.set()
        if then is not None:
            then()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def log_to_stderr() -> Iterator[None]:
    """Log the scheduler's lines (and APScheduler's warnings) to stderr with timestamps, while inside."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    ours, theirs = logging.getLogger("linkcheck"), logging.getLogger("apscheduler")
    saved = [(lg, lg.level, lg.propagate) for lg in (ours, theirs)]
    for lg, level in ((ours, logging.INFO), (theirs, logging.WARNING)):
        lg.addHandler(handler)
        lg.setLevel(level)
        lg.propagate = False  # one line each, whatever the root logger does
    try:
        yield
    finally:
        for lg, level, propagate in saved:
            lg.removeHandler(handler)
            lg.setLevel(level)
            lg.propagate = propagate


# -- the job stored jobs call ------------------------------------------------------------------


@dataclass(slots=True)
class _Context:
    configs: dict[str, ScheduleConfig]
    db_path: str
    stop: threading.Event
    halt: Callable[[EnvironmentFailure], None] = lambda failure: None
    """Stops the scheduler for good: the tool itself cannot work (see run_scheduled)."""


# The scheduler's jobs are stored by function reference, so the function finds the schedules
# read at start, the database and the stop event here; one scheduler runs per process.
_context: _Context | None = None


def run_scheduled(name: str) -> None:
    """Run schedule ``name`` for the scheduler; a failure is logged as one line and the scheduler goes on.

    Except when the tool itself cannot work (a component missing, the disk full): every later
    run would fail alike, so the scheduler stops, and ``schedule run`` exits 4 with that line.
    """
    ctx = _context
    if ctx is None or name not in ctx.configs:
        log.error("%s: no such schedule in this scheduler", name)
        return
    if ctx.stop.is_set():
        # Handed over just as the scheduler stops: it would be interrupted at once, so record no run.
        return
    try:
        run_job(ctx.configs[name], ctx.db_path, ctx.stop)
    except EnvironmentFailure as e:
        log.error("%s: failed: %s", name, e)
        ctx.halt(e)
    except Exception as e:
        log.error("%s: failed: %s: %s", name, type(e).__name__, e)


# -- the scheduler -------------------------------------------------------------------------


class _JobStore(SQLAlchemyJobStore):
    """APScheduler's SQL job store that hands out no due job once its scheduler has stopped.

    APScheduler 3's loop looks for due jobs once more after ``shutdown()``: a job due at that
    moment would be handed to the stopped executor (an error) and its stored next run time moved
    on, losing that run. Asked then, this store answers that nothing is due, so the run happens
    after the next start. ``get_due_jobs`` is the job store interface that APScheduler documents
    for custom job stores (https://apscheduler.readthedocs.io/en/3.x/extending.html).
    """

    def __init__(self, stopped: Callable[[], bool], **options: Any) -> None:
        super().__init__(**options)
        self.stopped = stopped

    def get_due_jobs(self, now: dt.datetime) -> list[Job]:
        """The jobs due at ``now``; none once the scheduler has stopped."""
        if self.stopped():
            return []
        jobs: list[Job] = super().get_due_jobs(now)
        return jobs


def job_store(db_path: str, stopped: Callable[[], bool] = lambda: False) -> SQLAlchemyJobStore:
    """APScheduler's job store in the linkcheck database file (table ``apscheduler_jobs``).

    ``stopped`` says when the scheduler using it has stopped: from then on no job is due.
    """
    url = f"sqlite:///{Path(db_path).absolute()}"
    # The checks write to the same file: wait for their transactions as the store does.
    return _JobStore(stopped, url=url, engine_options={"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000}})


def same_trigger(a: BaseTrigger, b: BaseTrigger) -> bool:
    """Do two triggers fire alike? (An interval's start date is not compared: it is when it was made.)"""
    if type(a) is not type(b):
        return False
    if isinstance(a, IntervalTrigger):
        return bool(a.interval == b.interval and str(a.timezone) == str(b.timezone) and a.jitter == b.jitter)
    if isinstance(a, CronTrigger):
        return str(a) == str(b) and str(a.timezone) == str(b.timezone) and a.jitter == b.jitter
    return str(a) == str(b)


def reconcile(scheduler: BaseScheduler, configs: list[ScheduleConfig]) -> list[str]:
    """Make the scheduler's stored jobs match ``configs``; one line per job saying what was done.

    A stored job whose trigger is unchanged is kept as it is, with its next run time (in the
    past after downtime: it then runs once, at once). A changed trigger is rescheduled from
    now; a new schedule is added; a stored job with no schedule file any more is removed.
    """
    stored: dict[str, Job] = {job.id: job for job in scheduler.get_jobs()}
    lines = []
    for config in configs:
        trigger = config.trigger()
        job = stored.pop(config.name, None)
        if job is not None and job.func_ref == FUNC_REF and same_trigger(job.trigger, trigger):
            changes = {k: v for k, v in JOB_OPTIONS.items() if getattr(job, k) != v}
            if changes:
                scheduler.modify_job(job.id, **changes)
            lines.append(f"{config.name}: kept ({config.trigger_text})")
            continue
        scheduler.add_job(
            FUNC_REF, trigger, id=config.name, name=config.name, kwargs={"name": config.name},
            replace_existing=True, **JOB_OPTIONS,
        )  # fmt: skip
        lines.append(
            f"{config.name}: {'rescheduled' if job is not None else 'added'} ({config.trigger_text})"
        )
    for job_id in stored:
        scheduler.remove_job(job_id)
        lines.append(f"{job_id}: removed (no schedule file names it any more)")
    return lines


def serve(configs: list[ScheduleConfig], db_path: str, stop: threading.Event) -> None:
    """Run the scheduler in the foreground until ``stop`` is set by SIGTERM or SIGINT.

    The caller holds :func:`scheduler_lock`. Started paused, the scheduler reconciles its
    stored jobs with ``configs`` before it runs anything; stopping waits for running jobs,
    which see ``stop`` and wind up at once, keeping what they have checked.
    """
    global _context
    scheduler: BlockingScheduler = BlockingScheduler(
        jobstores={"default": job_store(db_path, stopped=lambda: scheduler.state == STATE_STOPPED)},
        executors={"default": ThreadPoolExecutor(max(len(configs), 1))},
    )
    failure: list[BaseException] = []
    stoppers: list[threading.Thread] = []

    def shut_down() -> None:
        try:
            scheduler.shutdown(wait=True)
        except SchedulerNotRunningError as e:  # not started yet (the start listener stops it then) or stopped
            log.debug("shutdown: %s", e)

    def on_stop() -> None:
        # Not in the signal handler itself: it interrupts the main thread, which may hold a lock
        # a finishing job needs; shutdown(wait=True) from there could wait for ever.
        stopper = threading.Thread(target=shut_down, name="linkcheck-shutdown")
        stoppers.append(stopper)
        stopper.start()

    def on_started(event: SchedulerEvent) -> None:
        # Runs inside start(), with the scheduler paused: nothing is due until resume().
        try:
            for line in reconcile(scheduler, configs):
                log.info("%s", line)
            now = dt.datetime.now(dt.UTC)
            for job in scheduler.get_jobs():
                late = job.next_run_time is not None and job.next_run_time < now
                note = " (missed while the scheduler was down: it runs now, once)" if late else ""
                log.info("%s: next run at %s%s", job.id, _when(job.next_run_time), note)
            if stop.is_set():
                scheduler.shutdown(wait=False)
            else:
                scheduler.resume()
        except Exception as e:
            failure.append(e)
            scheduler.shutdown(wait=False)

    def halt(e: EnvironmentFailure) -> None:
        failure.append(e)
        if not stop.is_set():
            stop.set()  # other running jobs wind up, keeping what they have checked
            on_stop()

    scheduler.add_listener(on_started, EVENT_SCHEDULER_STARTED)
    _context = _Context({c.name: c for c in configs}, db_path, stop, halt)
    noun = "schedule" if len(configs) == 1 else "schedules"
    log.info("scheduler started on %s (process %d): %d %s", db_path, os.getpid(), len(configs), noun)
    try:
        with stop_on_signals(stop, on_stop):
            scheduler.start(paused=True)
            for stopper in stoppers:
                stopper.join()
    finally:
        _context = None
    if failure:
        raise failure[0]
    log.info("scheduler stopped")


def run_once(config: ScheduleConfig, db_path: str, stop: threading.Event) -> JobResult:
    """Run one schedule now in the foreground (``schedule run --once``); SIGTERM or SIGINT stop it cleanly."""
    with stop_on_signals(stop):
        return run_job(config, db_path, stop)


# -- schedule list -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleInfo:
    """A schedule as ``schedule list`` shows it."""

    config: ScheduleConfig
    next_run: dt.datetime | None
    stored: bool
    """True: ``next_run`` is the job store's (the scheduler has run it); False: computed now."""
    last_run: tuple[str, str, str | None] | None
    """The latest run's start (UTC), status, and why it failed or is partial."""


def schedule_info(configs: list[ScheduleConfig], store: Store) -> list[ScheduleInfo]:
    """Each schedule with its next run time: the job store's when it holds the same trigger, else computed."""
    stored: dict[str, Job] = {}
    if store.path != ":memory:" and sql.has_job_table(store):
        jobs = job_store(store.path)
        jobs.start(BlockingScheduler(), "default")
        try:
            stored = {job.id: job for job in jobs.get_all_jobs()}
        finally:
            jobs.shutdown()
    last = sql.last_job_runs(store)
    now = dt.datetime.now(dt.UTC)
    found = []
    for config in configs:
        trigger = config.trigger()
        job = stored.get(config.name)
        if job is not None and same_trigger(job.trigger, trigger):
            found.append(ScheduleInfo(config, job.next_run_time, True, last.get(config.name)))
        else:
            nxt = trigger.get_next_fire_time(None, now.astimezone(trigger.timezone))
            found.append(ScheduleInfo(config, nxt, False, last.get(config.name)))
    return found


def _when(moment: dt.datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else "never"
