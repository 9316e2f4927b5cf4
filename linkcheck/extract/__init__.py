"""Extraction: pure functions from a document's bytes to its citations.

One module per input format; this one decides the format (by file name, then by
sniffing the content), decodes text, and calls the format's ``extract``. No database,
no network.
"""

from __future__ import annotations

import codecs
import importlib
import re
from pathlib import PurePath
from typing import Any

from linkcheck.errors import UnsupportedFormat
from linkcheck.models import Citation, Extraction, ExtractOptions

__all__ = ["FORMATS", "UnsupportedFormat", "decode", "detect_format", "extract_bytes"]

# Format name -> module of linkcheck.extract that reads it.
FORMATS: dict[str, str] = {
    "text": "plain",
    "markdown": "plain",
    "rst": "plain",
    "html": "html",
    "bibtex": "bibtex",
    "ris": "ris",
    "csljson": "csljson",
    "wikitext": "wikitext",
    "pdf": "pdf",
    "docx": "docx",
}

_BY_SUFFIX: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdown": "markdown",
    ".rst": "rst",
    ".rest": "rst",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".bib": "bibtex",
    ".biblatex": "bibtex",
    ".bibtex": "bibtex",
    ".ris": "ris",
    ".json": "csljson",
    ".wiki": "wikitext",
    ".wikitext": "wikitext",
    ".mediawiki": "wikitext",
    ".pdf": "pdf",
    ".docx": "docx",
}

# Formats recognised from content when the name says nothing (or says .txt), in the
# order they are tried: the most distinctive first.
_SNIFFED_TEXT = ("bibtex", "ris", "csljson", "wikitext", "html")

_BINARY_FORMATS = ("pdf", "docx")


def _module(fmt: str) -> Any:
    return importlib.import_module(f"linkcheck.extract.{FORMATS[fmt]}")


def decode(data: bytes) -> str:
    """Bytes of a text document as text: a BOM or UTF-8 first, then a detected charset.

    Raises UnicodeDecodeError when the bytes are not text in any charset we can tell.
    """
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(enc)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as first:
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 1 << 20]).best()
        if best is None:
            raise first from None
        return data.decode(best.encoding, errors="replace")


# UTF-32 first: its little-endian mark begins with UTF-16's.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def utf8_from_wide(data: bytes) -> bytes:
    """UTF-16 or UTF-32 text with a byte-order mark as UTF-8 (with its mark); other bytes as given.

    Windows tools (Notepad, PowerShell's ``Out-File``, Excel's "Unicode text") save reference
    lists so. Their NUL bytes look binary and defeat every format's sniffing, so they are
    recoded before anything else looks at them; a broken code unit becomes U+FFFD.
    """
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            return codecs.BOM_UTF8 + data[len(bom) :].decode(encoding, errors="replace").encode("utf-8")
    return data


def looks_binary(data: bytes) -> bool:
    """True when the bytes are not text: NUL bytes, or mostly control characters."""
    head = data[:8192]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if not head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(head) > 0.1


def detect_format(data: bytes, name: str) -> str:
    """The format of a document, from its name and, when that is not decisive, its content.

    Raises UnsupportedFormat for a file linkcheck does not read.
    """
    suffixes = [s.lower() for s in PurePath(name).suffixes]
    suffix = suffixes[-1] if suffixes else ""
    for fmt in _BINARY_FORMATS:
        if _module(fmt).sniff(data):
            return fmt
    by_name = _BY_SUFFIX.get(suffix)
    if by_name in _BINARY_FORMATS:
        raise UnsupportedFormat(f"not a valid {by_name.upper()} file")
    if by_name is not None and by_name not in ("text", "csljson"):
        return by_name
    if looks_binary(data):
        raise UnsupportedFormat("binary file, not a document linkcheck reads")
    if by_name is None and suffix and not _maybe_text_suffix(suffix):
        raise UnsupportedFormat(f"unsupported file type {suffix}")
    head = data[:65536].decode("utf-8", errors="replace")
    if by_name == "csljson":
        # Folders hold JSON of every kind (package.json, data): only CSL is a reference list.
        if _module("csljson").sniff(head):
            return "csljson"
        raise UnsupportedFormat("JSON, but not a CSL-JSON reference list")
    for fmt in _SNIFFED_TEXT:
        if _module(fmt).sniff(data[:65536] if fmt == "html" else head):
            return fmt
    if re.search(r"(?m)^(?:#{1,6} |\s*[-*] \[|.*\]\(https?://)", head):
        return "markdown"
    return "text"


def _maybe_text_suffix(suffix: str) -> bool:
    # Files with no suffix, or suffixes that are not one of ours but are plainly text
    # in reference collections (reading lists exported as .list, .ref, .refs, .cite).
    return suffix in {
        ".list",
        ".ref",
        ".refs",
        ".cite",
        ".citations",
        ".bibliography",
        ".log",
        ".csv",
        ".tsv",
    }


def extract_bytes(data: bytes, name: str, options: ExtractOptions | None = None) -> Extraction:
    """Every citation in a document given as bytes; ``name`` (a file name) hints the format.

    Raises UnsupportedFormat for a file that is not a document linkcheck reads, and
    ValueError (with a reason fit for a user) for one that is corrupt.
    """
    options = options or ExtractOptions()
    data = utf8_from_wide(data)
    fmt = detect_format(data, name)
    mod = _module(fmt)
    if fmt in _BINARY_FORMATS:
        result: Extraction = mod.extract(data, options)
    else:
        try:
            text = decode(data)
        except UnicodeDecodeError as e:
            raise ValueError(f"not text in any known character encoding ({e.reason})") from None
        if fmt == "html":
            result = mod.extract(data, options)
        elif FORMATS[fmt] == "plain":
            result = mod.extract(text, options, fmt)
        else:
            result = mod.extract(text, options)
    result.format = fmt
    return result


def citations(data: bytes, name: str, options: ExtractOptions | None = None) -> list[Citation]:
    """Shorthand for ``extract_bytes(...).citations``."""
    return extract_bytes(data, name, options).citations
