"""Schedules without a scheduler process: files, the job function, the job store, the lock, the CLI.

The job function (:func:`linkcheck.schedule.run_job`) runs here directly against the loopback
test web, with a webhook receiver and a fake SMTP server; the scheduler as a process is tested
in ``test_schedule_run.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from typer.testing import CliRunner

from linkcheck.check.runner import check_options
from linkcheck.cli import _check_options, app
from linkcheck.models import DateOrder
from linkcheck.pipeline import match_documents
from linkcheck.report import Format
from linkcheck.schedule import ScheduleError, load_schedule, load_schedules, run_job
from linkcheck.schedule import config as schedule_config
from linkcheck.schedule.config import crontab_weekdays, parse_every
from linkcheck.schedule.scheduler import SchedulerBusy, job_store, reconcile, scheduler_lock
from linkcheck.seed import seed
from linkcheck.store import Store
from tests.conftest import ROOT
from tests.web import Reply, Request, Web, honest_site, html, words

runner = CliRunner()

# -- shared with test_schedule_run.py -------------------------------------------------------


def slow_site(req: Request, web: Web) -> Reply:
    """A page that answers after 30 s: a run checking it is mid-run for as long as a test needs."""
    reply = html("Slow " + req.path, "<p>" + words(req.path, 100) + "</p>")
    reply.delay = 30.0
    return reply


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    w = Web()
    w.add_site("library.test", honest_site)
    w.add_site("slow.test", slow_site)
    w.closed_site("closed.test")
    yield w
    w.close()


class Receiver:
    """A webhook receiver on loopback: keeps every JSON body POSTed to it."""

    def __init__(self, status: int = 204) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # quiet in test output
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/linkcheck"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def resolve_list(web: Web) -> list[str]:
    """The test web's names as ``[check] resolve`` takes them."""
    return [f"{s.name}:{s.port}:{s.address}" for s in web.sites.values()]


def schedule_text(web: Web, trigger: str = 'every = "1h"', extra: str = "", check: str = "") -> str:
    """A schedule checking refs.txt against the test web, with the archive off."""
    return (
        f"{trigger}\n"
        'paths = ["refs.txt"]\n'
        f"{extra}\n"
        "[check]\n"
        "all = true\n"  # every run checks every link (older_than = "0" skips one checked this second)
        "allow_private = true\n"
        "no_archive = true\n"
        "timeout = 5\n"
        "retries = 0\n"
        "host_interval = 0\n"
        f"resolve = {json.dumps(resolve_list(web))}\n"
        f"{check}\n"
    )


def cite(folder: Path, *urls: str, name: str = "refs.txt") -> Path:
    """A document citing ``urls``, each with an accessed-on date."""
    doc = folder / name
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text("\n\n".join(f"Available at: {u} (accessed on 8 September 2017)." for u in urls) + "\n")
    return doc


