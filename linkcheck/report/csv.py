"""The CSV report: one row per citation, for a spreadsheet or a script.

RFC 4180 (comma, double quotes, CRLF), UTF-8; with ``--excel`` a byte-order mark first, without
which Excel reads UTF-8 as the local code page and garbles accented text. Rows are grouped by
document (in path order), each in its order of citation; links no longer cited by any document
come last, one row each with an empty document. Any cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with ``'``: a spreadsheet would otherwise run a citation's text or a
web page's title as a formula (OWASP's "CSV injection").
"""

from __future__ import annotations

import csv
import io

from linkcheck.models import Suggestion
from linkcheck.report import Report, ReportCitation, ReportLink

COLUMNS = (
    "document",
    "line",
    "url",
    "verdict",
    "reason",
    "accessed",
    "final_url",
    "archive_url",
    "first_failed",
    "last_checked",
    "suggestion",
    "suggestion_action",
    "http_status",
    "similarity",
    "archive_timestamp",
    "text",
    "confirmation",
    "owner",
    "note",
    "acknowledged_until",
)
BOM = "\ufeff"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell's text, made inert for spreadsheets: a leading formula character gets a ``'``."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _row(link: ReportLink, c: ReportCitation | None) -> list[str]:
    s: Suggestion | None = c.suggestion if c else link.suggestion
    archive_url = (c.archive_url if c else None) or link.archive_url
    archive_timestamp = (c.archive_timestamp if c else None) or link.archive_timestamp
    values: list[object] = [
        c.document if c else None,
        c.line if c else None,
        link.url,
        link.verdict,
        link.reason,
        c.accessed if c else None,
        link.final_url,
        archive_url,
        link.first_failed,
        link.last_checked,
        s.url if s else None,
        s.action if s else None,
        link.http_status,
        link.similarity,
        archive_timestamp,
        c.text if c else None,
        link.confirmation_text or None,
        c.owner if c else None,
        link.note,
        link.acknowledged.get("until") if link.acknowledged else None,
    ]
    return [neutralise(v) for v in values]


def render(report: Report, *, excel: bool = False) -> str:
    """The CSV report with a header row: by document, then position; ``excel`` adds a byte-order mark."""
    buffer = io.StringIO()
    if excel:
        buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for c, link in report.cited:
        writer.writerow(_row(link, c))
    for link in report.links:
        if not link.citations:
            writer.writerow(_row(link, None))
    return buffer.getvalue()
