"""Citations from RIS files (Zotero, EndNote, Mendeley and database exports).

Each ``TY`` ... ``ER`` record is one reference. Its URLs come from ``UR`` (one tag may
hold several, one per line or separated by semicolons); only a record without ``UR`` has them
taken from ``L1``/``L2``/``L4``/``LK`` (attachments and related links, usually local file
paths or a PDF copy's address) when they are web addresses; its accessed-on date
from ``Y2`` (Zotero writes ``2022/07/17/10:11:12``, EndNote and Mendeley write the
"Access Date" there too), else from an "Accessed ..."/"Retrieved ..." phrase in a note
(``N1``, ``M1``). ``DA`` is a publication date, never an accessed-on date. A ``DO`` DOI
becomes a citation only with ``include_dois`` and when the record gives no URL.

Records are split and tags read by rispy, made lenient about spacing (``UR - x``) and
taught to remember the line of every tag.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from rispy import RisParser
from rispy.config import LIST_TYPE_TAGS, TAG_KEY_MAPPING

from linkcheck.extract.dates import field_date, note_date
from linkcheck.extract.urls import clean_url, find_urls, is_archive_url
from linkcheck.models import Citation, Extraction, ExtractOptions

FORMAT = "ris"

_TAG_LINE = re.compile(r"^\ufeff?([A-Z][A-Z0-9])[ \t]{1,4}-(?:[ \t]|$)(.*)$")
_TEXT_LIMIT = 300


class _LineRisParser(RisParser):
    """rispy's parser with tags kept as they are, lenient spacing, and a line per value."""

    PATTERN = _TAG_LINE.pattern
    DEFAULT_MAPPING: ClassVar[dict[str, str]] = {tag: tag for tag in TAG_KEY_MAPPING}
    # Every tag may repeat; keep all values (list tags keep them anyway).
    DEFAULT_LIST_TAGS: ClassVar[list[str]] = sorted(
        {*LIST_TYPE_TAGS, "L1", "L2", "L4", "LK", "N1", "M1", "Y2", "DO"}
    )
    DEFAULT_DELIMITER_MAPPING: ClassVar[dict[str, str]] = {}

    def __init__(self) -> None:
        super().__init__(skip_unknown_tags=False)
        self.lineno = 0

    def parse(self, text: str) -> list[dict[str, Any]]:
        """Parse RIS text; every record gets ``_lines``: tag -> [(line, value), ...]."""

        def numbered() -> Iterator[str]:
            for n, line in enumerate(text.split("\n"), start=1):
                self.lineno = n
                yield line.rstrip("\r")

        return self.parse_lines(numbered())

    def parse_line(self, line: str) -> tuple[str, str] | tuple[None, str]:
        """A tag line ``XX  - value`` (any spacing), or a continuation line."""
        m = _TAG_LINE.match(line)
        if m:
            return m.group(1), m.group(2).strip()
        return None, line.strip()

    def _add_tag(
        self, record: dict[str, Any], tag: str, content: str, extend_multiline: bool = False
    ) -> None:
        try:
            super()._add_tag(record, tag, content, extend_multiline)
        except KeyError:
            if not extend_multiline:
                raise
            # rispy takes a continuation line's tag to be in the record already; after a record
            # break (or a tag it dropped) it is not, and rispy raised KeyError (found by fuzzing).
            super()._add_tag(record, tag, content, False)
        if tag is not None:
            record.setdefault("_lines", {}).setdefault(tag, []).append((self.lineno, content))


def sniff(text: str) -> bool:
    """Whether a text looks like RIS: a ``TY  - `` line and a second tag line near its start."""
    head = text[:8192]
    lines = head.splitlines()
    ty = any(re.match(r"^\ufeff?TY[ \t]{1,4}-", line) for line in lines[:50])
    tags = sum(1 for line in lines if _TAG_LINE.match(line))
    return ty and tags >= 2


