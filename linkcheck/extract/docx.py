"""Word documents (DOCX): paragraphs as text, hyperlinks as anchors, paragraph numbers as lines.

The package is opened with python-docx and its WordprocessingML is walked directly, so that
everything a reader sees is read in document order: body paragraphs and table cells, then
footnotes and endnotes (read from their package parts, which python-docx does not expose).

* Each paragraph is one reference entry: paragraphs are separated by a blank line, because
  Word never wraps a URL across paragraphs and bibliographies usually put one entry per
  paragraph with no empty paragraph between them. The paragraphs of one table row are
  separated by a single line break only, so a row (title | URL | date accessed) stays one
  entry. A manual line break inside a paragraph is a line break.
* ``w:hyperlink`` elements with an external relationship, and ``HYPERLINK "url"`` fields
  (complex ``fldChar``/``instrText`` fields and ``fldSimple``), become anchors over their
  display text; internal links (bookmarks) are ignored by the free-text engine.
* Deleted text of tracked changes, field instructions and the fallback copies of text
  boxes are not text.

A citation's ``line`` is the 1-based number of its paragraph, counting body paragraphs
(including those in tables and text boxes) in document order, then footnotes, then
endnotes.
"""

from __future__ import annotations

import bisect
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import docx as python_docx
from docx.exceptions import PythonDocxError
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import OpcError
from docx.opc.part import Part
from lxml import etree

from linkcheck.extract.dates import is_accessed_heading
from linkcheck.extract.text import Anchor, anchor_title, citations_from_text
from linkcheck.models import Extraction, ExtractOptions

#: What a damaged or hostile package makes python-docx, zipfile or lxml raise: their own errors,
#: and the programming errors of a parser meeting bytes it did not expect. Not ImportError,
#: OSError or MemoryError: those are the machine's, and stop the command (exit 4).
DOCX_ERRORS: tuple[type[BaseException], ...] = (
    PythonDocxError, OpcError, zipfile.BadZipFile, zipfile.LargeZipFile, etree.LxmlError, ValueError,
    LookupError, TypeError, AttributeError, AssertionError, RecursionError, EOFError, NotImplementedError,
    zlib.error,
)  # fmt: skip

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


_P, _T, _TR, _TC = _w("p"), _w("t"), _w("tr"), _w("tc")
_HYPERLINK, _FLD_SIMPLE, _FLD_CHAR, _INSTR = _w("hyperlink"), _w("fldSimple"), _w("fldChar"), _w("instrText")
_BREAKS = frozenset({_w("br"), _w("cr")})
# Subtrees that are not visible text of this paragraph: deleted runs, properties, text boxes
# (read as paragraphs of their own) and the fallback copy of alternate content.
_SKIP = frozenset(
    [
        _w(t)
        for t in [
            "del",
            "moveFrom",
            "delText",
            "rPr",
            "pPr",
            "txbxContent",
            "footnoteReference",
            "endnoteReference",
        ]
    ]
    + [f"{{{_MC}}}Fallback"]
)
_HYPERLINK_INSTR = re.compile(r'^\s*HYPERLINK\s+(?:"([^"]+)"|([^\s"\\]+))', re.IGNORECASE)
# Documents come from anywhere: no entity expansion (no reading local files), no network.
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True)
_PARAGRAPH_BREAK = "\n\n"
_ROW_BREAK = "\n"


_OFFICE_DOCUMENT = f"{_R}/officeDocument"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
# The content types of a WordprocessingML main part (ECMA-376 Part 1, 11.3.10, and the
# macro-enabled and template variants): a workbook or a presentation has an officeDocument too.
_WORD_MAIN = re.compile(
    r"^application/vnd\.(?:openxmlformats-officedocument\.wordprocessingml|ms-word)\.[\w.]+\.main\+xml$"
)
_MAX_PACKAGE_XML = 1024 * 1024  # bytes of _rels/.rels or [Content_Types].xml read to sniff


def _main_part_name(z: zipfile.ZipFile) -> str | None:
    """The zip name of the package's main document part, the way OPC finds it.

    ECMA-376 Part 2 (Open Packaging Conventions): the package relationships in ``_rels/.rels``
    name the main part by the ``officeDocument`` relationship; its content type, in
    ``[Content_Types].xml``, says it is a WordprocessingML document. Word names the part
    ``word/document.xml``, but other writers do not (``word/document2.xml``), and a reader
    that looks only for that name refuses a valid document.
    """
    names = set(z.namelist())
    try:
        # Sniffing comes before the zip-bomb bound (check_unpacked_size): a part declared
        # larger than these small files ever are is not inflated at all.
        if any(z.getinfo(n).file_size > _MAX_PACKAGE_XML for n in ("_rels/.rels", "[Content_Types].xml")):
            return None
        rels = etree.fromstring(z.read("_rels/.rels"), parser=_SAFE_XML)
        types = etree.fromstring(z.read("[Content_Types].xml"), parser=_SAFE_XML)
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, zlib.error, OSError, ValueError):
        return None
    for rel in rels.iter(f"{{{_PKG_RELS}}}Relationship"):
        if rel.get("Type") != _OFFICE_DOCUMENT or rel.get("TargetMode") == "External":
            continue
        name = (rel.get("Target") or "").lstrip("/")
        if name not in names:
            continue
        content_type = next(
            (
                o.get("ContentType")
                for o in types.iter(f"{{{_CONTENT_TYPES}}}Override")
                # Part names compare case-insensitively (ECMA-376 Part 2, 9.1.1.2).
                if (o.get("PartName") or "").lstrip("/").lower() == name.lower()
            ),
            None,
        )
        if content_type is not None and _WORD_MAIN.match(content_type):
            return name
    return None


