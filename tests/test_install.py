"""The installed tool is the tested one: the lock, every component working, loud failures.

A fresh install must get the versions the suite passed with (requirements.lock), every component
the tool needs must load and do its job (one real main-text fingerprint, PDF and DOCX extraction,
HTML report), and a component that cannot be loaded must stop ``check`` with one line and exit 4,
never let it record changed pages as alive.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.metadata
import os
import signal
import sqlite3
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from linkcheck import cli, components, drift
from linkcheck.check.runner import check_options, run_checks, select_links
from linkcheck.check.worker import DEATHS_IN_A_ROW, ContentTooComplex, ContentWorker
from linkcheck.drift.content import Fingerprinter
from linkcheck.errors import EnvironmentFailure
from linkcheck.extract import docx, pdf
from linkcheck.models import Citation, ExtractOptions
from linkcheck.report import Format, build_report
from linkcheck.report.output import render
from linkcheck.store import Store
from tests.conftest import FIXTURES, ROOT, run_linkcheck
from tests.test_report import DEAD, sample_store
from tests.web import Web, honest_site

LOCK = ROOT / "requirements.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
REINSTALL = 'pip install -c requirements.lock -e ".[test]"'


def locked() -> dict[str, tuple[str, Marker | None]]:
    """The lock's pins: canonical name -> (version, marker)."""
    pins: dict[str, tuple[str, Marker | None]] = {}
    for raw in LOCK.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        spec, _, marker = line.partition(";")
        name, sep, version = spec.strip().partition("==")
        assert sep, f"requirements.lock: {raw!r} is not an exact pin"
        pins[canonicalize_name(name)] = (version.strip(), Marker(marker) if marker.strip() else None)
    return pins


def declared() -> list[Requirement]:
    """Every runtime and test requirement of pyproject.toml."""
    project = PYPROJECT["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def test_the_lock_pins_every_declared_dependency_within_its_bounds() -> None:
    pins = locked()
    for req in declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared but not locked: run scripts/lock"
        version, _ = pins[name]
        assert req.specifier.contains(version, prereleases=True), (
            f"requirements.lock has {req.name}=={version}, outside pyproject.toml's {req}: run scripts/lock"
        )


def test_every_declared_dependency_has_tested_bounds() -> None:
    # A lower bound below the tested version promises what was never tried (Typer 0.12 lacks
    # what the command line uses); no upper bound lets a fresh install take an untested major.
    pins = locked()
    for req in declared():
        version, _ = pins[canonicalize_name(req.name)]
        lowers = [s for s in req.specifier if s.operator == ">="]
        assert lowers and all(s.version == version or s.version <= version for s in lowers), req
        assert any(s.operator == "<" for s in req.specifier), f"{req} has no upper bound"


def test_the_installed_versions_are_the_locked_ones() -> None:
    """What runs the suite is what the lock records: installed with it, as README and .ci/run do."""
    wrong = []
    for name, (version, marker) in locked().items():
        if marker is not None and not marker.evaluate():
            continue
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            wrong.append(f"{name} (locked {version}) is not installed")
            continue
        if canonicalize_name(installed) != canonicalize_name(version) and installed != version:
            wrong.append(f"{name} {installed} is installed, the lock has {version}")
    assert not wrong, f"{'; '.join(wrong)}: reinstall with {REINSTALL}"


def test_readme_and_ci_install_with_the_lock() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Quick start")
    quick = readme[start : readme.index("## What it does")]
    commands = [line for line in quick.split("```sh\n", 1)[1].split("```", 1)[0].splitlines() if line.strip()]
    assert all(line.startswith("pip install -c requirements.lock ") for line in commands), commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "export PIP_NO_CACHE_DIR=1" in ci.splitlines()
    # The pip a fresh venv starts with must do: no upgrade hides what a new user would meet.
    assert "--upgrade pip" not in ci and "-U pip" not in ci
    assert "export LINKCHECK_REQUIRE_BROWSER=1" in ci.splitlines()


# -- every component, for real ------------------------------------------------------------


def test_every_component_loads() -> None:
    components.require()
    for name, version, problem in components.versions():
        assert problem is None, problem
        assert version != "not installed", name


def test_a_real_fingerprint_keeps_the_article_and_drops_the_page_chrome() -> None:
    article = " ".join(
        f"Whaling science was long disputed by the commission, said member {i}." for i in range(30)
    )
    page = (
        "<html><head><title>Whales</title></head><body><nav>Home | About us | Contact | Donate</nav>"
        f"<article><h1>Whales</h1><p>{article}</p></article>"
        "<footer>Copyright 2024 Example Trust | Cookie settings</footer></body></html>"
    ).encode()
    text = drift.main_text(page, "text/html; charset=utf-8")
    assert text is not None
    assert "Whaling science" in text[0] and "Cookie settings" not in text[0] and "Donate" not in text[0]
    assert text[1] == "Whales"
    fp = drift.fingerprint(page, "text/html")
    assert fp is not None and fp.words >= 300 and fp.title == "Whales"
    # Another article on the same page template is a material change, as `changed` needs.
    other = page.replace(b"Whaling science was long disputed by the commission", b"Tide tables now")
    other_fp = drift.fingerprint(other, "text/html")
    assert other_fp is not None and drift.compare(fp, other_fp)[1] is drift.Change.MATERIAL


def test_a_real_pdf_and_docx_extraction() -> None:
    options = ExtractOptions(today=dt.date(2024, 1, 1))
    got = pdf.extract((FIXTURES / "pdf_wrapped_url_and_link.pdf").read_bytes(), options)
    assert "https://example.org/reports/2020/annual-summary.html" in {c.url for c in got.citations}
    got = docx.extract((FIXTURES / "docx_hyperlinks_table.docx").read_bytes(), options)
    assert got.format == "docx" and got.citations


def test_a_real_html_report(tmp_path: Path) -> None:
    with sample_store(tmp_path / "sample.db") as store:
        page = render(build_report(store, now="2026-03-01T09:00:00Z"), Format.HTML)
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")
    assert DEAD in page and "</html>" in page


# -- a missing component stops the tool ---------------------------------------------------


def without(tmp_path: Path, module: str) -> dict[str, str]:
    """An environment in which ``module`` cannot be imported, as if it were not installed."""
    shadow = tmp_path / "shadow"
    shadow.mkdir(exist_ok=True)
    (shadow / f"{module}.py").write_text(
        f"raise ModuleNotFoundError(\"No module named '{module}'\", name={module!r})\n", encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shadow), str(ROOT)])}
    env.pop("LINKCHECK_DB", None)
    return env


