"""The layout of the package: what it may cite, and (below) how its parts may import each other."""

from __future__ import annotations

import re

from tests.conftest import ROOT

# Documents that are not in the repository, and the tracker's numbering, mean nothing to a reader
# of the code or of the installed package's docs.
_ELSEWHERE = re.compile(r"CONTRACT\.md|DESIGN\.md|STYLE\.md|\b[Ii]ssue \d+\b")


def test_code_and_docs_cite_only_what_is_in_the_repository() -> None:
    found = []
    for path in sorted(
        [*(ROOT / "linkcheck").rglob("*.py"), *(ROOT / "docs").rglob("*.md"), ROOT / "README.md"]
    ):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _ELSEWHERE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []
