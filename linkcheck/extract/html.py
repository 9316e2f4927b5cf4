"""HTML documents: turn a page into plain text, link anchors and a map back to source lines.

The page is parsed with selectolax's Lexbor parser (an HTML5 parser, so broken markup is
read the way a browser reads it) and walked in document order:

* ``script``, ``style``, ``noscript``, ``template``, ``svg`` and everything in ``head`` but
  the ``title`` are dropped; so are ``nav``, ``header`` and ``footer`` when the page also has
  a ``main`` or ``article`` (then they are site chrome, not the document), unless one holds
  that ``main`` or ``article`` (an unclosed ``<header>`` wraps the whole page).
* Paragraph-like blocks (``p``, ``li``, ``div``, headings, table rows, ...) end with a blank
  line, so that each reference entry is its own paragraph for the free-text engine; line
  blocks (``br``, ``td``, ``dd``) end with a single line break. Two ``<pre>`` blocks that
  touch (``</pre><pre>``, nothing between them), or the second of which starts on the next
  source line with an indented (hanging-indent) continuation, are one entry cut in two by
  the author's layout, so only a single line break separates them and a URL split across
  them is rejoined; a blank line between them, or a block at the margin, parts two entries,
  unless the page's blocks are the full lines of a list hard-wrapped flush left.
* Outside ``<pre>``, a run of white space is one space, or one line break when the source
  broke the line there (so a URL wrapped in the source can be rejoined as in plain text).
* Every ``<a href>`` becomes an :class:`~linkcheck.extract.text.Anchor` over its text; the
  free-text engine keeps absolute http(s) targets and ignores relative, ``mailto:`` and
  ``#fragment`` links. Links with no text (image links) are ignored.

Lexbor does not report source positions, so line numbers are found by a forward search of
each text node's first plain characters in the source: approximate where entities hide them,
but always increasing and within the file.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Callable

from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser, LexborNode

from linkcheck.extract.dates import is_accessed_heading
from linkcheck.extract.text import Anchor, anchor_title, citations_from_text
from linkcheck.models import Extraction, ExtractOptions

# Elements whose content is never document text.
_SKIP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "canvas",
        "select",
        "datalist",
        "img",
        "picture",
        "video",
        "audio",
        "map",
        "-comment",
        "!doctype",
    ]
)
# Site chrome, dropped when the page has a main or article element.
_CHROME = frozenset({"nav", "header", "footer"})
# Blocks that end a paragraph (a blank line before and after).
_PARAGRAPH = frozenset(
    [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "table",
        "tr",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "section",
        "article",
        "aside",
        "main",
        "header",
        "footer",
        "nav",
        "figure",
        "figcaption",
        "form",
        "fieldset",
        "hr",
        "address",
        "details",
        "summary",
        "title",
        "body",
        "center",
        "legend",
        "hgroup",
        "search",
        "menu",
    ]
)
# Blocks that end a line only.
_LINE = frozenset(["td", "th", "dd", "textarea", "option", "listing", "plaintext", "xmp"])
_PREFORMATTED = frozenset(["pre", "textarea", "listing", "plaintext", "xmp"])

_BOM = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
# Browsers read these labels as windows-1252 (WHATWG Encoding), and so do authors who use them.
_WINDOWS_1252_ALIASES = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii"})
# Characters that stand for themselves in HTML source (no entity needed), used to find a text
# node in the source.
_PLAIN_RUN = re.compile(r"[A-Za-z0-9 ,.:;/_()!?+=%#@-]{3,}")
_SNIFF_TAG = re.compile(rb"<(?:/?[a-zA-Z][a-zA-Z0-9]*)[\s>/]")


def sniff(data: bytes) -> bool:
    """Whether the bytes look like an HTML document (a doctype, an html tag, or many tags)."""
    head = data[:2048]
    for bom, enc in _BOM:
        if head.startswith(bom):
            head = head[len(bom) :].decode(enc, errors="replace").encode("utf-8", errors="replace")
            break
    low = head.lstrip().lower()
    if low.startswith((b"<!doctype html", b"<html")) or b"<html" in low[:512]:
        return True
    return len(_SNIFF_TAG.findall(low)) >= 8 and b"</" in low


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode HTML bytes; return the text and how its charset was chosen (for --verbose).

    A byte-order mark wins, then ``<meta charset>`` (or ``http-equiv`` Content-Type) in the
    first 4 KB, then strict UTF-8, then charset-normalizer's guess, then UTF-8 with
    replacement characters.
    """
    for bom, enc in _BOM:
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace"), f"{enc} (byte-order mark)"
    m = _META_CHARSET.search(data[:4096])
    if m:
        label = m.group(1).decode("ascii", errors="replace").lower()
        enc = "cp1252" if label in _WINDOWS_1252_ALIASES else label
        try:
            codecs.lookup(enc)
        except LookupError:
            pass
        else:
            if codecs.lookup(enc).name.startswith("utf-16"):
                # A document that could be read to find this meta is not UTF-16 (WHATWG).
                enc = "utf-8"
            return data.decode(enc, errors="replace"), f"{enc} (meta charset {label})"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return data.decode(best.encoding, errors="replace"), f"{best.encoding} (guessed)"
    return data.decode("utf-8", errors="replace"), "utf-8 with replacement characters"


