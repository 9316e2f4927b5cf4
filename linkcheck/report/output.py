"""A report in a format, as text or in a file: the one place that knows every format's module.

Each format is a module of this package with a ``render(report)`` function; they are imported
only when asked for, so that the formats not used (Jinja2 for HTML) cost nothing.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import IO, BinaryIO

from linkcheck.fix import write_output, write_output_with
from linkcheck.report import Format, Report, quiet_gc

#: GitHub's limit on the body of a pull-request or issue comment, in characters.
GITHUB_COMMENT_LIMIT = 65_536


def render(
    report: Report,
    fmt: Format,
    *,
    color: bool = False,
    width: int | None = None,
    excel: bool = False,
    max_length: int | None = GITHUB_COMMENT_LIMIT,
) -> str:
    """The report as text in ``fmt``; ``color`` and ``width`` concern the table only, ``excel`` the
    CSV (a byte-order mark) and ``max_length`` the Markdown (None: no limit)."""
    with quiet_gc():
        return _render(report, fmt, color, width, excel, max_length)


def _render(
    report: Report, fmt: Format, color: bool, width: int | None, excel: bool, max_length: int | None
) -> str:
    # Imported here so that the formats not asked for (Jinja2 for HTML) cost nothing.
    if fmt is Format.TABLE:
        from linkcheck.report import table

        return table.render(report, color=color, width=width)
    if fmt is Format.JSON:
        from linkcheck.report import json

        return json.render(report)
    if fmt is Format.CSV:
        from linkcheck.report import csv

        return csv.render(report, excel=excel)
    if fmt is Format.MARKDOWN:
        from linkcheck.report import markdown

        return markdown.render(report, max_length=max_length)
    if fmt is Format.JUNIT:
        from linkcheck.report import junit

        return junit.render(report)
    if fmt is Format.GITHUB:
        from linkcheck.report import github

        return github.render(report)
    from linkcheck.report import html

    return html.render(report)


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (folders are created).

    A reader sees the old file or the new one, never a half-written report.
    """
    # The same bytes as the text with no newline translation; fix writes its output the same way.
    write_output(os.fspath(path), text.encode("utf-8"))


def write_atomic_with(path: str | os.PathLike[str], write: Callable[[IO[str]], object]) -> None:
    """:func:`write_atomic` of what ``write`` writes to the text file it is given (a report in chunks)."""

    def as_text(f: BinaryIO) -> None:
        text = io.TextIOWrapper(f, encoding="utf-8", newline="")
        write(text)
        text.flush()
        text.detach()  # the file is the atomic writer's to close

    write_output_with(os.fspath(path), as_text)
