"""Citations from free text: plain text, Markdown, reStructuredText, and the text of
HTML, PDF and DOCX documents once their extractors have turned them into text.

The text is split into reference entries (paragraphs, list items). In each entry every
URL is found (a URL wrapped over two lines is rejoined), every accessed-on phrase is
found, and each date is bound to its own URL: the one the phrase points at by its style
("Retrieved March 3, 2019, from URL" points forward, "URL (accessed on 8 September 2017)"
points back), never to a URL in another entry.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from linkcheck.extract.dates import (
    DateMention,
    find_accessed,
    is_accessed_keyword,
    starts_with_day_month_year,
)
from linkcheck.extract.urls import (
    _URL_CHARS,
    UrlMatch,
    clean_url,
    delimited_url,
    find_urls,
    is_archive_url,
    is_identifier_lookup,
    strip_trailing,
)
from linkcheck.models import Citation, ExtractOptions


@dataclass(frozen=True, slots=True)
class Anchor:
    """A hyperlink whose anchor text spans ``text[start:end]`` and that points at ``href``."""

    start: int
    end: int
    href: str
    title: str | None = None


# Where one reference entry ends and the next begins: a blank line, or a line that
# starts a list item ("- ", "* ", "1. ", "[1] ", "1/ "); not a year ("2022. ") wrapped to a new line.
_ENTRY_BREAK = re.compile(r"\n[ \t]*\n\s*|\n(?=[ \t]*(?:[-*+•–]\s|\d{1,3}[.)/]\s|\[\d{1,4}\]\s))")

# What may stand between an accessed-on phrase and the URL it introduces.
# After a bracketed note, IEEE's "[Online]. Available:" (and "[En ligne]. Disponible sur :").
# In the languages of CSL's locales: "Available from:", "Verfügbar unter:", "Disponible sur",
# "Geraadpleegd van:", "Retrieved from", "En línea:", "Dostępne na:", "Online:", "Online verfügbar:",
# "Tillgänglig vid:", "Hämtad från:", "Доступно на:", "Извлечено от:", "入手先:".
_FORWARD_CONNECTOR = re.compile(
    r"^[\s.,;:)\]]*(?:\[[^\]]{1,20}\][\s.,;:]*)?(?:(?:online\s+)?(?:available|disponible|disponibile|verfügbar|disponível|beschikbaar|dostępne|dostępny"
    r"|tilgjengelig|tillgänglig|retrieved|geraadpleegd|verkregen|abgerufen|recuperado|recuperato|consulté|pobrano"
    r"|tersedia|dostupn[éoá]|saatavissa|доступно|elérhető|disponibil"
    r"|získáno|hämtad|preluat|извлечено|доступний|dispoñ[íi]bel|入手先|回収)?\s*"
    r"(?:online|en\s+ligne|en\s+l[ií]nea|in\s+linea|em\s+linha|w\s+internecie"
    r"|na\s+internet[eu]?|z\s+internetu)?\s*"
    r"(?:from|at|via|in|on|de|en|em|sous|sur|unter|op|url|link|online|da|su|van|von|na|på|z|pada|la|à"
    r"|à\s+l['’]adresse|vid|från|din|из|от|на|у|с|から)?"
    r"[\s.,;:(\[<]*(?:url\s*[:：]?\s*)?)$",
    re.IGNORECASE,
)
_MAX_BIND_GAP = 250
_HAS_SCHEME = re.compile(r"(?:https?|ftp)://|//", re.IGNORECASE)
# Volume, issue and page numbers, with their abbreviations ("Vol. 12, n° 3, p. 45–67", "S. 45").
_NUMBERS = re.compile(
    r"(?:\b(?:vol|no|nr|n°|nᵒ|p|pp|s|bd|t|h|jg|issue)\.?\s*)?\d[\d\s:()‐‑–—-]*", re.IGNORECASE
)
_MAX_ENTRY = 400
_SENTENCE_END = re.compile(r"[.!?;][\"'”’)]*\s+(?=[\"'“‘(\[]?[A-Z0-9À-Ý])")
_URLISH = re.compile(r"[-_/#=?&%.~]|\d")
_CONTINUATION = re.compile(_URL_CHARS + r"++")
# A line that starts a URL of its own, after a footnote number perhaps ("4https://..."), does not
# continue the URL above it.
_NEW_URL = re.compile(r"\d{0,3}(?:(?:https?|ftp)://|www\.)", re.IGNORECASE)


# A URL cut by a line break before its host name is whole: right after its scheme ("http:" +
# "//x.org/a") or after a dot of the host ("http://research." + "example.com/a"). Neither head is
# an address on its own, so joining it with the next line guesses nothing when that line goes on
# with the rest of an address: lower case, and a dot or a slash in it or a top-level domain alone
# ("https://www.example." + "com"); not a word of prose ("http://x." + "then").
# So is a scheme with white space after it, a line break or the space a paste from a PDF left
# where the line ended ("https:// www.example.nl/a"): "https://" alone is no address; and a host
# cut after a dot with that space ("https://journals. example.net/a").
_CUT_HEAD = re.compile(
    r"(?<![\w.+-])(?:https?|ftp)"
    r"(?::[ \t]*\n[ \t]*(?=//(?-i:[a-z0-9]))|://(?:[a-z0-9-]+\.)+[ \t]*\n[ \t]*(?=(?-i:[a-z0-9]))"
    r"|://(?=\s)[ \t]{0,3}\n?[ \t]{0,8}(?=(?-i:[a-z0-9]))"
    r"|://(?:[a-z0-9-]+\.)+(?P<spaced>[ \t]{1,2})(?=(?-i:[a-z0-9])))",
    re.IGNORECASE,
)


def _cut_heads(text: str, urls: list[UrlMatch]) -> list[UrlMatch]:
    """``urls`` with the URLs a line break cut before or inside their host name added, whole."""
    added: list[UrlMatch] = []
    for m in _CUT_HEAD.finditer(text):
        rest = _CONTINUATION.match(text, m.end())
        if rest is None:
            continue
        core = strip_trailing(rest.group(0))
        # Across a space (a pasted line end: "https://journals. example.net/a"), only the rest of
        # a host name with its dot or path, not a top-level domain alone: "...example. the" is prose.
        if not re.search(r"[./]", core) and (m["spaced"] or not re.fullmatch(r"[a-z]{2,3}", core)):
            continue
        cited = re.sub(r"\s+", "", m.group()) + core
        url = clean_url(cited, scheme_less=False)
        host = re.match(r"[a-z]+://([^/?#:]+)", url or "", re.IGNORECASE)
        if url is None or host is None or "." not in host.group(1).strip("."):
            continue
        added.append(UrlMatch(m.start(), m.end() + len(core), cited, url))
    if not added:
        return urls
    # What was found of such a URL on its own (the rest on the next line as an address, or the
    # head up to a dot, "https://www.example") is part of the whole.
    kept = [u for u in urls if not any(a.start <= u.start < a.end for a in added)]
    return sorted(kept + added, key=lambda u: u.start)


# A numbered entry starting inside a line: "... 2019. [2] B, ..." or "... ?id=42 2. B, ...".
# Taken as a break only where the numbers run on one by one from the number that opens the
# line, so that "vol. 2. pp" or a lone "[3]" citation in running text is no break.
_INLINE_NUMBER = re.compile(
    r"(?<=\S)[ \t]+(?=\[(?P<b>\d{1,4})\][ \t]*\S|(?P<n>\d{1,3})\.(?:[ \t]+\S|[^\W\d_]))"
)
_LEADING_NUMBER = re.compile(r"\s*(?:-\s+)?(?:\[(?P<b>\d{1,4})\]|(?P<n>\d{1,3})\.)(?:[ \t]|[^\W\d_])")


def _split_inline(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a span holding a whole numbered reference list on one line at its numbers."""
    if end - start < 120 or "\n" in text[start:end].strip():
        return [(start, end)]
    first = _LEADING_NUMBER.match(text, start)
    cuts: list[int] = []
    for style in ("b", "n"):
        if first and not first[style]:
            continue
        # A rendered Markdown list item has lost its "1.": then the run starts at 2 and
        # must reach 3 before it is believed.
        expected = int(first[style]) + 1 if first else 2
        cuts = []
        for m in _INLINE_NUMBER.finditer(text, start, end):
            if m[style] is not None and int(m[style]) == expected:
                cuts.append(m.end())
                expected += 1
        if cuts and (first or len(cuts) >= 2):
            break
        cuts = []
    if not cuts:
        return [(start, end)]
    bounds = [start, *cuts, end]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


