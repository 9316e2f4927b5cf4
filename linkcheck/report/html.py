"""The HTML report: one self-contained page (no external assets: it works offline and from a
CI artifact), built with Jinja2 and autoescaping.

Totals with a small inline SVG chart of verdicts, a section per document with each problem
link (citation text, accessed-on date, reason, first failed, final URL, archived copy,
suggested fix), and a table of every link that inline JavaScript sorts, filters and shows a
page at a time.

Built to stay quick at 100,000 links (the page loads in Chromium in under 5 s): the
table's rows travel as one JSON array (``<script type="application/json">``, never run) and
only a page of them (:data:`PAGE` rows, most severe first) is ever in the document; the
problem cards are at most :data:`CARDS_PER_DOCUMENT` a document and :data:`CARDS` in all, the
rest counted with a pointer to the table, which lists every link.

Text from documents and the web is escaped by Jinja2's autoescaping; only http(s) URLs become
links (a cited ``javascript:`` URL stays text). A Content-Security-Policy allows no network
access at all and runs only the report's own script (by nonce): even a slip in escaping could
neither run an injected script nor fetch anything.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import jinja2
from markupsafe import Markup, escape

from linkcheck import __version__
from linkcheck.fix import suggested_reference
from linkcheck.models import Verdict
from linkcheck.report import SEVERITY_RANK, Report, ReportCitation, ReportLink
from linkcheck.report.text import day, linkable, one_line, reason_text, totals_line

#: Colours of the verdicts in the chart and badges (readable on white, distinct for the common
#: kinds of colour blindness as far as nine colours can be).
COLOURS: dict[str, str] = {str(v): v.traits.colour for v in Verdict.by_severity()}

#: Citations listed per link in the table before "+N more": a link cited a hundred times stays one row.
MAX_CITED = 3
#: Rows of the table in the document at once (the others are a page away).
PAGE = 200
#: Problem cards shown per document, and in all: past these, a document's problems are counted
#: and found in the table (a card is about 40 elements: 20,000 of them take seconds to lay out).
CARDS_PER_DOCUMENT = 25
CARDS = 2000


@dataclass(frozen=True, slots=True)
class Bar:
    """One verdict's segment of the chart."""

    verdict: str
    count: int
    x: float
    width: float
    colour: str


def chart(totals: dict[str, int], width: float = 600.0) -> list[Bar]:
    """The segments of a stacked bar of verdicts, in severity order, ``width`` units long in all."""
    counts = [(v, n) for v, n in totals.items() if v not in ("links", "citations") and n]
    total = sum(n for _, n in counts) or 1
    bars, x = [], 0.0
    for verdict, n in counts:
        w = width * n / total
        bars.append(Bar(verdict, n, round(x, 2), round(w, 2), COLOURS.get(verdict, "#999999")))
        x += w
    return bars


class Problem(NamedTuple):
    """One problem citation as its card in a document's section shows it (all text, unescaped)."""

    verdict: str
    href: str | None
    url: str
    line: int | None
    change: str
    title: str
    text: str
    accessed: str
    reason: str
    first_failed: str
    last_checked: str
    final_href: str | None
    final_url: str
    similarity: str
    archive_href: str | None
    archive_url: str
    archive_timestamp: str
    fix_note: str
    fix_href: str | None
    fix_url: str
    fixed_reference: str = ""
    """The reference with the suggested fix made, for people to copy ("" when none)."""


def _href(url: str | None) -> str | None:
    """The URL to put in an ``href``: http(s) only, or None (shown as text, never followed)."""
    return one_line(url) if linkable(url) else None


def _reason(link: ReportLink) -> str:
    """The reason; for a failing link how far its confirmation has come; the link's acknowledgement
    and note (``linkcheck ack``, ``linkcheck note``)."""
    found = reason_text(link.reason, link.http_status)
    if link.confirmation_text:
        found += f"; {link.confirmation_text}"
    if link.acknowledged is not None:
        why = link.acknowledged.get("note")
        found += f"; acknowledged until {day(link.acknowledged.get('until'))}" + (
            f": {one_line(why)}" if why else ""
        )
    if link.note:
        found += f"; note: {one_line(link.note)}"
    return found