class _Source:
    """The source text, for finding the line of each text node by a forward search."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", src)]
        self.pos = 0

    def line_at(self, index: int) -> int:
        return bisect.bisect_right(self.line_starts, index)

    @property
    def lines(self) -> int:
        return len(self.line_starts)

    def locate(self, text: str) -> int:
        """The 1-based source line where ``text`` (a decoded text node) starts."""
        m = _PLAIN_RUN.search(text, 0, 200)
        if m is not None:
            idx = self.src.find(m.group(0), self.pos)
            if idx >= 0:
                self.pos = idx + len(m.group(0))
                return max(1, self.line_at(idx) - text.count("\n", 0, m.start()))
        # Entities or a very short node: keep to where the search last stood.
        return self.line_at(self.pos)


def _image_text(link: LexborNode) -> str:
    """The text alternative of a link that shows an image: its alt, or the link's own title."""
    for img in link.css("img"):
        alt = " ".join((img.attributes.get("alt") or "").split())
        if alt:
            return alt
    return " ".join((link.attributes.get("title") or link.attributes.get("aria-label") or "").split())


class _Writer:
    """Accumulates the plain text with its anchors and its offset-to-line map."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.newlines = 0  # line breaks at the end of the text so far
        self.pending_space = False
        self.map_offsets: list[int] = [0]
        self.map_lines: list[int] = [1]
        self.anchors: list[Anchor] = []

    def _emit(self, s: str) -> None:
        if not s:
            return
        self.parts.append(s)
        self.length += len(s)
        stripped = s.rstrip("\n")
        self.newlines = self.newlines + len(s) if not stripped else len(s) - len(stripped)

    def _mark(self, line: int) -> None:
        # Lines only move forward, so the map stays sorted and line_of monotone.
        line = max(line, self.map_lines[-1])
        if line != self.map_lines[-1]:
            self.map_offsets.append(self.length)
            self.map_lines.append(line)

    def at_line_start(self) -> bool:
        return self.length == 0 or self.newlines > 0

    def flow_text(self, text: str, line: int) -> None:
        """Text outside <pre>: white space collapsed, source line breaks kept as one break."""
        for piece in re.split(r"(\s+)", text):
            if not piece:
                continue
            if piece.isspace():
                if "\n" in piece and not self.at_line_start():
                    self._emit("\n")
                    self.pending_space = False
                elif not self.at_line_start():
                    self.pending_space = True
                line += piece.count("\n")
                continue
            if self.pending_space and not self.at_line_start():
                self._emit(" ")
            self.pending_space = False
            self._mark(line)
            self._emit(piece)

    def pre_text(self, text: str, line: int) -> None:
        """Text inside <pre>: kept as written."""
        if self.pending_space and not self.at_line_start():
            self._emit(" ")
        self.pending_space = False
        for i, piece in enumerate(text.split("\n")):
            if i:
                self._emit("\n")
            self._mark(line + i)
            self._emit(piece)

    def boundary(self, breaks: int) -> None:
        """End the current block with at least ``breaks`` line breaks."""
        self.pending_space = False
        if self.length and self.newlines < breaks:
            self._emit("\n" * (breaks - self.newlines))

    def line_break(self) -> None:
        """A <br>: always one more line break."""
        self.pending_space = False
        self._emit("\n")

    def text(self) -> str:
        return "".join(self.parts)

    def line_of(self, lines: int) -> Callable[[int], int | None]:
        offsets, mapped = self.map_offsets, self.map_lines

        def line_of(pos: int) -> int | None:
            i = bisect.bisect_right(offsets, pos) - 1
            return min(max(1, mapped[max(i, 0)]), lines)

        return line_of


def _cell_place(cell: LexborNode) -> tuple[LexborNode, int] | None:
    """The table a ``td`` cell belongs to and the cell's column, or None."""
    column = 0
    sibling = cell.prev
    while sibling is not None:
        if sibling.tag in ("td", "th"):
            column += 1
        sibling = sibling.prev
    table = cell.parent
    while table is not None and table.tag != "table":
        table = table.parent
    return None if table is None else (table, column)