def query(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll ``condition`` until it is true (returned) or ``timeout`` seconds pass (fail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# -- schedule files ------------------------------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_the_bundled_schedule_loads_and_shows_every_key() -> None:
    (config,) = load_schedules(ROOT / "schedules")
    assert config.name == "nightly" and config.cron == "0 2 * * *" and config.every is None
    assert config.paths == ("reading-lists/",)
    assert [r.format for r in config.reports] == [Format.HTML, Format.JSON]
    assert config.check.fetch.per_host == 2 and config.check.archive_url == "https://archive.org"
    text = (ROOT / "schedules" / "nightly.toml").read_text()
    keys = {
        *schedule_config.TOP_KEYS, *schedule_config.SEED_KEYS, *schedule_config.SCHEDULE_CHECK_KEYS,
        *schedule_config.REPORT_KEYS, *schedule_config.NOTIFY_KEYS, *schedule_config.EMAIL_KEYS,
    }  # fmt: skip
    for key in keys - {"seed", "check", "report", "notify", "email"}:
        assert f"{key} = " in text, f"schedules/nightly.toml does not show {key}"
    for table in ("[seed]", "[check]", "[[report]]", "[notify]", "[notify.email]"):
        assert table in text


def test_a_full_schedule_is_read_into_options(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "weekly.toml",
        'name = "weekly-theses"\ncron = "30 3 * * 1-5"\ntimezone = "Europe/London"\n'
        'paths = ["theses/"]\ndocuments = ["theses/*.bib"]\n'
        '[seed]\ndate_order = "mdy"\ninclude_dois = true\nmax_size = 1000\n'
        '[check]\nper_host = 1\ntimeout = 7\nolder_than = "2w"\nresolve = ["a.test:80:127.0.0.2"]\n'
        'no_archive = true\nuser_agent = "me"\n'
        '[[report]]\nformat = "csv"\noutput = "r.csv"\nonly = ["dead", "moved"]\n'
        '[notify]\nwebhook = "https://example.org/hook"\n'
        '[notify.email]\nhost = "smtp.example.org"\nfrom = "lc@example.org"\nto = ["ed@example.org"]\n'
        'starttls = true\nusername = "lc"\npassword_env = "SMTP_PW"\n',
    )
    config = load_schedule(path)
    assert config.name == "weekly-theses" and config.trigger_text == "cron 30 3 * * 1-5 (Europe/London)"
    assert config.documents == ("theses/*.bib",) and config.max_size == 1000
    assert config.extract.date_order is DateOrder.MDY and config.extract.include_dois
    assert config.check.fetch.per_host == 1 and config.check.fetch.timeout == 7.0
    assert config.check.older_than == dt.timedelta(days=14) and config.check.archive_url is None
    assert [str(a) for a in config.check.resolve[0].addresses] == ["127.0.0.2"]
    assert config.reports[0].only == {"dead", "moved"}
    assert config.notify is not None and config.notify.email is not None
    assert config.notify.email.port == 587 and config.notify.email.password_env == "SMTP_PW"


def test_check_options_mean_what_the_same_command_line_options_mean(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.toml",
        'every = "6h"\n[check]\nconcurrency = 8\nper_host = 1\nhost_interval = 0.5\ntimeout = 3\n'
        'retries = 1\nolder_than = "12h"\nallow_private = true\nresolve = ["a.test:*:127.0.0.2"]\n'
        'archive_url = "http://archive.test"\nuser_agent = "ua"\narchive_timeout = 4\n',
    )
    from_cli = _check_options(
        {"older_than": "12h", "concurrency": 8, "per_host": 1, "host_interval": 0.5, "timeout": 3.0,
         "retries": 1, "allow_private": True, "resolve": ["a.test:*:127.0.0.2"], "user_agent": "ua",
         "archive_url": "http://archive.test", "archive_timeout": 4.0}
    )  # fmt: skip
    assert load_schedule(path).check == from_cli
    assert check_options({"no_archive": True}).archive_url is None


BAD = [
    ('every = "1h"\ncron_job = "x"\n', "cron_job", "unknown key (did you mean 'cron'?)"),
    ('every = "1h"\n[check]\ntimeot = 3\n', "check.timeot", "did you mean 'timeout'"),
    ('every = "1h"\n[check]\ndocument = ["a"]\n', "check.document", "top-level key documents"),
    ('every = "1h"\n[check]\nper_host = "2"\n', "check.per_host", "expected a whole number"),
    ('every = "1h"\n[check]\nconcurrency = 0\n', "check.concurrency", "at least 1"),
    ('every = "1h"\n[check]\nolder_than = "soon"\n', "check.older_than", "not a duration"),
    ('every = "1h"\n[check]\nresolve = ["nonsense"]\n', "check.resolve", "HOST:PORT:ADDR"),
    ('cron = "0 2 * *"\n', "cron", "has 4 fields"),
    ('cron = "61 2 * * *"\n', "cron", "not a valid cron expression"),
    ('cron = "0 2 * * 1-9"\n', "cron", "not a valid cron expression"),
    ('every = "6x"\n', "every", "not an interval"),
    ('every = 6\n', "every", "expected an interval"),
    ('every = "0s"\n', "every", "too short: at least 1 minute"),
    ('every = "0.0001s"\n', "every", "too short: at least 1 minute"),
    ('every = "59s"\n', "every", "too short: at least 1 minute"),
    ('every = "1000000000d"\n', "every", "too long: at most a year"),
    ('every = "366d"\n', "every", "too long: at most a year"),
    ('cron = "0 2 * * *"\nevery = "1h"\n', "cron", "either cron or every, not both"),
    ('paths = ["a/"]\n', "cron", "no trigger"),
    ('every = "1h"\npaths = "a/"\n', "paths", "expected a list of strings"),
    ('every = "1h"\ntimezone = "Mars/Olympus"\n', "timezone", "not a known time zone"),
    ('every = "1h"\n[[report]]\nformat = "pdf"\noutput = "r.pdf"\n', "report[1].format", "'pdf' is not"),
    ('every = "1h"\n[[report]]\nformat = "json"\n', "report[1].output", "missing"),
    ('every = "1h"\n[notify]\nwebhook = "ftp://x/y"\n', "notify.webhook", "not an http or https URL"),
    ('every = "1h"\n[notify.email]\nhost = "h"\nfrom = "a@b"\nto = ["c@d"]\npassword = "pw"\n',
     "notify.email.password", "never holds a password"),
    ('every = "1h"\n[notify.email]\nhost = "h"\nfrom = "a@b"\nto = ["c@d"]\npassword_env = "PW"\n',
     "notify.email.username", "password_env needs a username"),
    ('every = "1h"\n[seed]\ndate_order = "dym"\n', "seed.date_order", "is not"),
    ('every = "1h"\nprune = "a year"\n', "prune", "not a duration"),
    ('every = "1h"\nprune = 90\n', "prune", "expected a period"),
    ("every = \n", None, "not valid TOML"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key", "message"), BAD)
def test_a_bad_file_is_named_with_its_key_and_what_is_wrong(
    tmp_path: Path, text: str, key: str | None, message: str
) -> None:
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(ScheduleError) as caught:
        load_schedule(path)
    (line,) = caught.value.problems
    prefix = f"{path}: {key}: " if key else f"{path}: "
    assert line.startswith(prefix) and message in line, line


def test_every_problem_of_every_file_is_listed(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", 'crn = "0 2 * * *"\n[check]\ntimeout = "x"\n')
    write(tmp_path, "b.toml", 'every = "1h"\n')
    write(tmp_path, "c.toml", 'name = "b"\nevery = "2h"\n')
    with pytest.raises(ScheduleError) as caught:
        load_schedules(tmp_path)
    problems = caught.value.problems
    assert any(p.startswith(f"{tmp_path / 'a.toml'}: crn: unknown key") for p in problems)
    assert any(p.startswith(f"{tmp_path / 'a.toml'}: cron: no trigger") for p in problems)
    assert any(p.startswith(f"{tmp_path / 'a.toml'}: check.timeout: expected a number") for p in problems)
    assert any(p.startswith(f"{tmp_path / 'c.toml'}: name: 'b' is already the name of") for p in problems)
    assert len(problems) == 4


@pytest.mark.parametrize("command", [["schedule", "run"], ["schedule", "list"]])
def test_a_bad_file_stops_the_command_before_anything_starts(in_tmp: Path, command: list[str]) -> None:
    write(in_tmp / "schedules", "nightly.toml", 'cron = "0 2 * * *"\nevery = "1h"\n[check]\nper_hots = 1\n')
    result = runner.invoke(app, [*command])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "linkcheck: schedules/nightly.toml: cron: give either cron or every, not both",
        "linkcheck: schedules/nightly.toml: check.per_hots: unknown key (did you mean 'per_host'?)",
    ]
    assert not (in_tmp / "linkcheck.db").exists() and not (in_tmp / "linkcheck.db.schedule.lock").exists()


def test_no_schedules_is_an_error(in_tmp: Path) -> None:
    result = runner.invoke(app, ["schedule", "run", "--schedules", "nowhere"])
    assert result.exit_code == 2 and "nowhere: no such folder" in result.stderr
    (in_tmp / "empty").mkdir()
    result = runner.invoke(app, ["schedule", "list", "--schedules", "empty"])
    assert result.exit_code == 2 and "no schedule files" in result.stderr


# -- triggers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("*", "*"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("mon-fri", "mon,tue,wed,thu,fri"),
        ("5-7", "sun,fri,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("1,3,SAT", "mon,wed,sat"),
    ],
)
def test_cron_weekdays_are_read_as_crontab_reads_them(field: str, names: str) -> None:
    assert crontab_weekdays(field) == names


def test_a_weekday_cron_fires_on_weekdays_only(tmp_path: Path) -> None:
    config = load_schedule(write(tmp_path, "w.toml", 'cron = "0 2 * * 1-5"\ntimezone = "UTC"\n'))
    trigger = config.trigger()
    moment = dt.datetime(2026, 3, 6, 12, tzinfo=dt.UTC)  # a Friday
    fires = []
    for _ in range(5):
        moment = trigger.get_next_fire_time(None, moment + dt.timedelta(seconds=1))
        fires.append(moment.strftime("%a %H:%M"))
    assert fires == ["Mon 02:00", "Tue 02:00", "Wed 02:00", "Thu 02:00", "Fri 02:00"]


def test_intervals() -> None:
    assert parse_every("6h") == dt.timedelta(hours=6)
    assert parse_every("1.5d") == dt.timedelta(hours=36)
    assert parse_every(" 30m ") == dt.timedelta(minutes=30)
    # The units of every other duration (one parser): `every = "2w"` was refused while
    # `older_than = "2w"` was taken.
    assert parse_every("2w") == dt.timedelta(weeks=2)
    with pytest.raises(ValueError, match="not an interval"):
        parse_every("2y")


# -- the job store and the lock -------------------------------------------------------------


def test_reconcile_keeps_unchanged_jobs_with_their_past_run_time(tmp_path: Path) -> None:
    db = str(tmp_path / "lc.db")
    Store.open(db).close()
    hourly = load_schedule(write(tmp_path / "a", "job.toml", 'every = "1h"\n'))
    two_hourly = load_schedule(write(tmp_path / "b", "job.toml", 'every = "2h"\n'))
    scheduler = BackgroundScheduler(jobstores={"default": job_store(db)})
    scheduler.start(paused=True)
    try:
        assert reconcile(scheduler, [hourly]) == ["job: added (every 1h)"]
        past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2, minutes=30)
        scheduler.modify_job("job", next_run_time=past)
        assert reconcile(scheduler, [hourly]) == ["job: kept (every 1h)"]
        job = scheduler.get_job("job")
        assert job.next_run_time == past and job.coalesce and job.max_instances == 1
        assert job.misfire_grace_time is None
        assert reconcile(scheduler, [two_hourly]) == ["job: rescheduled (every 2h)"]
        assert scheduler.get_job("job").next_run_time > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=110)
        assert reconcile(scheduler, []) == ["job: removed (no schedule file names it any more)"]
        assert scheduler.get_jobs() == []
    finally:
        scheduler.shutdown()


def test_the_lock_refuses_a_second_holder_and_dies_with_the_first(tmp_path: Path) -> None:
    db = str(tmp_path / "lc.db")
    with scheduler_lock(db), pytest.raises(SchedulerBusy, match=f"process {os.getpid()}"), scheduler_lock(db):
        pass
    with scheduler_lock(db):  # released when its holder let go
        pass


# -- the job function ----------------------------------------------------------------------


def test_run_job_checks_writes_reports_and_posts_the_digest(
    web: Web, receiver: Receiver, in_tmp: Path
) -> None:
    site = web.sites["library.test"]
    live, missing, moved = site.url("/live"), site.url("/missing"), site.url("/old-article")
    cite(in_tmp, live, missing, moved)
    extra = (
        '[[report]]\nformat = "json"\noutput = "out/links.json"\n'
        '[[report]]\nformat = "markdown"\noutput = "out/dead.md"\nonly = ["dead"]\n'
        f'[notify]\nwebhook = "{receiver.url}"\n'
    )
    path = write(in_tmp / "schedules", "nightly.toml", schedule_text(web) + extra)
    config = load_schedule(path)

    result = run_job(config, "lc.db")
    assert result.status == "done" and result.errors == [] and result.warnings == []
    assert result.check is not None and result.check.recorded == 3
    assert {link["url"]: link["verdict"] for link in result.new} == {missing: "dead", moved: "moved"}
    assert {link["change"] for link in result.new} == {"newly-dead", "newly-moved"}
    assert all(link["previous_verdict"] == "unchecked" for link in result.new)
    assert result.reports == ["out/links.json", "out/dead.md"] and result.notified == ["webhook"]
    report = json.loads((in_tmp / "out" / "links.json").read_text())
    assert report["totals"] == {"links": 3, "citations": 3, "dead": 1, "moved": 1, "alive": 1}
    assert missing in (in_tmp / "out" / "dead.md").read_text()
    assert live not in (in_tmp / "out" / "dead.md").read_text()

    (body,) = receiver.bodies
    assert body["schedule"] == "nightly" and body["totals"] == report["totals"]
    assert body["run_id"] == result.run_id
    assert {link["url"] for link in body["new"]} == {missing, moved}
    dead = next(link for link in body["new"] if link["url"] == missing)
    expected = next(link for link in report["links"] if link["url"] == missing)
    assert {k: v for k, v in dead.items() if k not in ("previous_verdict", "change")} == expected
    assert dead["citations"][0]["document"] == "refs.txt"

    # Checked again: still dead and moved, so nothing is new and nobody is told again.
    again = run_job(config, "lc.db")
    assert again.status == "done" and again.check is not None and again.check.recorded == 3
    assert again.new == [] and len(receiver.bodies) == 1
    rows = query(
        in_tmp / "lc.db", "SELECT schedule, status, run_id, checked, new FROM schedule_runs ORDER BY id"
    )
    assert rows == [("nightly", "done", result.run_id, 3, 2), ("nightly", "done", again.run_id, 3, 0)]


def test_a_schedule_with_prune_deletes_old_checks_after_its_run(web: Web, in_tmp: Path) -> None:
    site = web.sites["library.test"]
    live, missing = site.url("/live"), site.url("/missing")
    cite(in_tmp, live, missing)
    path = write(in_tmp / "schedules", "nightly.toml", schedule_text(web, extra='prune = "0s"'))
    config = load_schedule(path)
    assert config.prune == dt.timedelta(0)
    first, second = run_job(config, "lc.db"), run_job(config, "lc.db")
    # As if they were yesterday's (checks of this very second are not older than "0s").
    with sqlite3.connect(in_tmp / "lc.db") as conn:
        conn.execute("UPDATE checks SET started_at = strftime('%Y-%m-%dT%H:%M:%SZ', started_at, '-1 day')")
    conn.close()
    third = run_job(config, "lc.db")
    # Two checks a link are its first and its last: both kept. The third run makes the second
    # of each link a check that says nothing new (same verdict, neither first nor last): deleted.
    assert (first.pruned, second.pruned, third.pruned) == (0, 0, 2)
    assert "pruned 2 old checks" in third.summary_line()
    assert query(in_tmp / "lc.db", "SELECT COUNT(*) FROM checks")[0][0] == 4
    assert query(in_tmp / "lc.db", "SELECT verdict FROM links ORDER BY url") == [("alive",), ("dead",)]


def test_a_webhook_that_fails_is_logged_and_the_run_still_succeeds(
    web: Web, in_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    refused = Receiver(status=500)
    try:
        cite(in_tmp, web.sites["library.test"].url("/gone"))
        text = schedule_text(web) + f'[notify]\nwebhook = "{refused.url}"\n'
        result = run_job(load_schedule(write(in_tmp, "s.toml", text)), "lc.db")
    finally:
        refused.close()
    # The news is kept for the next runs; this one is partial, and says why.
    assert result.status == "partial" and len(result.new) == 1 and result.notified == []
    [warning] = result.warnings
    assert warning.startswith("webhook: answered HTTP 500 (kept; tried again on the next runs until ")
    assert len(refused.bodies) == 1
    assert any("webhook" in r.getMessage() and "HTTP 500" in r.getMessage() for r in caplog.records)


def travel(db: Path, days: float) -> None:
    """Let ``days`` pass for the database: recorded times (checks, the outbox) move into the past."""
    shift = f"-{int(days * 86400)} seconds"
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE checks SET started_at = strftime('%Y-%m-%dT%H:%M:%SZ', started_at, ?)", [shift])
        conn.execute(
            "UPDATE links SET last_checked = strftime('%Y-%m-%dT%H:%M:%SZ', last_checked, ?)", [shift]
        )
        for col in ("created_at", "expires_at", "next_attempt_at"):
            conn.execute(f"UPDATE outbox SET {col} = strftime('%Y-%m-%dT%H:%M:%SZ', {col}, ?)", [shift])
    conn.close()


def test_news_survives_a_receiver_down_for_two_runs_and_arrives_once_marked_late(
    web: Web, in_tmp: Path
) -> None:
    receiver = Receiver(status=503)
    try:
        site = web.sites["library.test"]
        missing, dies = site.url("/missing"), site.url(f"/dies-later/{os.getpid()}-{time.time_ns()}")
        cite(in_tmp, site.url("/live"), missing, dies)
        text = schedule_text(web) + '[[report]]\nformat = "json"\noutput = "out/links.json"\n'
        text += f'[notify]\nwebhook = "{receiver.url}"\n'
        config = load_schedule(write(in_tmp / "schedules", "daily.toml", text))

        first = run_job(config, "lc.db")  # /missing newly dead; the receiver is down
        assert [link["url"] for link in first.new] == [missing] and first.status == "partial"
        listed = runner.invoke(app, ["--db", "lc.db", "schedule", "list"])
        assert (
            "(partial: webhook: answered HTTP 503 (kept; tried again on the next runs until" in listed.stdout
        )
        travel(in_tmp / "lc.db", 1)
        second = run_job(config, "lc.db")  # /dies-later newly dead; still down
        assert [link["url"] for link in second.new] == [dies] and second.status == "partial"
        assert len(second.warnings) == 2  # this run's news and the first run's, both kept
        travel(in_tmp / "lc.db", 1)
        failed = len(receiver.bodies)
        assert failed == 3  # one try of the first news per run, one of the second's
        receiver.status = 204
        third = run_job(config, "lc.db")
        assert third.new == [] and third.status == "done", third.warnings
        assert third.notified == ["webhook (late by 2 days)", "webhook (late by 1 day)"]
        delivered = receiver.bodies[failed:]
        assert [[link["url"] for link in body["new"]] for body in delivered] == [[missing], [dies]]
        assert [(b["late"], b["late_by"], b["delivery_attempts"]) for b in delivered] == [
            (True, "2 days", 3), (True, "1 day", 2)
        ]  # fmt: skip
        assert delivered[0]["reports"] == [str(in_tmp / "out" / "links.json")]  # by absolute path
        listed = runner.invoke(app, ["--db", "lc.db", "schedule", "list"])
        assert "(done)" in listed.stdout

        travel(in_tmp / "lc.db", 1)
        fourth = run_job(config, "lc.db")
        assert fourth.new == [] and fourth.notified == [] and len(receiver.bodies) == failed + 2
    finally:
        receiver.close()
    states = query(in_tmp / "lc.db", "SELECT status, attempts FROM outbox ORDER BY id")
    assert states == [("delivered", 3), ("delivered", 2)]


def test_a_report_that_cannot_be_written_makes_the_run_partial_and_says_why(web: Web, in_tmp: Path) -> None:
    cite(in_tmp, web.sites["library.test"].url("/live"))
    (in_tmp / "blocker").write_text("a file where the report's folder should be\n")
    text = schedule_text(web) + '[[report]]\nformat = "html"\noutput = "blocker/latest.html"\n'
    write(in_tmp / "schedules", "nightly.toml", text)
    result = run_job(load_schedule(in_tmp / "schedules" / "nightly.toml"), "lc.db")
    assert result.status == "partial" and result.reports == []
    [error] = result.errors
    assert error.startswith("cannot write report blocker/latest.html: ")
    listed = runner.invoke(app, ["--db", "lc.db", "schedule", "list"])
    assert f"(partial: {error})" in listed.stdout


@pytest.mark.parametrize("fmt", ["slack", "teams"])
def test_webhook_payloads_for_slack_and_teams_name_reports_by_public_url(
    web: Web, receiver: Receiver, in_tmp: Path, fmt: str
) -> None:
    missing = web.sites["library.test"].url("/missing")
    cite(in_tmp, missing)
    text = schedule_text(web) + '[[report]]\nformat = "html"\noutput = "out/links.html"\n'
    text += f'[notify]\nwebhook = "{receiver.url}"\nformat = "{fmt}"\n'
    text += 'report_base_url = "https://intranet.example.org/linkcheck/"\n'
    result = run_job(load_schedule(write(in_tmp, "chat.toml", text)), "lc.db")
    assert result.status == "done" and result.notified == ["webhook"]
    (body,) = receiver.bodies
    if fmt == "slack":
        assert body["text"] == "linkcheck chat: 1 link newly dead, changed or moved"
        shown = body["blocks"][1]["text"]["text"]
    else:
        assert body["type"] == "message"
        [card] = body["attachments"]
        assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert card["content"]["type"] == "AdaptiveCard"
        shown = "\n".join(block["text"] for block in card["content"]["body"])
    assert f"DEAD: {missing} (not-found, HTTP 404)" in shown
    assert "Reports: https://intranet.example.org/linkcheck/out/links.html" in shown


class FakeSMTP:
    """Stands in for smtplib.SMTP: records what would be sent."""

    sent: ClassVar[list[tuple[str, int, bool, tuple[str, str] | None, Any]]] = []

    def __init__(self, host: str = "", port: int = 0, timeout: float = 30.0) -> None:
        self.host, self.port, self.tls, self.login_as = host, port, False, None

    def connect(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def starttls(self, context: object) -> None:
        self.tls = True

    def login(self, user: str, password: str) -> None:
        self.login_as = (user, password)

    def send_message(self, message: Any) -> None:
        FakeSMTP.sent.append((self.host, self.port, self.tls, self.login_as, message))


def test_new_links_are_mailed_with_the_password_from_the_environment(
    web: Web, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    missing = web.sites["library.test"].url("/missing")
    cite(in_tmp, missing)
    email = (
        '[notify.email]\nhost = "smtp.example.org"\nfrom = "linkcheck@example.org"\n'
        'to = ["editor@example.org", "librarian@example.org"]\nstarttls = true\n'
        'username = "lc"\npassword_env = "LC_TEST_SMTP_PASSWORD"\n'
    )
    config = load_schedule(write(in_tmp, "mail.toml", schedule_text(web) + email))

    monkeypatch.delenv("LC_TEST_SMTP_PASSWORD", raising=False)
    result = run_job(config, "lc.db")
    assert FakeSMTP.sent == [] and result.notified == []
    [warning] = result.warnings
    assert warning.startswith(
        "email: the environment variable LC_TEST_SMTP_PASSWORD (password_env) is not set"
    )

    # The news was kept: the next run (its attempt due again) mails it, marked late.
    query_db = sqlite3.connect(in_tmp / "lc.db")
    with query_db:
        query_db.execute("UPDATE outbox SET next_attempt_at = created_at")
    query_db.close()
    monkeypatch.setenv("LC_TEST_SMTP_PASSWORD", "s3cret")
    result = run_job(config, "lc.db")
    assert result.new == [] and result.notified == ["email (late by less than a minute)"]
    ((host, port, tls, login, message),) = FakeSMTP.sent
    assert (host, port, tls, login) == ("smtp.example.org", 587, True, ("lc", "s3cret"))
    assert message["To"] == "editor@example.org, librarian@example.org"
    assert message["Subject"] == "linkcheck mail: 1 link newly dead, changed or moved"
    body = message.get_content()
    assert body.startswith("This message is late by less than a minute: found on ")
    assert f"DEAD: {missing}" in body and "cited in refs.txt:1 (accessed 2017-09-08)" in body


def test_stop_ends_a_run_early_keeping_its_checks(web: Web, receiver: Receiver, in_tmp: Path) -> None:
    fast = [web.sites["library.test"].url(p) for p in ("/live", "/missing", "/gone")]
    slow = web.sites["slow.test"].url("/page")
    cite(in_tmp, *fast, slow)
    text = schedule_text(web, check="timeout = 60") + f'[notify]\nwebhook = "{receiver.url}"\n'
    text = text.replace("timeout = 5\n", "")
    text += '[[report]]\nformat = "json"\noutput = "out/r.json"\n'
    config = load_schedule(write(in_tmp, "s.toml", text))
    stop = threading.Event()

    def stop_when_mid_run() -> None:
        wait_for(lambda: web.hits[("slow.test", "/page")] >= 1, what="the slow request")
        wait_for(lambda: all(web.hits[("library.test", p)] for p in ("/live", "/missing", "/gone")))
        # The fast answers reach the run's writer (the live page's text is extracted first: on a
        # loaded machine that takes seconds).
        wait_for(lambda: query(in_tmp / "lc.db", "SELECT COUNT(*) FROM checks") == [(3,)], what="3 checks")
        stop.set()

    web.reset_counters()
    stopper = threading.Thread(target=stop_when_mid_run)
    stopper.start()
    started = time.monotonic()
    result = run_job(config, "lc.db", stop)
    stopper.join()
    assert time.monotonic() - started < 15  # not the 30 s the slow page takes
    assert result.status == "interrupted" and result.check is not None and result.check.interrupted
    assert result.check.recorded == 3 and result.reports == [] and receiver.bodies == []
    db = in_tmp / "lc.db"
    assert query(db, "SELECT status, checked FROM runs") == [("interrupted", 3)]
    assert {u for (u,) in query(db, "SELECT url FROM checks")} == set(fast)
    assert query(db, "SELECT status FROM schedule_runs") == [("interrupted",)]
    assert not (in_tmp / "out").exists()


def test_documents_select_what_is_checked(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cite(tmp_path, "http://a.example.org/1", name="lists/a.md")
    cite(tmp_path, "http://b.example.org/2", name="lists/sub/b.md")
    cite(tmp_path, "http://c.example.org/3", name="theses/c.txt")
    seed(store, ["lists", "theses"])
    assert match_documents(store, ("lists/*.md",)) == (["lists/a.md", "lists/sub/b.md"], [])
    assert match_documents(store, ("./theses", "lists/a.md")) == (["theses/c.txt", "lists/a.md"], [])
    assert match_documents(store, ("nothing/*.txt", "theses/c.txt")) == (["theses/c.txt"], ["nothing/*.txt"])


def test_documents_matching_nothing_check_nothing(web: Web, in_tmp: Path) -> None:
    cite(in_tmp, web.sites["library.test"].url("/live"))
    text = schedule_text(web, extra='documents = ["elsewhere/*.md"]')
    result = run_job(load_schedule(write(in_tmp, "s.toml", text)), "lc.db")
    assert result.check is None and result.errors == ["documents: 'elsewhere/*.md' names no seeded document"]
    assert query(in_tmp / "lc.db", "SELECT COUNT(*) FROM checks") == [(0,)]


# -- the command line ----------------------------------------------------------------------


def test_run_once_runs_one_schedule_and_exits(web: Web, in_tmp: Path) -> None:
    cite(in_tmp, web.sites["library.test"].url("/live"))
    write(in_tmp / "schedules", "nightly.toml", schedule_text(web, extra=""))
    write(in_tmp / "schedules", "other.toml", 'every = "1h"\npaths = ["missing-folder/"]\n')
    result = runner.invoke(app, ["schedule", "run", "--once", "nightly"])
    assert result.exit_code == 0, result.stderr
    assert "nightly: started (every 1h)" in result.stderr
    assert "nightly: done in" in result.stderr and "1 alive" in result.stderr
    assert query(in_tmp / "linkcheck.db", "SELECT schedule, status FROM schedule_runs") == [
        ("nightly", "done")
    ]

    listed = runner.invoke(app, ["schedule", "list"])
    assert listed.exit_code == 0
    nightly, other = listed.stdout.strip().splitlines()
    assert nightly.startswith("nightly: every 1h; next run ") and "(not yet scheduled)" in nightly
    assert "latest run" in nightly and "(done); schedules/nightly.toml" in nightly
    assert other.startswith("other: every 1h;") and "never run" in other

    # A bad input is exit 2, as for check: the folder to seed is missing.
    result = runner.invoke(app, ["schedule", "run", "--once", "other"])
    assert result.exit_code == 2 and "missing-folder/: no such file or folder" in result.stderr
    result = runner.invoke(app, ["schedule", "run", "--once", "weekly"])
    assert result.exit_code == 2
    assert "--once weekly: no such schedule in schedules (there are: nightly, other)" in result.stderr


def test_run_once_exits_3_when_the_network_is_down(web: Web, in_tmp: Path) -> None:
    cite(in_tmp, web.sites["closed.test"].url("/page"))
    write(in_tmp / "schedules", "nightly.toml", schedule_text(web))
    result = runner.invoke(app, ["schedule", "run", "--once", "nightly"])
    assert result.exit_code == 3 and "network seems unavailable" in result.stderr
    assert query(in_tmp / "linkcheck.db", "SELECT status FROM schedule_runs") == [("outage",)]