# A dash that opens a line may be the separator of an entry's blocks that wrapped there, as
# DIN-style lists write them: "https://x.org/a.\n– Zuletzt abgerufen am 10.01.2019".
_DASH_ITEM = re.compile(r"\n[ \t]*[-–][ \t]+")


def _is_accessed_tail(text: str, pos: int) -> bool:
    """Whether the line at ``pos`` is a dash and then an accessed-on phrase, not a list item."""
    m = _DASH_ITEM.match(text, pos)
    if m is None:
        return False
    line_end = text.find("\n", m.end())
    mentions = find_accessed(text[m.end() : line_end if line_end >= 0 else len(text)])
    return bool(mentions) and mentions[0].start == 0


# The number an entry opens with: "12. ", "12) ", "[12] ".
_ITEM_NUMBER = re.compile(r"[ \t]*(?:\[(\d{1,4})\]|(\d{1,3})[.)/])\s")
# How far a numbered line may run ahead of the list's count and still be its next item (a
# number or two skipped by the writer); farther, it is a wrapped line's number ("42. Accedido").
_MAX_SKIP = 3


def _item_number(text: str, pos: int) -> int | None:
    m = _ITEM_NUMBER.match(text, pos)
    return int(m[1] or m[2]) if m else None


def _entry_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    count = _item_number(text, 0)  # the number of the last entry, in a numbered list
    for m in _ENTRY_BREAK.finditer(text):
        if m.group() == "\n":
            number = _item_number(text, m.end())
            if (
                _is_accessed_tail(text, m.start())
                or starts_with_day_month_year(text, m.end())
                or (number is not None and count is not None and number > count + _MAX_SKIP)
            ):
                # (A wrapped line that starts "17. März 2021" is a date, not list item 17; one
                # that starts "42. Accedido ..." in a list at item 1 is the URL's "?id=" + "42".)
                continue
        else:
            number = _item_number(text, m.end())
        if number is not None:
            count = number
        if m.start() > start:
            spans.extend(_split_inline(text, start, m.start()))
        start = m.end()
    if start < len(text):
        spans.extend(_split_inline(text, start, len(text)))
    return spans


# What follows an author in APA and Harvard: initials, then the year or "n.d." in parentheses.
_AUTHOR_TAIL = re.compile(
    r"\.?(?:,\s*(?:[A-Z]\.\s*)+)?\s*\((?:\d{4}[a-z]?|n\.\s?d\.|s\.\s?f\.|o\.\s?J\.)[,)]"
)
_ENTRY_LEAD = re.compile(r"\s*(?:[-*+•–]\s+|\d{1,3}[.)/]\s+|\[\d{1,4}\]\s*)?")


