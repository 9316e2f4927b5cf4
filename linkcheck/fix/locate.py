"""Finding a citation in a document's text: where its URL is written, inside what, and where
its paragraph ends. Shared by every format's editor in :mod:`linkcheck.fix`."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence


def line_starts(text: str) -> list[int]:
    """Offsets at which each line begins (index 0 is line 1)."""
    starts = [0]
    pos = text.find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


def newline_of(text: str) -> str:
    """The document's own line ending: ``\\r\\n`` when its first line ends so, else ``\\n``."""
    pos = text.find("\n")
    return "\r\n" if pos > 0 and text[pos - 1] == "\r" else "\n"


def line_of(starts: Sequence[int], pos: int) -> int:
    """The 1-based line of offset ``pos``."""
    return bisect.bisect_right(starts, pos)


def choose(
    spans: Sequence[tuple[int, int]], starts: Sequence[int], line: int | None, used: set[int]
) -> tuple[int, int] | None:
    """Of ``spans`` not yet ``used`` (by start), the one on ``line`` or nearest to it (the first
    when the line is unknown); None when there is none. The choice is added to ``used``."""
    free = [s for s in spans if s[0] not in used]
    if not free:
        return None
    best = free[0] if line is None else min(free, key=lambda s: abs(line_of(starts, s[0]) - line))
    used.add(best[0])
    return best


def url_pattern(cited: str, *, escapes: bool = False) -> re.Pattern[str]:
    """A pattern for a URL as written: ``escapes`` allows a backslash before punctuation (Markdown's
    ``\\_``), and the URL may be wrapped over two lines."""
    parts = []
    for ch in cited:
        piece = re.escape(ch)
        if escapes and not ch.isalnum():
            piece = r"\\?" + piece
        parts.append(piece)
    body = r"(?:[ \t]*\r?\n[ \t]*)?".join(parts) if len(cited) < 400 else "".join(parts)
    # Whole URLs only: not the start of a longer one (x.org/a in x.org/a.html), nor its tail.
    return re.compile(_NOT_AFTER_URL + body + _NOT_BEFORE_MORE)


_NOT_AFTER_URL = r"(?<![\w./-])"
_NOT_BEFORE_MORE = r"(?![^\s<>\"'`()\[\]{}|^]*\w)"
_MORE = re.compile(r"[^\s<>\"'`()\[\]{}|^]*\w")

#: Lines searched around a citation's line before the whole document: a reference's URL is on
#: its line (an HTML anchor's tag may open a few lines above its text).
_NEAR_BEFORE = 5
_NEAR_AFTER = 20


def _literal_spans(text: str, cited: str, lo: int, hi: int, used: set[int]) -> list[tuple[int, int]]:
    """Where ``cited`` is written as it is, whole, between ``lo`` and ``hi`` (what :func:`url_pattern`
    finds, without compiling a pattern: the common case, fast)."""
    found = []
    pos = text.find(cited, lo, hi)
    while pos >= 0 and cited:
        end = pos + len(cited)
        before = text[pos - 1] if pos else " "
        whole = not (before.isalnum() or before in "_./-") and not _MORE.match(text, end)
        if whole and pos not in used:
            found.append((pos, end))
        pos = text.find(cited, pos + 1, hi)
    return found


def find_spans(
    text: str,
    starts: Sequence[int],
    cited: str,
    line: int | None,
    used: set[int] = frozenset(),  # type: ignore[assignment]
    *,
    escapes: bool = False,
) -> list[tuple[int, int]]:
    """Where the URL ``cited`` is written, but not at the ``used`` starts: near ``line`` when it is
    there, else anywhere; as it is, else escaped or wrapped (:func:`url_pattern`). Searching near
    the line first, and compiling a pattern only when the plain URL is not there, keeps a fix of
    thousands of references from costing a whole-document scan and a compile for each one."""
    windows = []
    if line is not None and 0 < line <= len(starts):
        lo = starts[max(0, line - 1 - _NEAR_BEFORE)]
        hi_line = line - 1 + _NEAR_AFTER
        windows.append((lo, starts[hi_line] if hi_line < len(starts) else len(text)))
    windows.append((0, len(text)))
    for lo, hi in windows:
        found = _literal_spans(text, cited, lo, hi, used)
        if not found:
            pattern = url_pattern(cited, escapes=escapes)
            found = [m.span() for m in pattern.finditer(text, lo, hi) if m.start() not in used]
        if found:
            return found
    return []


def innermost(spans: Sequence[tuple[int, int]], starts: Sequence[int], pos: int) -> int | None:
    """Index of the innermost of ``spans`` (nested or apart, sorted by start, their starts in
    ``starts``) that holds ``pos``; None when none does."""
    k = bisect.bisect_left(starts, pos) - 1
    while k >= 0:
        if spans[k][1] > pos:
            return k  # the nearest start holding pos: any span inside it would start later
        k -= 1
    return None


def masked(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with what ``pattern`` matches (comments, scripts) blanked, offsets kept: a search
    in it finds only what a reader sees, at the offsets of ``text``."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def block_end(text: str, pos: int) -> int:
    """Where the paragraph holding ``pos`` ends: the next blank line (looked for in the next 2,000
    characters), or the end of the text."""
    limit = min(len(text), pos + 2000)  # a reference is shorter: never scan a whole document
    m = _BLANK_LINE.search(text, pos, limit)
    return m.start() if m else limit


_BLANK_LINE = re.compile(r"\r?\n[ \t]*\r?\n")


_MD_TARGET_REST = re.compile(r">?(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*\)")
_MD_DEFINITION = re.compile(r"(?m)^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?$")
_RST_TARGET_REST = re.compile(r">`__?")
_RST_DEFINITION = re.compile(r"(?m)^[ \t]*\.\.[ \t]+_[^:\n]+:[ \t]*$")


def link_end(fmt: str, text: str, start: int, end: int) -> int | None:
    """Where the link holding the URL at ``text[start:end]`` ends; None for a link definition."""
    before = text[max(0, start - 3) : start]
    line_start = text.rfind("\n", 0, start) + 1
    if fmt == "markdown":
        if _MD_DEFINITION.match(text, line_start, start):
            return None
        if before.endswith(("](", "](<")):
            m = _MD_TARGET_REST.match(text, end)
            return m.end() if m else end
        if before.endswith("<") and text.startswith(">", end):
            return end + 1
        if text.startswith("](", end):
            close = text.find(")", end + 2)
            return close + 1 if close >= 0 and "\n\n" not in text[end:close] else end
        return _after_brackets(text, start, end)
    if fmt == "rst":
        if _RST_DEFINITION.match(text, line_start, start):
            return None
        if before.endswith("<"):
            m = _RST_TARGET_REST.match(text, end)
            return m.end() if m else end
    return _after_brackets(text, start, end)


def _after_brackets(text: str, start: int, end: int) -> int:
    """After the brackets that enclose a bare URL (``[URL]``, ``(URL)``, ``<URL>``), else its end:
    the archived copy goes beside the bracketed URL, not inside the brackets."""
    if start > 0 and end < len(text) and text[start - 1] + text[end] in ("[]", "()", "<>"):
        return end + 1
    return end