def linkcheck(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_linkcheck(*args, cwd=cwd, env=env)


@pytest.mark.slow
def test_check_without_lxml_html_clean_stops_with_one_line_and_exit_4(tmp_path: Path) -> None:
    (tmp_path / "refs.txt").write_text(
        "See http://site.test:9/page (accessed 3 May 2020).\n", encoding="utf-8"
    )
    env = without(tmp_path, "lxml_html_clean")
    seeded = linkcheck(env, "--db", "x.db", "seed", "refs.txt", cwd=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    proc = linkcheck(
        env, "--db", "x.db", "check", "--resolve", "site.test:9:127.0.0.1", "--allow-private", cwd=tmp_path
    )
    assert proc.returncode == 4, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("linkcheck: lxml_html_clean"), proc.stderr
    assert "pip install lxml_html_clean" in lines[0]
    # Stopped before fetching anything: the link is still due, no check and no run recorded.
    conn = sqlite3.connect(tmp_path / "x.db")
    assert conn.execute("SELECT verdict FROM links").fetchall() == [("unchecked",)]
    assert conn.execute("SELECT COUNT(*) FROM checks").fetchone() == (0,)
    conn.close()
    version = linkcheck(env, "--version", cwd=tmp_path)
    assert version.returncode == 4
    assert "lxml_html_clean 0" in version.stdout or "lxml_html_clean" in version.stdout
    assert version.stderr.strip().startswith("linkcheck: lxml_html_clean")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "args"),
    [("sqlite_utils", ["summary"]), ("jinja2", ["summary", "--format", "html"])],
    ids=["imported-at-start", "imported-late"],
)
def test_a_missing_component_is_one_line_and_exit_4(tmp_path: Path, module: str, args: list[str]) -> None:
    proc = linkcheck(without(tmp_path, module), *args, cwd=tmp_path)
    assert proc.returncode == 4, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"linkcheck: {module}"), line
    assert f"pip install {module.replace('_', '-')}" in line