def _is_author_site(text: str, entry_start: int, u: UrlMatch) -> bool:
    """Whether an address without a scheme stands where the entry's author does.

    APA and Harvard entries start with the author, then the year: a web site named as the
    author ("Www.example.com, B. (n.d.).", "www.Example.co.nz. (2020).") is a name, not an
    address the entry cites; the entry's URL comes later. The tail (initials, a year in
    parentheses) is what tells an author from an address listed alone.
    """
    if _HAS_SCHEME.match(u.cited):
        return False
    # At the entry's start, or at a line's start after a finished sentence (a PDF's list,
    # where entries are not parted by blank lines).
    lead = _ENTRY_LEAD.match(text, entry_start)
    line_start = text.rfind("\n", entry_start, u.start) + 1
    starts = (lead is not None and lead.end() == u.start) or (
        line_start > entry_start
        and not text[line_start : u.start].strip()
        and text[entry_start:line_start].rstrip().endswith((".", "]"))
    )
    return starts and _AUTHOR_TAIL.match(text, u.end) is not None


# Harvard (Cite This For Me and the Harvard styles of Word and Mendeley): "Title. [online] Website
# name. Available at: URL [Accessed DATE]." The website slot after "[online]" often holds the
# site's host ("www.alchemy.com", "http://www.theinquirer.net"): a name, not the cited address,
# which the "Available at:" after it gives (tests/corpus/README.md, dev6 readings).
def _is_container_name(text: str, u: UrlMatch, after: UrlMatch | None) -> bool:
    """Whether a bare host name is the container of the entry's next address, not a location.

    MLA names the web site as the container, then gives the location: "ASCE. "Title."
    Www.asce.org, www.asce.org/career-growth/salary." A host with no scheme and no path, a
    comma alone before an address on that same host, is the site's name (tests/corpus/README.md,
    dev9 readings).
    """
    if after is None or _HAS_SCHEME.match(u.cited) or re.search(r"[/?#]", u.cited):
        return False
    if _LOCATIONS_GAP.fullmatch(text, u.end, after.start) is None:
        return False
    host = u.cited.lower().rstrip(".")
    other = re.sub(r"^(?:[a-z][a-z0-9+.-]*:)?//", "", after.url.lower())
    return other.startswith(host + "/")


_ONLINE_SLOT_BEFORE = re.compile(r"\[online\][ \t]*\n?[ \t]*$", re.IGNORECASE)
_AVAILABLE_AFTER = re.compile(r"\.?[ \t]*\n?[ \t]*available[ \t]*\n?[ \t]*(?:at|from)\b", re.IGNORECASE)


def _is_website_slot(text: str, u: UrlMatch) -> bool:
    """Whether a URL stands in Harvard's website slot, "[online] SITE. Available at: URL"."""
    return (
        _ONLINE_SLOT_BEFORE.search(text, max(0, u.start - 20), u.start) is not None
        and _AVAILABLE_AFTER.match(text, u.end) is not None
    )


_OPEN_ESCAPE = re.compile(r"%[0-9A-Fa-f]?$")
# A line a URL fills from margin to margin, as Word and LaTeX break a URL longer than the line
# wherever the line is full (a character, not a word boundary).
_MIN_FILLED_LINE = 60


def _filled_by_url(text: str, end: int) -> bool:
    """Whether the line that ends at ``end`` is one long token: a URL broken at the margin."""
    line = text[text.rfind("\n", 0, end) + 1 : end]
    return len(line) >= _MIN_FILLED_LINE and not any(c.isspace() for c in line)


# The file types of documents (as against web pages and images) that a cited URL names: one
# list for the rules below that recognise the end of a file name.
_DOCUMENT_TYPES = r"pdf|docx?|xlsx?|pptx?|odt|rtf|epub|txt|csv"
# The rest of a file name with spaces in it that ends an entry: " - Frank 2009.pdf".
_SPACED_FILE_REST = re.compile(
    r"(?:[ \t][^\s/()\[\]<>\"“”]+){1,4}?\.(?:" + _DOCUMENT_TYPES + r")[ \t.]*",
    re.IGNORECASE,
)


def _spaced_file_name(text: str, u: UrlMatch, entry_end: int) -> UrlMatch:
    """A URL whose file name has spaces in it, when that name ends the entry.

    Word and web servers allow spaces in file names, and a writer pasting the address leaves
    them ("https://www.x.edu/eco/ECIN - Frank 2009.pdf", unlinked, after APA's "Retrieved
    from"). Up to four words that end the entry with a document's file type are the name's rest;
    the URL is cited as a browser opens it, the spaces as %20 (tests/corpus/README.md, dev9
    readings).
    """
    path = u.url.split("://", 1)[-1]
    if "/" not in path or "." in path.rsplit("/", 1)[1] or "?" in path or "#" in path:
        return u
    m = _SPACED_FILE_REST.match(text, u.end)
    if m is None or (m.end() < entry_end and text[m.end() : entry_end].strip()):
        return u
    rest = m.group(0).rstrip(" \t.")
    if any(is_accessed_keyword(word) for word in rest.split()) or _NEW_URL.search(rest):
        return u
    return UrlMatch(u.start, u.end + len(rest), u.cited + rest, u.url + re.sub(r"[ \t]", "%20", rest))


def _closing_colon(text: str, u: UrlMatch, entry_end: int) -> UrlMatch:
    """A URL with the ":" that ends its fragment when nothing follows it in the entry.

    A colon after a URL introduces what comes next; with nothing after it, it can only be the
    address's own, as Google's image-search fragments end (``#imgrc=5jMxfod2b_o-wM:``,
    tests/corpus/README.md, dev9 readings).
    """
    if (
        "#" not in u.cited
        or not text.startswith(":", u.end)
        or text[u.end + 1 : entry_end].strip()
        or not u.url.endswith(u.cited.split("#", 1)[1])
    ):
        return u
    return UrlMatch(u.start, u.end + 1, u.cited + ":", u.url + ":")


