"""Fixes in plain text, Markdown and reStructuredText.

A dead or changed link keeps its URL and gains its archived copy right after it, in the
document's own link syntax: ``[archived 2017-09-08](https://web.archive.org/...)`` in Markdown,
``(`archived 2017-09-08 <https://web.archive.org/...>`__)`` (an anonymous hyperlink, so that no
two targets share a name) in reStructuredText, ``(archived 2017-09-08: https://web.archive.org/...)``
in plain text. "After it" means after the whole link: after ``[text](url "title")`` and
``<url>`` in Markdown, after ```text <url>`_`` in reStructuredText. A moved link's URL is
replaced by its new address (and so is a Markdown link text that spells the old URL).

A URL given in a link definition (Markdown's ``[id]: url``, reStructuredText's ``.. _id: url``)
gets no archived copy (a definition cannot hold a second link): it is named in a note to fix by hand.
"""

from __future__ import annotations

import re

from linkcheck.fix import Edit, FixOptions, Outcome, Repair
from linkcheck.fix.locate import block_end, line_starts, link_end


def _archive_text(fmt: str, url: str, date: str | None) -> str:
    label = f"archived {date}" if date else "archived"
    if fmt == "markdown":
        target = f"<{url}>" if re.search(r"[\s()<>]", url) else url
        return f" [{label}]({target})"
    if fmt == "rst":
        return f" (`{label} <{url}>`__)"
    return f" ({label}: {url})"


def edits(text: str, repairs: list[Repair], options: FixOptions, fmt: str) -> Outcome:
    """The edits that make ``repairs`` in a plain-text, Markdown or reStructuredText document."""
    out = Outcome()
    starts = line_starts(text)
    used: set[int] = set()
    for r in repairs:
        span = out.find(r, text, starts, used, escapes=fmt == "markdown")
        if span is None:
            continue
        start, end = span
        after = link_end(fmt, text, start, end)
        if r.kind == "moved":
            assert r.new_url is not None
            found = [Edit(start, end, r.new_url)]
            raw = text[start:end]
            # A Markdown link whose text spells the URL: [old](old) becomes [new](new).
            if fmt == "markdown" and text.startswith(f"]({raw}", end):
                found.append(Edit(end + 2, end + 2 + len(raw), r.new_url))
                used.add(end + 2)
            elif fmt == "markdown" and text[:start].endswith(f"[{raw}]("):
                found.append(Edit(start - len(raw) - 2, start - 2, r.new_url))
            out.place(r, *found)
            continue
        assert r.archive_url is not None
        if after is None:
            out.unplaced(r, "a link definition cannot take a second link: add the archived copy by hand")
            continue
        if r.archive_url in text[after : block_end(text, after)][:600]:
            out.already += 1
            continue
        out.place(r, Edit(after, after, _archive_text(fmt, r.archive_url, r.archive_date)))
    return out