def _problem(c: ReportCitation, link: ReportLink) -> Problem:
    final = link.final_url if link.final_url and link.final_url != link.url else None
    archive = c.archive_url or link.archive_url
    stamp = (c.archive_timestamp if c.archive_url else None) or (link.archive_timestamp if archive else None)
    s = c.suggestion
    return Problem(
        verdict=link.verdict,
        href=_href(link.url),
        url=one_line(link.url),
        line=c.line,
        change=f"{link.change}, was {link.previous_verdict}" if link.change else "",
        title=one_line(link.title),
        text=c.text,
        accessed=c.accessed or "no date given",
        reason=_reason(link),
        first_failed=link.first_failed or "",
        last_checked=link.last_checked or "",
        final_href=_href(final),
        final_url=one_line(final),
        similarity=f"{link.similarity:.2f}" if link.similarity is not None else "",
        archive_href=_href(archive),
        archive_url=one_line(archive),
        archive_timestamp=stamp or "",
        fix_note=s.note if s else "",
        fix_href=_href(s.url) if s else None,
        fix_url=one_line(s.url) if s else "",
        fixed_reference=suggested_reference(c.text, c.cited, s),
    )


def _cited(link: ReportLink) -> Markup:
    """The "cited in" cell: ``document:line (accessed)`` per citation, a few at most.

    Built here rather than in the template for speed (a loop per row doubles the page's time);
    every string in it goes through :func:`markupsafe.escape`, the template's own escaping.
    """
    parts = []
    for c in link.citations[:MAX_CITED]:
        where = escape(c.document) if c.line is None else f"{escape(c.document)}:{c.line:d}"
        if c.accessed:
            where = f'{where} <span class="muted">({escape(c.accessed)})</span>'
        parts.append(where)
    if len(link.citations) > MAX_CITED:
        parts.append(f'<span class="muted">+{len(link.citations) - MAX_CITED:d} more</span>')
    return Markup("<br>".join(parts))


@cache
def _row_start(verdict: str) -> Markup:
    """The start of a table row up to its verdict cell: the same for every link with ``verdict``."""
    rank = SEVERITY_RANK.get(verdict, len(SEVERITY_RANK))
    return Markup(
        '<tr data-verdict="{v}"><td data-sort="{rank:d}"><span class="badge v-{v}">{v}</span></td>'
    ).format(v=verdict, rank=rank)


def _row(link: ReportLink) -> tuple[object, ...]:
    """One row of the table of every link, as the template unpacks it (all text escaped there)."""
    s = link.suggestion
    url = one_line(link.url)
    fix = one_line(s.url) if s and s.url else ""
    return (
        _row_start(link.verdict),
        url if linkable(url) else None,
        url,
        one_line(link.title),
        _reason(link),
        _cited(link),
        day(link.last_checked),
        day(link.first_failed),
        fix if linkable(fix) else None,
        fix,
    )


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment: templates shipped in the package, autoescaping always on."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("linkcheck.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _data_row(link: ReportLink) -> list[object]:
    """One row of the table as the page's script builds it: plain values, escaped by the DOM."""
    s = link.suggestion
    url = one_line(link.url)
    fix = one_line(s.url) if s and s.url else ""
    cited = [[c.document, c.line, c.accessed] for c in link.citations[:MAX_CITED]]
    return [
        SEVERITY_RANK.get(link.verdict, len(SEVERITY_RANK)), link.verdict, url, _href(url),
        one_line(link.title), _reason(link), cited, max(len(link.citations) - MAX_CITED, 0),
        day(link.last_checked), day(link.first_failed), fix, _href(fix),
    ]  # fmt: skip


def _script_json(value: object) -> Markup:
    """``value`` as JSON safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` can end it or
    open a comment (each is written as its ``\\u`` escape, which JSON.parse reads back)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render(report: Report) -> str:
    """The HTML report as one page."""
    documents = []
    budget = CARDS
    for document, items in report.by_document():
        problems = [(c, k) for c, k in items if k.is_problem]
        if problems:
            shown = min(len(problems), CARDS_PER_DOCUMENT, budget)
            budget -= shown
            cards = [_problem(c, k) for c, k in problems[:shown]]
            documents.append((one_line(document), cards, len(items), len(problems) - shown))
    orphans = [
        (k.verdict, _href(k.url), one_line(k.url), reason_text(k.reason, k.http_status))
        for k in report.links
        if not k.citations and k.is_problem
    ]
    rows = [_row(k) for k in report.links[:PAGE]]
    data = _script_json([_data_row(k) for k in report.links])
    totals = report.totals
    template = environment().get_template("report.html.j2")
    return template.render(
        generated_at=report.generated_at,
        summary=totals_line(totals),
        totals=totals,
        verdict_totals=[(v, n) for v, n in totals.items() if v not in ("links", "citations")],
        bars=chart(totals),
        colours=COLOURS,
        documents=documents,
        orphans=orphans,
        rows=rows,
        data=data,
        page=PAGE,
        since=report.options.since.strftime("%Y-%m-%d %H:%M UTC") if report.options.since else None,
        nonce=secrets.token_urlsafe(16),
        version=__version__,
    )