_LINE_END = re.compile(r"[ \t]*(?:\n|$)")


def _column_broken(text: str, end: int, token_end: int, entry_end: int, core: str) -> bool:
    """Whether a URL that fills its line goes on in the next line's one token.

    Text pasted from a narrow column (a PDF's, a slide's) breaks a URL wherever the column
    ends, mid-word too ("https://www.x.es/noticia" + "s/tipos-adicciones/"), and puts nothing
    else on those lines. So when the URL's line holds nothing but URL text and the next line is
    one token with a letter in it (not a date, not an accessed-on word), that token is its rest.
    """
    line = text[text.rfind("\n", 0, end) + 1 : end]
    if not line or any(c.isspace() for c in line):
        return False
    if token_end < entry_end and _LINE_END.match(text, token_end) is None:
        return False
    return any(c.isalpha() for c in core) and not is_accessed_keyword(core)


def _word_glued_to_its_end(core: str, token: str) -> bool:
    """Whether a next line's first token is a URL's last letters with the sentence's stop glued on.

    "...line%2Dof%2Dsight%20flyin" + "g. [Accessed ...]": the piece is lower case, it is not an
    accessed-on word, and punctuation follows it with no space, as it does the end of a URL.
    """
    return core[:1].islower() and len(token) > len(core) and not is_accessed_keyword(core)


# The space a paste from a PDF (or a hard-wrapped text joined into one line) leaves where a URL
# was broken at the end of a printed line.
_SPACED_GAP = re.compile(r"[ \t]{1,2}(?=\S)")
# A word that is the rest of an address, not prose: a path ("default/files/a.pdf"), a percent
# escape, or words joined by "-", "_", ".", "=" or "&" ("gezondheid-en-medicijnen").
_REST_OF_PATH = re.compile(r"/|%[0-9A-Fa-f]{2}|[^\W_][-_.=&][^\W_]")
_OPENS_WITH_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_YEAR = re.compile(r"1[89]\d\d|20\d\d")
_QUERY_PAIR = re.compile(r"[\w.%-]+=")


def _spaced_rest(cited: str, core: str, closed: bool = False) -> bool:
    """Whether ``core``, after a space, is the rest of the URL ``cited`` that a paste broke there.

    Text pasted from a PDF keeps a space where each printed line ended, and a long URL ends
    lines at its "/" or "-" ("https://www.x.nl/ gezondheid-en-medicijnen/voorkom",
    ".../een-app-om-te- krijgen"). A space ends a URL in running text, so only what cannot be
    prose is joined: a word after a URL cut at a hyphen (no URL ends in "-") or after an
    encoded space ("...%20de%20 (transmurale)"), a word opening with a percent escape, and,
    after a "/", "_", "=" or "&", a word shaped like a path (a "/", an escape, or words joined
    by "-", "_", "." inside it), digits after "=", and after "/" an id of digits that the
    sentence's punctuation or the line's end closes (``closed``: ".../view/ 8841, accessed"). Never an
    accessed-on word, a date or a new address.
    """
    if not core or _NEW_URL.match(core) or is_accessed_keyword(core):
        return False
    if not any(c.isalpha() for c in core):
        # Digits alone are a query's value after "=" ("?id= 42"). After a "/" they may as well be
        # what follows the address (a year, a page, a snapshot's time stamp "20070220074134
        # DASHBot"): only an id of 3 to 10 digits, not a year, with the entry's punctuation
        # right after it ("view/ 8841.") is the address's last segment.
        if not core.isdigit():
            return False
        if cited.endswith("="):
            return True
        return cited.endswith("/") and closed and 3 <= len(core) <= 10 and _YEAR.fullmatch(core) is None
    if _OPENS_WITH_ESCAPE.match(core):
        return True
    if cited.endswith("-") or cited.upper().endswith("%20"):
        return core[0].islower() or core[0].isdigit() or (cited.endswith("%20") and core[0] == "(")
    return (
        cited[-1] in "/_=&"
        and core[0].isalnum()
        and len(core) >= 4
        and _REST_OF_PATH.search(core) is not None
    )


# The types of file a URL's last segment most often names, and the top-level domains of hosts:
# after a "." that ended a line, a next line that is one of these (alone or followed by a path)
# goes on with the address, while a sentence after a URL's full stop starts a new word.
_FILE_TYPES = re.compile(
    r"(?:s?html?|php\d?|aspx?|jsp|cfm|cgi|xml|json|" + _DOCUMENT_TYPES + r"|zip|png|jpe?g|gif|svg|mp[34])"
    r"(?:[/?#].*)?",
)
_TOP_LEVEL = re.compile(r"(?:com|org|net|edu|gov|int)(?:[/?#].*)?")


def _rest_after_dot(core: str, spaced: bool = False) -> bool:
    """Whether ``core``, on the line after a URL ending in ".", is the rest of that URL.

    Lower case, never an accessed-on word or a new address, and either a path or query
    ("view/8841", "example.org/a") or a file type or (across a line break, not a space) a
    top-level domain, bare or with a path ("pdf", "gov/reports/x"). A sentence after a URL's
    full stop ("Accessed 3 May", "In:", "and then") is none of these.
    """
    if not core or not (core[0].islower() or core[0].isdigit()) or _NEW_URL.match(core):
        return False
    if is_accessed_keyword(core):
        return False
    if re.search(r"[/?=#&]", core) is not None or _FILE_TYPES.fullmatch(core) is not None:
        return True
    # A domain alone only across a line break: after a space, "... example. com" is too like prose.
    return not spaced and _TOP_LEVEL.fullmatch(core) is not None


