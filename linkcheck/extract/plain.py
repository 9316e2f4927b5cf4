"""Plain text, Markdown and reStructuredText: free text with a little markup.

Plain text and reStructuredText go to the free-text engine as they are (so that line numbers
and offsets stay those of the file).

Markdown is parsed with markdown-it-py (CommonMark, with tables) and rendered to plain text
first: a link's target is a URL at the place of its text, whatever that text says (so
``[www.x.org/a/](http://www.x.org/a/)`` is one citation of ``http://www.x.org/a/``),
autolinks and reference-style links are resolved by the parser, images and code (inline and
blocks) are left out, and backslash escapes are undone. Block structure becomes what the
engine splits entries on: a blank line between blocks, a ``- `` at each list item, one line
per table row. Each rendered line remembers the source line it came from.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token

from linkcheck.extract.dates import find_accessed, is_accessed_heading
from linkcheck.extract.text import Anchor, anchor_title, citations_from_text
from linkcheck.extract.urls import find_urls
from linkcheck.models import Extraction, ExtractOptions

_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!~|])")


def unescape_markdown(url: str) -> str:
    """Undo Markdown backslash escapes in a URL (``a\\_b`` -> ``a_b``)."""
    return _MD_ESCAPE.sub(r"\1", url)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Keep link targets as the author wrote them: no percent-encoding of "ü", no refusal of
    # schemes markdown-it thinks unsafe (those are not web links and the engine drops them).
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


class _Renderer:
    """Markdown tokens to plain text, with link anchors and a map of rendered to source lines."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.anchors: list[Anchor] = []
        self.line_starts: list[int] = [0]  # rendered offset where each rendered line starts
        self.line_numbers: list[int] = [1]  # its source line
        self.source_line = 1
        self.list_depth = 0
        self.item_open = False  # a list item has begun and its first block not yet rendered
        self.headings: list[str] = []  # the current table's column headings
        self.cell = 0  # the column of the cell being rendered
        self.in_heading = False
        # Per open ordered list: the number its next item should have (None for a bullet list).
        self.expected: list[int | None] = []
        self.last_line_end = -1  # the source line after the last paragraph rendered (0-based)

    def emit(self, s: str) -> None:
        for i, ch in enumerate(s):
            if ch == "\n":
                self.line_starts.append(self.length + i + 1)
                self.source_line += 1
                self.line_numbers.append(self.source_line)
        self.parts.append(s)
        self.length += len(s)

    def at_source_line(self, line: int) -> None:
        """The next rendered text comes from source line ``line`` (1-based)."""
        self.source_line = line
        self.line_numbers[-1] = line

    def block_break(self) -> None:
        if not self.length:
            return
        text_end = "".join(self.parts[-2:])
        if self.list_depth and not self.item_open:
            # Blocks of one list item stay one entry: a line break, not a blank line.
            if not text_end.endswith("\n"):
                self.emit("\n")
        elif not text_end.endswith("\n\n"):
            self.emit("\n" if text_end.endswith("\n") else "\n\n")

    def inline(self, tok: Token) -> None:
        if tok.map:
            self.at_source_line(tok.map[0] + 1)
        open_links: list[tuple[int, str]] = []
        for child in tok.children or []:
            kind = child.type
            if kind == "text":
                self.emit(child.content)
            elif kind in ("softbreak", "hardbreak"):
                self.emit("\n")
            elif kind == "link_open":
                open_links.append((self.length, str(child.attrs.get("href", ""))))
            elif kind == "link_close" and open_links:
                start, href = open_links.pop()
                text = "".join(self.parts)[start:]
                self.anchors.append(Anchor(start, self.length, href, anchor_title(text, href)))
            elif kind == "code_inline":
                self.emit(" ")
            elif kind == "html_inline":
                self.emit(child.content)
            # image: neither its target nor its alt text is a citation.

    def render(self, tokens: list[Token]) -> None:
        for k, tok in enumerate(tokens):
            kind = tok.type
            if kind in ("bullet_list_open", "ordered_list_open"):
                if kind == "bullet_list_open" and self._accessed_tail(tokens, k):
                    # "...URL\n- accedido 17/03/2021": a line that wrapping (or a DIN-style
                    # list's dash) began with "- " and an accessed-on phrase is, to CommonMark, a
                    # list; it is the end of the entry above, so only a line break parts them.
                    if not "".join(self.parts[-2:]).endswith("\n"):
                        self.emit("\n")
                else:
                    self.block_break()
                self.list_depth += 1
                self.expected.append(None)
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.list_depth -= 1
                self.expected.pop()
            elif kind == "list_item_open":
                if self.length and not "".join(self.parts[-2:]).endswith("\n"):
                    self.emit("\n")
                if tok.map:
                    self.at_source_line(tok.map[0] + 1)
                if self._wrapped_number(tok):
                    # A hard-wrapped item's line that starts with a number and a dot ("2021.",
                    # "8841. Consultato ...") is read by CommonMark as the list's next item; out
                    # of sequence and right under the item's text, it is that text's next line.
                    self.emit(tok.info + tok.markup + " ")
                else:
                    self.emit("- ")
                self.item_open = True
            elif kind in ("paragraph_open", "heading_open", "blockquote_open", "table_open"):
                if not self.item_open:
                    self.block_break()
                self.item_open = False
                if tok.map:
                    self.last_line_end = tok.map[1]
            elif kind == "thead_open":
                self.headings = []
            elif kind == "tr_open":
                # Each row is an entry of its own: a date in one row never goes to another's URL.
                self.block_break()
                if tok.map:
                    self.at_source_line(tok.map[0] + 1)
                self.cell = 0
            elif kind == "th_open":
                self.emit(" | ")
                self.headings.append("")
                self.in_heading = True
            elif kind == "th_close":
                self.in_heading = False
            elif kind == "td_open":
                # A column headed "Accessed" (or "Zugriff", "Consulté le", ...) marks the date
                # in each of its cells as the row's accessed-on date: the heading is written
                # before the cell, so that the cell reads as the phrase it stands for.
                heading = self.headings[self.cell] if self.cell < len(self.headings) else ""
                own = tokens[k + 1].content if k + 1 < len(tokens) and tokens[k + 1].type == "inline" else ""
                marked = is_accessed_heading(heading) and not is_accessed_heading(own)
                self.emit(f" | {heading}: " if marked else " | ")
                self.cell += 1
            elif kind == "inline":
                if self.in_heading and self.headings:
                    self.headings[-1] = tok.content.strip()
                self.inline(tok)
            elif kind in ("fence", "code_block"):
                self.block_break()
                self.item_open = False
            elif kind == "html_block":
                self.block_break()
                if tok.map:
                    self.at_source_line(tok.map[0] + 1)
                self.emit(tok.content)
                self.item_open = False

    def _accessed_tail(self, tokens: list[Token], k: int) -> bool:
        """Whether the bullet list opening at ``tokens[k]`` stands right under a paragraph and its
        first item begins with an accessed-on phrase."""
        lst = tokens[k]
        if not self.length or lst.map is None or lst.map[0] != self.last_line_end:
            return False
        first = next((t for t in tokens[k + 1 : k + 4] if t.type == "inline"), None)
        if first is None:
            return False
        mentions = find_accessed(first.content)
        return bool(mentions) and mentions[0].start == 0

    def _wrapped_number(self, item: Token) -> bool:
        """Whether an ordered list item is a wrapped line of the item before (see ``render``).

        Its number is not the one the list goes on with, and either it has three digits or more
        (a year, an id, a page: no reference list runs that long) or it is above the count and
        its line comes right under the item before, with no blank line between ("17. März").
        """
        if not self.expected or not item.info.isdigit():
            return False
        number, expected = int(item.info), self.expected[-1]
        if expected is None:  # the list's first item sets the count
            self.expected[-1] = number + 1
            return False
        if number == expected:
            self.expected[-1] = number + 1
            return False
        # (A number below the count is a list numbered "1." throughout, as Markdown allows.)
        return number >= 100 or (
            number > expected and item.map is not None and item.map[0] == self.last_line_end
        )

    def line_of(self) -> Callable[[int], int | None]:
        starts, numbers = self.line_starts, self.line_numbers

        def line_of(pos: int) -> int | None:
            if pos < 0:
                return None
            return numbers[bisect.bisect_right(starts, pos) - 1]

        return line_of


