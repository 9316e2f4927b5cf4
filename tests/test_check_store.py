"""Checks in the database: batched writes with verdicts, confirmation over days, due selection,
a killed run, and memory use on hostile bodies (in a subprocess, measured by ru_maxrss)."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from linkcheck import cli
from linkcheck.check.runner import CheckOptions, select_links
from linkcheck.check.verdict import judge_next as judge
from linkcheck.cli import app
from linkcheck.durations import parse_duration
from linkcheck.models import Citation, Outcome, Reason, Verdict
from linkcheck.store import Store
from tests.conftest import ROOT
from tests.web import Web, gzip_bomb, hostile_site, slowish_site

runner = CliRunner()
FMT = "%Y-%m-%dT%H:%M:%SZ"


def seed(store: Store, *urls: str) -> dict[str, int]:
    store.save_document("refs.txt", "text", "x", 1, [Citation(u, u, i, u) for i, u in enumerate(urls)])
    return {r["url"]: r["id"] for r in store.query("SELECT id, url FROM links")}


def outcome(url: str, reason: Reason, at: dt.datetime, status: int | None = None) -> Outcome:
    return Outcome(url=url, reason=reason, started_at=at.strftime(FMT), http_status=status)


def test_transient_failures_become_dead_after_three_checks_over_three_days(store: Store) -> None:
    ids = seed(store, "https://a.example.org/x")
    link = ids["https://a.example.org/x"]
    t0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
    got = []
    for day in (0, 1, 2, 3):
        run_id = store.start_run({})
        [j] = store.record_checks(
            run_id,
            [(link, outcome("https://a.example.org/x", Reason.TIMEOUT, t0 + dt.timedelta(days=day)))],
            judge,
        )
        got.append(j.verdict)
    assert got == [Verdict.FAILING, Verdict.FAILING, Verdict.FAILING, Verdict.DEAD]
    [row] = store.query(
        "SELECT verdict, reason, failures, first_failed, checks FROM links WHERE id = ?", [link]
    )
    assert row == {
        "verdict": "dead",
        "reason": "timeout",
        "failures": 4,
        "first_failed": "2026-03-01T02:00:00Z",
        "checks": 4,
    }
    # Every check is kept, each with the verdict it led to.
    assert [r["verdict"] for r in store.query("SELECT verdict FROM checks ORDER BY id")] == [
        "failing",
        "failing",
        "failing",
        "dead",
    ]
    # A success resets the count.
    store.record_checks(
        None, [(link, outcome("https://a.example.org/x", Reason.OK, t0 + dt.timedelta(days=4)))], judge
    )
    [row] = store.query("SELECT verdict, failures, first_failed FROM links WHERE id = ?", [link])
    assert row == {"verdict": "alive", "failures": 0, "first_failed": None}


def test_blocked_never_becomes_dead(store: Store) -> None:
    link = seed(store, "https://b.example.org/")["https://b.example.org/"]
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    batch = [
        (link, outcome("https://b.example.org/", Reason.FORBIDDEN, t0 + dt.timedelta(days=d)))
        for d in range(9)
    ]
    js = store.record_checks(None, batch, judge)
    assert {j.verdict for j in js} == {Verdict.BLOCKED}


def test_due_selection(store: Store) -> None:
    ids = seed(store, "https://n.example.org/never", "https://o.example.org/old", "https://r.example.org/recent",
               "https://f.example.org/failing", "not a url at all://")  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    ago = [("https://o.example.org/old", Reason.OK, dt.timedelta(days=8)),
           ("https://r.example.org/recent", Reason.OK, dt.timedelta(days=1)),
           ("https://f.example.org/failing", Reason.TIMEOUT, dt.timedelta(hours=25))]  # fmt: skip
    store.record_checks(None, [(ids[u], outcome(u, r, now - d)) for u, r, d in ago], judge)
    due = {link.url for link in select_links(store, CheckOptions())[0]}
    assert due == {
        "https://n.example.org/never",
        "https://o.example.org/old",
        "https://f.example.org/failing",
    }
    due = {link.url for link in select_links(store, CheckOptions(older_than=parse_duration("12h")))[0]}
    assert "https://r.example.org/recent" in due
    every = {link.url for link in select_links(store, CheckOptions(all=True))[0]}
    assert len(every) == 4  # the invalid one is never fetched
    picked, missing = select_links(
        store, CheckOptions(urls=("https://r.example.org/recent", "https://x.org/"))
    )
    assert [link.url for link in picked] == ["https://r.example.org/recent"] and missing == ["https://x.org/"]


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    gzip_bomb()  # before any server answers: a timed test must not wait for it
    w = Web()
    w.add_site("hostile.test", hostile_site)
    w.add_site("slowish.test", slowish_site)
    yield w
    w.close()


def test_run_seeds_then_checks_and_shows_progress_on_a_terminal(
    web: Web, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = [web.sites["slowish.test"].url(f"/r/{i}") for i in range(3)]
    (in_tmp / "refs.txt").write_text("\n\n".join(links) + "\n")
    screen = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=screen, force_terminal=True, width=100))
    result = runner.invoke(
        app, ["run", "refs.txt", "--allow-private", "--host-interval", "0", *web.resolve_args()]
    )
    assert result.exit_code == 0, result.output
    assert "Seeded 1 document" in result.stdout
    assert any(line.startswith("Checked 3 of 3 links") for line in result.stdout.splitlines())
    assert "checking" in screen.getvalue()


def test_a_run_needing_no_network_is_no_outage(in_tmp: Path) -> None:
    (in_tmp / "refs.txt").write_text(
        "See https://nowhere.invalid/a (accessed 1 May 2019).\n\nftp://x.example.org/f\n"
    )
    result = runner.invoke(app, ["run", "refs.txt"])
    assert result.exit_code == 0, result.output
    assert "Checked 2 of 2 links" in result.stdout and "1 skipped, 1 invalid" in result.stdout
    history = runner.invoke(app, ["history", "https://nowhere.invalid/a"], env={"COLUMNS": "100"})
    assert history.exit_code == 0
    # A reserved name (RFC 6761) is invalid at once: no resolver is asked, nothing to confirm.
    assert "invalid (reserved-name)" in history.stdout and "reserved-name" in history.stdout.splitlines()[2]


def maxrss_script(db: Path, args: list[str]) -> str:
    return (
        "import resource, sys\n"
        "from linkcheck.cli import app\n"
        f"sys.argv = ['linkcheck', '--db', {str(db)!r}, 'check', *{args!r}]\n"
        "try:\n    app()\nexcept SystemExit as e:\n    code = e.code\n"
        "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, code, file=sys.stderr)\n"
    )


@pytest.mark.slow
def test_a_200_mb_page_and_a_gzip_bomb_keep_memory_small(web: Web, tmp_path: Path) -> None:
    links = [web.sites["hostile.test"].url("/huge"), web.sites["hostile.test"].url("/bomb")]
    (tmp_path / "refs.txt").write_text("\n\n".join(links) + "\n")
    db = tmp_path / "m.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(tmp_path / "refs.txt")]).exit_code == 0
    args = ["--allow-private", "--timeout", "20", *web.resolve_args()]
    proc = subprocess.run(
        [sys.executable, "-c", maxrss_script(db, args)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    line = [x for x in proc.stderr.splitlines() if x.startswith("MAXRSS")][-1]
    _, kb, code = line.split()
    assert code in ("0", "None"), proc.stderr
    assert int(kb) < 200 * 1024, f"max RSS {int(kb) // 1024} MB"
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT links.verdict, body_bytes, truncated FROM links JOIN checks ON links.id = link_id"
    ).fetchall()
    conn.close()
    assert rows == [("alive", 2 * 1024 * 1024, 1)] * 2


@pytest.mark.slow
def test_a_killed_run_leaves_a_consistent_database_and_the_next_run_carries_on(
    web: Web, tmp_path: Path
) -> None:
    links = [web.sites["slowish.test"].url(f"/k/{i}") for i in range(40)]
    (tmp_path / "refs.txt").write_text("\n\n".join(links) + "\n")
    db = tmp_path / "k.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(tmp_path / "refs.txt")]).exit_code == 0
    args = ["--allow-private", "--per-host", "1", "--host-interval", "0", *web.resolve_args()]
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkcheck", "--db", str(db), "check", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Killed once some batches are written and others are in flight (polled: a loaded machine
    # may take seconds to start the process).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        probe = sqlite3.connect(db, timeout=30)
        written = probe.execute("SELECT COUNT(*) FROM checks").fetchone()[0]
        probe.close()
        if written >= 5:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    checked = conn.execute("SELECT COUNT(*) FROM links WHERE last_checked IS NOT NULL").fetchone()[0]
    # Link state and checks agree: every checked link has exactly its one check, nothing half-written.
    assert conn.execute("SELECT COUNT(*) FROM checks").fetchone()[0] == checked
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM links l JOIN checks c ON c.id = l.last_check_id WHERE l.verdict = c.verdict"
        ).fetchone()[0]
        == checked
    )
    conn.close()
    assert 0 < checked < 40
    args[args.index("1")] = "4"
    result = runner.invoke(app, ["--db", str(db), "check", *args])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Checked {40 - checked} of {40 - checked} links")


def test_link_states_read_many_links_at_once(store: Store) -> None:
    from linkcheck.store.drift import link_states

    store.save_document(
        "a.txt",
        "text",
        "h",
        1,
        [
            Citation("http://a.org/1", "http://a.org/1", 1, "A", dt.date(2019, 5, 1), "Title A"),
            Citation("http://a.org/1", "http://a.org/1", 2, "A again", None),
            Citation("http://b.org/2", "http://b.org/2", 3, "B", None),
            Citation("http://c.org/3", "http://c.org/3", 4, "C", None),
        ],
    )
    ids = {r["url"]: r["id"] for r in store.query("SELECT id, url FROM links")}
    a, b, c = ids["http://a.org/1"], ids["http://b.org/2"], ids["http://c.org/3"]
    rows = [  # (link, started_at, text_sha256): a has three fingerprinted checks, b one, c none
        (a, "2026-01-01T00:00:00Z", "t1"),
        (a, "2026-01-03T00:00:00Z", "t3"),
        (a, "2026-01-02T00:00:00Z", "t2"),
        (a, "2026-01-04T00:00:00Z", None),
        (b, "2026-01-01T00:00:00Z", "u1"),
        (c, "2026-01-01T00:00:00Z", None),
    ]
    store.db.conn.executemany(
        "INSERT INTO checks (link_id, url, started_at, reason, verdict, text_sha256) "
        "VALUES (?, 'u', ?, 'ok', 'alive', ?)",
        rows,
    )
    states = link_states(store, [a, b, c], None)
    assert [(f.accessed, f.title) for f in states[a].citations] == [
        (dt.date(2019, 5, 1), "Title A"),
        (None, None),
    ]
    assert states[a].first.text_sha256 == "t1" and states[a].latest.text_sha256 == "t3"  # type: ignore[union-attr]
    assert states[b].first == states[b].latest and states[b].first.text_sha256 == "u1"  # type: ignore[union-attr]
    assert states[c].first is None and states[c].latest is None and len(states[c].citations) == 1