def _extend_wrapped(text: str, u: UrlMatch, aggressive: bool, entry_end: int) -> UrlMatch:
    """Join a URL that a line break cut in two with the rest of it on the next line.

    A URL broken where a pasted line ended, a space in place of the line break, is joined
    too when what follows the space can only be its rest (:func:`_spaced_rest`).
    """
    end = u.end
    cited = u.cited
    while True:
        # A "?" that ends a line was taken for punctuation; if the next line goes on with the
        # query, it was the URL's ("https://x.org/view?" + "id=42").
        query = "?" if text.startswith("?", end) else ""
        # So was a "." that ends a line, when the next line goes on with what can only be the
        # rest of an address: a path or query, or a file type ("annual_2018." + "pdf").
        dot = "." if not query and text.startswith(".", end) else ""
        m = re.compile(r"[ \t]*\n[ \t]*").match(text, end + len(query) + len(dot))
        if dot:
            # (Or a space in place of the line break, in text pasted from a PDF.)
            gap = m or _SPACED_GAP.match(text, end + 1)
            # (What follows must be lower case or a digit: most URLs end a sentence here.)
            if (
                gap is None
                or gap.end() >= entry_end
                or not (text[gap.end()].islower() or text[gap.end()].isdigit())
            ):
                break
            nxt = _CONTINUATION.match(text, gap.end())
            core = strip_trailing(nxt.group(0)) if nxt else ""
            if nxt is None or not _rest_after_dot(core, spaced=m is None):
                break
            cited += dot + core
            end = nxt.start() + len(core)
            if len(core) < len(nxt.group(0)):
                break
            continue
        # After a space, only a URL that cannot end where it stops goes on (see _spaced_rest):
        # tested first on the URL's last characters, as most URLs in running text end at a space.
        spaced = (
            None
            if m
            or not (
                query
                or cited[-1] in "/-_=&"
                or cited[-3:].upper() == "%20"
                or text[end : end + 3].lstrip(" \t").startswith("%")
            )
            else _SPACED_GAP.match(text, end + len(query))
        )
        if spaced is not None and spaced.end() < entry_end:
            nxt = _CONTINUATION.match(text, spaced.end())
            core = strip_trailing(nxt.group(0)) if nxt else ""
            # After a "?", only a query's "name=value" goes on ("measure? id=42").
            # (The id ends the line, or the sentence's punctuation closes it.)
            closed = nxt is not None and (
                len(core) < len(nxt.group(0))
                or re.match(r"[ \t]*(?:\n|$)", text[nxt.end() : nxt.end() + 8]) is not None
            )
            rest = _QUERY_PAIR.match(core) is not None if query else _spaced_rest(cited, core, closed)
            if nxt is None or not rest:
                break
            cited += query + core
            end = nxt.start() + len(core)
            if len(core) < len(nxt.group(0)):
                break
            continue
        if not m or m.end() >= entry_end:
            return u if cited == u.cited else UrlMatch(u.start, end, cited, clean_url(cited) or u.url)
        nxt = _CONTINUATION.match(text, m.end())
        if not nxt:
            break
        core = strip_trailing(nxt.group(0))
        # A URL does not end in "-": one cut after its hyphen goes on even with a bare word
        # ("https://x.org/strategic-goals-" + "objectives (Accessed ...)").
        cut_at_hyphen = cited.endswith("-") and core[:1].islower()
        # Nor inside a percent escape: "...aircraft%2" + "D%20is...".
        escape = _OPEN_ESCAPE.search(cited)
        cut_in_escape = escape is not None and re.match(f"[0-9A-Fa-f]{{{3 - len(escape.group())}}}", core)
        cut_at_margin = (
            aggressive and _filled_by_url(text, end) and _word_glued_to_its_end(core, nxt.group(0))
        )
        if (
            not core
            or not (_URLISH.search(core) or cut_at_hyphen or cut_in_escape or cut_at_margin)
            or _NEW_URL.match(core)
        ):
            break
        if query or cited[-1] in "/-_=&?.#~" or cut_in_escape:
            pass
        elif not (
            (aggressive or _column_broken(text, end, nxt.end(), entry_end, core))
            and (core[0].islower() or core[0].isdigit() or core[0] in "/#?&=._-~%")
        ):
            break
        cited += query + core
        end = nxt.start() + len(core)
        if len(core) < len(nxt.group(0)):
            break
    return u if cited == u.cited else UrlMatch(u.start, end, cited, clean_url(cited) or u.url)


# What may stand between a URL and its trailing phrase without counting as content:
# punctuation, quotes, white space, the angle brackets of "<URL>", and bracketed notes such as
# "[Online]".
# Dashes and bars too: "URL - accessed: 17/03/2021", "[URL] – consulté le 17/3/2021", table cells.
# So is the label that opens the bracket the phrase stands in, "[Online; accessed DATE]" (the
# common BibTeX note), when a line break puts it under the URL.
_FILLER = re.compile(
    r"\[[^\]\n]{0,30}\]|\[[ \t]*(?i:online|on-line|en[ \t]+ligne|en[ \t]+l[ií]nea|internet)[ \t]*[;,:]"
    r"|[\s.,;:()\[\]<>\"'«»“”‘’–—|-]"
)


