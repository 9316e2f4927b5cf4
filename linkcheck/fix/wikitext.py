"""Fixes in MediaWiki wikitext, written as InternetArchiveBot writes them.

* A citation template (``{{cite web}}``, ``{{cite news}}``, ``{{citation}}``, ...) gains
  ``archive-url=``, ``archive-date=`` and ``url-status=dead`` (``url-status=live`` for a page
  that changed: the archived copy is what the author saw, the live page still answers). The
  archive date follows the style of the template's own access date (``8 September 2017``,
  ``September 8, 2017`` or ``2017-09-08``).
* German ``{{Internetquelle}}`` gains ``archiv-url=``, ``archiv-datum=``
  (``2017-09-08``) and, for a dead link, ``offline=ja``.
* A plain link (``[url title]`` or a bare URL) in prose gets ``{{webarchive |url=... |date=...}}``
  right after it, or on a German page ``{{Webarchiv |url=... |wayback=... |text=Archivversion}}``.

Parameters are added with mwparserfromhell (the parser that seeds the page), which lays them
out like the template's other parameters; only the template's own text is replaced. A moved
link's URL is replaced where it is written.
"""

from __future__ import annotations

import datetime as dt
import re

import mwparserfromhell
from mwparserfromhell.nodes import ExternalLink, Template

from linkcheck.fix import Edit, FixOptions, Outcome, Repair
from linkcheck.fix.locate import innermost, line_starts, masked
from linkcheck.models import Verdict

# {{Literatur}} names its parameters otherwise (Online=, Abruf=): left to do by hand.
_GERMAN_TEMPLATES = ("internetquelle",)
_ARCHIVE_PARAMS = ("archive-url", "archiveurl", "archiv-url")
_WAYBACK = re.compile(r"/web/(\d{14})")
_HIDDEN = re.compile(r"<!--.*?(?:-->|\Z)|<nowiki>.*?</nowiki>", re.DOTALL | re.IGNORECASE)


def _name(t: Template) -> str:
    name = re.sub(r"<!--.*?-->", "", str(t.name), flags=re.DOTALL).strip().lower().replace("_", " ")
    return re.sub(r"^(?:template|vorlage)\s*:\s*", "", name)


def _kind(t: Template) -> str | None:
    """``en`` for an English citation template, ``de`` for a German one, else None."""
    name = _name(t)
    if name.startswith(("cite", "vcite")) or name in ("citation", "web cite", "wikicite"):
        return "en"
    if name in _GERMAN_TEMPLATES:
        return "de"
    return None


def _param(t: Template, *names: str) -> str | None:
    """The value of the first parameter of ``t`` named one of ``names`` (spaces, case and
    underscores as the extractor reads them)."""
    for p in t.params:
        key = re.sub(r"[\s_]+", "-", str(p.name).strip().lower())
        if key in names:
            return str(p.value).strip()
    return None


def _styled(date: str, access: str | None) -> str:
    """An ISO date in the style of the template's access date."""
    d = dt.date.fromisoformat(date)
    if access and re.match(r"^\d{1,2} [A-Za-z]+ \d{4}$", access):
        return f"{d.day} {d:%B %Y}"
    if access and re.match(r"^[A-Za-z]+ \d{1,2}, \d{4}$", access):
        return f"{d:%B} {d.day}, {d.year}"
    return date


def _spans(text: str, nodes: list[object]) -> list[tuple[int, int, object]]:
    """Source spans of nodes listed in document order (an outer node before those inside it), in
    ``text`` with comments and ``<nowiki>`` blanked."""
    found = []
    cursor = 0
    for node in nodes:
        s = masked(str(node), _HIDDEN)  # blanked as ``text`` is: a comment inside a template stays inside
        at = text.find(s, cursor)
        if at < 0:
            continue
        found.append((at, at + len(s), node))
        cursor = at + 1
    return found


def _blank_tail(s: str) -> str:
    return s[len(s.rstrip()) :]


def _blank_head(s: str) -> str:
    return s[: len(s) - len(s.lstrip())]


def _params_end(t: Template) -> int:
    """Where new parameters go in the template's text: after its last one's value, before the
    blanks that close it (``"...2017\\n}}"`` gains them before its ``\\n``)."""
    body = str(t)[:-2]
    return len(body.rstrip())


