"""linkcheck leans only on its dependencies' public APIs, so that a new release cannot quietly
change what it does (a moved private attribute once could have let connections bypass the
address guard)."""

from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from linkcheck.schedule import load_schedules
from linkcheck.schedule.scheduler import job_store, reconcile
from linkcheck.store import Store
from tests.conftest import ROOT

PACKAGE = ROOT / "linkcheck"
THIRD_PARTY = {"httpx", "httpcore", "typer", "click", "apscheduler", "sqlalchemy", "trafilatura", "pypdf",
               "docx", "lxml", "selectolax", "sqlite_utils", "rich", "jinja2", "bibtexparser", "rispy",
               "mwparserfromhell", "charset_normalizer", "markupsafe"}  # fmt: skip


def test_no_private_module_or_attribute_of_a_dependency_is_used() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] in THIRD_PARTY and any(p.startswith("_") for p in parts[1:]):
                    found.append(f"{where}:{node.lineno}: from {node.module} import ...")
                if parts[0] in THIRD_PARTY:
                    found += [
                        f"{where}:{node.lineno}: {a.name}" for a in node.names if a.name.startswith("_")
                    ]
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] in THIRD_PARTY and any(p.startswith("_") for p in parts[1:]):
                        found.append(f"{where}:{node.lineno}: import {alias.name}")
            elif (
                isinstance(node, ast.FunctionDef)
                and node.name.startswith("_")
                and not node.name.endswith("__")
            ):
                # Overriding a dependency's private method (as APScheduler's _process_jobs once was).
                for cls in ast.walk(tree):
                    if isinstance(cls, ast.ClassDef) and node in cls.body:
                        bases = {ast.unparse(b) for b in cls.bases}
                        ours = {c.name for c in ast.walk(tree) if isinstance(c, ast.ClassDef)}
                        if bases - ours - {"Exception", "object"} and node.name in _private_of(bases):
                            found.append(f"{where}:{node.lineno}: overrides {node.name} of {bases}")
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and target.attr.startswith("_")
                        and not (isinstance(target.value, ast.Name) and target.value.id in ("self", "cls"))
                        # An enum member's value, set in the enum's own __new__: the standard
                        # library's documented protocol (https://docs.python.org/3/howto/enum.html).
                        and target.attr != "_value_"
                        # A function's signature as inspect.signature reads it, set on our own
                        # function: the documented protocol (PEP 362; Typer reads commands so).
                        and target.attr != "__signature__"
                    ):
                        found.append(f"{where}:{node.lineno}: assigns {ast.unparse(target)}")
    assert not found, "\n".join(found)


def _private_of(bases: set[str]) -> set[str]:
    """Private methods of the dependency classes named in ``bases`` (looked up for real)."""
    import apscheduler.jobstores.sqlalchemy
    import apscheduler.schedulers.blocking
    import httpcore
    import httpx

    known = {
        "BlockingScheduler": apscheduler.schedulers.blocking.BlockingScheduler,
        "SQLAlchemyJobStore": apscheduler.jobstores.sqlalchemy.SQLAlchemyJobStore,
        "httpx.AsyncBaseTransport": httpx.AsyncBaseTransport,
        "httpx.AsyncByteStream": httpx.AsyncByteStream,
        "httpcore.AsyncNetworkStream": httpcore.AsyncNetworkStream,
        "httpcore.AsyncNetworkBackend": httpcore.AsyncNetworkBackend,
    }
    names: set[str] = set()
    for base in bases:
        cls = known.get(base)
        if cls is not None:
            names |= {
                n for klass in cls.__mro__ for n in vars(klass) if n.startswith("_") and not n.endswith("__")
            }
    return names


def test_a_stopped_scheduler_is_handed_no_due_job(tmp_path: Path) -> None:
    db = str(tmp_path / "lc.db")
    Store.open(db).close()
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "job.toml").write_text('every = "1h"\n', encoding="utf-8")
    stopped = False
    store = job_store(db, stopped=lambda: stopped)
    scheduler = BackgroundScheduler(jobstores={"default": store})
    scheduler.start(paused=True)
    try:
        reconcile(scheduler, load_schedules(str(tmp_path / "schedules")))
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        scheduler.modify_job("job", next_run_time=past)
        store = scheduler._jobstores["default"]
        assert [j.id for j in store.get_due_jobs(dt.datetime.now(dt.UTC))] == ["job"]
        stopped = True
        # Asked by a stopped scheduler: nothing is due, so the job keeps its run time for the next start.
        assert store.get_due_jobs(dt.datetime.now(dt.UTC)) == []
        assert scheduler.get_job("job").next_run_time == past
    finally:
        scheduler.shutdown()


def test_a_group_without_a_command_shows_its_help() -> None:
    for args in ([], ["schedule"]):
        proc = subprocess.run(
            [sys.executable, "-m", "linkcheck", *args], capture_output=True, text=True, timeout=60, cwd=ROOT
        )
        assert proc.returncode == 2, proc.stderr
        assert "Usage: linkcheck" in proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
