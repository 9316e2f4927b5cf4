"""`linkcheck schedule run` as a process: jobs run on their trigger against the loopback test web.

Each test starts the scheduler as a subprocess in a temporary working directory and watches
the database, the report files and a local webhook receiver, polling with deadlines (never
fixed sleeps for what it waits on): a job runs and notifies; a second scheduler is refused; a
run missed while the scheduler was down happens once when it is back; SIGTERM in the middle of
a run leaves a consistent database with the run's checks so far.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler

from linkcheck.schedule.scheduler import job_store
from tests.test_schedule import Receiver, cite, query, schedule_text, wait_for, web, write
from tests.web import Web

pytestmark = pytest.mark.slow
__all__ = ["web"]  # the module-scoped test web fixture, shared with test_schedule.py

START = 60.0
"""Seconds a scheduler process may take to start and run a job on a loaded machine."""


@pytest.fixture(autouse=True)
def one_second_schedules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs every second (below the 1-minute floor): the scheduler processes inherit the setting."""
    monkeypatch.setenv("LINKCHECK_MIN_EVERY", "1")


class Scheduler:
    """``linkcheck schedule run`` in a subprocess, its stderr in a file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.log = folder / "scheduler.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Scheduler:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "linkcheck", "--db", "lc.db", "schedule", "run"],
                cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        return self

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and wait for the process to end; its exit code."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=60)

    def text(self) -> str:
        return self.log.read_text()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


@pytest.fixture
def scheduler(in_tmp: Path) -> Iterator[Scheduler]:
    s = Scheduler(in_tmp)
    yield s
    s.kill()


def integrity(db: Path) -> str:
    ((result,),) = query(db, "PRAGMA integrity_check")
    return str(result)


def test_jobs_run_on_their_trigger_record_checks_write_reports_and_notify(
    web: Web, in_tmp: Path, scheduler: Scheduler
) -> None:
    site = web.sites["library.test"]
    live, missing = site.url("/live"), site.url("/missing")
    cite(in_tmp, live, missing)
    receiver = Receiver()
    try:
        extra = (
            '[[report]]\nformat = "html"\noutput = "reports/latest.html"\n'
            '[[report]]\nformat = "json"\noutput = "reports/latest.json"\n'
            f'[notify]\nwebhook = "{receiver.url}"\n'
        )
        write(in_tmp / "schedules", "nightly.toml", schedule_text(web, 'every = "1s"') + extra)
        scheduler.start()
        db = in_tmp / "lc.db"
        (body,) = wait_for(lambda: receiver.bodies, START, "the webhook digest")
        assert body["schedule"] == "nightly"
        assert body["totals"] == {"links": 2, "citations": 2, "dead": 1, "alive": 1}
        assert [(link["url"], link["verdict"], link["reason"]) for link in body["new"]] == [
            (missing, "dead", "not-found")
        ]
        assert body["new"][0]["citations"][0]["document"] == "refs.txt"
        wait_for(lambda: (in_tmp / "reports" / "latest.json").exists(), START, "the reports")
        assert missing in (in_tmp / "reports" / "latest.html").read_text()
        # The next runs find nothing new: the receiver hears nothing more.
        wait_for(
            lambda: query(db, "SELECT COUNT(*) FROM schedule_runs WHERE status = 'done'")[0][0] >= 3, START
        )
        assert len(receiver.bodies) == 1
        assert query(db, "SELECT COUNT(*) FROM checks WHERE url = ?", missing)[0][0] >= 3

        second = subprocess.run(
            [sys.executable, "-m", "linkcheck", "--db", "lc.db", "schedule", "run"],
            cwd=in_tmp, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 2
        assert (
            "another linkcheck scheduler" in second.stderr and "is already running on lc.db" in second.stderr
        )

        assert scheduler.stop() == 0
    finally:
        receiver.close()
    log = scheduler.text()
    assert "nightly: added (every 1s)" in log and "nightly: started (every 1s)" in log
    assert "1 link newly dead, changed or moved; notified: webhook" in log
    assert "SIGTERM: stopping" in log and "scheduler stopped" in log and "Traceback" not in log
    assert integrity(in_tmp / "lc.db") == "ok"
    assert query(in_tmp / "lc.db", "SELECT COUNT(*) FROM schedule_runs WHERE status = 'running'") == [(0,)]


def test_a_run_missed_while_down_happens_once_on_restart(
    web: Web, in_tmp: Path, scheduler: Scheduler
) -> None:
    cite(in_tmp, web.sites["library.test"].url("/live"))
    write(in_tmp / "schedules", "hourly.toml", schedule_text(web, 'every = "1h"'))
    db = in_tmp / "lc.db"
    scheduler.start()

    def stored() -> bool:
        if not db.exists() or not query(db, "SELECT 1 FROM sqlite_master WHERE name = 'apscheduler_jobs'"):
            return False
        return bool(query(db, "SELECT id FROM apscheduler_jobs"))

    wait_for(stored, START, "the stored job")
    assert scheduler.stop() == 0
    assert query(db, "SELECT COUNT(*) FROM schedule_runs") == [(0,)]  # not due for an hour

    # Down for hours: the stored next run time is two and a half hours ago (three runs missed).
    # (Through the job store alone: a scheduler, even paused, would look for due jobs as it shuts down.)
    store = job_store(str(db))
    store.start(BlockingScheduler(), "default")
    job = store.lookup_job("hourly")
    job.next_run_time = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2, minutes=30)
    store.update_job(job)
    store.shutdown()

    scheduler.start()
    wait_for(lambda: query(db, "SELECT status FROM schedule_runs") == [("done",)], START, "the missed run")
    time.sleep(1.0)  # room for a wrong second run (coalescing off) to show
    assert query(db, "SELECT COUNT(*) FROM schedule_runs") == [(1,)]
    assert query(db, "SELECT COUNT(*) FROM runs") == [(1,)]
    ((next_run,),) = query(db, "SELECT next_run_time FROM apscheduler_jobs WHERE id = 'hourly'")
    assert next_run > time.time() + 60  # the next one is in the future again, on the hour's grid
    assert scheduler.stop() == 0
    assert "hourly: kept (every 1h)" in scheduler.text()


def test_sigterm_mid_run_keeps_the_checks_so_far_and_a_consistent_database(
    web: Web, in_tmp: Path, scheduler: Scheduler
) -> None:
    fast = [web.sites["library.test"].url(p) for p in ("/live", "/missing", "/gone")]
    slow = web.sites["slow.test"].url("/sigterm")
    cite(in_tmp, *fast, slow)
    text = schedule_text(web, 'every = "1s"').replace("timeout = 5\n", "timeout = 60\n")
    write(in_tmp / "schedules", "nightly.toml", text)
    db = in_tmp / "lc.db"
    web.reset_counters()
    scheduler.start()
    wait_for(lambda: web.hits[("slow.test", "/sigterm")] >= 1, START, "the slow request")
    wait_for(lambda: all(web.hits[("library.test", p)] for p in ("/live", "/missing", "/gone")), START)
    # The fast answers reach the run's writer (their pages parsed in the content worker first).
    wait_for(lambda: query(db, "SELECT COUNT(*) FROM checks") == [(3,)], START, "the fast checks")

    started = time.monotonic()
    assert scheduler.stop() == 0
    assert time.monotonic() - started < 20  # not the 30 s the slow page takes
    assert integrity(db) == "ok"
    assert query(db, "SELECT status, links, checked FROM runs") == [("interrupted", 4, 3)]
    assert {u for (u,) in query(db, "SELECT url FROM checks")} == set(fast)
    assert query(db, "SELECT status, checked FROM schedule_runs") == [("interrupted", 3)]
    verdicts = dict(query(db, "SELECT url, verdict FROM links"))
    assert verdicts[slow] == "unchecked" and verdicts[fast[1]] == "dead"
    assert "Traceback" not in scheduler.text()