_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")


def _protect_bare_urls(source: str) -> str:
    """Escape the emphasis characters of bare URLs, so that the parser keeps them as text.

    CommonMark has no bare-URL autolinks, so in ``https://x.org/_a_/b`` the parser would read
    ``_a_`` as emphasis and the URL would lose its underscores; ``https://x.org/\\_a\\_/b``
    renders as the URL it is. URLs in link syntax, angle brackets or code are left alone, and
    lines keep their count.
    """
    out: list[str] = []
    fenced = False
    for line in source.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        if fenced or not any(c in line for c in "*_\\~"):
            out.append(line)
            continue
        pieces: list[str] = []
        pos = 0
        for u in find_urls(line):
            raw = line[u.start : u.end]
            before = line[u.start - 1] if u.start else " "
            # A link target "](url)" is the parser's; a bare "(" is only a parenthesis.
            target = before == "(" and line[max(0, u.start - 2) : u.start] == "]("
            if (
                before in "[<\"'=`"
                or target
                or not any(c in raw for c in "*_\\~")
                or line.count("`", 0, u.start) % 2
            ):
                continue
            pieces.append(line[pos : u.start])
            pieces.append(re.sub(r"(?<!\\)([*_~])", r"\\\1", raw))
            pos = u.end
        pieces.append(line[pos:])
        out.append("".join(pieces))
    return "\n".join(out)


def markdown_to_text(source: str) -> tuple[str, list[Anchor], Callable[[int], int | None]]:
    """Markdown rendered to plain text, its links as anchors, and rendered offset -> source line."""
    renderer = _Renderer()
    renderer.render(_parser().parse(_protect_bare_urls(source)))
    return "".join(renderer.parts), renderer.anchors, renderer.line_of()


def extract(text: str, options: ExtractOptions, fmt: str = "text") -> Extraction:
    """Citations of a plain-text, Markdown (``fmt="markdown"``) or reStructuredText document."""
    notes: list[str] = []
    # Windows (CRLF) and old Mac (CR) line ends are line breaks like any other: the engine's
    # entries, wrapped URLs and dates split over lines are read across "\n". One "\n" for each
    # keeps the line count, so line numbers stay those of the file.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if fmt == "markdown":
        rendered, anchors, line_of = markdown_to_text(text)
        cites = citations_from_text(
            rendered, options, anchors=anchors, anchors_override=True, line_of=line_of, notes=notes
        )
    else:
        cites = citations_from_text(text, options, notes=notes)
    return Extraction(format=fmt, citations=cites, notes=notes)