def extract(text: str, options: ExtractOptions) -> Extraction:
    """Every cited URL of an RIS file, one reference entry per record.

    Raises ValueError when the text holds no RIS record.
    """
    result = Extraction(format=FORMAT)
    body = text.lstrip("\ufeff")
    if not re.search(r"^TY[ \t]{1,4}-", body, re.MULTILINE):
        if body.strip():
            raise ValueError("not valid RIS: no 'TY  - ' record start found")
        return result
    # rispy drops a last record that lacks its ER line; a truncated export still counts.
    last_ty = max(m.start() for m in re.finditer(r"^TY[ \t]{1,4}-", body, re.MULTILINE))
    if not re.search(r"^ER[ \t]{1,4}-", body[last_ty:], re.MULTILINE):
        body += "\nER  - \n"
    records = _LineRisParser().parse(body)
    for record in records:
        result.citations.extend(_record_citations(record, options, result.notes))
    return result


def _values(record: dict[str, Any], *tags: str) -> list[tuple[int, str]]:
    lines: dict[str, list[tuple[int, str]]] = record.get("_lines", {})
    out: list[tuple[int, str]] = []
    for tag in tags:
        out.extend((n, v) for n, v in lines.get(tag, []) if v.strip())
    return out


def _record_citations(record: dict[str, Any], options: ExtractOptions, notes: list[str]) -> list[Citation]:
    found: list[tuple[int, str, str]] = []  # (line, cited, url)

    def add(line: int, cited: str, url: str | None) -> None:
        if url and all(url != u for _, _, u in found):
            found.append((line, cited, url))

    for line, value in _values(record, "UR"):
        for part in re.split(r"[;\s]+", value):
            part = part.strip()
            if part:
                add(line, part, clean_url(part))
    if not found:
        # L1 (file attachments: Zotero writes the PDF's address there), L2 (related links),
        # L4 (figures) and LK are links to copies and related things, not the reference's URL:
        # no citation style prints them, like BibTeX's file or biburl. Only a record with no
        # UR has its web address there (older exports put the full text's link in L2).
        for line, value in _values(record, "L1", "L2", "L4", "LK"):
            for part in re.split(r"[;\s]+", value):
                if re.match(r"https?://", part, re.IGNORECASE):
                    add(line, part, clean_url(part))
    if not found:
        # A URL written in a note when the record has no URL field.
        for line, value in _values(record, "N1", "M1"):
            for u in find_urls(value):
                add(line, u.cited, u.url)
    if not found and options.include_dois:
        for line, value in _values(record, "DO"):
            doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", value.strip(), flags=re.IGNORECASE)
            if re.match(r"10\.\d{4,9}/\S+$", doi):
                add(line, doi, "https://doi.org/" + doi)
                break
    if not found:
        return []
    accessed = _accessed(record, options, notes)
    titles = _values(record, "TI", "T1", "CT", "BT")
    title = titles[0][1] if titles else None
    text = _render(record, title)
    # As in BibTeX: beside an original an archived copy stays undated, but a record whose every
    # address is a copy was read there, and its Y2 dates the copy.
    copies_only = all(is_archive_url(url) for _, _, url in found)
    return [
        Citation(
            cited=cited,
            url=url,
            line=line,
            text=text,
            accessed=accessed if copies_only or not is_archive_url(url) else None,
            title=title,
        )
        for line, cited, url in found
    ]


def _accessed(record: dict[str, Any], options: ExtractOptions, notes: list[str]) -> dt.date | None:
    for line, value in _values(record, "Y2"):
        return field_date(value, options, notes, f"line {line}: Y2")
    for line, value in _values(record, "N1", "M1", "RN"):
        found, d = note_date(value, options, notes, f"line {line}")
        if found:
            return d
    return None


def _render(record: dict[str, Any], title: str | None) -> str:
    """One readable line for the record: authors. title. container. year. URL."""
    parts: list[str] = []
    authors = [v for _, v in _values(record, "AU", "A1")]
    if authors:
        parts.append("; ".join(authors[:4]) + ("; et al" if len(authors) > 4 else ""))
    if title:
        parts.append(title)
    for tag in ("T2", "JO", "JF", "BT", "PB"):
        vals = _values(record, tag)
        if vals:
            parts.append(vals[0][1])
            break
    years = _values(record, "PY", "Y1", "DA")
    if years:
        year = re.match(r"\d{4}", years[0][1])
        if year:
            parts.append(year.group(0))
    urls = _values(record, "UR")
    if urls:
        parts.append(urls[0][1])
    text = " ".join((". ".join(p.rstrip(". ") for p in parts) + ".").split())
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1].rstrip() + "…"
