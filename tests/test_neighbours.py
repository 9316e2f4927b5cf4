"""Neighbours and ends, with real processes: concurrent writers, two checks at once, signals, kill -9.

- ``seed`` beside a running ``check`` succeeds (writers take the lock up front and wait);
- two ``check`` processes on one database check each link once (claims);
- SIGTERM and SIGINT stop a check as its end does: checks kept, run interrupted, exit 143/130,
  no traceback and no asyncio noise;
- after ``kill -9`` of linkcheck no process of its survives 5 s, nobody holds its output
  open, and the next run marks the killed run interrupted.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_hostile_content import NESTED_PAGE
from tests.web import Reply, Request, Web, html, words

pytestmark = pytest.mark.slow


def route(req: Request, web: Web) -> Reply:
    path = req.path.split("?", 1)[0]
    if path == "/nested":
        return Reply(200, {"Content-Type": "text/html"}, NESTED_PAGE)
    reply = html(f"Paper {path}", "<article><p>" + words(path, 200) + "</p></article>")
    if path.startswith("/stall/"):
        reply.delay = 60.0
    elif path.startswith("/paper/"):
        reply.delay = 0.3
    return reply


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    w = Web()
    for i in range(4):
        w.add_site(f"n{i}.test", route)
    yield w
    w.close()


_started: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def no_leftovers() -> Iterator[None]:
    """Whatever a test started is killed and reaped at its end, passed or failed."""
    yield
    while _started:
        proc = _started.pop()
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def linkcheck(db: Path, *args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-c", "from linkcheck.cli import main; main()", "--db", str(db), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _started.append(proc)
    return proc


def check_args(web: Web, *extra: str) -> list[str]:
    return ["check", "--timeout", "90", "--retries", "0", "--host-interval", "0", "--allow-private",
            "--no-archive", *web.resolve_args(), *extra]  # fmt: skip


def seed_urls(tmp_path: Path, db: Path, urls: list[str], name: str = "refs.txt") -> None:
    doc = tmp_path / name
    doc.write_text("\n\n".join(f"See {u} (accessed 1 May 2019)." for u in urls) + "\n")
    proc = linkcheck(db, "seed", str(doc))
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


NOISE = ("Traceback", "Task was destroyed", "Exception ignored", "Unclosed", "RuntimeError", "Error in")


def test_seed_beside_a_running_check_succeeds(web: Web, tmp_path: Path) -> None:
    db = tmp_path / "lc.db"
    urls = [web.sites[f"n{i % 4}.test"].url(f"/paper/a{i}") for i in range(120)]
    seed_urls(tmp_path, db, urls)
    check = linkcheck(db, *check_args(web, "--per-host", "2"))
    wait_for(lambda: query(db, "SELECT COUNT(*) FROM checks")[0][0] > 0, 60, "the first checks")
    docs = tmp_path / "more"
    docs.mkdir()
    for i in range(30):
        (docs / f"d{i}.txt").write_text(f"See http://www.example.org/more/{i} (accessed 1 May 2019).\n")
    seeds = [linkcheck(db, "seed", str(docs)) for _ in range(2)]
    for s in seeds:
        _out, err = s.communicate(timeout=120)
        assert s.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    _out, err = check.communicate(timeout=120)
    assert check.returncode == 0, err
    assert query(db, "SELECT COUNT(*) FROM documents")[0][0] == 31


def test_two_checks_at_once_check_each_link_once(web: Web, tmp_path: Path) -> None:
    db = tmp_path / "lc.db"
    urls = [web.sites[f"n{i % 4}.test"].url(f"/paper/b{i}") for i in range(80)]
    seed_urls(tmp_path, db, urls)
    web.reset_counters()
    runs = [linkcheck(db, *check_args(web, "--per-host", "2")) for _ in range(2)]
    outputs = [r.communicate(timeout=120) for r in runs]
    for r, (_out, err) in zip(runs, outputs, strict=True):
        assert r.returncode == 0, err
    hits = {path: n for (site, path), n in web.hits.items() if path.startswith("/paper/b")}
    assert len(hits) == 80 and set(hits.values()) == {1}, hits
    assert query(db, "SELECT COUNT(*) FROM checks")[0][0] == 80
    assert query(db, "SELECT COUNT(*) FROM link_claims") == [(0,)]
    assert {s for (s,) in query(db, "SELECT status FROM runs")} == {"done"}


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_a_check_keeping_what_was_checked(
    web: Web, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    db = tmp_path / "lc.db"
    fast = [web.sites["n0.test"].url(f"/fast/{i}") for i in range(5)]
    stalled = [web.sites[f"n{1 + i % 3}.test"].url(f"/stall/{i}") for i in range(6)]
    seed_urls(tmp_path, db, [*fast, *stalled])
    check = linkcheck(db, *check_args(web))
    wait_for(lambda: query(db, "SELECT COUNT(*) FROM checks")[0][0] >= 5, 60, "the fast links' checks")
    t0 = time.monotonic()
    check.send_signal(sig)
    out, err = check.communicate(timeout=30)
    assert time.monotonic() - t0 < 10
    assert check.returncode == code, (out, err)
    assert f"interrupted ({sig.name})" in err
    assert not any(n in err for n in NOISE), err
    assert "Interrupted: checked 5 of 11 links" in out
    assert query(db, "SELECT status, checked FROM runs") == [("interrupted", 5)]
    assert query(db, "SELECT COUNT(*) FROM link_claims") == [(0,)]


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_no_process_outlives_a_kill_9_and_the_next_run_marks_it_interrupted(web: Web, tmp_path: Path) -> None:
    db = tmp_path / "lc.db"
    urls = [
        web.sites["n0.test"].url("/nested"),
        *(web.sites["n1.test"].url(f"/stall/k{i}") for i in range(3)),
    ]
    seed_urls(tmp_path, db, urls)
    check = linkcheck(db, *check_args(web))
    # The content worker is started for the nested page, and stays busy with it.
    wait_for(lambda: _children(check.pid), 60, "the content worker")
    workers = _children(check.pid)
    time.sleep(1.0)
    check.kill()
    check.wait()
    t0 = time.monotonic()
    wait_for(lambda: not any(_alive(p) for p in workers), 5, "the worker to die with its parent")
    # Nobody holds linkcheck's output open: the caller sees end-of-file at once.
    assert check.stdout.read() == "" and check.stderr.read() == ""  # type: ignore[union-attr]
    check.stdout.close(), check.stderr.close()  # type: ignore[union-attr]
    assert time.monotonic() - t0 < 5
    assert query(db, "SELECT status FROM runs") == [("running",)]
    nxt = linkcheck(db, *check_args(web, "--url", urls[0], "--timeout", "5"))
    nxt.communicate(timeout=60)
    assert query(db, "SELECT status FROM runs ORDER BY id") == [("interrupted",), ("done",)]
