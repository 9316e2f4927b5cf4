"""Durations as people write them: ``45s``, ``30m``, ``12h``, ``7d``, ``2w``, the one parser.

Every duration linkcheck reads goes through :func:`parse_duration`: ``--older-than``, ``ack --for``,
``summary --since 7d``, a schedule's ``every`` and ``notify.retry_for``; each caller adds only
its own bounds (a schedule runs at most once a minute).
"""

from __future__ import annotations

import datetime as dt
import re

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", re.I)
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
"""Seconds in each unit: s, m, h, d and w."""
UNITS = "s, m, h, d or w"


def duration_seconds(text: str) -> float:
    """A duration such as ``7d``, ``12h``, ``30m``, ``2w`` or ``45s``, in seconds; ValueError when it
    is not one. ``0`` alone means none (``--older-than 0``: every link is due)."""
    if text.strip() == "0":
        return 0.0
    m = _DURATION.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not a duration such as 7d, 12h, 30m, 2w or 45s")
    return float(m.group(1)) * UNIT_SECONDS[m.group(2).lower()]


def parse_duration(text: str) -> dt.timedelta:
    """:func:`duration_seconds` as a timedelta; ValueError past what one can hold (2.7 million years)."""
    seconds = duration_seconds(text)
    try:
        return dt.timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None
