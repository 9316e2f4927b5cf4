"""The terminal report: grouped by severity (dead, failing, changed, moved, blocked, then the
rest), fitted to the terminal's width, coloured on a terminal and plain when piped.

From :data:`WIDE` columns up, Rich tables with the reason, where each link is cited and the
suggested fix. Narrower, one line per link (reason, first citation, URL), because a table of
four folded columns at 80 columns takes seven lines a link: paths keep their end (the file name
and line), URLs lose ``https://`` and keep their host and the end of their path, nothing is
folded, and on a terminal each URL is a hyperlink (OSC 8) to the whole of it.

Every cell is a :class:`rich.text.Text` built from one-line, control-free text: Rich would read
``[bold]`` in a page title as markup, and a terminal would obey an escape sequence in one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from itertools import groupby

from rich import box
from rich.console import Console, Group
from rich.style import Style
from rich.table import Table
from rich.text import Text

from linkcheck.models import Verdict
from linkcheck.report import Report, ReportLink
from linkcheck.report.text import day, linkable, one_line, reason_text, totals_line

#: Rich style of each verdict, most severe first.
STYLES: dict[str, str] = {str(v): v.traits.style for v in Verdict.by_severity()}

#: Citations listed per link before "+N more": a link cited a hundred times stays one row.
MAX_CITED = 3
#: Terminal width from which the report is tables; below it, one line per link.
WIDE = 120


def shorten(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, cut in the middle (``http://host/…/page``)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head = (width - 1) // 2
    tail = width - 1 - head
    return text[:head] + "…" + text[len(text) - tail :]


def shorten_left(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, keeping its end (a path's file name and line)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    kept = text[len(text) - width + 1 :]
    # Whole folder names or none: "…/references.bib:75", not "…e/references.bib:75".
    slash = kept.find("/")
    if 0 <= slash < len(kept) - 1:
        kept = kept[slash:]
    return "…" + kept


def _where(link: ReportLink) -> str:
    if not link.citations:
        return "no longer cited"
    c = link.citations[0]
    where = one_line(c.document) + (f":{c.line}" if c.line is not None else "")
    return where + (f" +{len(link.citations) - 1}" if len(link.citations) > 1 else "")


def _where_in(link: ReportLink, width: int) -> str:
    """Where a link is cited, in ``width`` characters: the path, else ``…/`` and the file name."""
    where = _where(link)
    if len(where) <= width or "/" not in where:
        return shorten_left(where, width)
    name = "…/" + where.rsplit("/", 1)[1]
    # Too long even alone: its start and its end (extension and line) say more than either.
    return name if len(name) <= width else shorten(where.rsplit("/", 1)[1], width)


def _compact_reason(link: ReportLink) -> str:
    # The status first: a column of 404s and 403s is read at a glance.
    found = f"{link.http_status} " if link.http_status else ""
    found += one_line(link.reason) or "not checked"
    if link.acknowledged is not None:
        found += " (ack)"
    return found


def shorten_url(url: str, width: int) -> str:
    """A URL for a narrow line: without ``https://``, and when still too long, its host, an ellipsis
    and the end of its path (``www.gov.uk/…/annual-report-2019``), which tell links apart."""
    shown = url.split("://", 1)[1] if url.lower().startswith(("https://", "http://")) else url
    if len(shown) <= width:
        return shown
    host, slash, rest = shown.partition("/")
    if not slash or len(host) + 8 > width:
        return shorten(shown, width)
    return host + "/…" + rest[len(rest) - (width - len(host) - 2) :]


@dataclass(frozen=True, slots=True)
class _Columns:
    reason: int
    where: int
    url: int


def _columns(links: list[ReportLink], width: int) -> _Columns:
    """Widths for the one-line layout, the same for every group: the URL gets what is left."""
    reason = min(max((len(_compact_reason(k)) for k in links), default=0), max(12, width // 6))
    where = min(max((len(_where(k)) for k in links), default=0), max(14, width // 3))
    return _Columns(reason, where, max(12, width - 2 - reason - 2 - where - 2))


def _compact(
    console: Console, verdict: str, links: list[ReportLink], style: str, cols: _Columns, color: bool
) -> None:
    console.print(Text(f"{verdict} ({len(links)})", style=style))
    for link in links:
        reason = _compact_reason(link)
        reason = reason if len(reason) <= cols.reason else reason[: cols.reason - 1] + "…"
        line = Text("  ")
        line.append(f"{reason:<{cols.reason}}  ")
        line.append(f"{_where_in(link, cols.where):<{cols.where}}  ", style="dim" if color else "")
        url = one_line(link.url)
        link_style = Style(link=url) if color and linkable(url) else Style()
        line.append(
            shorten_url(url, cols.url), style=Style.parse(style) + link_style if style else link_style
        )
        console.print(line, no_wrap=True, overflow="ignore", crop=False)


def _cited(link: ReportLink) -> Text:
    lines = []
    for c in link.citations[:MAX_CITED]:
        where = one_line(c.document) + (f":{c.line}" if c.line is not None else "")
        lines.append(where + (f" (accessed {one_line(c.accessed)})" if c.accessed else ""))
    if len(link.citations) > MAX_CITED:
        lines.append(f"+{len(link.citations) - MAX_CITED} more")
    if not link.citations:
        lines.append("no longer cited")
    return Text("\n".join(lines))


def _reason(link: ReportLink) -> Text:
    parts = [reason_text(one_line(link.reason), link.http_status)]
    if link.similarity is not None:
        parts.append(f"similarity {link.similarity:.2f}")
    if link.confirmation_text:
        parts.append(link.confirmation_text)
    elif link.first_failed:
        parts.append(f"since {day(link.first_failed)}")
    if link.change is not None:
        parts.append(f"{link.change} (was {link.previous_verdict})")
    if link.acknowledged is not None:
        why = link.acknowledged.get("note")
        parts.append(
            f"acknowledged until {day(link.acknowledged.get('until'))}"
            + (f": {one_line(why)}" if why else "")
        )
    if link.note:
        parts.append(f"note: {one_line(link.note)}")
    return Text("\n".join(parts))


def _fix(link: ReportLink) -> Text:
    s = link.suggestion
    if s is None:
        return Text("")
    return Text(one_line(s.url) if s.url else one_line(s.note))


def _group_table(
    verdict: str, links: list[ReportLink], style: str, color: bool = False, width: int = 160
) -> Table:
    table = Table(
        title=Text(f"{verdict} ({len(links)})", style=style),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        expand=True,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("link", overflow="fold", ratio=4, style=style)
    table.add_column("reason", overflow="fold", ratio=2)
    # Paths are cut with an ellipsis rather than folded mid-word (a path is read as a whole).
    # As wide as the longest path (up to a third of the line), so that paths are whole.
    longest = max((len(line) for k in links for line in _cited(k).plain.splitlines()), default=8)
    table.add_column("cited in", overflow="ellipsis", width=min(longest, width // 3))
    has_fix = any(k.suggestion for k in links)
    if has_fix:
        table.add_column("suggested fix", overflow="fold", ratio=3)
    for link in links:
        url = one_line(link.url)
        shown = Text(url, style=Style(link=url) if color and linkable(url) else "")
        if link.final_url and link.final_url != link.url and Verdict(link.verdict).traits.follows:
            shown.append(f"\n→ {one_line(link.final_url)}", style="dim")
        cells = [shown, _reason(link), _cited(link)]
        if has_fix:
            cells.append(_fix(link))
        table.add_row(*cells)
    return table


def render(report: Report, *, color: bool = False, width: int | None = None) -> str:
    """The report as tables, one per verdict, most severe first; ANSI colours when ``color``."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or 100,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        markup=False,
    )
    head = totals_line(report.totals)
    if report.options.since is not None:
        head += f" (changes since {report.options.since.strftime('%Y-%m-%d %H:%M UTC')})"
    console.print(Text(head, style="bold"))
    cols = _columns(report.links, console.width) if console.width < WIDE else None
    # The report's links are already in severity order, so each verdict is one run.
    for verdict, group in groupby(report.links, key=lambda k: k.verdict):
        style = STYLES.get(verdict, "")
        console.print()
        if cols is not None:
            _compact(console, verdict, list(group), style, cols, color)
        else:
            console.print(Group(_group_table(verdict, list(group), style, color, console.width)))
    return buffer.getvalue()