def _headings(table: LexborNode) -> list[str | None]:
    """The column headings of a table (its first row with ``th`` cells); None for a ``td``."""
    for row in table.css("tr"):
        cells = [c for c in row.iter() if c.tag in ("td", "th")]
        if any(c.tag == "th" for c in cells):
            return [" ".join((c.text(deep=True) or "").split()) if c.tag == "th" else None for c in cells]
    return []


def _gap_before(pre: LexborNode) -> str | None:
    """How a ``<pre>`` is parted from a ``<pre>`` just before it: "touch" (``</pre><pre>``),
    "line" (white space with one line break at most), "blank" (a blank line), or None (no
    ``<pre>`` just before, or other content between)."""
    gap = pre.prev
    if gap is not None and gap.tag == "pre":
        return "touch"
    if gap is None or gap.tag != "-text" or gap.prev is None or gap.prev.tag != "pre":
        return None
    between = gap.text_content or ""
    if between.strip():
        return None
    return "blank" if between.count("\n") > 1 else "line"


def _pre_line(pre: LexborNode) -> str:
    return (pre.text(deep=True) or "").rstrip()


def wrapped_pre_lines(pres: list[LexborNode]) -> bool:
    """Whether a page lays out a hard-wrapped list one ``<pre>`` per printed line, flush left.

    Such a page parts entries with a blank line and runs an entry's lines one under the other;
    every line but an entry's last is full: it ended where the next word would not fit. A page
    of one ``<pre>`` per entry has lines of every length instead. So: no two blocks touch, some
    are parted by a blank line, every block is one line, and most lines followed by another
    with no blank line between are full (their length and the next line's first word exceed
    the widest line of the page with a space in it).
    """
    gaps = [_gap_before(p) for p in pres]
    if "touch" in gaps or "blank" not in gaps:
        return False
    lines = [_pre_line(p) for p in pres]
    if any("\n" in line for line in lines):
        return False
    width = max((len(line) for line in lines if " " in line.strip()), default=0)
    followed = full = 0
    for g, before, line in zip(gaps, ["", *lines], lines, strict=False):
        if g != "line":
            continue
        # (A "line" gap has the <pre> just before it in the page's order: the previous one.)
        first = (line.split() or [""])[0]
        followed += 1
        full += len(before) + 1 + len(first) > width
    return followed > 0 and full >= 0.6 * followed


