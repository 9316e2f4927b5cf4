"""Reference lists in the styles and languages people write, each with its expected pairs.

Each file in tests/fixtures/styles/ has a NAME.expected.json beside it: the list of
[url, accessed] pairs a reader would take from it. These are written for the test (the
real lists measured by benchmarks/corpus.py stay in the shared corpus).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from linkcheck.extract import extract_bytes
from linkcheck.models import ExtractOptions
from tests.conftest import FIXTURES

STYLES = FIXTURES / "styles"
CASES = sorted(p for p in STYLES.iterdir() if not p.name.endswith(".expected.json"))


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_style(path: Path) -> None:
    expected = [tuple(pair) for pair in json.loads((STYLES / f"{path.name}.expected.json").read_text())]
    result = extract_bytes(path.read_bytes(), path.name, ExtractOptions(today=dt.date(2026, 12, 1)))
    got = [(c.url, c.accessed.isoformat() if c.accessed else None) for c in result.citations]
    assert got == expected
