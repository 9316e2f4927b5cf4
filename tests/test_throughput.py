"""Per-link work a check does not do: fingerprinting unchanged bytes again, importing unused parsers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck import drift, tuning
from linkcheck.cli import app
from linkcheck.drift import content
from tests.drift_pairs import GARDENING, ROT, page
from tests.web import HTML_UTF8, Reply, Request, Web

runner = CliRunner()


def site(req: Request, web: Web) -> Reply:
    """Two pages that never change, and one that is rewritten for every request."""
    if req.path == "/changing":
        web.state["changing"] += 1
        paras = ROT if web.state["changing"] % 2 else GARDENING
        return Reply(200, {"Content-Type": HTML_UTF8}, page("Reference rot", paras, 1))
    if req.path in ("/steady-1", "/steady-2"):
        return Reply(200, {"Content-Type": HTML_UTF8}, page("Reference rot", ROT, 1))
    return Reply(404, {"Content-Type": "text/html"}, b"<html><title>Not Found</title></html>")


@pytest.fixture
def web() -> Iterator[Web]:
    w = Web()
    w.add_site("steady.test", site)
    w.state["changing"] = 0
    yield w
    w.close()


def test_a_recheck_fingerprints_only_the_pages_whose_bytes_changed(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fingerprinted: list[bytes] = []
    real = content.Fingerprinter.__call__

    async def counting(
        self: content.Fingerprinter, body: bytes, ctype: str | None
    ) -> drift.Fingerprint | None:
        fingerprinted.append(body)
        return await real(self, body, ctype)

    monkeypatch.setattr(content.Fingerprinter, "__call__", counting)
    urls = [web.sites["steady.test"].url(p) for p in ("/steady-1", "/steady-2", "/changing")]
    (tmp_path / "refs.txt").write_text("\n\n".join(f"{u} (accessed 3 May 2020)" for u in urls) + "\n")
    db = tmp_path / "t.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(tmp_path / "refs.txt")]).exit_code == 0
    args = ["--db", str(db), "check", "--all", "--no-archive", "--allow-private", "--host-interval", "0"]
    first = runner.invoke(app, [*args, *web.resolve_args()])
    assert first.exit_code == 0, first.output
    assert len(fingerprinted) == 3
    fingerprinted.clear()
    second = runner.invoke(app, [*args, *web.resolve_args()])
    assert second.exit_code == 0, second.output
    # Only the rewritten page went through main-text extraction again.
    assert len(fingerprinted) == 1 and b"Reference rot" in fingerprinted[0]
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT url, COUNT(DISTINCT text_sha256), COUNT(*) FROM checks GROUP BY url ORDER BY url"
        ).fetchall()
    finally:
        conn.close()
    # The unchanged pages keep their fingerprint on the second check; the rewritten one has a new one.
    assert {u: (texts, checks) for u, texts, checks in rows} == {
        urls[0]: (1, 2), urls[1]: (1, 2), urls[2]: (2, 2),
    }  # fmt: skip


def test_the_checking_process_does_not_import_the_parsers(web: Web, tmp_path: Path) -> None:
    # Pages are parsed in the content workers: the checking process has no use for trafilatura
    # or lxml (a fifth of a second of its start); the workers are asked whether they load.
    url = web.sites["steady.test"].url("/steady-1")
    (tmp_path / "refs.txt").write_text(f"{url} (accessed 3 May 2020)\n")
    db = tmp_path / "p.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(tmp_path / "refs.txt")]).exit_code == 0
    args = ["--db", str(db), "check", "--no-archive", "--allow-private", *web.resolve_args()]
    code = (
        "import sys\nfrom linkcheck.cli import app\n"
        f"try:\n    app({args!r})\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in ('trafilatura', 'lxml', 'justext') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT links.verdict, text_sha256 IS NOT NULL FROM links JOIN checks "
                            "ON checks.link_id = links.id").fetchall() == [("alive", 1)]  # fmt: skip
    finally:
        conn.close()


def test_the_page_signal_worker_does_not_import_httpx() -> None:
    # read_page's module needs httpx only to classify errors, in the checking process: importing
    # it (and its command line: rich, click) was a third of a second of every worker's start.
    code = (
        "import sys\nfrom linkcheck.check import worker\n"
        "page = worker._read_page(b'<html><title>T</title><p>words</p></html>', 'text/html')\n"
        "print(page.title, 'httpx' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.split() == ["T", "False"]


def test_the_command_line_does_not_import_the_scheduled_job() -> None:
    # Every command reads schedule files' format through the settings file; the job itself
    # (reports, e-mail, the outbox) is imported only by what runs it: 65 ms of every start.
    code = (
        "import sys\nimport linkcheck.cli\n"
        "print('linkcheck.schedule.job' in sys.modules, 'smtplib' in sys.modules)\n"
        "from linkcheck.schedule import JobResult, run_job\n"
        "print(run_job.__module__, JobResult.__module__)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.split() == ["False", "False", "linkcheck.schedule.job", "linkcheck.schedule.job"]


def test_a_check_process_freezes_its_imports_for_the_collector_once() -> None:
    code = (
        "import gc\nfrom linkcheck import tuning\n"
        "tuning.for_one_run()\nfrozen = gc.get_freeze_count()\nleft = [object()]\n"
        "tuning.for_one_run()\n"
        "print(frozen > 10000, gc.get_freeze_count() == frozen, gc.get_threshold()[0])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.split() == ["True", "True", str(tuning.GEN0_THRESHOLD)]
