"""Finding URLs in running text, cleaning them as a reader would, and one normal form.

Three forms of a URL matter here:

* the **cited** text, kept exactly as the document gives it;
* the **clean** URL (the contract's ``url``): trailing sentence punctuation and
  unbalanced closing brackets dropped, ``<...>`` unwrapped, a bare ``www.`` address
  given ``http://``, a protocol-relative ``//host`` given ``https:``, ``doi:10.x/y``
  turned into ``https://doi.org/10.x/y``;
* the **normal** form, used only to tell whether two citations name the same link:
  scheme and host lower-cased, the host in IDNA (punycode), default ports dropped, an
  empty path written ``/``, percent-escapes upper-cased, the fragment dropped (it is
  never sent to the server). Everything else (path case, query order, trailing
  slashes) is kept: servers are free to treat those as different resources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from linkcheck.models import Hop

# Characters that may appear inside a URL as people write them in text. Quotes,
# angle brackets, whitespace, a few typographic marks and CJK punctuation ("。", "，") end a URL.
_URL_CHARS = (
    r"(?:\\[_*#~&%.()\[\]!+=-]"
    r"|[^\s<>\"'“”‘’«»\u00a0\u2000-\u200b\u3000-\u303f\uff01-\uff0f\uff1a-\uff20|\\^`{}])"
)
# A backslash escape (Markdown's or LaTeX's "\_") may stand inside a URL; clean_url undoes it.
_ESCAPE = re.compile(r"\\([_*#~&%.()\[\]!+=-])")

# Country-code TLDs are matched generically (two letters); these generic ones are the
# ones seen in real reference lists, for scheme-less addresses such as MLA's
# "en.wikipedia.org/wiki/X".
_GENERIC_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|io|ai|app|dev|museum|aero|coop|name|pro|"
    "news|blog|online|site|tech|xyz|earth|global|science|health|media|world"
)

# A bare address may be printed scheme-relative, "//host.example/path" at the start of a word (a
# link copied without its scheme): it is cited without the "//", like other scheme-less ones.
# The URL characters of each branch are its last item and repeat possessively (``++``, ``*+``):
# nothing after them needs them given back, and a plain ``+`` makes the regex engine keep a
# backtracking state per character (2.9 GB for one URL of 20 MB).
URL_RE = re.compile(
    r"(?:"
    r"(?P<scheme>(?:https?|ftp)://" + _URL_CHARS + r"++)"
    r"|(?P<www>(?<![\w@./-])www\d?\.[a-z0-9-]+(?:\.[a-z0-9-]+)*" + _URL_CHARS + r"*+)"
    r"|(?P<doi>(?<![\w/])doi:\s?10\.\d{4,9}/" + _URL_CHARS + r"++)"
    r"|(?P<bare>(?:(?<![\w@./:-])|(?<=//)(?<!\S//))(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:"
    + _GENERIC_TLDS
    + r"|[a-z]{2})/"
    + _URL_CHARS
    + r"*+)"
    r")",
    re.IGNORECASE,
)

# A bare DOI in running text, for --include-dois.
BARE_DOI_RE = re.compile(r"(?<![\w/.])10\.\d{4,9}/" + _URL_CHARS + r"++")

_TRAILING_PUNCT = ".,;:!?…'\"»”’*"
_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}


@dataclass(frozen=True, slots=True)
class UrlMatch:
    """A URL found in text: its span and the text as written there."""

    start: int
    end: int
    cited: str
    url: str


def strip_trailing(raw: str) -> str:
    """Drop trailing sentence punctuation and unbalanced closing brackets.

    Balanced brackets inside a URL are kept: ``https://en.wikipedia.org/wiki/Foo_(bar)``
    stays whole, while ``(see https://example.org/a).`` loses its ``).``.
    """
    end = len(raw)
    # Bracket counts of raw[:end], taken once and kept up to date as characters are dropped:
    # counting again for each dropped ")" made a URL followed by a million of them quadratic.
    counts: dict[str, int] | None = None
    while end:
        last = raw[end - 1]
        if last in _TRAILING_PUNCT:
            end -= 1
        elif last in _PAIRS:
            if counts is None:
                counts = {c: raw.count(c, 0, end) for c in "()[]{}<>"}
            if counts[last] > counts[_PAIRS[last]]:
                counts[last] -= 1
                end -= 1
            else:
                break
        else:
            break
    return raw[:end]


def _strip_markup_tail(s: str) -> str:
    # Markdown emphasis or an HTML entity left glued to the end of a URL.
    for tail in ("&gt;", "&quot;", "&#39;", "**", "__"):
        if s.endswith(tail):
            s = s[: -len(tail)]
    return s


def clean_url(raw: str, *, scheme_less: bool = True) -> str | None:
    """Turn a URL as cited into the clean, absolute form of the contract's ``url``.

    Returns None when nothing usable is left. With ``scheme_less`` false, an address with
    no scheme that is not a ``www.`` address is returned as None.
    """
    s = _ESCAPE.sub(r"\1", raw.strip().strip("\u200b\ufeff"))
    if s.startswith("<") and s.endswith(">"):
        s = s[1:-1].strip()
    if s.lower().startswith("url:"):
        s = s[4:].strip()
    s = _strip_markup_tail(strip_trailing(_strip_markup_tail(s)))
    s = strip_trailing(s)
    if not s:
        return None
    low = s.lower()
    if low.startswith("doi:"):
        doi = s[4:].strip()
        return "https://doi.org/" + doi if doi.startswith("10.") else None
    if re.match(r"10\.\d{4,9}/", s):
        return "https://doi.org/" + s
    if low.startswith("//"):
        return "https:" + s
    if low.startswith("www.") or re.match(r"www\d\.", low):
        # Before the scheme test: "www.example.org:8080/page" has a port, not a scheme.
        return "http://" + s
    if re.match(r"[a-z][a-z0-9+.-]*:(?![0-9])", low):
        return s
    if low.startswith("www.") or re.match(r"www\d\.", low):
        return "http://" + s
    if scheme_less and re.match(r"(?:[a-z0-9-]+\.)+[a-z]{2,}(?:[/:?#]|$)", low):
        return "http://" + s
    return None


def delimited_url(raw: str, *, scheme_less: bool = True) -> str | None:
    """:func:`clean_url` for an address whose end the markup marks: an ``href``, a link target,
    a wikitext ``url=`` parameter or ``[URL title]`` link.

    In running text a URL's last "?" or "!" is the sentence's; where the markup ends the
    address, it is the address's own, and the click opens it with it (".../discus.001.shtml?",
    tests/corpus/README.md, dev9 readings). A last full stop is still dropped: writers paste
    the sentence's stop into link targets (".../causas/." in dev2's Markdown).
    """
    url = clean_url(raw, scheme_less=scheme_less)
    written = raw.strip()
    tail = re.search(r"[!?]+$", written)
    if url is None or tail is None or url.endswith(tail.group()):
        return url
    whole = url + tail.group()
    return whole if written.endswith(whole.split("://", 1)[-1][-40:]) else url


# Where a second URL starts inside a match: a scheme not introduced by "/", "=", "?", "&", ":"
# or "(" (those are a URL inside a URL: a Wayback snapshot, a redirect's ?url=). Up to three
# digits just before it are a footnote or reference number glued on by PDF text extraction
# ("...testing.html12https://next.example/"); they belong to neither URL.
_GLUED_URL = re.compile(r"(?<=[^/=?&:(%\d])\d{0,3}(?=(?:https?|ftp)://)", re.IGNORECASE)


# A DOI address, and the rest of a SICI-based DOI after its "(year)volume" part: the item's
# "<start page:title code>" and the SICI's version and check characters ("2.0.CO;2"), which
# running text's URL pattern stops before (NISO Z39.56; https://www.doi.org/the-identifier/
# resources/handbook/2_numbering, where "<" and ">" are legal DOI characters).
_DOI_URL = re.compile(r"(?:https?://)?(?:dx\.)?doi\.org/10\.\d{4,9}/\S*\(\d{4,6}\)[\d:]*$", re.IGNORECASE)
_SICI_TAIL = re.compile(r"<[0-9A-Za-z:;.-]+>[0-9A-Za-z.;:-]*[0-9A-Za-z]")


def _split_glued(m: re.Match[str]) -> list[tuple[int, str]]:
    """The pieces of a match that holds several URLs run together, as (offset, text)."""
    raw = m.group(0)
    cuts = [g for g in _GLUED_URL.finditer(raw) if g.start() > 0]
    if not cuts:
        return [(m.start(), raw)]
    pieces: list[tuple[int, str]] = []
    start = 0
    for g in cuts:
        pieces.append((m.start() + start, raw[start : g.start()]))
        start = g.end()
    pieces.append((m.start() + start, raw[start:]))
    return [(pos, piece) for pos, piece in pieces if piece]


def find_urls(text: str, *, include_dois: bool = False) -> list[UrlMatch]:
    """Every URL in running text, in order, with its span and clean form."""
    found: list[UrlMatch] = []
    covered = 0
    for whole in URL_RE.finditer(text):
        if whole.start() < covered or (whole.group("doi") and not include_dois):
            continue
        sici = _SICI_TAIL.match(text, whole.end()) if _DOI_URL.match(whole.group(0)) else None
        if sici is not None:
            # A DOI built from a SICI keeps its angle brackets:
            # https://doi.org/10.1577/1548-8446(1981)006<0021:AOBIUF>2.0.CO;2 is one address.
            covered = sici.end()
            _add_url(found, whole.start(), whole.group(0) + sici.group(0))
            continue
        for pos, piece in _split_glued(whole):
            _add_url(found, pos, piece)
        if whole.group("bare") and text.startswith("//", whole.start() - 2) and found:
            # The span of a scheme-relative address takes in its "//", so that what stands
            # before it ("Recuperado ..., de //host/...") reaches it as it would a scheme.
            last = found[-1]
            if last.start == whole.start():
                found[-1] = UrlMatch(last.start - 2, last.end, last.cited, last.url)
    if include_dois:
        spans = [(u.start, u.end) for u in found]
        for m in BARE_DOI_RE.finditer(text):
            if any(a <= m.start() < b for a, b in spans):
                continue
            cited = strip_trailing(m.group(0))
            found.append(UrlMatch(m.start(), m.start() + len(cited), cited, "https://doi.org/" + cited))
        found.sort(key=lambda u: u.start)
    return found


def _add_url(found: list[UrlMatch], pos: int, raw: str) -> None:
    """Clean one URL as found in text and add it to ``found`` when it is usable.

    A bare host with only a trailing slash and no path is kept: MLA cites "www.x.com/".
    """
    cited = strip_trailing(strip_trailing(_strip_markup_tail(raw)))
    url = clean_url(cited)
    if url is None:
        return
    if not _has_host(url):
        # A scheme written twice ("https://http://www.x.org", a word processor adding one to an
        # address that had one) is cited as written: it is what the reader's click opens, and
        # checking it shows the author the broken link.
        doubled = _DOUBLED_SCHEME.match(url)
        if doubled is None or not _has_host("http://" + url[doubled.end(1) :]):
            return
    found.append(UrlMatch(pos, pos + len(cited), cited, url))


_DOUBLED_SCHEME = re.compile(r"(?:https?|ftp)://((?:https?|ftp):?//)", re.IGNORECASE)


def _has_host(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (bool(parts.netloc) and "." in (parts.hostname or "")) or parts.hostname == "localhost"


def _upper(m: re.Match[str]) -> str:
    return m.group(0).upper()


def normalise_url(url: str) -> str:
    """The normal form used to decide whether two cited URLs are the same link."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    try:
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host.lower()
    except UnicodeError:
        host = host.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if parts.username or parts.password:
        auth = parts.username or ""
        if parts.password:
            auth += ":" + parts.password
        netloc = auth + "@" + netloc
    if port is not None and not (scheme == "http" and port == 80) and not (scheme == "https" and port == 443):
        netloc += f":{port}"
    path = parts.path or ("/" if scheme in ("http", "https") else "")
    path = _ESCAPED_HEX.sub(_upper, path) if "%" in path else path
    query = _ESCAPED_HEX.sub(_upper, parts.query) if "%" in parts.query else parts.query
    return urlunsplit((scheme, netloc, path, query, ""))


