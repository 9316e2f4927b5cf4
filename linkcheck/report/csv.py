"""The CSV report: one row per citation, for a spreadsheet or a script.

RFC 4180 (comma, double quotes, CRLF), UTF-8. Links no longer cited by any document get one
row with an empty document. Any cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with ``'``: a spreadsheet would otherwise run a citation's text or a
web page's title as a formula (OWASP's "CSV injection").
"""

from __future__ import annotations

import csv
import io

from linkcheck.report import Report, ReportCitation, ReportLink, Suggestion

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
)

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
    ]
    return [neutralise(v) for v in values]


def render(report: Report) -> str:
    """The CSV report with a header row, most severe links first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for link in report.links:
        if not link.citations:
            writer.writerow(_row(link, None))
        for c in link.citations:
            writer.writerow(_row(link, c))
    return buffer.getvalue()
