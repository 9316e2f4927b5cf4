"""Fixes in HTML: Robust Links (https://robustlinks.mementoweb.org/spec/).

A dead or changed link's ``<a>`` keeps its ``href`` and gains ``data-versionurl`` (the
archived copy) and ``data-versiondate`` (its date, ``YYYY-MM-DD``), written before the tag's
``>``; a moved link's ``href`` value is replaced, in its own quotes. Nothing else of the tag
moves. A URL written as text, outside any ``<a>`` (MLA's "Works Cited" pages), gains a Robust
Link to its copy right after it: ``(<a href="COPY" data-originalurl="URL" data-versiondate="DATE">archived
DATE</a>)``; a moved one is replaced. A URL split over elements is named in a note to fix by hand.
"""

from __future__ import annotations

import html
import re

from linkcheck.fix import Edit, FixOptions, Outcome, Repair
from linkcheck.fix.locate import choose, find_spans, line_starts, masked

_A_TAG = re.compile(r"<a(?=[\s>/])(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.IGNORECASE)
_HIDDEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style|template)\b.*?(?:</\1\s*>|\Z)", re.DOTALL | re.IGNORECASE
)
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


def _in_text(text: str, visible: str, starts: list[int], r: Repair, used: set[int], out: Outcome) -> None:
    """Fix a URL written as text (MLA's "Works Cited" pages): a moved one is replaced; a dead or
    changed one gains a Robust Link to its archived copy right after it (``href`` the copy,
    ``data-originalurl`` the URL, ``data-versiondate`` its date)."""
    spans = [
        sp
        for sp in find_spans(visible, starts, html.escape(r.cited, quote=False), r.line, used)
        if text.rfind("<", 0, sp[0]) <= text.rfind(">", 0, sp[0])  # in text, not inside a tag
    ]
    span = choose(spans, starts, r.line, used)
    if span is None:
        out.unplaced(r, "not found as a link or as text (split over elements?): fix by hand")
        return
    start, end = span
    if r.kind == "moved":
        assert r.new_url is not None
        out.place(r, Edit(start, end, html.escape(r.new_url, quote=False)))
        return
    assert r.archive_url is not None
    if f'data-originalurl="{html.escape(r.cited)}"' in text[end : end + 2000]:
        out.already += 1
        return
    label = f"archived {r.archive_date}" if r.archive_date else "archived"
    date = f' data-versiondate="{r.archive_date}"' if r.archive_date else ""
    link = (
        f'<a href="{html.escape(r.archive_url)}" data-originalurl="{html.escape(r.cited)}"{date}>{label}</a>'
    )
    out.place(r, Edit(end, end, f" ({link})"))


def edits(text: str, repairs: list[Repair], options: FixOptions, fmt: str) -> Outcome:
    """The edits that make ``repairs`` in an HTML document."""
    out = Outcome()
    starts = line_starts(text)
    by_href: dict[str, list[tuple[int, int]]] = {}
    tag_attrs: dict[int, dict[str, tuple[int, int, str]]] = {}
    visible = masked(text, _HIDDEN)  # links in comments and scripts are no reader's links
    for m in _A_TAG.finditer(visible):
        attrs = _attributes(m.group(0))
        if "href" in attrs:
            by_href.setdefault(attrs["href"][2].strip(), []).append(m.span())
            tag_attrs[m.start()] = attrs
    used: set[int] = set()
    for r in repairs:
        span = choose(by_href.get(r.cited, []), starts, r.line, used)
        if span is None:
            _in_text(text, visible, starts, r, used, out)
            continue
        start, end = span
        attrs = tag_attrs[start]
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