def test_version_names_the_tool_and_its_components() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "linkcheck", "-V"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"linkcheck {importlib.metadata.version('linkcheck')}"
    for name in (
        "trafilatura",
        "lxml_html_clean",
        "httpx",
        "httpcore",
        "pypdf",
        "python-docx",
        "sqlite-utils",
    ):
        assert f"{name} {importlib.metadata.version(name)}" in lines


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    w = Web()
    w.add_site("site-a.test", honest_site)
    yield w
    w.close()


def test_a_component_failing_mid_run_ends_it_and_keeps_the_checks_done(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = [web.sites["site-a.test"].url(f"/live?n={i}") for i in range(8)]
    calls = 0

    async def fingerprint(
        self: Fingerprinter, body: bytes, content_type: str | None
    ) -> drift.Fingerprint | None:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise EnvironmentFailure(
                "the text-extraction worker process", "stopped unexpectedly", "run again"
            )
        return drift.fingerprint(body, content_type)

    monkeypatch.setattr(Fingerprinter, "__call__", fingerprint)
    site = web.sites["site-a.test"]
    options = check_options(
        {"concurrency": 1, "host_interval": 0.0, "allow_private": True, "no_archive": True,
         "resolve": [f"site-a.test:{site.port}:{site.address}"]}
    )  # fmt: skip
    with Store.open(tmp_path / "x.db") as store:
        store.save_document(
            "refs.txt", "text", "x", 1, [Citation(u, u, i, u, None) for i, u in enumerate(links)]
        )
        with pytest.raises(EnvironmentFailure, match="worker process"):
            run_checks(store, options)
        checked = list(store.query("SELECT url, verdict FROM links WHERE last_checked IS NOT NULL"))
        still_due = {link.url for link in select_links(store, options)[0]}
        (run,) = list(store.query("SELECT status, checked FROM runs"))
    # What was fingerprinted before the failure is stored, with a live verdict; the rest is due.
    assert 2 <= len(checked) <= 3 and all(row["verdict"] == "alive" for row in checked)
    assert still_due == set(links) - {row["url"] for row in checked}
    assert run == {"status": "interrupted", "checked": len(checked)}


@pytest.mark.slow
def test_the_scheduler_stops_with_exit_4_when_a_component_is_missing(tmp_path: Path) -> None:
    (tmp_path / "refs.txt").write_text(
        "See http://site.test:9/page (accessed 3 May 2020).\n", encoding="utf-8"
    )
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "often.toml").write_text(
        'every = "1s"\npaths = ["refs.txt"]\n'
        '[check]\nallow_private = true\nresolve = ["site.test:9:127.0.0.1"]\n',
        encoding="utf-8",
    )
    # Every second: the scheduler's first run comes at once (the floor of 1 minute lowered for tests).
    env = {**without(tmp_path, "lxml_html_clean"), "LINKCHECK_MIN_EVERY": "1"}
    once = linkcheck(env, "--db", "x.db", "schedule", "run", "--once", "often", cwd=tmp_path)
    assert once.returncode == 4, once.stderr
    assert once.stderr.strip().splitlines()[-1].startswith("linkcheck: lxml_html_clean")
    # The scheduler itself: its first run fails alike, and it stops instead of failing every second.
    served = linkcheck(env, "--db", "x.db", "schedule", "run", cwd=tmp_path)
    assert served.returncode == 4, served.stderr
    assert served.stderr.strip().splitlines()[-1].startswith("linkcheck: lxml_html_clean"), served.stderr
    assert "Traceback" not in served.stderr
    conn = sqlite3.connect(tmp_path / "x.db")
    assert conn.execute("SELECT COUNT(*) FROM checks").fetchone() == (0,)
    assert {row[0] for row in conn.execute("SELECT status FROM schedule_runs")} == {"failed"}
    conn.close()


