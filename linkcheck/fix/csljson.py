"""Fixes in CSL-JSON files.

CSL has no variable for an archived copy, so a dead or changed link's copy goes into the item's
``note`` by default (``"note": "Archived at https://web.archive.org/... on 2017-09-08"``,
appended on a new line of an existing note, as Zotero keeps its extra data there);
``FixOptions.csl_field`` names another field to receive the URL alone. A new field follows the
item's ``URL``, laid out like it (on its own line, same indent, in a pretty-printed file). A
moved link's ``URL`` value is replaced.
"""

from __future__ import annotations

import json
import re

from linkcheck.fix import Edit, FixOptions, Outcome, Repair
from linkcheck.fix.locate import choose, innermost, line_starts, newline_of

_URL_KEY = re.compile(r'"(?:URL|url)"(\s*:\s*)"((?:[^"\\]|\\.)*)"')
_STRING = '"(?:[^"\\\\]|\\\\.)*"'


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[{}]')


def _objects(text: str) -> list[tuple[int, int]]:
    """The spans of every JSON object in ``text`` (strings skipped), sorted by start."""
    spans: list[tuple[int, int]] = []
    stack: list[int] = []
    for m in _TOKENS.finditer(text):
        c = m.group(0)
        if c == "{":
            stack.append(m.start())
        elif c == "}" and stack:
            spans.append((stack.pop(), m.end()))
    spans.sort()
    return spans


def _json_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def edits(text: str, repairs: list[Repair], options: FixOptions, fmt: str) -> Outcome:
    """The edits that make ``repairs`` in a CSL-JSON document."""
    out = Outcome()
    starts = line_starts(text)
    objects = _objects(text)
    object_starts = [o[0] for o in objects]
    urls = []
    for m in _URL_KEY.finditer(text):
        try:
            value = json.loads(f'"{m.group(2)}"')
        except json.JSONDecodeError:
            continue
        parts = value.strip().split()
        urls.append((m, parts[0] if parts else ""))
    used: set[int] = set()
    field = options.csl_field
    for r in repairs:
        spans = [m.span(2) for m, first in urls if first == r.cited]
        span = choose(spans, starts, r.line, used)
        if span is None:
            out.unplaced(r, "not the URL of an item")
            continue
        key = next(m for m, _ in urls if m.start(2) == span[0])
        if r.kind == "moved":
            assert r.new_url is not None
            raw = text[span[0] : span[1]]
            old = _json_string(r.cited)
            new = raw.replace(old, _json_string(r.new_url), 1) if old in raw else _json_string(r.new_url)
            out.place(r, Edit(span[0], span[1], new))
            continue
        assert r.archive_url is not None
        k = innermost(objects, object_starts, key.start())
        item = objects[k] if k is not None else None
        if item is None:
            out.unplaced(r, "not inside an item")
            continue
        body = text[item[0] : item[1]]
        if _json_string(r.archive_url) in body or json.dumps(r.archive_url)[1:-1] in body:
            out.already += 1
            continue
        when = f" on {r.archive_date}" if r.archive_date else ""
        value = f"Archived at {r.archive_url}{when}" if field == "note" else r.archive_url
        existing = re.compile(f'"{re.escape(field)}"\\s*:\\s*({_STRING})').search(text, item[0], item[1])
        if existing is not None:
            if field != "note":
                out.unplaced(r, f"the item already has a {field}: add the archived copy by hand")
                continue
            close = existing.end(1) - 1
            prefix = "\\n" if existing.group(1) != '""' else ""
            out.place(r, Edit(close, close, prefix + _json_string(value)))
            continue
        line_start = text.rfind("\n", 0, key.start()) + 1
        indent = text[line_start : key.start()]
        pair = f'"{field}"{key.group(1)}"{_json_string(value)}"'
        new = f",{newline_of(text)}{indent}{pair}" if indent.strip() == "" else f", {pair}"
        out.place(r, Edit(key.end(), key.end(), new))
    return out
