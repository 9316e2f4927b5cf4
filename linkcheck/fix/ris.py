"""Fixes in RIS files.

A second ``UR`` line would make the record cite two URLs, so a dead or changed link's archived
copy goes into a note: ``N1  - Archived at https://web.archive.org/... on 2017-09-08``, on a new
line right after the line that cites the URL (``FixOptions.ris_tag = "LK"`` writes
``LK  - https://web.archive.org/...`` instead). A moved link's URL is replaced on its line.
"""

from __future__ import annotations

import bisect
import re

from linkcheck.fix import Edit, FixOptions, Outcome, Repair
from linkcheck.fix.locate import line_starts, newline_of

_TY = re.compile(r"^TY[ \t]{1,4}-", re.MULTILINE)
_ER = re.compile(r"^ER[ \t]{1,4}-", re.MULTILINE)
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])([ \t]{1,4}-[ \t]?)", re.MULTILINE)


def _record(text: str, record_starts: list[int], pos: int) -> tuple[int, int]:
    """The span of the record (``TY`` to ``ER``) holding offset ``pos``."""
    k = bisect.bisect_right(record_starts, pos) - 1
    start = record_starts[k] if k >= 0 else 0
    end = _ER.search(text, pos)
    return start, end.start() if end else len(text)


def edits(text: str, repairs: list[Repair], options: FixOptions, fmt: str) -> Outcome:
    """The edits that make ``repairs`` in an RIS document."""
    out = Outcome()
    starts = line_starts(text)
    record_starts = [m.start() for m in _TY.finditer(text)]
    used: set[int] = set()
    tag = options.ris_tag.upper()
    for r in repairs:
        span = out.find(r, text, starts, used)
        if span is None or out.moved(r, span):
            continue
        assert r.archive_url is not None
        rec_start, rec_end = _record(text, record_starts, span[0])
        if r.archive_url in text[rec_start:rec_end]:
            out.already += 1
            continue
        line_start = text.rfind("\n", 0, span[0]) + 1
        m = _TAG_LINE.match(text, line_start)
        sep = m.group(2) if m else "  - "
        nl = newline_of(text)
        line_end = text.find("\n", span[1])
        when = f" on {r.archive_date}" if r.archive_date else ""
        value = f"Archived at {r.archive_url}{when}" if tag == "N1" else r.archive_url
        if line_end < 0:
            out.place(r, Edit(len(text), len(text), f"{nl}{tag}{sep}{value}"))
        else:
            at = line_end + 1
            out.place(r, Edit(at, at, f"{tag}{sep}{value}{nl}"))
    return out