@pytest.mark.slow
def test_seeding_with_a_reader_missing_stops_and_loses_nothing_stored(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("https://example.org/a (accessed 3 May 2020)\n", encoding="utf-8")
    (tmp_path / "b.pdf").write_bytes((FIXTURES / "pdf_wrapped_url_and_link.pdf").read_bytes())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert linkcheck(env, "--db", "x.db", "seed", "a.txt", cwd=tmp_path).returncode == 0
    proc = linkcheck(without(tmp_path, "pypdf"), "--db", "x.db", "seed", "a.txt", "b.pdf", cwd=tmp_path)
    # Not "b.pdf: could not be read" (a bad document, exit 2): the install lacks the PDF reader.
    assert proc.returncode == 4, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("linkcheck: pypdf") and "pip install pypdf" in line
    conn = sqlite3.connect(tmp_path / "x.db")
    assert conn.execute("SELECT path FROM documents").fetchall() == [("a.txt",)]
    assert conn.execute("SELECT url FROM links").fetchall() == [("https://example.org/a",)]
    conn.close()


def test_a_dead_worker_process_is_the_machines_failure_not_a_page_without_text() -> None:
    """One death is that page's (recorded as too complex); a worker that dies again and again,
    with no reply between, stops the run instead of leaving every page without its text."""
    page = b"<html><head><title>T</title></head><body><article><p>" + b"Some words of an article. " * 50
    page += b"</p></article></body></html>"

    async def go() -> None:
        worker = ContentWorker()
        fingerprinter = Fingerprinter(worker)
        try:
            assert await fingerprinter(page, "text/html") is not None

            async def killed_meanwhile() -> drift.Fingerprint | None:
                # Killed as the kernel's out-of-memory killer would, while the page is in hand.
                call = asyncio.ensure_future(worker.call("sleep", 5))
                await asyncio.sleep(0.3)
                proc = worker._proc
                assert proc is not None
                os.kill(proc.pid, signal.SIGKILL)
                await call
                return None

            with pytest.raises(ContentTooComplex, match="died"):
                await killed_meanwhile()
            assert await fingerprinter(page, "text/html") is not None  # a new worker, the run goes on
            with pytest.raises(ContentTooComplex, match="died"):
                await killed_meanwhile()
            with pytest.raises(ContentTooComplex, match="died"):
                await killed_meanwhile()
            assert await fingerprinter(page, "text/html") is not None  # replies in between: still fine
            for _ in range(DEATHS_IN_A_ROW - 1):
                with pytest.raises(ContentTooComplex, match="died"):
                    await killed_meanwhile()
            with pytest.raises(EnvironmentFailure, match="content worker process: died 3 times in a row"):
                await killed_meanwhile()
        finally:
            await worker.close()

    asyncio.run(go())


def test_a_full_disk_stops_the_command_with_exit_4_and_keeps_what_was_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "x.db"
    (tmp_path / "small.txt").write_text("https://example.org/small\n", encoding="utf-8")
    (tmp_path / "big.txt").write_text(
        "".join(f"https://example.org/page/{i} (accessed 3 May 2020)\n\n" for i in range(5000)),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LINKCHECK_DB", raising=False)

    def main(*args: str) -> int:
        monkeypatch.setattr(sys, "argv", ["linkcheck", "--db", str(db), *args])
        with pytest.raises(SystemExit) as done:
            cli.main()
        return int(done.value.code or 0)

    assert main("seed", "small.txt") == 0
    opened = Store.open

    def full_disk(path: str | Path, *, verify: bool = False) -> Store:
        # The disk fills up a few pages past what is stored now: SQLite's own SQLITE_FULL.
        store = opened(path, verify=verify)
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages + 4}")
        return store

    monkeypatch.setattr(Store, "open", full_disk)
    capsys.readouterr()
    assert main("seed", "big.txt") == 4
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"linkcheck: the database {db}: database or disk is full"), line
    assert "free some disk space" in line
    monkeypatch.setattr(Store, "open", opened)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT path FROM documents").fetchall() == [("small.txt",)]
    conn.close()


@pytest.mark.slow
def test_the_browser_test_skips_without_chromium_naming_the_package_and_fails_where_required() -> None:
    def run(**extra: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "LINKCHECK_CHROMIUM": "/nonexistent/chromium"}
        env.pop("LINKCHECK_REQUIRE_BROWSER", None)
        command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"]
        return subprocess.run(
            [*command, "tests/test_report_browser.py"], env={**env, **extra}, cwd=ROOT,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    skipped = run()
    assert skipped.returncode == 0, skipped.stdout
    assert "skipped" in skipped.stdout and "apt-get install chromium" in skipped.stdout
    required = run(LINKCHECK_REQUIRE_BROWSER="1")
    assert required.returncode == 1, required.stdout
    assert "LINKCHECK_REQUIRE_BROWSER=1 requires it" in required.stdout
