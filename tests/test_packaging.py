"""The built package carries its data files, so a plain `pip install .` works."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from linkcheck.store import migrations
from tests.conftest import ROOT


@pytest.mark.slow
def test_wheel_ships_the_migrations_and_the_report_template(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("linkcheck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name, _ in migrations():
        assert f"linkcheck/db/{name}.sql" in names
    assert "linkcheck/report/templates/report.html.j2" in names
