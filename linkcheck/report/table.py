"""The terminal report: Rich tables grouped by severity (dead, failing, changed, moved, blocked,
then the rest), folded to the terminal's width, coloured on a terminal and plain when piped.

Every cell is a :class:`rich.text.Text` built from one-line, control-free text: Rich would read
``[bold]`` in a page title as markup, and a terminal would obey an escape sequence in one.
"""

from __future__ import annotations

import io
from itertools import groupby

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from linkcheck.report import Report, ReportLink
from linkcheck.report.text import day, one_line, reason_text, totals_line

STYLES: dict[str, str] = {
    "dead": "bold red",
    "failing": "yellow",
    "changed": "magenta",
    "moved": "cyan",
    "blocked": "dark_orange",
    "invalid": "red",
    "skipped": "dim",
    "unchecked": "dim",
    "alive": "green",
}

#: Citations listed per link before "+N more": a link cited a hundred times stays one row.
MAX_CITED = 3


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
    return Text("\n".join(parts))


def _fix(link: ReportLink) -> Text:
    s = link.suggestion
    if s is None:
        return Text("")
    return Text(one_line(s.url) if s.url else one_line(s.note))


def _group_table(verdict: str, links: list[ReportLink], style: str) -> Table:
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
    table.add_column("cited in", overflow="fold", ratio=3)
    has_fix = any(k.suggestion for k in links)
    if has_fix:
        table.add_column("suggested fix", overflow="fold", ratio=3)
    for link in links:
        shown = Text(one_line(link.url))
        if link.final_url and link.final_url != link.url and link.verdict in ("moved", "alive"):
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
    # The report's links are already in severity order, so each verdict is one run.
    for verdict, group in groupby(report.links, key=lambda k: k.verdict):
        style = STYLES.get(verdict, "")
        console.print()
        console.print(Group(_group_table(verdict, list(group), style)))
    return buffer.getvalue()
