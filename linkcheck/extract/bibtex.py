"""Citations from BibTeX and biblatex files.

Each entry is one reference. Its URLs come from ``url``, from ``howpublished``
(``\\url{...}`` or a URL written there) and from ``note`` ("Available at \\url{...}");
its accessed-on date from biblatex's ``urldate`` or the fields other styles use
(``lastchecked``, ``accessed``, ``access-date``), else from an accessed-on phrase in
``note`` ("[Online; accessed 3-March-2019]"). A ``doi`` field becomes a citation only
with ``include_dois`` and when the entry gives no URL. Parsing is bibtexparser's; one
broken entry loses only itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

import bibtexparser
from bibtexparser.model import DuplicateFieldKeyBlock, Entry, ExplicitComment, ParsingFailedBlock

from linkcheck.extract.dates import field_date, note_date
from linkcheck.extract.urls import clean_url, find_urls, is_archive_url
from linkcheck.models import Citation, Extraction, ExtractOptions

FORMAT = "bibtex"

# Fields that hold the day a URL was visited, in the order they are trusted.
_ACCESSED_FIELDS = (
    "urldate",
    "lastchecked",
    "accessed",
    "access-date",
    "accessdate",
    "urlaccessdate",
    "visited",
)
# URLs in these fields are the ones the accessed-on date speaks of; a URL written in any
# other text field (a title, say) is cited too, but without that date.
_DATED_URL_FIELDS = ("url", "howpublished", "note", "addendum", "annote", "annotation")
# Fields that name a place, a body, a person or a work: a site name there without a scheme
# ("address = {www.versicherungsmagazin.de}") names the publisher, as it would after one in
# running text; it is not a link the record cites. The same holds for the name of a web site
# given as the title of the whole a page belongs to: Zotero's "Website Title" goes to biblatex's
# `titleaddon` (https://github.com/retorquere/zotero-better-bibtex/issues/492) or `journaltitle`,
# and is often just the host ("www.example.be").
# (Not `title`: a page may be cited by its address alone, "title = {example.org/report}".)
_NAME_FIELDS = {
    "address", "location", "publisher", "organization", "institution", "school",
    "author", "editor", "titleaddon", "journal", "journaltitle", "booktitle", "maintitle", "series",
    "eventtitle",
}  # fmt: skip
# Fields that never hold a cited web address (a DOI is its own thing; `file` is a local path).
_NO_URL_FIELDS = {
    "doi",
    # Where a database found the record: bibliography metadata no style prints, not a citation.
    "bibsource",
    "biburl",
    # dblp's "electronic edition" link (a DOI resolver address beside the record's url): a
    # field of dblp's export that no BibTeX or biblatex style prints.
    "ee",
    "file",
    "isbn",
    "issn",
    "eprint",
    "eprinttype",
    "eprintclass",
    "archiveprefix",
    "primaryclass",
    "date",
    "year",
    "month",
    "urldate",
    "keywords",
    "langid",
    "language",
    "pages",
    "pagetotal",
    "volume",
    # The licence a reference manager saved with the record: no citation style prints it.
    # Zotero's BibTeX export writes its "Rights" field as `copyright` (a licence URL, often).
    "rights",
    "copyright",
}
# The source's own summary, as a reference manager saved it (Zotero keeps a video's whole
# description, links to the author's shop and social pages included). No style prints it, so
# beside the record's own address (`url`, `howpublished`, `note`) its links are not cited, as
# RIS `AB` is not beside `UR` (tests/corpus/README.md, dev5 and dev6 readings); a record with
# no address of its own may still give its one web address there ("Companion Website at
# www.oup.com/us/b", the shared corpus), cited without a date.
_SUMMARY_FIELDS = {"abstract"}
# A field switched off with JabRef's and Emacs bibtex-mode's ``OPT`` prefix (``OPTurl``,
# ``OPTnumpages``): no style knows the name, so none prints it and its address is not cited.
# (biblatex's own ``options`` field holds no address either way.) Likewise a field line that the
# writer commented out with TeX's ``%`` (``% url = {...}``): the parser reads it as a field named
# "% url", which no style prints.
_DISABLED_FIELD = re.compile(r"opt[a-z]|%")
_TEXT_LIMIT = 300

_ENTRY_START = re.compile(r"^[ \t]*@[a-zA-Z]+[ \t]*[{(][ \t]*[^\s,{}()=\"#%'~]+[ \t]*,", re.MULTILINE)
_URL_MACRO = re.compile(r"\\(?:url|href)\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_KEYWORD_DATE = re.compile(
    r"(?:accessed|retrieved|visited|last\s+checked|viewed|abgerufen(?:\s+am)?|zugegriffen(?:\s+am)?|consulté\s+le)"
    r"[\s:,]*(?:on\s+)?(.{4,40}?)\s*(?:[\]).;]|$)",
    re.IGNORECASE,
)


def sniff(text: str) -> bool:
    """Whether a text looks like BibTeX: an ``@type{key,`` entry near its start."""
    return _ENTRY_START.search(text[:8192]) is not None


def extract(text: str, options: ExtractOptions) -> Extraction:
    """Every cited URL of a BibTeX or biblatex file, one reference entry per record.

    Raises ValueError when the text holds no BibTeX entry at all (while having some
    content that is not a comment).
    """
    result = Extraction(format=FORMAT)
    with _quiet_parser():
        library = bibtexparser.parse_string(text)
    failed = [b for b in library.failed_blocks if isinstance(b, ParsingFailedBlock)]
    entries = [b for b in library.blocks if isinstance(b, Entry)]
    explicit = [b for b in library.comments if isinstance(b, ExplicitComment)]
    if not (entries or failed or library.strings or library.preambles or explicit):
        content = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("%"))
        if content.strip():
            raise ValueError("not valid BibTeX: no @type{key, ...} entry found")
    for block in failed:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateFieldKeyBlock) and isinstance(block.ignore_error_block, Entry):
            # A field given twice ("urldate" twice, as hand-edited files have) spoils no
            # other field: read the entry all the same, and say so.
            keys = ", ".join(sorted(block.duplicate_keys))
            result.notes.append(f"line {line}: a BibTeX entry gives {keys} more than once; read all the same")
            entries.append(block.ignore_error_block)
            continue
        raw = block.raw or ""
        closed = _closed_at_end(raw, text)
        if closed is not None:
            # The file ends inside its last entry (an excerpt, a file cut short): the fields it
            # holds are whole, so read them as if the entry were closed, and say so.
            result.notes.append(f"line {line}: the file ends inside a BibTeX entry; read as if closed")
            for entry in closed:
                result.citations.extend(_entry_citations(entry, options, result.notes, block.start_line or 0))
            continue
        first = raw.strip().splitlines()[0][:60] if raw.strip() else ""
        result.notes.append(f"line {line}: skipped a BibTeX entry that does not parse ({first})")
        # Whole entries that the parser gave up on may still hold a well-formed entry
        # after the point where it failed: parse the rest again on its own.
        for sub in _reparse_tail(block, options, result.notes):
            result.citations.append(sub)
    for entry in entries:
        result.citations.extend(_entry_citations(entry, options, result.notes, line_offset=0))
    result.citations.sort(key=lambda c: c.line or 0)
    return result


def _closed_at_end(raw: str, text: str) -> list[Entry] | None:
    """The entry of a failed block that the file's end cut off before its closing brace.

    None unless the block is one entry, ends the file, and parses once its open braces
    are closed.
    """
    body = raw.rstrip()
    missing = body.count("{") - body.count("}")
    if not (0 < missing <= 3) or len(_ENTRY_START.findall(body)) != 1 or not text.rstrip().endswith(body):
        return None
    with _quiet_parser():
        library = bibtexparser.parse_string(body.rstrip(",") + "\n" + "}" * missing + "\n")
    return library.entries if library.entries and not library.failed_blocks else None


def _reparse_tail(block: ParsingFailedBlock, options: ExtractOptions, notes: list[str]) -> list[Citation]:
    raw = block.raw or ""
    starts = [m.start() for m in _ENTRY_START.finditer(raw)]
    if len(starts) < 2:
        return []
    tail = raw[starts[1] :]
    base = (block.start_line or 0) + raw[: starts[1]].count("\n")
    with _quiet_parser():
        library = bibtexparser.parse_string(tail)
    found: list[Citation] = []
    for entry in library.entries:
        found.extend(_entry_citations(entry, options, notes, line_offset=base))
    for sub in library.failed_blocks:
        if isinstance(sub, ParsingFailedBlock):
            found.extend(
                _reparse_tail(
                    ParsingFailedBlock(error=sub.error, raw=sub.raw, start_line=(sub.start_line or 0) + base),
                    options,
                    notes,
                )
            )
    return found


@contextmanager
def _quiet_parser() -> Iterator[None]:
    """Keep bibtexparser's own warnings off stderr: failures become notes instead."""
    log = logging.getLogger("bibtexparser")
    before = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        log.setLevel(before)


def _field(entry: Entry, name: str) -> str | None:
    for key, field in entry.fields_dict.items():
        if key.lower() == name:
            value = field.value
            return value if isinstance(value, str) else str(value)
    return None


def _entry_citations(
    entry: Entry, options: ExtractOptions, notes: list[str], line_offset: int
) -> list[Citation]:
    start_line = (entry.start_line or 0) + line_offset + 1
    raw = entry.raw or ""
    found: list[tuple[str, str, bool]] = []  # (cited, url, dated) in field order
    fields = sorted(
        ((f.key.lower(), f.value if isinstance(f.value, str) else str(f.value)) for f in entry.fields),
        key=lambda kv: 0 if kv[0] == "url" else 1,
    )
    own_address = any(
        name in _DATED_URL_FIELDS and _urls_in_field(name, value) for name, value in fields if value
    )
    for name, value in fields:
        if not value or name in _NO_URL_FIELDS or (own_address and name in _SUMMARY_FIELDS):
            continue
        if _DISABLED_FIELD.match(name):
            continue
        for cited in _urls_in_field(name, value):
            if name in _NAME_FIELDS and not re.match(r"(?:[a-z][a-z0-9+.-]*:)?//", cited, re.IGNORECASE):
                continue
            url = clean_url(cited, scheme_less=name == "url")
            if url and name == "url":
                url = _field_tail(cited, url)
            if url and all(url != u for _, u, _ in found):
                found.append((cited, url, name in _DATED_URL_FIELDS))
    doi = _field(entry, "doi")
    if doi and (_URL_MACRO.search(doi) or re.match(r"\s*\{?\s*https?://", doi, re.IGNORECASE)):
        # A DOI field written as a web address ("doi = {\url{http://doi.acm.org/...}}") is a
        # URL the record cites, like one in `url`.
        for cited in _urls_in_field("url", doi):
            url = clean_url(cited, scheme_less=False)
            if url and all(url != u for _, u, _ in found):
                found.append((cited, url, False))
    if not found and doi and options.include_dois:
        doi = _unescape(_strip_braces(doi)).strip()
        doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.IGNORECASE)
        if re.match(r"10\.\d{4,9}/\S+$", doi):
            found.append((doi, "https://doi.org/" + doi, True))
    if not found:
        return []
    accessed = _accessed(entry, options, notes, start_line)
    title_raw = _field(entry, "title")
    title = detex(title_raw) if title_raw else None
    text = _render(entry, title)
    # The record's accessed-on date speaks of the record's own address. Beside an original, an
    # archived copy is a fallback and stays undated; when every address the record gives is a
    # copy ("howpublished = {\url{https://web.archive.org/web/2009/http://x.com/}}", "note =
    # {(Archived) Last accessed 2021-09-23}"), the copy is what was read that day.
    copies_only = all(is_archive_url(url) for _, url, dated in found if dated)
    citations = []
    for cited, url, dated in found:
        citations.append(
            Citation(
                cited=cited,
                url=url,
                line=_line_of(raw, cited, start_line),
                text=text,
                accessed=accessed if dated and (copies_only or not is_archive_url(url)) else None,
                title=title or None,
            )
        )
    return citations