_SPACE = re.compile(r"\s")
_LABEL = re.compile(r"[a-z0-9_-]+", re.IGNORECASE)
_ESCAPED_HEX = re.compile(r"%[0-9a-fA-F]{2}")


def link_key(text: str) -> str:
    """The normal form of a URL as a user types it (as cited: ``www.x.org/a``, ``<...>``, ...)."""
    return normalise_url(clean_url(text) or text)


def url_problem(url: str) -> str | None:
    """Why a clean URL cannot be used as a link, or None when it can."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        return f"malformed URL ({e})"
    del port
    if not parts.scheme:
        return "no scheme"
    host = parts.hostname or ""
    if parts.scheme in ("http", "https", "ftp"):
        if not host:
            return "no host"
        if _SPACE.search(url):
            return "white space in URL"
        if host.startswith("[") or ":" in host:
            return None
        labels = host.rstrip(".").split(".")
        if any(not label or len(label) > 63 for label in labels):
            return "malformed host name"
        try:
            if not host.isascii():
                host.encode("idna")
        except UnicodeError:
            return "host name is not valid IDNA"
        if not all(_LABEL.fullmatch(label) for label in labels if label.isascii()):
            return "malformed host name"
    return None


# Addresses of archived copies (web archives' snapshots), not of the sources themselves: an
# accessed-on date belongs to the original URL, never to its archive copy. An item page of
# archive.org (archive.org/details/...) is a source in its own right, not a snapshot.
_ARCHIVE_URL = re.compile(
    r"^https?://(?:(?:web\.|wayback\.)?archive\.org/web/|archive\.(?:today|is|ph|li|fo|md|vn)/"
    r"|(?:www\.)?webcitation\.org/|wayback\.archive-it\.org/|perma\.cc/"
    r"|webarchive\.(?:loc\.gov|nationalarchives\.gov\.uk|org\.uk)/)",
    re.IGNORECASE,
)


def is_archive_url(url: str) -> bool:
    """Whether a URL is an archived copy (Wayback Machine, archive.today, WebCite, Perma.cc, ...)."""
    return _ARCHIVE_URL.match(url) is not None


# Catalogue look-ups of an identifier printed beside a citation (MediaWiki's CS1 links "ISSN
# 0034-9631" to issn.org, OCLC to WorldCat, LCCN to the Library of Congress, ISBN to the wiki's
# book-sources page): a way to find the work, not the page the writer read.
_IDENTIFIER_LOOKUP = re.compile(
    r"^https?://(?:(?:portal\.)?issn\.org/resource/issn/|(?:www\.)?worldcat\.org/(?:oclc|issn|isbn)/"
    r"|lccn\.loc\.gov/|[^/?#]+/wiki/[^/?#:]+:(?:BookSources|FuentesDeLibros|Ouvrages_de_r%C3%A9f%C3%A9rence"
    r"|Ouvrages_de_référence|ISBN-Suche|FontiLibrarie|Fontes_de_livros|Boekbronnen|Источники_книг)(?:/|$))",
    re.IGNORECASE,
)


def is_identifier_lookup(url: str) -> bool:
    """Whether a URL looks an identifier (ISSN, OCLC, LCCN, ISBN) up in a catalogue."""
    return _IDENTIFIER_LOOKUP.match(url) is not None


def host_of(url: str) -> str | None:
    """The lower-cased host name of a URL, or None."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


#: Statuses of a permanent redirect: the page moved.
PERMANENT = frozenset({301, 308})


def same_page(a: str, b: str) -> bool:
    """Are two URLs the same page but for trivia: http/https, ``www.``, a trailing slash, default port?

    Such a redirect is housekeeping by the site, not a move worth telling a maintainer about.
    """

    def key(url: str) -> tuple[str, int | None, str, str]:
        p = urlsplit(url)
        host = (p.hostname or "").lower().removeprefix("www.")
        port = p.port if p.port not in (80, 443) else None
        return host, port, p.path.rstrip("/") or "/", p.query

    try:
        return key(a) == key(b)
    except ValueError:
        return False


def moved_target(cited_url: str, hops: Sequence[Hop]) -> tuple[int, str] | None:
    """The permanent redirect that moved the cited URL: (its status, 301 or 308, and the new address).

    Where the leading permanent hops lead is the cited URL's new address; None when they lead
    nowhere but the same page (http to https, a trailing slash) or there are none.
    """
    moved_to, status = cited_url, None
    for hop in hops:
        if hop.status not in PERMANENT:
            break
        moved_to, status = hop.location, hop.status
    if status is None or same_page(cited_url, moved_to):
        return None
    return status, moved_to
