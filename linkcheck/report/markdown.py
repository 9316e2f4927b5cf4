"""The Markdown report: for CI job summaries, pull-request and issue comments.

Per document, each problem citation with its line, verdict, reason, accessed-on date and
suggested replacement, in GitHub-flavoured Markdown tables. Everything that comes from a
document or the web (URLs, titles, reasons, paths) is escaped, so that it shows as text: it
can open no HTML tag, make no link or image of its own, break no table, start no maths, and
an ``@name`` in a citation mentions nobody.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from linkcheck.fix import suggested_reference
from linkcheck.report import Report, ReportCitation, ReportLink, Suggestion
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
    cells = [
        str(c.line) if c.line is not None else "",
        _verdict(link_),
        link(link_.url),
        _reason(link_),
        text(c.accessed or ""),
        suggestion(c.suggestion),
    ]
    return "| " + " | ".join(cells) + " |"


def render(report: Report) -> str:
    """The Markdown report."""
    lines = [
        "## Link check report",
        "",
        f"{text(totals_line(report.totals))}. Generated {text(report.generated_at)}.",
    ]
    if report.options.since is not None:
        lines[-1] += f" Changes since {text(report.options.since.strftime('%Y-%m-%d %H:%M UTC'))}."
    # A filter chosen by the user says what they want to see; otherwise only what needs action.
    show_all = report.options.only is not None or report.options.since is not None
    clean: list[str] = []
    for document, items in report.by_document():
        shown = [(c, k) for c, k in items if show_all or k.is_problem]
        if not shown:
            clean.append(document)
            continue
        lines += [
            "",
            f"### {text(document)}",
            "",
            "| line | verdict | link | reason | accessed | suggested fix |",
            "| ---: | --- | --- | --- | --- | --- |",
        ]
        lines += [_citation_row(c, k) for c, k in shown]
        fixed = [(c, suggested_reference(c.text, c.cited, c.suggestion)) for c, _ in shown]
        if any(f for _, f in fixed):
            # The whole reference with its fix made, ready to paste over the old one.
            lines += ["", "Copy fixed reference:", ""]
            lines += [f"- line {c.line}: {text(f)}" if c.line else f"- {text(f)}" for c, f in fixed if f]
    orphans = [k for k in report.links if not k.citations and (show_all or k.is_problem)]
    if orphans:
        lines += ["", "### Links no longer cited by any seeded document", ""]
        lines += [f"- {_verdict(k)} {link(k.url)}: {_reason(k)}" for k in orphans]
    if clean:
        lines += ["", "Nothing to fix in: " + ", ".join(text(d) for d in clean) + "."]
    if not report.links:
        lines += ["", "No links to report."]
    return "\n".join(lines) + "\n"