def _urls_in_field(name: str, value: str) -> list[str]:
    """The URLs a field gives, unescaped, as cited."""
    macros = [_unescape(_join_lines(m.group(1))) for m in _URL_MACRO.finditer(value)]
    if name == "url":
        if macros:
            return macros
        cleaned = _unescape(_join_lines(_strip_braces(value)))
        return [cleaned] if cleaned else []
    rest = _URL_MACRO.sub(" ", _typewriter_urls(value))
    plain = _unescape(_strip_braces(rest))
    return macros + [u.cited for u in find_urls(plain)]


# A typewriter-font macro holding a URL written without \url: "\texttt{https://...}".
_TYPEWRITER = r"\\(?:texttt|path|nolinkurl)\s*\{([^{}\s]*)\}"
# Two of them with a forced line break between: "\texttt{https://a.org/docs/}\\\texttt{file.pdf}".
_TYPEWRITER_BREAK = re.compile(
    _TYPEWRITER + r"\s*(?:\\\\(?:\[[^\]]*\])?|\\newline\b|\\linebreak\b)\s*" + _TYPEWRITER
)


def _typewriter_urls(value: str) -> str:
    """A field's text with the URLs of typewriter macros set apart, each one URL.

    Without ``\\url`` a long address does not break by itself, so writers break it by hand
    into two ``\\texttt{}`` with a LaTeX line break between (tests/corpus/README.md, dev9
    readings): the second part (no scheme of its own) continues the URL of the first.
    """

    def join(m: re.Match[str]) -> str:
        first, second = m.group(1), m.group(2)
        if not re.match(r"(?:https?://|www\.)", first) or re.match(r"(?:https?://|www\.)", second):
            return m.group(0)
        return "\\texttt{" + first + second + "}"

    joined = value
    for _ in range(4):  # a URL broken over up to five lines
        after = _TYPEWRITER_BREAK.sub(join, joined)
        if after == joined:
            break
        joined = after
    return re.sub(_TYPEWRITER, lambda m: " " + m.group(1) + " ", joined)