def _pre_continues(pre: LexborNode, wrapped_lines: bool = False) -> bool:
    """Whether a ``<pre>`` goes on with the entry of the ``<pre>`` just before it.

    Some pages lay a works-cited list out one ``<pre>`` per printed line. Blocks that touch
    (``</pre><pre>``, nothing between) are one entry cut in two by the author's layout. So is
    a block on the next source line whose text is indented, the hanging indent of an entry's
    continuation lines (MLA, APA), or, on a page of hard-wrapped lines flush left
    (:func:`wrapped_pre_lines`), any block on the next source line. A blank line between the
    blocks, anything but white space, or a block that starts at the margin parts two entries.
    """
    gap = _gap_before(pre)
    if gap == "touch":
        return True
    if gap != "line":
        return False
    return wrapped_lines or (pre.text(deep=True) or "")[:1] in (" ", "\t")


def _continued_by(pre: LexborNode, wrapped_lines: bool = False) -> bool:
    """Whether the ``<pre>`` after this one (touching or across white space) continues its entry."""
    after = pre.next
    if after is not None and after.tag == "-text" and not (after.text_content or "").strip():
        after = after.next
    return after is not None and after.tag == "pre" and _pre_continues(after, wrapped_lines)


class _Walker:
    """Walks the parsed tree in document order, feeding the writer.

    The walk keeps its own stack: broken pages can nest elements thousands deep.
    """

    def __init__(
        self, source: _Source, writer: _Writer, drop_chrome: bool, wrapped_lines: bool = False
    ) -> None:
        self.source = source
        self.out = writer
        self.drop_chrome = drop_chrome
        self.wrapped_lines = wrapped_lines  # the page's <pre> blocks are hard-wrapped lines
        # Per table: its column headings, and the column headed "Accessed" (or None).
        self.tables: dict[int, tuple[list[str | None], int | None]] = {}

    def run(self, root: LexborNode) -> None:
        # Items are ("enter", node, in_pre) or ("exit", node, (breaks, offset, part index)).
        stack: list[tuple[str, LexborNode, object]] = [("enter", root, False)]
        while stack:
            action, node, state = stack.pop()
            if action == "exit":
                assert isinstance(state, tuple)
                self.leave(node, *state)
                continue
            pre = bool(state)
            entered = self.enter(node, pre)
            if entered is None:
                continue
            stack.append(("exit", node, entered))
            tag = node.tag or ""
            if tag == "head":
                children = list(node.css("title"))
            else:
                children = []
                child = node.child
                while child is not None:
                    children.append(child)
                    child = child.next
            inner_pre = pre or tag in _PREFORMATTED
            stack.extend(("enter", c, inner_pre) for c in reversed(children))

    def enter(self, node: LexborNode, pre: bool) -> tuple[int, int, int] | None:
        """Handle the start of a node; the state to leave it with, or None to skip its content."""
        tag = node.tag or ""
        if tag == "-text":
            text = node.text_content or ""
            if text:
                line = self.source.locate(text)
                if pre:
                    self.out.pre_text(text, line)
                else:
                    self.out.flow_text(text, line)
            return None
        if tag in _SKIP or tag.startswith("-"):
            return None
        # A header left unclosed (``<header>`` typed for ``</header>``) holds the rest of the
        # page, the article too: a landmark around the main content is not chrome.
        if self.drop_chrome and tag in _CHROME and node.css_first("main, article") is None:
            return None
        if "hidden" in node.attributes:
            return None
        if tag == "br":
            self.out.line_break()
            return None
        if tag == "pre":
            # One entry laid out over two blocks: a single line break between them.
            breaks = 1 if _pre_continues(node, self.wrapped_lines) else 2
        else:
            breaks = 2 if tag in _PARAGRAPH else 1 if tag in _LINE else 0
        if tag == "td" and (accessed := self._accessed_column(node)) is not None:
            # In a table with a column headed "Accessed" (or "Zugriff", "Consulté le", ...), a
            # row is read as one line, and each cell of that column as the phrase it stands for:
            # the date dates the URL of its own row.
            column, heading = accessed
            line = self.source.locate("")
            # (A cell that says "Accessed ..." itself needs no heading.)
            own = " ".join((node.text(deep=True) or "").split())
            marked = column and not is_accessed_heading(own)
            self.out.flow_text(" | " + (heading + ": " if marked else ""), line)
            breaks = 0
        if breaks:
            self.out.boundary(breaks)
        return breaks, self.out.length, len(self.out.parts)

    def _accessed_column(self, cell: LexborNode) -> tuple[bool, str] | None:
        """For a cell of a table with an accessed-on column: (in that column, its heading)."""
        place = _cell_place(cell)
        if place is None:
            return None
        table, column = place
        if table.mem_id not in self.tables:
            headings = _headings(table)
            marked = [k for k, h in enumerate(headings) if h is not None and is_accessed_heading(h)]
            self.tables[table.mem_id] = (headings, marked[0] if len(marked) == 1 else None)
        headings, accessed = self.tables[table.mem_id]
        if accessed is None:
            return None
        return column == accessed, headings[accessed] or ""

    def leave(self, node: LexborNode, breaks: int, start: int, first_part: int) -> None:
        """Handle the end of a node: its link anchor and the break after it."""
        tag = node.tag or ""
        href = node.attributes.get("href") if tag == "a" else None
        if href:
            if not "".join(self.out.parts[first_part:]).strip() and (shown := _image_text(node)):
                # A link around an image alone: the image's text alternative is what a reader
                # (and a screen reader) is given for it, and it makes the link an entry of its own.
                self.out.flow_text(shown, self.source.locate(""))
            self._anchor(start, "".join(self.out.parts[first_part:]), href)
        if tag == "pre":
            breaks = 1 if _continued_by(node, self.wrapped_lines) else 2
        if breaks:
            self.out.boundary(breaks)

    def _anchor(self, start: int, text: str, href: str) -> None:
        # Browsers drop tabs and line breaks inside an href.
        href = re.sub(r"[\t\n\r]", "", href.strip())
        lead = len(text) - len(text.lstrip())
        body = text.strip()
        if not href:
            return
        # A link around an image only has no text; its target is still a link a reader follows.
        a_start = start + lead
        self.out.anchors.append(
            Anchor(a_start, a_start + len(body), href, anchor_title(body, href) if body else None)
        )


def html_to_text(data: bytes) -> tuple[str, list[Anchor], Callable[[int], int | None], list[str]]:
    """The plain text of an HTML document, its anchors, an offset-to-line map, and notes."""
    src, how = decode_html(data)
    src = src.replace("\r\n", "\n").replace("\r", "\n")
    notes = [f"charset: {how}"]
    tree = LexborHTMLParser(src)
    root = tree.root
    writer = _Writer()
    if root is None:
        return "", [], writer.line_of(1), notes
    drop_chrome = tree.css_first("main, article") is not None
    if drop_chrome:
        notes.append("nav, header and footer dropped (the page has a main or article element)")
    source = _Source(src)
    _Walker(source, writer, drop_chrome, wrapped_pre_lines(tree.css("pre"))).run(root)
    return writer.text(), sorted(writer.anchors, key=lambda a: a.start), writer.line_of(source.lines), notes


def extract(data: bytes, options: ExtractOptions) -> Extraction:
    """Citations of an HTML document: URLs in its text and absolute link targets."""
    text, anchors, line_of, notes = html_to_text(data)
    cites = citations_from_text(text, options, anchors=anchors, line_of=line_of, notes=notes)
    return Extraction(format="html", citations=cites, notes=notes)