def _within_reach(gap: str, content: int, one_url: bool = False) -> bool:
    """Whether a phrase may reach a URL across ``gap`` with ``content`` characters of text in it.

    Not across a line break with text beside it: in a list with one reference a line, the
    text after a line break is the next reference. Unless the break only wraps the entry: the
    line after it is indented (the hanging indent of a hard-wrapped entry's continuation
    lines), or the entry holds no other URL (a hard-wrapped entry, its lines flush left, cites
    one address; where the phrase could date another, the line break still parts them).
    """
    if len(gap) > _MAX_BIND_GAP:
        return False
    return content == 0 or "\n" not in gap or one_url or _HANGING_BREAK.fullmatch(gap) is not None


# A gap whose every line break is followed by an indent: a hard-wrapped entry's continuation lines.
_HANGING_BREAK = re.compile(r"[^\n]*(?:\n[ \t]+[^\n]*)+")


def _bind(
    dates: Sequence[DateMention],
    urls: Sequence[UrlMatch],
    text: str,
    unsure: list[DateMention] | None = None,
    dated_copies: bool = False,
) -> dict[int, DateMention]:
    """Bind each accessed-on phrase of one entry to the index of its URL.

    A phrase goes back to the URL just before it when only punctuation stands between
    them ("URL (accessed ...)", "URL. Accessed ..."), forward to the URL just after it
    when only a connector does ("Retrieved ..., from URL", "[cited ...]. Available from:
    URL", "Consulté le ... . URL"). When both hold, a parenthesised phrase goes back and
    otherwise the phrase's own style decides. Failing both, the one URL within reach; when
    text stands between the phrase and URLs on both sides (a reference list run together on
    one line), which one it dates is a guess, so it dates neither and is put in ``unsure``.
    A URL keeps the closest of the phrases bound to it. An archived copy (a Wayback
    Machine snapshot, ...) is passed over: the date belongs to the original URL; so is a
    catalogue look-up of an identifier (ISSN, OCLC, ISBN) printed between them. Locations of
    one work joined by a comma alone ("URL1, URL2. Accessed ...") share the date that follows
    the last of them.
    """
    starts = [u.start for u in urls]
    one_url = len(urls) == 1
    # Passed over: archived copies, and catalogue look-ups of an identifier beside the link.
    # With ``dated_copies`` (wikitext), an entry that links only archived copies
    # ("[http://web.archive.org/web/2006/http://x.de/ Title] Retrieved 30 November 2006.") dates
    # the copy, as a citation template whose own url is the copy takes the template's date.
    copies_only = dated_copies and all(is_archive_url(u.url) for u in urls)
    archive = [(is_archive_url(u.url) and not copies_only) or is_identifier_lookup(u.url) for u in urls]
    best: dict[int, tuple[int, DateMention]] = {}
    for d in dates:
        i = bisect.bisect_left(starts, d.end)  # first URL after the phrase
        while i < len(urls) and archive[i]:
            i += 1
        j = bisect.bisect_left(starts, d.end) - 1
        # A URL inside the phrase is not "before" it; an archive copy takes no date.
        # (A link whose text the phrase's prefix word overlaps, "[url Mobile site] Retrieved", is before.)
        while j >= 0 and (urls[j].start >= d.start or archive[j]):
            j -= 1
        fwd_gap = text[d.end : urls[i].start] if i < len(urls) else None
        # A phrase that says the address follows ("[cited ...]", "Cited ... Online:") reaches the
        # entry's one URL over the lines a hard wrap put between them.
        wrapped = one_url and d.url_follows
        bwd_gap = text[urls[j].end : d.start] if j >= 0 else None
        # Numbers between the phrase and the next URL are pages or a volume, not another
        # reference: "[cited 2022 Nov 23]; 12:45–67. Available from: URL".
        forward_ok = fwd_gap is not None and (
            _FORWARD_CONNECTOR.match(fwd_gap) is not None
            or _FORWARD_CONNECTOR.match(_NUMBERS.sub(" ", fwd_gap)) is not None
        )
        # A year or pages between a URL and the phrase after it are still that reference's:
        # "URL, 2019, accessed 17 March 2021".
        bwd_content = len(_FILLER.sub("", _NUMBERS.sub(" ", bwd_gap))) if bwd_gap is not None else None
        choice: tuple[int, int] | None = None
        if forward_ok and bwd_content == 0:
            back = d.raw.lstrip().startswith("(") or not d.url_follows
            choice = (0, j) if back else (0, i)
        elif forward_ok:
            choice = (1, i)
        elif bwd_gap is not None and bwd_content is not None and _within_reach(bwd_gap, bwd_content):
            if bwd_content and fwd_gap is not None and _within_reach(fwd_gap, len(fwd_gap), wrapped):
                if unsure is not None:
                    unsure.append(d)
                continue
            choice = (bwd_content, j)
        elif fwd_gap is not None and _within_reach(fwd_gap, len(fwd_gap), wrapped):
            choice = (len(fwd_gap), i)
        if choice is None:
            continue
        cost, k = choice
        if k not in best or cost < best[k][0]:
            best[k] = (cost, d)
    bound = {k: d for k, (_, d) in best.items()}
    # MLA gives a work's locations one after another, then one access date: "...,
    # ieeexplore.ieee.org/document/9069875, https://doi.org/10.1109/x. Accessed 27 Apr. 2024."
    # Addresses joined by a comma alone, the last dated by the phrase after it, were read on
    # the same visit: each earlier one takes that date too.
    for k, d in list(bound.items()):
        if d.start < urls[k].end:
            continue
        j = k - 1
        while (
            j >= 0
            and j not in bound
            and not archive[j]
            and (
                _LOCATIONS_GAP.fullmatch(text, urls[j].end, urls[j + 1].start)
                or (
                    _DOI_HOST.match(urls[j].url)
                    and _DOI_THEN_AVAILABLE.fullmatch(text, urls[j].end, urls[j + 1].start)
                )
            )
        ):
            bound[j] = d
            j -= 1
    return bound