def _field_tail(cited: str, url: str) -> str:
    """A ``url`` field's address with the full stop or "!" it ends with, where cleaning dropped it.

    In running text a URL's last full stop ends the sentence; a ``url`` field holds the address
    alone, so its last character is the address's own: a Wikipedia title ending in "!"
    (".../wiki/Doki_Doki_Literature_Club!") or a text fragment ending in "." (tests/corpus/
    README.md, dev6 readings).
    """
    tail = re.search(r"[.!]+$", cited.strip())
    if tail is None or url.endswith(tail.group()):
        return url
    whole = url + tail.group()
    return whole if cited.strip().endswith(whole.split("://", 1)[-1][-40:]) else url


def _join_lines(s: str) -> str:
    # A long URL wrapped over lines inside a field: white space is never part of it.
    return re.sub(r"\s+", "", s)


def _strip_braces(s: str) -> str:
    return s.replace("{", "").replace("}", "")


def _unescape(s: str) -> str:
    """Undo TeX escapes that appear in URLs: ``\\_ \\% \\# \\& \\$ \\~ {\\textasciitilde}``."""
    s = re.sub(r"\{?\\(?:textasciitilde|texttildelow)\s*\}?\s*", "~", s)
    s = s.replace("\\~{}", "~")
    return re.sub(r"\\([_%#&$~{}])", r"\1", s)


