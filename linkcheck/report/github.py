"""GitHub Actions annotations: each broken citation shows on its line of the document in a pull request.

One workflow command per problem citation, ``::error file=PATH,line=N,title=...::MESSAGE`` for dead
links and ``::warning`` for the other problems (failing, changed, moved, blocked), as GitHub
documents them: https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
Acknowledged links are not annotated. Values are escaped as the runner expects (``%``, CR, LF, and in
properties ``:`` and ``,``), so text from a document or a web page can never end a command or
start another one.
"""

from __future__ import annotations

from linkcheck.models import Verdict
from linkcheck.report import Report, ReportCitation, ReportLink
from linkcheck.report.text import one_line, reason_text, totals_line


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _message(c: ReportCitation | None, link: ReportLink) -> str:
    parts = [f"{link.verdict}: {one_line(link.url)} ({reason_text(link.reason, link.http_status)})"]
    s = (c.suggestion if c is not None else None) or link.suggestion
    if s is not None:
        parts.append(f"{s.note}: {one_line(s.url)}" if s.url else s.note)
    if link.note:
        parts.append(f"note: {one_line(link.note)}")
    return "; ".join(parts)


def annotation(c: ReportCitation | None, link: ReportLink) -> str:
    """One workflow command for a problem citation (or a problem link cited nowhere any more)."""
    level = "error" if link.verdict == Verdict.DEAD else "warning"
    props = []
    if c is not None:
        props.append(f"file={_property(c.document)}")
        if c.line is not None:
            props.append(f"line={c.line}")
    props.append(f"title={_property(f'linkcheck: {link.verdict} link')}")
    return f"::{level} {','.join(props)}::{_data(_message(c, link))}"


def render(report: Report) -> str:
    """Annotations for every problem citation in document order, then a notice with the totals."""
    lines = [annotation(c, link) for c, link in report.cited if link.is_problem]
    lines += [annotation(None, link) for link in report.links if link.is_problem and not link.citations]
    lines.append(f"::notice title=linkcheck::{_data(totals_line(report.totals))}")
    return "\n".join(lines) + "\n"
