"""PDF documents: the text of every page, plus the targets of link annotations.

Each page's text is taken with pypdf (pages joined by a blank line) and handed to the
free-text engine with aggressive rejoining, since PDF layout breaks lines anywhere,
including inside URLs. Before that the text is repaired where typesetting is known to garble
URLs: ligature characters (``ﬁ`` for ``fi``) are spelt out, and a URL that LaTeX set
letter-spaced (``https : / / blog . example . org``) is closed up.

A page's link annotations (``/Annots`` with a ``/URI`` action) are the truth about the URLs
they cover. Each is looked for in the page text, allowing for what layout does to a URL
(line breaks and hyphens inside it, ``_`` shown as a space, ``~`` as ``∼``); where found, the
annotation's address stands for the text there, so a URL broken by the layout is cited whole
and still bound to the accessed-on date beside it. A URL cut by a page break is found as the
start of an annotation's address at the end of the page. Annotations not found in the text
(a link behind words such as "online", a DOI link on ``doi: 10.x/y``) are added after that
page's text, each as its own paragraph.

PDF has no source lines a reader could go to, so citations from PDF have ``line`` None.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import struct
import zlib
from collections import Counter

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import DictionaryObject, PdfObject

from linkcheck.extract.text import Anchor, citations_from_text
from linkcheck.extract.urls import find_urls
from linkcheck.models import Extraction, ExtractOptions

#: What a damaged or hostile PDF makes pypdf raise: its own errors, and the programming errors
#: of a parser meeting bytes it did not expect. Not ImportError, OSError or MemoryError: those
#: are the machine's, and stop the command (exit 4) instead of passing for a bad document.
PDF_ERRORS: tuple[type[BaseException], ...] = (
    PyPdfError, ValueError, LookupError, TypeError, AttributeError, AssertionError, ArithmeticError,
    RecursionError, EOFError, NotImplementedError, zlib.error, struct.error,
)  # fmt: skip
# Typographic ligatures that fonts map to single characters; inside a URL they must be letters.
# The tilde of "~user" paths comes out of some fonts as the operator "∼".
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st", "∼": "~"}
)
# A scheme that LaTeX's \url set letter-spaced: "https : / / ", "http :// ".
_SPACED_SCHEME = re.compile(r"\b(https?|ftp)(?:\s*:\s*/\s*/)(?<!://)", re.IGNORECASE)
# Inside a letter-spaced URL, punctuation with a space on both sides: " . ", " / ", " - ".
# A spaced full stop before a capital ends a sentence, not a host name: "a . org / x . Next".
_SPACED_PUNCT = re.compile(r"[ \t](?:([/:_~?=&#%-])[ \t\n](?=\S)|(\.)[ \t\n](?=[a-z0-9]))")
_URL_WORD = re.compile(r"[^\s<>\"]+")
# What layout may put between two characters of a URL: a line break (with a hyphen it
# added) and spaces, or a running header across a page break (not matched here).
_GAP = r"(?:-?\s+)?"
# How a character of an address may look in the page text.
_LOOKS = {"_": r"[_\s]", "~": "[~∼˜]", "-": "[-‐‑–]"}
# An address's start shown at the very end of a page, cut by the page break.
_MIN_CUT = 12
# A glyph pypdf could not map to a character comes out as its PostScript name: "/one.tosf".
# The Adobe Glyph List For New Fonts convention (https://github.com/adobe-type-tools/agl-specification,
# section 2) reads such a name as its base name ("one") with the part after the first period a
# variant suffix (".tosf", tabular oldstyle figures): LaTeX fonts with oldstyle figures so print
# every digit of a URL. Only suffixed names are read: "/one" alone could be part of an address.
_GLYPH_NAME = re.compile(r"/([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)")
_AGL_UNI = re.compile(r"uni([0-9A-F]{4})|u([0-9A-F]{4,6})")
# File extensions that can follow a word in an address ("/one.html"): not glyph variants.
_NOT_VARIANTS = frozenset(
    {"htm", "html", "shtml", "xhtml", "php", "asp", "aspx", "jsp", "cfm", "cgi", "pdf", "txt", "xml"}
    | {"json", "rss", "png", "jpg", "jpeg", "gif", "svg", "zip", "gz", "tar", "doc", "docx", "ppt"}
    | {"pptx", "xls", "xlsx", "csv", "md", "org", "com", "net", "edu", "gov"}
)
# How often one suffix must occur on a page before its names are taken for glyphs.
_MIN_GLYPH_NAMES = 3


def _close_up(text: str) -> str:
    """Close up URLs set letter-spaced: "https : / / x . org / a" -> "https://x.org/a"."""
    out: list[str] = []
    pos = 0
    for m in _SPACED_SCHEME.finditer(text):
        if m.start() < pos:
            continue
        out.append(text[pos : m.start()])
        end = m.end()
        while True:
            space = re.match(r"[ \t]*", text[end:])
            word = _URL_WORD.match(text, end + (space.end() if space else 0))
            if word is None:
                break
            # Between words only punctuation spaced on both sides joins them.
            if (
                space
                and space.end()
                and end != m.end()
                and not _SPACED_PUNCT.match(text, end - 2 if text[end - 1] in "./:_~?=&#%-" else end)
            ):
                break
            end = word.end()
            nxt = _SPACED_PUNCT.match(text, end)
            if nxt is None:
                break
            end = nxt.end(1) if nxt.group(1) else nxt.end(2)
        out.append(re.sub(r"\s+", "", text[m.start() : end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


# A host name copied with a space after each of its (two or more) dots: "http://www. tcpdump. org". A scheme
# followed by a label and ". " is never a URL as it stands, so closing it up guesses nothing.
# Labels in lower case only: "http://www. Next sentence" is left alone.
_SPACED_HOST = re.compile(r"\b((?i:https?|ftp)://)((?:[a-z0-9-]+\.[ \t]){2,}[a-z]{2,24})(?![^\W_])")


def _close_up_host(text: str) -> str:
    """Close up a host name spaced after its dots: "http://www. x. org" -> "http://www.x.org"."""
    return _SPACED_HOST.sub(lambda m: m.group(1) + re.sub(r"[ \t]", "", m.group(2)), text)


def _pattern(address: str) -> str:
    """A regular expression for an address as a page may show it, scheme optional."""
    rest = re.sub(r"^[a-z][a-z0-9+.-]*://", "", address, flags=re.IGNORECASE).rstrip("/")
    scheme = r"(?:[a-z]+\s*:\s*/\s*/\s*)?" if rest != address else ""
    body = _GAP.join(_LOOKS.get(c, re.escape(c)) for c in rest)
    return scheme + body + r"(?:" + _GAP + "/)?"


def _locate(uris: list[str], text: str) -> tuple[list[Anchor], list[str]]:
    """Anchors for the annotations whose address the text shows, and the addresses it does not."""
    anchors: list[Anchor] = []
    missing: list[str] = []
    for uri in dict.fromkeys(uris):
        found = False
        rest = re.sub(r"^[a-z][a-z0-9+.-]*://", "", uri, flags=re.IGNORECASE)
        if len(rest) < 4:
            missing.append(uri)
            continue
        for m in re.finditer(_pattern(uri), text, re.IGNORECASE):
            anchors.append(Anchor(m.start(), m.end(), uri))
            found = True
        if not found:
            cut = _cut_at_page_end(uri, text)
            if cut is not None:
                anchors.append(Anchor(cut, len(text.rstrip()), uri))
                found = True
        if not found:
            missing.append(uri)
    anchors.sort(key=lambda a: (a.start, a.end))
    # Two annotations found at overlapping places (the same link drawn twice): keep the longer.
    kept: list[Anchor] = []
    for a in anchors:
        if kept and a.start < kept[-1].end:
            if a.end - a.start > kept[-1].end - kept[-1].start:
                kept[-1] = a
            continue
        kept.append(a)
    return kept, missing


def _cut_at_page_end(uri: str, text: str) -> int | None:
    """Where the start of ``uri`` stands at the end of the page text (a page break cut it), or None."""
    rest = re.sub(r"^[a-z][a-z0-9+.-]*://", "", uri, flags=re.IGNORECASE)
    tail = text.rstrip()
    # The page's last line may be its number; look in the last 400 characters before it.
    lines = tail.rsplit("\n", 1)
    if len(lines) == 2 and re.fullmatch(r"\s*[\divxlcIVXLC]{1,6}\s*", lines[1]):
        tail = lines[0].rstrip()
    window_start = max(0, len(tail) - 400)
    for n in range(len(rest) - 1, _MIN_CUT - 1, -1):
        prefix = uri[: len(uri) - len(rest) + n]
        m = re.search(_pattern(prefix).removesuffix(r"(?:" + _GAP + "/)?") + r"\s*$", tail[window_start:])
        if m:
            return window_start + m.start()
    return None


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


# The Adobe Glyph List names of the printable ASCII characters (Adobe's StandardEncoding; the
# letters are named by themselves): what an address is written with. pypdf maps these names
# itself; it leaves them in the text only with a variant suffix, which the AGL reads as the
# same character. (pypdf's full table is private to it.)
_ASCII_GLYPHS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    **{c: c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    "exclam": "!", "quotedbl": '"', "numbersign": "#", "dollar": "$", "percent": "%",
    "ampersand": "&", "quotesingle": "'", "quoteright": "'", "parenleft": "(", "parenright": ")",
    "asterisk": "*", "plus": "+", "comma": ",", "hyphen": "-", "period": ".", "slash": "/",
    "colon": ":", "semicolon": ";", "less": "<", "equal": "=", "greater": ">", "question": "?",
    "at": "@", "bracketleft": "[", "backslash": "\\", "bracketright": "]", "asciicircum": "^",
    "underscore": "_", "grave": "`", "quoteleft": "`", "braceleft": "{", "bar": "|",
    "braceright": "}", "asciitilde": "~",
}  # fmt: skip


def _glyph_char(base: str) -> str | None:
    """The character an AGL glyph base name stands for ("one" -> "1", "uni00E9" -> "é")."""
    char = _ASCII_GLYPHS.get(base)
    if char is not None:
        return char
    m = _AGL_UNI.fullmatch(base)
    if m is None:
        return None
    code = int(m.group(1) or m.group(2), 16)
    return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None


def _glyph_names_read(text: str) -> str:
    """Glyph names pypdf left in the text ("/one.tosf/zero.tosf") as their characters ("10").

    A suffix counts as a glyph variant only when it recurs on the page (``_MIN_GLYPH_NAMES``),
    twice in a row at least once, and is no file extension, so that addresses such as
    ``/one.html`` or ``//a.example.org`` are left alone. pypdf
    runs a name into the letters after it ("/asciitilde.tosfshervine"), so once the variant
    suffixes are known, a name ends where its suffix does.
    """
    if "/" not in text:
        return text
    names = [
        m
        for m in _GLYPH_NAME.finditer(text)
        if _glyph_char(m.group(1)) is not None and m.group(2).lower() not in _NOT_VARIANTS
    ]
    counts = Counter(m.group(2) for m in names)
    # A font's digits come in runs: one name right after another with the same suffix
    # ("/one.tosf/six.tosf"), which host names ("//a.example.org") never make.
    in_runs = {
        a.group(2) for a, b in itertools.pairwise(names) if a.end() == b.start() and a.group(2) == b.group(2)
    }
    variants = sorted(
        (suffix for suffix, n in counts.items() if n >= _MIN_GLYPH_NAMES and suffix in in_runs),
        key=len,
        reverse=True,
    )
    if not variants:
        return text
    named = re.compile(r"/([A-Za-z][A-Za-z0-9_]*?)\.(?:" + "|".join(map(re.escape, variants)) + ")")

    def read(m: re.Match[str]) -> str:
        char = _glyph_char(m.group(1))
        return char if char is not None else m.group(0)

    return named.sub(read, text)


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


def _raw_page_text(reader: PdfReader, number: int, notes: list[str]) -> tuple[str, list[str]]:
    """One page's text, repaired where typesetting garbles URLs, and its link targets."""
    try:
        page = reader.pages[number - 1]
        text = page.extract_text() or ""
    except PDF_ERRORS as e:  # pypdf raises many kinds; one bad page must not lose the others
        notes.append(f"page {number}: not readable ({e})")
        return "", []
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _close_up_host(_close_up(_glyph_names_read(text).translate(_LIGATURES))).strip("\n")
    # The page number printed at the foot of the page is chrome; left in, the engine would take
    # it for the rest of a URL that ends the page ("https://x.org/a" + "17").
    lines = text.rstrip().split("\n")
    while len(lines) > 1 and _PAGE_NUMBER_LINE.fullmatch(lines[-1]):
        lines.pop()
    text = "\n".join(lines)
    try:
        uris = link_uris(page)
    except PDF_ERRORS as e:  # a damaged annotation must not lose the page's text
        notes.append(f"page {number}: link annotations not readable ({e})")
        uris = []
    return text, uris


