"""Hard-wrapped reference lists: a transform test bed whose ground truth is known by construction.

Reference text is often wrapped at a line width before linkcheck sees it: a ``<pre>`` block, a
list pasted from a PDF, a plain-text e-mail, a Markdown file filled at 72 columns. URLs and
dates then break over lines. This bed takes reference entries whose (URL, accessed) pairs are
known (the style bed's renderings, tests/style_bed.py) and wraps them the ways those sources
do:

* at a width of 40 to 90 columns, at spaces (greedily, as ``fmt`` and word processors fill);
* a URL longer than the room left on its line either kept whole on a line of its own, or
  broken after a ``/``, ``.``, ``-``, ``?``, ``=`` or ``&`` to fill the line (as LaTeX's url
  package and Word do), never inside its ``scheme://``;
* continuation lines at the margin or indented (the hanging indent of APA and MLA);
* LF or CRLF line ends;
* written out as plain text, as HTML in one ``<pre>``, as HTML with one ``<pre>`` per printed
  line, as Markdown paragraphs, or "pasted" (each line end turned into a space, as a paste
  from a PDF into an editor leaves it);
* entries parted by a blank line, or (plain text and ``<pre>`` with a hanging indent) not.

Wrapping moves no character of a reference but white space, so the truth of the unwrapped
entries is the truth of every wrapped document. Used by tests/test_wrap_bed.py (a fixed
sample) and ``benchmarks/style_sweep.py --wrap`` (every style, every way).
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass

from tests import style_bed

WIDTHS = (40, 50, 60, 72, 80, 90)
CONTAINERS = ("txt", "pre", "pre-lines", "md", "pasted")


@dataclass(frozen=True, slots=True)
class Wrap:
    """One way of hard-wrapping a reference list."""

    width: int
    url_breaks: bool  # a long URL broken inside to fill its line, else kept whole
    indent: str  # what continuation lines start with: "" or a hanging indent
    eol: str  # "\n" or "\r\n"
    container: str  # one of CONTAINERS
    blank: bool  # a blank line between entries

    @property
    def name(self) -> str:
        return (
            f"{self.container} w{self.width} {'url-broken' if self.url_breaks else 'url-whole'} "
            f"{'indent' if self.indent else 'flush'} {'crlf' if self.eol != chr(10) else 'lf'} "
            f"{'blank' if self.blank else 'packed'}"
        )

    @property
    def fmt(self) -> str:
        """The file format the document is read as."""
        return {"pre": "html", "pre-lines": "html", "md": "md"}.get(self.container, "txt")


def all_wraps() -> list[Wrap]:
    """Every way the bed wraps a list (a few combinations no writer produces left out)."""
    out = []
    for width, breaks, indent, eol, container, blank in itertools.product(
        WIDTHS, (False, True), ("", "    "), ("\n", "\r\n"), CONTAINERS, (True, False)
    ):
        # Without a blank line, only a hanging indent tells where an entry starts; Markdown
        # would run such lines into one paragraph, and a paste loses the line ends altogether.
        if not blank and (not indent or container in ("md", "pasted")):
            continue
        # A paste keeps neither the indent nor the line ends.
        if container == "pasted" and (indent or eol != "\n"):
            continue
        out.append(Wrap(width, breaks, indent, eol, container, blank))
    return out


# Pieces of a URL to break after: a scheme stays whole ("https://", "[https://"), then a run up
# to and including a "/", ".", "-", "?", "=" or "&". (A date "17/3/2021" is no URL: not broken.)
_PIECE = re.compile(r"[^/.?=&-]*?(?<![a-z])(?:https?|ftp)://|[^/.?=&-]*[/.?=&-]|[^/.?=&-]+")


def _pieces(token: str) -> list[str]:
    return [p for p in _PIECE.findall(token) if p]


def wrap_entry(entry: str, width: int, url_breaks: bool, indent: str) -> list[str]:
    """One reference as printed lines of at most ``width`` columns (a longer URL may overflow)."""
    lines: list[str] = []
    line = ""
    for token in entry.split():
        lead = indent if lines else ""
        room = width - len(lead) - len(line) - (1 if line else 0)
        if len(token) <= room:
            line = f"{line} {token}" if line else token
            continue
        if url_breaks and ("://" in token or "www." in token) and len(_pieces(token)) > 1:
            # Fill the line with as many pieces as fit, then go on on the next lines.
            pieces = _pieces(token)
            if line and len(pieces[0]) > room:
                lines.append(line)
                line = ""
            elif line:
                line += " "
            for piece in pieces:
                lead = indent if lines else ""
                if line.strip() and len(lead) + len(line) + len(piece) > width:
                    lines.append(line)
                    line = ""
                line += piece
            continue
        if line:
            lines.append(line)
        line = token
    if line:
        lines.append(line)
    return [(indent if k else "") + text for k, text in enumerate(lines)]


def document(entries: list[str], wrap: Wrap) -> bytes:
    """The entries wrapped as ``wrap`` says, as the bytes of a file in its format."""
    wrapped = [wrap_entry(" ".join(e.split()), wrap.width, wrap.url_breaks, wrap.indent) for e in entries]
    gap = [""] if wrap.blank else []
    eol = wrap.eol
    if wrap.container == "txt":
        lines = ["References", "", *itertools.chain.from_iterable([*w, *gap] for w in wrapped)]
        return eol.join(lines).encode()
    if wrap.container == "pasted":
        return ("References\n\n" + "\n\n".join(" ".join(w) for w in wrapped) + "\n").encode()
    if wrap.container == "md":
        md = [[_markdown_escape(line) for line in w] for w in wrapped]
        return ("# References" + eol + eol + (eol + eol).join(eol.join(w) for w in md) + eol).encode()
    head = '<!doctype html><html><head><meta charset="utf-8"><title>References</title></head><body>'
    if wrap.container == "pre":
        body = (eol + ("" if not wrap.blank else eol)).join(
            eol.join(html.escape(line, quote=False) for line in w) for w in wrapped
        )
        return (head + eol + "<pre>" + body + "</pre>" + eol + "</body></html>" + eol).encode()
    # One <pre> per printed line, as some works-cited pages are laid out.
    blocks = [eol.join(f"  <pre>{html.escape(line, quote=False)}</pre>" for line in w) for w in wrapped]
    between = eol + (eol if wrap.blank else "")
    return (head + eol + between.join(blocks) + eol + "</body></html>" + eol).encode()


def _markdown_escape(line: str) -> str:
    # What a Markdown writer (or editor) escapes so that the text is not read as emphasis.
    return line.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def score(r: style_bed.Rendering, wraps: list[Wrap]) -> dict[Wrap, tuple[int, int, int]]:
    """Per way of wrapping: (correct, found, expected) pairs of one style's rendering."""
    want = style_bed.expected(r)
    out = {}
    for w in wraps:
        got = style_bed.found(document(r.plain, w), w.fmt)
        out[w] = (len(want & got), len(got), len(want))
    return out
