"""Fixes in HTML: Robust Links (https://robustlinks.mementoweb.org/spec/).

A dead or changed link's ``<a>`` keeps its ``href`` and gains ``data-versionurl`` (the
archived copy) and ``data-versiondate`` (its date, ``YYYY-MM-DD``), written before the tag's
``>``; a moved link's ``href`` value is replaced, in its own quotes. Nothing else of the tag
moves. A URL written as text, outside any ``<a>``, is named in a note to fix by hand.
"""

from __future__ import annotations

import html
import re

from linkcheck.fix import Edit, FixOptions, Outcome, Repair, choose, line_starts

_A_TAG = re.compile(r"<a(?=[\s>/])(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.IGNORECASE)
_ATTR = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")


def _attributes(tag: str) -> dict[str, tuple[int, int, str]]:
    """The tag's attributes by lower-case name: (value start, value end, value) in ``tag``,
    the value without its quotes and with character references decoded."""
    found: dict[str, tuple[int, int, str]] = {}
    for m in _ATTR.finditer(tag, 2, len(tag) - 1):
        name = m.group(1).lower()
        raw = m.group(2)
        if raw is None or name in found:
            continue
        start, end = m.span(2)
        if raw[:1] in "\"'":
            start, end, raw = start + 1, end - 1, raw[1:-1]
        found[name] = (start, end, html.unescape(raw))
    return found


def edits(text: str, repairs: list[Repair], options: FixOptions, fmt: str) -> Outcome:
    """The edits that make ``repairs`` in an HTML document."""
    out = Outcome()
    starts = line_starts(text)
    tags = []
    for m in _A_TAG.finditer(text):
        attrs = _attributes(m.group(0))
        if "href" in attrs:
            tags.append((m.start(), m.end(), attrs))
    used: set[int] = set()
    for r in repairs:
        spans = [(s, e) for s, e, attrs in tags if attrs["href"][2].strip() == r.cited]
        span = choose(spans, starts, r.line, used)
        if span is None:
            out.unplaced(r, "not the target of a link (<a href>): fix by hand")
            continue
        start, end = span
        attrs = next(a for s, _, a in tags if s == start)
        if r.kind == "moved":
            assert r.new_url is not None
            vs, ve, _ = attrs["href"]
            out.place(r, Edit(start + vs, start + ve, html.escape(r.new_url)))
            continue
        if "data-versionurl" in attrs:
            out.already += 1
            continue
        assert r.archive_url is not None
        added = f' data-versionurl="{html.escape(r.archive_url)}"'
        if r.archive_date:
            added += f' data-versiondate="{r.archive_date}"'
        at = end - 1
        if text[at - 1] == "/":  # <a .../> in XHTML: the attributes go before the slash
            at -= 1
        while text[at - 1] in " \t\r\n" and at - 1 > start:
            at -= 1  # keep "<a href=x >" as "<a href=x data-... >"
        out.place(r, Edit(at, at, added))
    return out