def _page_text(
    text: str,
    uris: list[str],
    number: int,
    notes: list[str],
    following: str = "",
    carried: frozenset[str] = frozenset(),
) -> tuple[str, list[Anchor], set[str]]:
    """One page's text with its link annotations located in it, unlocated targets added.

    ``following`` is the next page's text when a URL that ends this page goes on there: an
    annotation is then also looked for across the break ("https://www." + "x.org/a"), and the
    targets so found are returned, for the next page not to add them again (``carried``).
    """
    text = _target_apostrophes(text.strip("\n"), uris)
    anchors, extra = _locate(uris, text + "\n" + following if following else text)
    anchors = [a for a in anchors if a.start < len(text)]
    crossing = {a.href for a in anchors if a.end > len(text)}
    squashed = _squash(text)
    extra = [u for u in extra if not _present(u, squashed) and u not in carried]
    if extra:
        notes.append(f"page {number}: {len(extra)} link target(s) not in the page text added")
        text = text.rstrip() + "\n\n" + "\n\n".join(extra)
    return text.strip("\n"), anchors, crossing


def _target_apostrophes(text: str, uris: list[str]) -> str:
    """The page text with a link target's ASCII apostrophes where it prints typographic ones.

    LaTeX and Word print the "'" of an address as "’" (".../Graf’s_Addition_Theorem"); the
    link annotation holds the address the click opens, with the ASCII apostrophe, and that is
    the cited URL (tests/corpus/README.md, dev9 readings).
    """
    for uri in uris:
        if "'" not in uri:
            continue
        shown = re.sub(r"^[a-z][a-z0-9+.-]*://", "", uri, flags=re.IGNORECASE).replace("'", "’")
        if shown in text:
            text = text.replace(shown, shown.replace("’", "'"))
    return text