def sniff(data: bytes) -> bool:
    """Whether the bytes are a Word package: a zip whose main document part is WordprocessingML.

    ``word/document.xml`` is Word's name for it; otherwise the package's own relationships
    say which part it is (see ``_main_part_name``).
    """
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "word/document.xml" in z.namelist() or _main_part_name(z) is not None
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


@dataclass
class _Field:
    """A complex field being read: its instruction, and where its displayed result starts."""

    instr: str = ""
    result_start: tuple[int, int] | None = None


@dataclass
class _Builder:
    """Accumulates the text, anchors and paragraph starts of a whole document."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    anchors: list[Anchor] = field(default_factory=list)
    paragraph_starts: list[int] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)
    last_row: etree._Element | None = None
    # Per table: the index of its column headed "Accessed" (or None) and that heading.
    tables: dict[etree._Element, tuple[int | None, str]] = field(default_factory=dict)

    def emit(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def mark(self) -> tuple[int, int]:
        """Where the text stands now: (offset, index of the next part)."""
        return self.length, len(self.parts)

    def anchor(self, mark: tuple[int, int], href: str | None) -> None:
        """A link to ``href`` over the text emitted since ``mark``."""
        start, first_part = mark
        text = "".join(self.parts[first_part:])
        body = text.strip()
        if not href or not body:
            return
        a_start = start + len(text) - len(text.lstrip())
        self.anchors.append(Anchor(a_start, a_start + len(body), href, anchor_title(body, href)))

    def paragraph(self, p: etree._Element, rels: dict[str, str]) -> None:
        row = next(p.iterancestors(_TR), None)
        heading = _accessed_heading(p, row, self.tables) if row is not None else None
        if self.paragraph_starts:
            same_row = row is not None and row is self.last_row
            # In a table with a column headed "Accessed", a row reads as one line.
            self.emit((" | " if heading is not None else _ROW_BREAK) if same_row else _PARAGRAPH_BREAK)
        self.last_row = row
        self.paragraph_starts.append(self.length)
        if heading:
            self.emit(heading + ": ")
        self._walk(p, rels)

    def _walk(self, el: etree._Element, rels: dict[str, str]) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == _T:
                self.emit(child.text or "")
            elif tag == _w("tab"):
                self.emit("\t")
            elif tag in _BREAKS:
                self.emit("\n")
            elif tag == _w("noBreakHyphen"):
                self.emit("-")
            elif tag == _INSTR:
                if self.fields:
                    self.fields[-1].instr += child.text or ""
            elif tag == _FLD_CHAR:
                self._field_char(child.get(_w("fldCharType")) or "")
            elif tag == _HYPERLINK:
                start = self.mark()
                self._walk(child, rels)
                rid = child.get(f"{{{_R}}}id")
                target = rels.get(rid) if rid else None
                # w:anchor is the fragment of the target Word opens ("#0"): part of the address
                # (ECMA-376 Part 1, 17.16.22 hyperlink; tests/corpus/README.md, dev9 readings).
                fragment = child.get(_w("anchor"))
                if target and fragment and "#" not in target:
                    target = f"{target}#{fragment}"
                self.anchor(start, target)
            elif tag == _FLD_SIMPLE:
                start = self.mark()
                self._walk(child, rels)
                self.anchor(start, _hyperlink_target(child.get(_w("instr")) or ""))
            else:
                self._walk(child, rels)

    def _field_char(self, kind: str) -> None:
        if kind == "begin":
            self.fields.append(_Field())
        elif kind == "separate" and self.fields:
            self.fields[-1].result_start = self.mark()
        elif kind == "end" and self.fields:
            f = self.fields.pop()
            if f.result_start is not None:
                self.anchor(f.result_start, _hyperlink_target(f.instr))

    def text(self) -> str:
        return "".join(self.parts)


def _cell_text(tc: etree._Element) -> str:
    return " ".join("".join(t.text or "" for t in tc.iter(_T)).split())


def _accessed_heading(
    p: etree._Element, row: etree._Element, tables: dict[etree._Element, tuple[int | None, str]]
) -> str | None:
    """For a paragraph in a table with a column headed "Accessed" (any language the engine
    knows): the heading when the paragraph opens a cell of that column below the heading row,
    "" for the table's other cells, and None in any other table."""
    table = row.getparent()
    if table is None:
        return None
    if table not in tables:
        first = next(table.iter(_TR), None)
        headings = [_cell_text(tc) for tc in first.iterchildren(_TC)] if first is not None else []
        marked = [k for k, h in enumerate(headings) if is_accessed_heading(h)]
        tables[table] = (marked[0], headings[marked[0]]) if len(marked) == 1 else (None, "")
    column, heading = tables[table]
    if column is None:
        return None
    tc = next(p.iterancestors(_TC), None)
    if tc is None or row is next(table.iter(_TR), None):
        return ""
    cells = list(row.iterchildren(_TC))
    first_p = next(tc.iterchildren(_P), None)
    if (
        tc not in cells
        or cells.index(tc) != column
        or first_p is not p
        or is_accessed_heading(_cell_text(tc))
    ):
        return ""  # (a cell that says "Accessed ..." itself needs no heading)
    return heading