# Between two locations of one work: a comma and white space, nothing else.
_LOCATIONS_GAP = re.compile(r"[ \t]*,[ \t]*\n?[ \t]*")
# Or, after a DOI's address, the label of the web address that follows: ABNT's "DOI:
# https://doi.org/10.x/y. Disponível em: URL. Acesso em: DATE." gives one work's two locations,
# read on the one visit the date records (tests/corpus/README.md, dev9 readings).
_DOI_HOST = re.compile(r"https?://(?:dx\.)?doi\.org/10\.", re.IGNORECASE)
_DOI_THEN_AVAILABLE = re.compile(
    r"[ \t]*\.?[ \t\n]*(?:dispon[íi]vel[ \t\n]+em|available[ \t\n]+(?:at|from)|disponible[ \t\n]+en"
    r"|verfügbar[ \t\n]+unter)[ \t]*:?[ \t\n]*",
    re.IGNORECASE,
)


def _entry_text(
    text: str, start: int, end: int, u: UrlMatch, d: DateMention | None, prev_end: int | None
) -> str:
    """The reference entry around a URL, cut to the sentence(s) that cite it when long.

    Where an entry of several lines cites several URLs (a list with one reference a line
    and no blank lines), the text runs from the line after the previous URL to the line
    that ends this citation.
    """
    stop_at = max(u.end, d.end if d else u.end)
    if prev_end is not None and "\n" in text[prev_end : u.start]:
        start = text.index("\n", prev_end) + 1
        nl = text.find("\n", stop_at, end)
        end = nl if nl >= 0 else end
    if end - start > _MAX_ENTRY:
        lo = max(start, u.start - 300)
        cut = [m.end() for m in _SENTENCE_END.finditer(text, lo, u.start)]
        lo = cut[-1] if cut else lo
        m = _SENTENCE_END.search(text, stop_at, min(end, stop_at + 300))
        hi = m.start() + 1 if m else min(end, stop_at + 300)
        start, end = lo, hi
    return " ".join(text[start:end].split()).strip()


def _drop_inside(urls: Sequence[UrlMatch]) -> list[UrlMatch]:
    """``urls`` (sorted by start) without those found inside an earlier one's wrapped continuation.

    One pass, keeping the farthest end of the URLs that start earlier: an entry of a
    20,000-URL one-line file must not cost 20,000 squared comparisons.
    """
    kept: list[UrlMatch] = []
    reach = -1  # the farthest end among URLs starting before the current start
    group_start: int | None = None
    group_reach = -1
    for u in urls:
        if u.start != group_start:
            reach = max(reach, group_reach)
            group_start, group_reach = u.start, -1
        if not u.start < reach:
            kept.append(u)
        group_reach = max(group_reach, u.end)
    return kept


