"""The Markdown report: for CI job summaries, pull-request and issue comments.

Per document, each problem citation with its line, verdict, reason, accessed-on date and
suggested replacement, in GitHub-flavoured Markdown tables. Everything that comes from a
document or the web (URLs, titles, reasons, paths) is escaped, so that it shows as text: it
can open no HTML tag, make no link or image of its own, break no table, start no maths, and
an ``@name`` in a citation mentions nobody.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import quote

from linkcheck.fix import suggested_reference
from linkcheck.models import Suggestion
from linkcheck.report import SEVERITY_RANK, Report, ReportCitation, ReportLink
from linkcheck.report.text import day, linkable, one_line, reason_text, totals_line

# Inline Markdown syntax (emphasis, code, links, raw HTML, tables, strikethrough, entities,
# GitHub's maths): each is shown literally when backslash-escaped (CommonMark, "Backslash escapes").
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$!#])")
# GitHub turns "@name" into a mention, whatever escaping: a zero-width space after the @ stops it.
_MENTION = re.compile(r"@(?=\w)")
# What a link destination may hold as it is; anything else (spaces, brackets, | and `) is
# percent-encoded so that it cannot end the link or the table cell.
_URL_SAFE = "/:?#@!$&'*+,;=%~.-_[]"


def text(value: object) -> str:
    """Any text as inert inline Markdown on one line."""
    return _MENTION.sub("@\u200b", _SPECIAL.sub(r"\\\1", one_line(str(value) if value is not None else "")))


def link(url: str | None, label: str | None = None) -> str:
    """An http(s) URL as a Markdown link; any other as escaped text."""
    if not url:
        return ""
    if not linkable(url):
        return text(url)
    return f"[{text(label or url)}]({quote(one_line(url), safe=_URL_SAFE)})"


def suggestion(s: Suggestion | None) -> str:
    """A fix suggestion for people."""
    if s is None:
        return ""
    if s.url:
        return f"{text(s.note)}: {link(s.url)}"
    return text(s.note)


def _verdict(link_: ReportLink) -> str:
    found = f"**{text(link_.verdict)}**"
    if link_.change is not None:
        found += f" ({text(link_.change)})"
    return found


def _reason(link_: ReportLink) -> str:
    found = text(reason_text(link_.reason, link_.http_status))
    if link_.similarity is not None:
        found += f", similarity {link_.similarity:.2f}"
    if link_.confirmation_text:
        found += f", {text(link_.confirmation_text)}"
    elif link_.first_failed:
        found += f", failing since {text(day(link_.first_failed))}"
    return found


def _citation_row(c: ReportCitation, link_: ReportLink) -> str:
    fix = suggestion(c.suggestion)
    if link_.acknowledged is not None:
        until = text(day(link_.acknowledged.get("until")))
        why = link_.acknowledged.get("note")
        fix = f"acknowledged until {until}" + (f": {text(why)}" if why else "")
    if link_.note:
        fix += ("<br>" if fix else "") + f"note: {text(link_.note)}"
    cells = [
        str(c.line) if c.line is not None else "",
        _verdict(link_),
        link(link_.url),
        _reason(link_),
        text(c.accessed or ""),
        fix,
    ]
    return "| " + " | ".join(cells) + " |"


_TABLE_HEAD = [
    "| line | verdict | link | reason | accessed | suggested fix |",
    "| ---: | --- | --- | --- | --- | --- |",
]


def render(report: Report, max_length: int | None = None) -> str:
    """The Markdown report, at most ``max_length`` characters: when the whole would be longer, the
    most severe problems are kept, in document order, and the rest counted at the end."""
    show_all = report.options.only is not None or report.options.since is not None
    head = [
        "## Link check report" + (f": {text(report.options.owner)}" if report.options.owner else ""),
        "",
        f"{text(totals_line(report.totals))}. Generated {text(report.generated_at)}.",
    ]
    if report.options.since is not None:
        head[-1] += f" Changes since {text(report.options.since.strftime('%Y-%m-%d %H:%M UTC'))}."
    # A filter chosen by the user says what they want to see; otherwise only what needs action.
    rows: list[tuple[str, str, ReportLink]] = []  # (document, row, link)
    fixes: dict[str, list[str]] = {}  # document -> its "copy fixed reference" lines
    clean: list[str] = []
    for document, items in report.by_document():
        shown = [(c, k) for c, k in items if show_all or k.is_problem]
        if not shown:
            clean.append(document)
            continue
        rows += [(document, _citation_row(c, k), k) for c, k in shown]
        fixed = [(c, suggested_reference(c.text, c.cited, c.suggestion)) for c, _ in shown]
        if any(f for _, f in fixed):
            # The whole reference with its fix made, ready to paste over the old one.
            fixes[document] = ["", "Copy fixed reference:", ""] + [
                f"- line {c.line}: {text(f)}" if c.line else f"- {text(f)}" for c, f in fixed if f
            ]
    orphans = [k for k in report.links if not k.citations and (show_all or k.is_problem)]
    tail: list[str] = []
    if clean:
        tail += ["", "Nothing to fix in: " + ", ".join(text(d) for d in clean) + "."]
    if not report.links:
        tail += ["", "No links to report."]
    whole = _assemble(head, rows, orphans, tail, fixes)
    if max_length is None or len(whole) <= max_length:
        return whole
    return _cut(head, rows, orphans, max_length)


def _orphan_line(k: ReportLink) -> str:
    return f"- {_verdict(k)} {link(k.url)}: {_reason(k)}"


def _assemble(head: list[str], rows: list[tuple[str, str, ReportLink]], orphans: list[ReportLink],
              tail: list[str], fixes: dict[str, list[str]] | None = None) -> str:  # fmt: skip
    """The report's lines; ``fixes`` (the whole report only: a cut one has no room) follow the
    table of their document."""
    lines = list(head)
    current = None
    for document, row, _ in rows:
        if document != current:
            if fixes and current is not None:
                lines += fixes.get(current, [])
            lines += ["", f"### {text(document)}", "", *_TABLE_HEAD]
            current = document
        lines.append(row)
    if fixes and current is not None:
        lines += fixes.get(current, [])
    if orphans:
        lines += ["", "### Links no longer cited by any seeded document", ""]
        lines += [_orphan_line(k) for k in orphans]
    lines += tail
    return "\n".join(lines) + "\n"


def _cut(
    head: list[str], rows: list[tuple[str, str, ReportLink]], orphans: list[ReportLink], limit: int
) -> str:
    """The report cut to ``limit`` characters: problems first (most severe first), then the rest."""
    entries = [(doc, row, k, i) for i, (doc, row, k) in enumerate(rows)]
    entries += [("", _orphan_line(k), k, len(rows) + i) for i, k in enumerate(orphans)]
    ranked = sorted(entries, key=lambda e: (not e[2].is_problem, SEVERITY_RANK.get(e[2].verdict, 99), e[3]))
    section = len("\n### \n\n") + sum(len(h) + 1 for h in _TABLE_HEAD)
    orphan_head = len("\n### Links no longer cited by any seeded document\n\n")
    budget = limit - sum(len(h) + 1 for h in head) - 200  # the closing note's room
    kept: set[int] = set()
    opened: set[str] = set()
    for doc, row, _k, i in ranked:
        cost = len(row) + 1
        if doc not in opened:
            cost += orphan_head if doc == "" else section + len(text(doc))
        if cost > budget:
            continue
        budget -= cost
        kept.add(i)
        opened.add(doc)
    left = [e for e in entries if e[3] not in kept]
    body = _assemble(
        head,
        [(doc, row, k) for doc, row, k, i in entries if i in kept and i < len(rows)],
        [k for doc, row, k, i in entries if i in kept and i >= len(rows)],
        [],
    )
    problems = sum(1 for e in left if e[2].is_problem)
    counts = Counter(e[2].verdict for e in left)
    what = ", ".join(f"{n} {v}" for v, n in sorted(counts.items(), key=lambda x: SEVERITY_RANK.get(x[0], 99)))
    note = (
        f"\n**{len(left)} more not shown** ({what}; {problems} of them problems): the report was cut to "
        f"{limit:,} characters. The full report is in the job's artifacts or `linkcheck summary`.\n"
    )
    return body + note