def _hyperlink_target(instr: str) -> str | None:
    m = _HYPERLINK_INSTR.match(instr)
    return (m.group(1) or m.group(2)) if m else None


def _external_targets(part: Part) -> dict[str, str]:
    """The relationship id -> URL map of a part's external hyperlinks."""
    return {
        rid: rel.target_ref
        for rid, rel in part.rels.items()
        if rel.is_external and rel.reltype == RT.HYPERLINK
    }


def _paragraphs(root: etree._Element) -> Iterator[etree._Element]:
    """The paragraphs of a part in document order, leaving out fallback copies of text boxes."""
    for p in root.iter(_P):
        if any(a.tag == f"{{{_MC}}}Fallback" for a in p.iterancestors()):
            continue
        yield p


def _note_parts(part: Part) -> list[tuple[str, Part]]:
    found = []
    for kind, reltype in (("footnotes", RT.FOOTNOTES), ("endnotes", RT.ENDNOTES)):
        for rel in part.rels.values():
            if rel.reltype == reltype and not rel.is_external:
                found.append((kind, rel.target_part))
    return found


MAX_UNPACKED = 256 * 1024 * 1024
"""Most bytes a DOCX package may unpack to, in all of its parts (python-docx reads every one)."""
MAX_XML_UNPACKED = 48 * 1024 * 1024
"""Most bytes its XML parts may unpack to: parsed into trees, they cost several times that in memory."""


def check_unpacked_size(data: bytes) -> None:
    """Refuse a package whose parts unpack past the bounds (a zip bomb); raises ValueError.

    zipfile never inflates a member past the size its header declares (it stops there and
    fails the CRC), so bounding the declared sizes bounds the real work.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ValueError(f"not a readable DOCX: {e}") from e
    odd = sorted({i.compress_type for i in infos} - {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
    if odd:
        # bzip2 and LZMA members inflate without a bound per read; Word never writes them.
        raise ValueError(f"not a readable DOCX: parts compressed with zip method {odd[0]}")
    total = sum(i.file_size for i in infos)
    xml = sum(i.file_size for i in infos if i.filename.lower().endswith((".xml", ".rels")))
    if total > MAX_UNPACKED or xml > MAX_XML_UNPACKED:
        raise ValueError(
            f"DOCX unpacks to {total:,} bytes ({xml:,} of XML), more than the limit of "
            f"{MAX_UNPACKED:,} ({MAX_XML_UNPACKED:,} of XML): not read (a zip bomb?)"
        )


def docx_to_text(data: bytes) -> tuple[str, list[Anchor], Callable[[int], int | None], list[str]]:
    """The text of a DOCX document, its anchors, an offset-to-paragraph map, and notes."""
    notes: list[str] = []
    check_unpacked_size(data)
    try:
        document = python_docx.Document(io.BytesIO(data))
        main = document.part
        body_root = main.element
    except DOCX_ERRORS as e:  # a damaged package can raise almost anything in python-docx or lxml
        raise ValueError(f"not a readable DOCX: {e or type(e).__name__}") from e
    builder = _Builder()
    main_rels = _external_targets(main)
    for p in _paragraphs(body_root):
        builder.paragraph(p, main_rels)
    for kind, part in _note_parts(main):
        try:
            root = etree.fromstring(part.blob, parser=_SAFE_XML)
        except etree.XMLSyntaxError as e:
            notes.append(f"{kind} not readable ({e})")
            continue
        rels = _external_targets(part)
        count = 0
        for note in root:
            # The separator "notes" are Word's rule lines, not text.
            if note.get(_w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            for p in _paragraphs(note):
                builder.paragraph(p, rels)
                count += 1
        if count:
            notes.append(f"{kind}: {count} paragraph(s) read")
    starts = builder.paragraph_starts

    def line_of(pos: int) -> int | None:
        return max(1, bisect.bisect_right(starts, pos))

    return builder.text(), sorted(builder.anchors, key=lambda a: a.start), line_of, notes


def extract(data: bytes, options: ExtractOptions) -> Extraction:
    """Citations of a DOCX document; ``line`` is the number of the paragraph."""
    text, anchors, line_of, notes = docx_to_text(data)
    cites = citations_from_text(text, options, anchors=anchors, line_of=line_of, notes=notes)
    return Extraction(format="docx", citations=cites, notes=notes)