def citations_from_text(
    text: str,
    options: ExtractOptions,
    *,
    anchors: Sequence[Anchor] = (),
    line_of: Callable[[int], int | None] | None = None,
    aggressive_rejoin: bool = False,
    unescape: Callable[[str], str] | None = None,
    notes: list[str] | None = None,
    anchors_override: bool = False,
    scheme_only: bool = False,
    dated_copies: bool = False,
) -> list[Citation]:
    """Every cited URL in free text, each with its entry text and its own accessed-on date.

    ``anchors`` are link targets the format knows (HTML ``href``, DOCX hyperlinks); each
    counts as a URL at its span, in place of any URL written in its anchor text that
    cleans to the same address. With ``anchors_override`` every URL written inside an
    anchor's span gives way to the anchor, whatever it cleans to: a Markdown link's text is
    only its label, and a PDF link annotation is the truth about a URL its layout broke.
    ``line_of`` maps an offset to a 1-based source line (default: lines of ``text``).
    ``unescape`` undoes format escapes in a cited URL (Markdown's ``\\_``). Problems worth a
    --verbose line (an impossible date) are appended to ``notes``. With ``scheme_only``, an
    address written without a scheme (``www.x.org``, ``x.org/a``) is no URL: in wikitext it is
    plain text, since MediaWiki links only addresses that name their protocol. With
    ``dated_copies``, an entry whose only links are archived copies binds its accessed-on
    phrase to the copy (wikitext, where a template's own archived url is dated too).
    """
    if line_of is None:
        newlines = [m.start() for m in re.finditer("\n", text)]

        def line_of(pos: int) -> int | None:
            return bisect.bisect_right(newlines, pos - 1) + 1 if pos >= 0 else None

    all_urls = _cut_heads(text, find_urls(text, include_dois=options.include_dois))
    if scheme_only:
        all_urls = [u for u in all_urls if _HAS_SCHEME.match(u.cited)]
    anchor_urls: list[UrlMatch] = []
    for a in anchors:
        href = a.href.strip()
        if not re.match(r"(?:https?:)?//", href, re.IGNORECASE):
            continue
        url = delimited_url(href)
        if url:
            anchor_urls.append(UrlMatch(a.start, max(a.end, a.start + 1), href, url))
    titles = {(a.start, a.href.strip()): a.title for a in anchors}

    mentions = find_accessed(text, options.date_order, options.today)
    for m in mentions:
        if m.date is None and m.problem and notes is not None:
            notes.append(f"line {line_of(m.start)}: {m.problem}")
    citations: list[Citation] = []
    u_i = d_i = a_i = 0
    for start, end in _entry_spans(text):
        entry_urls: list[UrlMatch] = []
        while u_i < len(all_urls) and all_urls[u_i].start < end:
            u = all_urls[u_i]
            u_i += 1
            if u.start >= start:
                u = _extend_wrapped(text, u, aggressive_rejoin, end)
                entry_urls.append(_closing_colon(text, _spaced_file_name(text, u, end), end))
        entry_urls = _drop_inside(entry_urls)
        entry_urls = [
            u
            for i, u in enumerate(entry_urls)
            if not _is_author_site(text, start, u)
            and not _is_website_slot(text, u)
            and not _is_container_name(text, u, entry_urls[i + 1] if i + 1 < len(entry_urls) else None)
        ]
        entry_anchors: list[UrlMatch] = []
        while a_i < len(anchor_urls) and anchor_urls[a_i].start < end:
            if anchor_urls[a_i].start >= start:
                entry_anchors.append(anchor_urls[a_i])
            a_i += 1
        if entry_anchors:
            # A URL in the anchor text of a link to the same address is the same citation.
            keep = []
            typed_over: set[int] = set()
            for u in entry_urls:
                if anchors_override:
                    over = [a for a in entry_anchors if u.start < a.end and a.start < u.end]
                    # A target that stops at a hyphen where the printed URL goes on was cut
                    # short by the typesetter (hyperref breaking ".../kann-Android-" at a line
                    # end): the printed URL is the one cited.
                    cut = [a for a in over if a.url.endswith("-") and _bare(u.url).startswith(_bare(a.url))]
                    cut = [a for a in cut if len(_bare(u.url)) > len(_bare(a.url))]
                    typed_over.update(id(a) for a in cut)
                    same = len(over) > len(cut)
                else:
                    around = [a for a in entry_anchors if a.start <= u.start < a.end + 1]
                    # (An empty fragment the printed address ends in, ".../about#" over a link to
                    # ".../about", names no place in the page: the target is that address.)
                    printed = u.url[:-1] if u.url.endswith("#") else u.url
                    same = any(_same_url(a.url, u.url) or _same_url(a.url, printed) for a in around)
                    if not same:
                        # A link target that differs from the address its text prints only by
                        # what an editor added or dropped (a trailing "%20" of the space typed
                        # after it, an escaped or lost "#fragment") is that address: the printed
                        # one is what the writer cited.
                        typed = [a for a in around if _loose(a.url) == _loose(u.url)]
                        typed_over.update(id(a) for a in typed)
                        # Otherwise an address printed without its scheme inside a link to
                        # another one is the link's label: MLA 9 prints URLs without
                        # "https://" and shortens them ("troy.edu/assets/..." over
                        # ".../_assets/...", "facebook.com/photo" over "photo.php?fbid=...").
                        # The target is the cited address (tests/corpus/README.md, dev6).
                        same = bool(around) and not typed and not _HAS_SCHEME.match(u.cited)
                if not same:
                    keep.append(u)
            anchors_kept = [a for a in entry_anchors if id(a) not in typed_over]
            entry_urls = sorted(keep + anchors_kept, key=lambda u: (u.start, u.end))
        entry_dates: list[DateMention] = []
        while d_i < len(mentions) and mentions[d_i].start < end:
            if mentions[d_i].start >= start and mentions[d_i].date is not None:
                entry_dates.append(mentions[d_i])
            d_i += 1
        if not entry_urls:
            continue
        unsure: list[DateMention] = []
        bound = _bind(entry_dates, entry_urls, text, unsure, dated_copies)
        if notes is not None:
            notes.extend(
                f"line {line_of(m.start)}: accessed-on date {m.date} left out: it stands between two "
                "URLs with text on both sides, and which one it dates is not clear"
                for m in unsure
            )
        seen: dict[str, int] = {}
        for k, u in enumerate(entry_urls):
            cited = unescape(u.cited) if unescape else u.cited
            url = (clean_url(cited) or u.url) if unescape else u.url
            d = bound.get(k)
            key = url
            if key in seen:
                # One entry citing the same URL twice ([url](url)) is one citation; keep a date.
                prev = citations[seen[key]]
                if prev.accessed is None and d is not None:
                    citations[seen[key]] = Citation(
                        prev.cited, prev.url, prev.line, prev.text, d.date, prev.title
                    )
                continue
            seen[key] = len(citations)
            citations.append(
                Citation(
                    cited=cited,
                    url=url,
                    line=line_of(u.start),
                    text=_entry_text(text, start, end, u, d, entry_urls[k - 1].end if k else None),
                    accessed=d.date if d else None,
                    title=titles.get((u.start, u.cited)),
                )
            )
    return citations


def _bare(url: str) -> str:
    """A URL without scheme, case or trailing slash: for telling a link's text from its target."""
    return re.sub(r"^(?:[a-z][a-z0-9+.-]*:)?//", "", url.strip().lower()).rstrip("/")


def _same_url(a: str, b: str) -> bool:
    return _bare(a) == _bare(b)


def _loose(url: str) -> str:
    """A URL without trailing encoded spaces, fragment, scheme, case or trailing slash."""
    s = re.sub(r"(?:%20)+$", "", url.strip(), flags=re.IGNORECASE)
    s = re.split(r"#|%23", s, maxsplit=1, flags=re.IGNORECASE)[0]
    return _bare(s)


def anchor_title(text: str, href: str) -> str | None:
    """The title a link's text gives its target: None when the text is just the address."""
    title = " ".join(text.split())
    if not title or re.match(r"(?:[a-z][a-z0-9+.-]*:)?//|www\.", title, re.IGNORECASE):
        return None
    return None if _bare(title) == _bare(href) else title