def _params_text(t: Template, params: list[tuple[str, str]]) -> str:
    """Parameters laid out like the template's own: one a line when its parameters are one a
    line, with the same blanks around ``|`` and ``=``; compact when it is compact."""
    named = [p for p in t.params if p.showkey]
    if named:
        last = named[-1]
        name, value = str(last.name), str(last.value)
        lead, trail, vlead = _blank_head(name), _blank_tail(name), _blank_head(value)
    else:
        lead = trail = vlead = ""
    # What stands before each "|": the blanks after the previous parameter's value (or the name).
    before = str(t.params[-2].value) if len(t.params) > 1 else str(t.name)
    sep = _blank_tail(before) if t.params else ""
    return "".join(f"{sep}|{lead}{key}{trail}={vlead}{value}" for key, value in params)


def _is_german(text: str) -> bool:
    return re.search(r"\{\{\s*(?:Internetquelle|Literatur|Webarchiv)\b|\[\[Kategorie:", text) is not None


def edits(text: str, repairs: list[Repair], options: FixOptions, fmt: str) -> Outcome:
    """The edits that make ``repairs`` in a wikitext page."""
    out = Outcome()
    code = mwparserfromhell.parse(text)
    # Searched with comments and <nowiki> blanked: a commented-out copy of a template or URL
    # is never taken for the one a reader sees.
    visible = masked(text, _HIDDEN)
    templates = sorted(_spans(visible, list(code.filter_templates(recursive=True))), key=lambda x: x[0])
    template_spans = [(s, e) for s, e, _ in templates]
    template_starts = [s for s, _, _ in templates]
    links = sorted(
        (s, e, node) for s, e, node in _spans(visible, list(code.filter_external_links(recursive=True)))
        if isinstance(node, ExternalLink) and node.brackets
    )  # fmt: skip
    link_spans = [(s, e) for s, e, _ in links]
    link_starts = [s for s, _, _ in links]
    german = _is_german(text)
    starts = line_starts(text)
    used: set[int] = set()
    touched: set[int] = set()  # templates already edited (by start)
    for r in repairs:
        span = out.find(r, visible, starts, used)
        if span is None or out.moved(r, span):
            continue
        assert r.archive_url is not None and r.archive_url
        k = innermost(template_spans, template_starts, span[0])
        inner = templates[k] if k is not None else None
        if inner is not None:
            start, _end, node = inner
            assert isinstance(node, Template)
            kind = _kind(node)
            if kind is None:
                out.unplaced(r, f"inside {{{{{_name(node)}}}}}, not a citation template: fix by hand")
                continue
            if _param(node, *_ARCHIVE_PARAMS):
                out.already += 1
                continue
            if start in touched:
                out.unplaced(r, "its template already gains an archived copy for another URL")
                continue
            dead = r.verdict == Verdict.DEAD
            if kind == "en":
                added = [("archive-url", r.archive_url)]
                if r.archive_date:
                    access = _param(node, "access-date", "accessdate")
                    added.append(("archive-date", _styled(r.archive_date, access)))
                added.append(("url-status", "dead" if dead else "live"))
            else:
                added = [("archiv-url", r.archive_url)]
                if r.archive_date:
                    added.append(("archiv-datum", r.archive_date))
                if dead:
                    added.append(("offline", "ja"))
            touched.add(start)
            at = start + _params_end(node)
            out.place(r, Edit(at, at, _params_text(node, added)))
            continue
        # A bracketed link ([url title]) ends at its bracket; a bare one where its URL ends (the
        # parser runs a bare link on into a template written right after it).
        j = innermost(link_spans, link_starts, span[0])
        link = link_spans[j] if j is not None else None
        after = link[1] if link is not None else span[1]
        if re.match(r"\s*\{\{\s*[Ww]eb[Aa]rchiv", text[after : after + 40]):
            out.already += 1
            continue
        if german:
            stamp = _WAYBACK.search(r.archive_url)
            if stamp is None:
                out.unplaced(r, "{{Webarchiv}} takes a Wayback Machine copy only: add it by hand")
                continue
            template = f"{{{{Webarchiv |url={r.cited} |wayback={stamp.group(1)} |text=Archivversion}}}}"
        else:
            when = f" |date={r.archive_date}" if r.archive_date else ""
            template = f"{{{{webarchive |url={r.archive_url}{when}}}}}"
        out.place(r, Edit(after, after, template))
    return out
