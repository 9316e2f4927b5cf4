"""Content drift: a page's main text, its fingerprint, and how far it moved from a baseline.

Pure functions, no network and no database. The main text of an HTML page is extracted
with trafilatura, a library made for removing boilerplate (navigation, headers, footers,
cookie banners, related-article boxes), so that a site's new template is not mistaken for
new content. The text is then normalised (case, punctuation and date stamps dropped) into a
sequence of words, and two such sequences are compared by their sets of word 3-shingles.

Why 3-shingles: a shingle is three words in a row, so an edit costs only the few shingles
around it, while two different articles share almost none, even on the same subject and with
the same vocabulary (single words, or word frequencies, score different articles on one
topic as near-duplicates). The score is the Dice coefficient of the two shingle sets: the
share of shingles the two texts have in common, 1 for the same text and 0 for nothing
shared. Texts equal after normalising are unchanged; a score below
:data:`MATERIAL_BELOW` is a material change; anything between is a minor change. The
threshold was calibrated on the pairs listed in docs/drift.md.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from enum import StrEnum

from selectolax.lexbor import LexborHTMLParser

from linkcheck.models import Fingerprint

SHINGLE = 3
"""Words per shingle."""
MAX_WORDS = 50_000
"""Words of main text kept and compared; a longer page is compared on its beginning."""
MATERIAL_BELOW = 0.5
"""A similarity below this is a material change: the verdict ``changed`` (docs/drift.md)."""
STAMP_LINE_WORDS = 6
"""A line of a date stamp and at most this many other words ("Last updated on ...") is dropped."""
SIMHASH_NEAR = 3
"""Simhashes this many bits apart or fewer are near-duplicates (Manku et al. 2007)."""
WORDS_FELL = 0.15
"""Live text with fewer than this share of the baseline's words is a stub: always material."""
TITLE_OVERLAP = 0.5
"""Share of the cited title's words that the live title or heading must hold to match it."""


class Change(StrEnum):
    """How far the live main text is from the baseline."""

    NONE = "none"
    MINOR = "minor"
    MATERIAL = "material"


# -- main text ------------------------------------------------------------------------


def is_text_type(content_type: str | None, body: bytes) -> str | None:
    """``"html"``, ``"text"`` or None: which kind of page a body is, from its type or first bytes."""
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    head = body[:512].lstrip().lower()
    if "html" in ctype or (not ctype and head.startswith((b"<!doctype html", b"<html"))):
        return "html"
    if ctype == "text/plain":
        return "text"
    if not ctype and head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "html"
    return None


def _decode(body: bytes, content_type: str | None) -> str:
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.I)
    if match:
        try:
            return body.decode(match.group(1), errors="replace")
        except LookupError:
            pass
    return body.decode("utf-8", errors="replace")


def main_text(body: bytes, content_type: str | None) -> tuple[str, str | None] | None:
    """The main text and title of an HTML or plain-text body; None for other content.

    HTML goes through trafilatura (comments left out, tables kept, nothing deduplicated:
    repeated paragraphs are content too). When it finds no main text (a page of links, a
    very short page), the visible text of ``<body>`` stands in, so that every page still
    has a fingerprint.
    """
    kind = is_text_type(content_type, body)
    if kind is None:
        return None
    if kind == "text":
        return _decode(body, content_type), None
    # Imported here, not at the top: every command imports this module, and only checking
    # needs trafilatura (and lxml). A check run loads them before it fetches anything
    # (linkcheck.components), so that a broken install stops it there, loudly.
    import trafilatura
    from lxml.etree import LxmlError

    # Bytes, not text: trafilatura reads the charset from the meta tags itself. Without its
    # metadata pass (dates, authors: five times the cost of the extraction) and its fallback
    # extractors ("fast"): every calibration pair is judged the same, in a fifth of the time.
    try:
        text = trafilatura.extract(
            body,
            output_format="txt",
            with_metadata=False,
            fast=True,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
        )
    except (ValueError, RecursionError, LxmlError):
        # Bytes from anyone on the web that defeat the parser (trafilatura itself turns most
        # into None): the page still gets the visible text of its <body> below. Nothing else
        # is caught: an ImportError is a broken install and must stop the run.
        text = None
    tree = LexborHTMLParser(body.decode("utf-8", errors="replace"))
    title_node = tree.css_first("title")
    title = " ".join(title_node.text().split()) if title_node else None
    if text and text.strip():
        return text, title or None
    for node in tree.css("script, style, noscript, template, nav, header, footer"):
        node.decompose()
    return (tree.body.text(separator=" ") if tree.body else ""), title or None


# -- normalising ----------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?"
# Date and time stamps ("Updated 3 March 2024", "2024-03-03", "March 3, 2024 10:45 am",
# "5 days ago"): a site re-rendering its date line is not a change of content.
_STAMP = re.compile(
    rf"\b(?:{_WEEKDAY}\s+)?(?:"
    r"\d{4}-\d{1,2}-\d{1,2}(?:[t ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{4}}"
    r"|\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*(?:utc|gmt|bst|cet|cest|[ecmp][sd]t))?"
    r"|\d+\s+(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\s+ago"
    r")\b",
    re.I,
)
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")


