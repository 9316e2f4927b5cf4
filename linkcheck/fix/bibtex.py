"""Fixes in BibTeX and biblatex files.

The entry keeps ``url`` and ``urldate``. A dead or changed link's archived copy goes into
``note`` by default: ``note = {Archived at \\url{...} on 2017-09-08}``, appended to the entry's
note when it has one; ``FixOptions.bibtex_field`` names another field to receive the archived
copy's URL alone (biblatex users' ``archiveurl``, say). A new field is written on its own line
after the field that cites the URL, indented and aligned like it. A moved link's URL is
replaced, and the old one kept in ``comment = {Formerly \\url{...}}``.

Fields are found by a small scanner of the entry's text (bibtexparser, which seeds the file,
gives no offsets); the patched file is read by bibtexparser again in the tests.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from linkcheck.fix import Edit, FixOptions, Outcome, Repair
from linkcheck.fix.locate import line_starts, newline_of

_ENTRY = re.compile(r"@[a-zA-Z]+[ \t]*[{(][ \t]*[^\s,{}()=\"#%'~]*[ \t]*,")
_NAME = re.compile(r"\s*([A-Za-z_][\w:.+-]*)([ \t]*)=[ \t]*")
_BARE = re.compile(r"[\w.:+-]+")

FORMERLY = "Formerly"
_TEX_ESCAPE = re.compile(r"\\([_%#&$~{}])")


@dataclass(frozen=True, slots=True)
class Field:
    """One ``name = value`` of an entry, by offsets in the file."""

    name: str
    start: int
    """Where its name begins."""
    name_width: int
    """Its name and the blanks before ``=``."""
    value_start: int
    value_end: int
    value: str


def _value_end(text: str, pos: int) -> int | None:
    """The end of the (possibly ``#``-joined) value starting at ``pos``; None when malformed."""
    while True:
        if pos >= len(text):
            return None
        ch = text[pos]
        if ch in '{"':
            depth, i = 0, pos
            close = "}" if ch == "{" else '"'
            i += 1
            while i < len(text):
                c = text[i]
                if c == "\\":
                    i += 2
                    continue
                if c == "{":
                    depth += 1
                elif c == "}" and depth > 0:
                    depth -= 1
                elif c == close and depth == 0:
                    break
                i += 1
            else:
                return None
            pos = i + 1
        else:
            m = _BARE.match(text, pos)
            if not m:
                return None
            pos = m.end()
        m = re.compile(r"\s*#\s*").match(text, pos)
        if not m:
            return pos
        pos = m.end()


def entry_fields(text: str, start: int) -> tuple[list[Field], int]:
    """The fields of the entry whose ``@`` is at ``start``, and where the entry ends."""
    m = _ENTRY.match(text, start)
    if not m:
        return [], start
    fields: list[Field] = []
    pos = m.end()
    while True:
        nm = _NAME.match(text, pos)
        if not nm:
            break
        end = _value_end(text, nm.end())
        if end is None:
            break
        name_start = nm.start(1)
        fields.append(
            Field(
                nm.group(1).lower(), name_start, nm.end(2) - name_start, nm.end(), end, text[nm.end() : end]
            )
        )
        comma = re.compile(r"\s*,").match(text, end)
        if not comma:
            pos = end
            break
        pos = comma.end()
    close = re.compile(r"\s*[})]").match(text, pos)
    return fields, close.end() if close else pos


def _escape(url: str) -> str:
    """A URL as a BibTeX field holds it: ``%`` and ``#`` escaped (LaTeX reads them as commands)."""
    return url.replace("%", "\\%").replace("#", "\\#")


def _new_field(text: str, after: Field, name: str, value: str) -> Edit:
    """An edit adding ``name = {value}`` after the field ``after``, laid out like it."""
    line_start = text.rfind("\n", 0, after.start) + 1
    indent = text[line_start : after.start]
    # Aligned like its neighbour: "url          = {...}" gains "note         = {...}".
    label = name.ljust(max(after.name_width, len(name) + 1)) if after.name_width > len(after.name) else name
    sep = text[after.start + after.name_width : after.value_start]  # "= " or "="
    field = f"{label}{sep}{{{value}}}"
    comma = re.compile(r"[ \t]*,").match(text, after.value_end)
    own_line = indent.strip() == ""
    if comma:
        at = comma.end()
        new = f"{newline_of(text)}{indent}{field}," if own_line else f" {field},"
    else:
        at = after.value_end
        new = f",{newline_of(text)}{indent}{field}" if own_line else f", {field}"
    return Edit(at, at, new)


def _append_note(note: Field, addition: str) -> Edit | None:
    """An edit appending ``addition`` to a braced or quoted note; None for a macro or a join."""
    value = note.value
    if len(value) < 2 or value[0] + value[-1] not in ("{}", '""') or "#" in value:
        return None
    inner = value[1:-1].rstrip()
    sep = " " if inner.endswith((".", ";")) or not inner else ". "
    at = note.value_start + 1 + len(inner)
    return Edit(at, at, f"{sep}{addition}" if inner else addition)


def edits(text: str, repairs: list[Repair], options: FixOptions, fmt: str) -> Outcome:
    """The edits that make ``repairs`` in a BibTeX document."""
    out = Outcome()
    starts = line_starts(text)
    entry_starts = [m.start() for m in _ENTRY.finditer(text)]
    used: set[int] = set()
    touched: set[tuple[int, str]] = set()  # (entry start, field added): one new field per entry
    for r in repairs:
        span = out.find(r, text, starts, used, escapes=True)
        if span is None:
            continue
        k = bisect.bisect_left(entry_starts, span[0]) - 1
        entry_start = entry_starts[k] if k >= 0 else None
        if entry_start is None:
            out.unplaced(r, "not inside a BibTeX entry")
            continue
        fields, entry_end = entry_fields(text, entry_start)
        home = next((f for f in fields if f.value_start <= span[0] < f.value_end), None)
        if home is None:
            out.unplaced(r, "not inside a field of its entry")
            continue
        if home.name == "comment" and home.value[1:].startswith(FORMERLY):
            out.already += 1  # the old address a moved fix kept: not a citation to mend again
            continue
        by_name = {f.name: f for f in fields}
        if r.kind == "moved":
            assert r.new_url is not None
            raw = text[span[0] : span[1]]
            new = _escape(r.new_url)
            if "\\_" in raw:
                new = new.replace("_", "\\_")
            if "\\&" in raw:
                new = new.replace("&", "\\&")
            made = [Edit(span[0], span[1], new)]
            if "comment" not in by_name and (entry_start, "comment") not in touched:
                touched.add((entry_start, "comment"))
                made.append(_new_field(text, home, "comment", f"{FORMERLY} \\url{{{_escape(r.cited)}}}"))
            out.place(r, *made)
            continue
        assert r.archive_url is not None
        entry_text = _TEX_ESCAPE.sub(r"\1", text[entry_start:entry_end])
        if r.archive_url in entry_text:
            out.already += 1
            continue
        target = options.bibtex_field.lower()
        if target == "note":
            when = f" on {r.archive_date}" if r.archive_date else ""
            addition = f"Archived at \\url{{{_escape(r.archive_url)}}}{when}"
        else:
            addition = _escape(r.archive_url)
        if (entry_start, target) in touched:
            out.unplaced(r, f"its entry already gains a {target} for another URL: add this one by hand")
            continue
        existing = by_name.get(target)
        if existing is not None:
            edit = _append_note(existing, addition) if target == "note" else None
            if edit is None:
                out.unplaced(r, f"the entry's {target} field cannot take more: add the archived copy by hand")
                continue
        else:
            edit = _new_field(text, home, target, addition)
        touched.add((entry_start, target))
        out.place(r, edit)
    return out
