"""PDF documents: the text of every page, plus the targets of link annotations.

Each page's text is taken with pypdf (pages joined by a blank line) and handed to the
free-text engine with aggressive rejoining, since PDF layout breaks lines anywhere,
including inside URLs. A page's link annotations (``/Annots`` with a ``/URI`` action)
whose address does not already appear in the page text (looked for with white space
removed, so a URL the layout wrapped still counts as present) are added after that page's
text, each as its own paragraph, so that a link behind words such as "online" is still cited.

PDF has no source lines a reader could go to, so citations from PDF have ``line`` None.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zlib

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import DictionaryObject, PdfObject

from linkcheck.extract.text import citations_from_text
from linkcheck.models import Extraction, ExtractOptions

#: What a damaged or hostile PDF makes pypdf raise: its own errors, and the programming errors
#: of a parser meeting bytes it did not expect. Not ImportError, OSError or MemoryError: those
#: are the machine's, and stop the command (exit 4) instead of passing for a bad document.
PDF_ERRORS: tuple[type[BaseException], ...] = (
    PyPdfError, ValueError, LookupError, TypeError, AttributeError, AssertionError, ArithmeticError,
    RecursionError, EOFError, NotImplementedError, zlib.error, struct.error,
)  # fmt: skip


def sniff(data: bytes) -> bool:
    """Whether the bytes are a PDF file (``%PDF-`` in the first kilobyte, as readers allow)."""
    return b"%PDF-" in data[:1024]


def _resolve(obj: PdfObject | None) -> PdfObject | None:
    return obj.get_object() if obj is not None else None


def link_uris(page: DictionaryObject) -> list[str]:
    """The URIs of a page's link annotations, in the page's order."""
    uris: list[str] = []
    annots = _resolve(page.get("/Annots"))
    if not isinstance(annots, list):
        return uris
    for ref in annots:
        annot = _resolve(ref)
        if not isinstance(annot, DictionaryObject) or annot.get("/Subtype") != "/Link":
            continue
        action = _resolve(annot.get("/A"))
        if not isinstance(action, DictionaryObject) or action.get("/S") != "/URI":
            continue
        uri = _resolve(action.get("/URI"))
        if isinstance(uri, bytes):
            uri = uri.decode("latin-1")
        if isinstance(uri, str) and uri.strip():
            uris.append(uri.strip())
    return uris


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s).lower()


def _present(uri: str, squashed_text: str) -> bool:
    """Whether the page text shows this address (with or without its scheme)."""
    u = _squash(uri)
    bare = re.sub(r"^[a-z][a-z0-9+.-]*://", "", u).rstrip("/")
    return bool(bare) and bare in squashed_text


def _open(data: bytes) -> PdfReader:
    """Open a PDF, or raise ValueError("not a readable PDF: <reason>")."""
    encrypted = False
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        # Many PDFs are encrypted with an empty user password only to restrict printing.
        readable = bool(reader.decrypt("")) if encrypted else True
        if readable:
            _ = len(reader.pages)
    except PDF_ERRORS as e:  # a damaged file can raise almost anything inside pypdf
        reason = str(e) or type(e).__name__
        raise ValueError(f"not a readable PDF: {'encrypted, ' if encrypted else ''}{reason}") from e
    if not readable:
        raise ValueError("not a readable PDF: encrypted with a password")
    return reader


def _page_text(reader: PdfReader, number: int, notes: list[str]) -> str:
    """One page's text, with the link targets it does not show added as paragraphs."""
    try:
        page = reader.pages[number - 1]
        text = page.extract_text() or ""
    except PDF_ERRORS as e:  # pypdf raises many kinds; one bad page must not lose the others
        notes.append(f"page {number}: not readable ({e})")
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    try:
        uris = link_uris(page)
    except PDF_ERRORS as e:  # a damaged annotation must not lose the page's text
        notes.append(f"page {number}: link annotations not readable ({e})")
        uris = []
    squashed = _squash(text)
    extra = [u for u in dict.fromkeys(uris) if not _present(u, squashed)]
    if extra:
        notes.append(f"page {number}: {len(extra)} link target(s) not in the page text added")
        text = text.rstrip() + "\n\n" + "\n\n".join(extra)
    return text.strip("\n")


def pdf_to_text(data: bytes) -> tuple[str, list[str]]:
    """The text of a PDF (pages joined by a blank line, unseen link targets added) and notes."""
    notes: list[str] = []
    pages: list[str] = []
    # pypdf logs every recoverable oddity of a damaged file as a warning; they are not ours.
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        reader = _open(data)
        for number in range(1, len(reader.pages) + 1):
            pages.append(_page_text(reader, number, notes))
    finally:
        logger.setLevel(level)
    if not any(p.strip() for p in pages):
        notes.append("no text found (a scanned PDF?)")
    return "\n\n".join(pages), notes


def extract(data: bytes, options: ExtractOptions) -> Extraction:
    """Citations of a PDF document; ``line`` is None (PDF has no source lines)."""
    text, notes = pdf_to_text(data)
    text_notes: list[str] = []
    cites = citations_from_text(
        text, options, line_of=lambda _pos: None, aggressive_rejoin=True, notes=text_notes
    )
    # The engine names a line in its notes; a PDF has none to name.
    notes += [n.removeprefix("line None: ") for n in text_notes]
    return Extraction(format="pdf", citations=cites, notes=notes)