def normalise(text: str) -> list[str]:
    """The words of ``text`` as compared: NFKC, case-folded, date and time stamps dropped.

    A short line holding a stamp goes whole ("Last updated on 12 March 2024"): its words
    around the date are the site's, not the article's.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    for line in text.splitlines():
        # Every stamp has a digit: most lines have none, and skip the costly pattern.
        stamped = _STAMP.sub(" ", line) if _DIGIT.search(line) else line
        found = _WORD.findall(stamped)
        if stamped != line and len(found) <= STAMP_LINE_WORDS:
            continue
        out.extend(found)
        if len(out) >= MAX_WORDS:
            break
    return out[:MAX_WORDS]


# -- sketches -------------------------------------------------------------------------


def _hash64(item: str) -> int:
    return int.from_bytes(hashlib.blake2b(item.encode(), digest_size=8).digest(), "big")


def shingles(words: Sequence[str], size: int = SHINGLE) -> set[int]:
    """64-bit hashes of the ``size``-word shingles of ``words`` (the words themselves when fewer)."""
    if len(words) < size:
        return {_hash64(" ".join(words))} if words else set()
    return {_hash64(" ".join(words[i : i + size])) for i in range(len(words) - size + 1)}


# _BITS[k][v] is bit k of the byte v: bytes.translate() with it, then count(1), counts the
# hashes that have a bit set at C speed (a loop over 64 bits of every hash costs milliseconds).
_BITS = [bytes((v >> k) & 1 for v in range(256)) for k in range(8)]


def simhash(features: Iterable[int]) -> int:
    """The 64-bit simhash (Charikar) of 64-bit hashed features, as a signed 64-bit integer.

    Each bit is the majority vote of that bit over the features.
    """
    data = b"".join(h.to_bytes(8, "big") for h in features)
    n = len(data) // 8
    value = 0
    for j in range(8):  # byte j of every hash: bits 63-8j down to 56-8j
        column = data[j::8]
        for k in range(8):
            if 2 * column.translate(_BITS[k]).count(1) > n:
                value |= 1 << ((7 - j) * 8 + k)
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Bits in which two 64-bit simhashes differ."""
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def fingerprint_text(text: str, title: str | None = None) -> Fingerprint:
    """The fingerprint of a main text."""
    words = normalise(text)
    joined = " ".join(words)
    return Fingerprint(
        sha256=hashlib.sha256(joined.encode()).hexdigest(),
        simhash=simhash(shingles(words)),
        words=len(words),
        title=" ".join(title.split()) if title else None,
        text=joined,
    )


def fingerprint(body: bytes, content_type: str | None) -> Fingerprint | None:
    """The fingerprint of an HTML or plain-text body's main text; None for other content."""
    found = main_text(body, content_type)
    if found is None:
        return None
    return fingerprint_text(*found)


# -- comparing ------------------------------------------------------------------------


def similarity(baseline: str, live: str) -> float:
    """Similarity of two normalised texts in [0, 1]: Dice coefficient of their word 3-shingles.

    1 when the texts are the same, 0 when they share no three words in a row. Symmetric.
    """
    if baseline == live:
        return 1.0
    a, b = shingles(baseline.split()), shingles(live.split())
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def assess(score: float, baseline_words: int, live_words: int) -> Change:
    """The change a similarity score means: none at 1, material below :data:`MATERIAL_BELOW`, else minor.

    A live text that kept fewer than :data:`WORDS_FELL` of the baseline's words is a stub
    (the article removed, a placeholder left): material whatever the score.
    """
    if baseline_words and live_words < WORDS_FELL * baseline_words:
        return Change.MATERIAL
    if score < MATERIAL_BELOW:
        return Change.MATERIAL
    # Boilerplate and date lines are gone before comparing, so any other difference is an edit.
    return Change.NONE if score >= 1.0 else Change.MINOR


def compare(baseline: Fingerprint, live: Fingerprint) -> tuple[float, Change]:
    """Similarity of live against baseline, rounded to 4 places, and the change it means."""
    if baseline.sha256 == live.sha256:
        return 1.0, Change.NONE
    score = round(similarity(baseline.text, live.text), 4)
    return score, assess(score, baseline.words, live.words)


# -- supporting evidence --------------------------------------------------------------


def title_matches(cited: str | None, *live: str | None) -> bool | None:
    """Does the cited title still match the live page's title or a main heading? None: nothing to compare.

    Most of the cited title's words must appear in one of them: a site name added to the
    <title> ("... | Example Library") or a shortened heading still matches.
    """
    want = set(normalise(cited or ""))
    found = [set(normalise(t)) for t in live if t]
    if not want or not found:
        return None
    return any(len(want & have) >= TITLE_OVERLAP * len(want) for have in found)


def modified_after(last_modified: str | None, accessed: dt.date | None) -> bool | None:
    """Is an HTTP ``Last-Modified`` date later than the accessed-on date? None: unknown."""
    if not last_modified or accessed is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(last_modified)
    except (TypeError, ValueError, IndexError):
        return None
    return when.date() > accessed