# A line that holds only a page number ("12", "xiv", "Page 3 of 9", "- 4 -").
_ROMAN = r"(?=[mdclxvi])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_PAGE_NUMBER_LINE = re.compile(
    r"[\s\-–]*(?:\d{1,3}|"
    + _ROMAN
    + r"|(?:page|seite|p\.|s\.|pag\.|str\.)\s*\d{1,4}(?:\s*(?:of|von|/|de|z)\s*\d{1,4})?)"
    r"[\s\-–]*",
    re.IGNORECASE,
)
# A running header: a short line with a page number at one end ("literatur 19", "46 BIBLIOGRAFIA").
_NUMBERED_HEADER = re.compile(
    r"\s*(?:\d{1,4}|" + _ROMAN + r")\s+\D.{0,70}|.{0,70}\D\s+(?:\d{1,4}|" + _ROMAN + r")\s*", re.I
)


# How many lines a running header or footer (title, chapter, page number) may take.
_MAX_RUNNING_LINES = 3


def _header_key(line: str) -> str:
    return re.sub(r"[\d\s]+", "", line).lower()


def _continued(
    prev: str, nxt: str, headers: set[str], footers: frozenset[str] = frozenset()
) -> tuple[str, str] | None:
    """Where a URL at the end of a page goes on after the page break: the two pages' texts with
    the page number, running footer and running header between them dropped, or None.

    Only a URL ending the page's last line of text (before its footer lines: a page number or
    lines whose ``_header_key`` is in ``footers``) is joined, and only with a word that looks
    like the rest of a URL (lower case or a digit first, or the URL ending in ``/-_=&?.#~``),
    never with a line that starts an entry of its own.
    """
    lines = prev.rstrip().split("\n")
    dropped = 0
    while dropped < _MAX_RUNNING_LINES and len(lines) > 1:
        line = lines[-1]
        if not (_PAGE_NUMBER_LINE.fullmatch(line) or _header_key(line) in footers):
            break
        lines.pop()
        dropped += 1
    last = lines[-1].rstrip()
    urls = find_urls(last)
    # A URL cut inside its host name ("https://www.") is no URL yet on its own.
    cut_host = re.search(r"(?:https?|ftp)://\S*$", last, re.IGNORECASE)
    if urls and urls[-1].end == len(last):
        tail = urls[-1].cited
    elif cut_host is not None:
        tail = cut_host.group()
    else:
        return None
    following = nxt.lstrip("\n").split("\n")
    skipped = 0
    blank = False
    while skipped < _MAX_RUNNING_LINES and len(following) > skipped + 1:
        line = following[skipped]
        blank = blank or not line.strip()
        if "://" in line or "www." in line.lower():
            break
        if not (
            not line.strip()  # a blank line Word leaves between its page-number header and the text
            or _PAGE_NUMBER_LINE.fullmatch(line)
            or _NUMBERED_HEADER.fullmatch(line)
            or (line.strip() and _header_key(line) in headers)
        ):
            break
        skipped += 1
    rest = following[skipped].lstrip()
    word = re.match(r"\S+", rest)
    if word is None or re.match(r"\[\d{1,4}\]|\d{1,3}[.)]\s|(?:https?|ftp)://|www\.", rest, re.IGNORECASE):
        return None
    first = word.group(0)[0]
    # Past a blank line, only a word that looks like a URL's rest goes on with it: an entry
    # may begin there ("—. Title.", the repeated author), even after a URL ending in "/".
    if not ((tail[-1] in "/-_=&?.#~" and not blank) or first.islower() or first.isdigit()):
        return None
    return "\n".join(lines), "\n".join(following[skipped:])


