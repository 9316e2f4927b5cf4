"""Content workers started before the command line loads (linkcheck/launch.py, worker.prestart)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linkcheck.check import worker
from linkcheck.check.worker import ContentTooComplex, ContentWorker
from linkcheck.launch import command_of
from tests.conftest import ROOT

PAGE = b"<html><head><title>A page</title></head><body><p>Some words of a page.</p></body></html>"


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["check", "--all"], "check"),
        (["--db", "check", "summary"], "summary"),
        (["--db=x.db", "run", "refs.md"], "run"),
        (["check", "--help"], None),
        (["--help"], None),
        (["--version"], None),
        ([], None),
    ],
)
def test_the_command_is_read_as_the_command_line_reads_it(argv: list[str], command: str | None) -> None:
    assert command_of(argv) == command


def test_a_run_takes_the_prestarted_worker_and_a_killed_one_is_replaced() -> None:
    async def scenario() -> tuple[bool, object, tuple[object, object], int]:
        w = ContentWorker(budget=1.0, preload=worker.PAGE_SIGNALS)
        try:
            await w.start()
            taken = not worker._spares.get(worker.PAGE_SIGNALS)
            page = await w.call("read_page", PAGE, "text/html")
            # Past the budget: the prestarted worker is killed, the next call gets a new one.
            stuck = await asyncio.gather(w.call("sleep", 5), return_exceptions=True)
            after = await w.call("read_page", PAGE, "text/html")
            return taken, getattr(page, "title", None), (stuck[0], getattr(after, "title", None)), w.killed
        finally:
            await w.close()

    worker.prestart([worker.PAGE_SIGNALS])
    (popen,) = worker._spares[worker.PAGE_SIGNALS]
    try:
        taken, title, (stuck, after), killed = asyncio.run(scenario())
    finally:
        worker.discard_spares()
    assert taken is True
    assert title == "A page"
    assert isinstance(stuck, ContentTooComplex) and after == "A page"
    assert killed == 1
    assert popen.returncode is not None, "the prestarted worker was not reaped"


def _workers_of(pid: int) -> list[str]:
    """Content worker processes started by process ``pid`` that are still alive."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"linkcheck.check.worker" in argv and str(pid).encode() in argv:
            found.append(entry.name)
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_started_for_a_check_with_nothing_to_do_do_not_outlive_it(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LINKCHECK_DB", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkcheck", "--db", str(tmp_path / "x.db"), "check"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    # While it runs, its workers are there (started before the command line was imported).
    deadline = time.monotonic() + 10
    seen: list[str] = []
    while not seen and proc.poll() is None and time.monotonic() < deadline:
        seen = _workers_of(proc.pid)
        time.sleep(0.01)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Nothing to check" in out
    assert seen, "no content worker was started ahead of the check"
    assert _workers_of(proc.pid) == []


def test_a_check_ends_without_teardown_but_with_its_output_and_exit_code(tmp_path: Path) -> None:
    # launch._exit_now: the command's lines are flushed and its exit code kept (2: a --url
    # that is not in the database), though the interpreter is not torn down.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LINKCHECK_DB", None)
    proc = subprocess.run(
        [sys.executable, "-m", "linkcheck", "--db", str(tmp_path / "x.db"), "check", "--url", "http://x.test/"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    line = "linkcheck: http://x.test/: not in the database (seed a document that cites it)"
    assert proc.stderr.strip() == line
