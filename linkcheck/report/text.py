"""Small text helpers the formats share: making web text safe to show and dates short."""

from __future__ import annotations

import re

# C0 and C1 control characters (ESC starts terminal escape sequences) and the bidi overrides
# that can make a URL read backwards: never shown as they are.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+")
_SPACE = re.compile(r"\s+")

SAFE_SCHEMES = ("http://", "https://")


def one_line(text: str | None) -> str:
    """``text`` on one line: control characters and runs of white space become one space."""
    if not text:
        return ""
    if text.isprintable() and "  " not in text:
        # The common case, without regular expressions: no control character, no white space
        # but single ASCII spaces (str.isprintable is False for every other space and control).
        return text.strip()
    return _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()


def linkable(url: str | None) -> bool:
    """May ``url`` be made a link in a report? Only http and https: never ``javascript:`` or ``data:``."""
    return bool(url) and url.lower().startswith(SAFE_SCHEMES)  # type: ignore[union-attr]


def day(timestamp: str | None) -> str:
    """The date part of a stored ``YYYY-MM-DDTHH:MM:SSZ`` time, or an empty string."""
    return timestamp[:10] if timestamp else ""


def reason_text(reason: str | None, http_status: int | None) -> str:
    """``not-found (HTTP 404)``; ``not checked`` for a link with no check yet."""
    if not reason:
        return "not checked"
    return f"{reason} (HTTP {http_status})" if http_status else reason


def count(n: int, noun: str) -> str:
    """``1 link``, ``2 links``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def totals_line(totals: dict[str, int]) -> str:
    """``10 links in 11 citations: 3 dead, 7 alive`` (a report's totals in words)."""
    verdicts = ", ".join(f"{n} {v}" for v, n in totals.items() if v not in ("links", "citations"))
    head = f"{count(totals['links'], 'link')} in {count(totals['citations'], 'citation')}"
    return f"{head}: {verdicts}" if verdicts else head
