"""The types that travel through the pipeline, one per stage.

A document yields :class:`Citation` objects (a URL as found, with the reference
around it); the store keeps them and groups them into links by their normal
form; checks give each link a :class:`Verdict`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    """The verdict of one link, derived from its whole check history (CONTRACT.md)."""

    UNCHECKED = "unchecked"
    ALIVE = "alive"
    MOVED = "moved"
    CHANGED = "changed"
    DEAD = "dead"
    FAILING = "failing"
    BLOCKED = "blocked"
    SKIPPED = "skipped"
    INVALID = "invalid"


class DateOrder(StrEnum):
    """How to read an all-numeric date such as 03/04/2019."""

    DMY = "dmy"
    MDY = "mdy"
    YMD = "ymd"


@dataclass(frozen=True, slots=True)
class Citation:
    """One URL as cited in a document, with its reference entry and accessed-on date."""

    cited: str
    """The URL text exactly as the document gives it (a wrapped URL rejoined)."""
    url: str
    """The cited URL cleaned and made absolute: the contract's ``url``."""
    line: int | None
    """1-based line of the URL in the document; None where the format has no lines."""
    text: str
    """The reference entry around the URL, trimmed."""
    accessed: dt.date | None = None
    """The accessed-on date the citation gives, or None."""
    title: str | None = None
    """The cited title, where the format gives one."""


@dataclass(slots=True)
class Extraction:
    """What one document yielded: its format, its citations, and notes for --verbose."""

    format: str
    citations: list[Citation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """How to read documents: settings that seed passes to every extractor."""

    date_order: DateOrder = DateOrder.DMY
    """How to read all-numeric dates."""
    include_dois: bool = False
    """Also cite DOIs given without a URL (``doi:10.x/y``, a bare DOI, a DOI field)."""
    today: dt.date | None = None
    """The date after which an accessed-on date is impossible; None means today."""