def pdf_to_text(data: bytes) -> tuple[str, list[str]]:
    """The text of a PDF (pages joined by a blank line, unseen link targets added) and notes."""
    text, _anchors, notes = _pdf_text_and_anchors(data)
    return text, notes


def _pdf_text_and_anchors(data: bytes) -> tuple[str, list[Anchor], list[str]]:
    notes: list[str] = []
    pages: list[str] = []
    anchors: list[Anchor] = []
    # pypdf logs every recoverable oddity of a damaged file as a warning; they are not ours.
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        reader = _open(data)
        raw = [_raw_page_text(reader, number, notes) for number in range(1, len(reader.pages) + 1)]
    finally:
        logger.setLevel(level)
    # Running headers repeat at the top of pages (even and odd pages may have their own).
    tops = Counter(_header_key(t.lstrip("\n").split("\n", 1)[0]) for t, _ in raw)
    headers = {k for k, n in tops.items() if k and n > 1}
    # Running footers (a title over two lines, "Seite 61") end every page the same way.
    bottoms = Counter(
        key
        for t, _ in raw
        for key in {_header_key(line) for line in t.rstrip().split("\n")[-_MAX_RUNNING_LINES:]}
    )
    footers = frozenset(k for k, n in bottoms.items() if k and n > 1 and n * 2 > len(raw))
    texts = [t for t, _ in raw]
    joins = [False] * len(texts)
    for k in range(1, len(texts)):
        joined = _continued(texts[k - 1], texts[k], headers, footers) if texts[k - 1] and texts[k] else None
        if joined is not None:
            texts[k - 1], texts[k] = joined
            joins[k] = True
    offset = 0
    parts: list[str] = []
    prev_extra = False
    carried: frozenset[str] = frozenset()
    for number, (page, (_, uris)) in enumerate(zip(texts, raw, strict=True), start=1):
        following = texts[number].strip("\n") if number < len(texts) and joins[number] else ""
        page_text, page_anchors, crossing = _page_text(page, uris, number, notes, following, carried)
        carried = frozenset(crossing)
        if number > 1:
            # A page that goes on with the URL the page before it ended with is one entry with it.
            # (Not when link targets missing from its text were added after that page.)
            sep = "\n" if joins[number - 1] and not prev_extra else "\n\n"
            parts.append(sep)
            offset += len(sep)
        anchors += [Anchor(a.start + offset, a.end + offset, a.href) for a in page_anchors]
        pages.append(page_text)
        prev_extra = page_text != page.strip("\n")
        parts.append(page_text)
        offset += len(page_text)
    if not any(p.strip() for p in pages):
        notes.append("no text found (a scanned PDF?)")
    return "".join(parts), anchors, notes


def extract(data: bytes, options: ExtractOptions) -> Extraction:
    """Citations of a PDF document; ``line`` is None (PDF has no source lines)."""
    text, anchors, notes = _pdf_text_and_anchors(data)
    text_notes: list[str] = []
    cites = citations_from_text(
        text,
        options,
        anchors=anchors,
        anchors_override=True,
        line_of=lambda _pos: None,
        aggressive_rejoin=True,
        notes=text_notes,
    )
    # The engine names a line in its notes; a PDF has none to name.
    notes += [n.removeprefix("line None: ") for n in text_notes]
    return Extraction(format="pdf", citations=cites, notes=notes)
