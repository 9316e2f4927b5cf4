"""Shared fixtures: a fresh database per test, the path of the bundled example."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkcheck.store import Store

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE = ROOT / "examples" / "nhs-quality-improvement.txt"


@pytest.fixture(autouse=True)
def no_real_archive(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test asks the real Wayback Machine: the default archive is a closed port on loopback.

    Tests that need an archive name their fake one with --archive-url.
    """
    monkeypatch.setenv("LINKCHECK_ARCHIVE_URL", "http://127.0.0.1:9")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "test.db")
    yield s
    s.close()


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test with the temporary folder as working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LINKCHECK_DB", raising=False)
    return tmp_path


def run_linkcheck(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m linkcheck ARGS`` in a process of its own, as a user's shell runs it.

    ``env`` defaults to this environment with the source tree importable and no ``LINKCHECK_DB``.
    """
    if env is None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("LINKCHECK_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "linkcheck", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