def _accessed(entry: Entry, options: ExtractOptions, notes: list[str], line: int) -> dt.date | None:
    for name in _ACCESSED_FIELDS:
        value = _field(entry, name)
        if value and value.strip():
            return field_date(detex(value), options, notes, f"line {line}: {name}")
    for name in ("note", "howpublished", "addendum", "annote"):
        value = _field(entry, name)
        if not value:
            continue
        plain = detex(_URL_MACRO.sub(" ", value))
        found, d = note_date(plain, options, notes, f"line {line}: {name}")
        if found:
            return d
        m = _KEYWORD_DATE.search(plain)
        if m:
            d = field_date(m.group(1), options, None, "")
            if d is not None:
                return d
    return None


def _line_of(raw: str, cited: str, start_line: int) -> int:
    """The line of the entry on which the URL is written (its first characters when escaped)."""
    probes = [cited, cited.replace("_", "\\_").replace("%", "\\%").replace("#", "\\#").replace("&", "\\&")]
    probes.append(cited[: max(12, len(cited) // 2)])
    for probe in probes:
        pos = raw.find(probe)
        if pos >= 0:
            return start_line + raw.count("\n", 0, pos)
    return start_line


def _render(entry: Entry, title: str | None) -> str:
    """One readable line for the entry: author. title. venue. year."""
    parts: list[str] = []
    author = _field(entry, "author") or _field(entry, "editor")
    if author:
        parts.append(", ".join(a.strip() for a in re.split(r"\s+and\s+", detex(author)) if a.strip()))
    if title:
        parts.append(title)
    for name in ("journaltitle", "journal", "booktitle", "publisher", "institution", "organization"):
        value = _field(entry, name)
        if value:
            parts.append(detex(value))
            break
    year = _field(entry, "year") or _field(entry, "date")
    if year:
        parts.append(detex(year))
    how = _field(entry, "howpublished")
    if how:
        parts.append(detex(_URL_MACRO.sub(lambda m: _unescape(m.group(1)), how)))
    url = _field(entry, "url")
    if url:
        parts.append(_urls_in_field("url", url)[0] if _urls_in_field("url", url) else url)
    note = _field(entry, "note")
    if note:
        parts.append(detex(_URL_MACRO.sub(lambda m: _unescape(m.group(1)), note)))
    text = ". ".join(p.rstrip(". ") for p in parts if p.strip()) + "."
    text = " ".join(text.split())
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1].rstrip() + "…"


# TeX accent commands and the Unicode combining marks they stand for.
_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "textendash": "–",
    "textemdash": "—",
    "ldots": "…",
    "dots": "…",
    "textquoteright": "’",
    "textquoteleft": "‘",
    "LaTeX": "LaTeX",
    "TeX": "TeX",
}
_ACCENT_RE = re.compile(
    r"\\([\"'`^~=.])\s*(?:\{\s*(\\?[A-Za-z]|)\s*\}|(\\?[A-Za-z]))"  # \'e, {\'e}, \'{e}
    r"|\\([uvHckrdb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+([A-Za-z]))"  # \v{c}, \c c
)


def detex(s: str) -> str:
    """Plain text from a BibTeX field value: accents composed, commands and braces dropped.

    ``{\\"o}`` becomes ``ö``, ``\\&`` becomes ``&``, ``\\emph{x}`` becomes ``x``; white space
    is collapsed. Good enough for titles and names, not a TeX interpreter.
    """

    def accent(m: re.Match[str]) -> str:
        mark = _ACCENTS[m.group(1) or m.group(4)]
        base = (m.group(2) or m.group(3)) if m.group(1) else (m.group(5) or m.group(6))
        base = base or ""
        if base in ("\\i", "\\j"):
            base = base[1]
        return unicodedata.normalize("NFC", base + mark) if base else ""

    s = _ACCENT_RE.sub(accent, s)
    s = re.sub(r"\\([A-Za-z]+)\b\s?(?:\{\})?", lambda m: _LETTERS.get(m.group(1), "\0" + m.group(1)), s)
    s = re.sub(r"\\([&%$#_{}])", r"\1", s)
    # Any other command: keep its argument (\emph{x} -> x), drop the command itself.
    s = re.sub(r"\0[A-Za-z]+\*?(?:\[[^\]]*\])?", "", s)
    s = s.replace("\\\\", " ").replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")
    s = s.replace("~", " ").replace("{", "").replace("}", "")
    return " ".join(s.split())
