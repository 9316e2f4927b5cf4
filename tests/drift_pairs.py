"""The drift calibration pairs: one article as cited, and what its page may have become since.

Shared by the drift unit tests (each pair must land on its expected side of the thresholds),
the end-to-end tests (the live pages of the test web) and ``tests/fixtures/drift/calibrate.py``
(which prints the table in docs/drift.md). The articles in ``tests/fixtures/drift/`` were
written for these tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.web import words

DRIFT = Path(__file__).resolve().parent / "fixtures" / "drift"


def paragraphs(name: str) -> list[str]:
    """The paragraphs of one fixture article."""
    return (DRIFT / f"{name}.txt").read_text(encoding="utf-8").strip().split("\n\n")


ROT = paragraphs("article_rot")
ARCHIVING = paragraphs("article_archiving")
GARDENING = paragraphs("article_gardening")
REWRITTEN = paragraphs("article_rot_rewritten")


def page(
    title: str, paras: list[str], template: int = 1, stamp: str | None = None, banner: str = ""
) -> bytes:
    """An HTML page holding an article: template 1 is the site as cited, 2 its redesign years later."""
    body = "".join(f"<p>{p}</p>" for p in paras)
    date = f'<p class="date">{stamp}</p>' if stamp else ""
    if template == 1:
        html = f"""<!doctype html><html><head><meta charset="utf-8">
<title>{title} | Library Notes</title></head><body>{banner}<header><a href="/">Library Notes</a>
<nav><a href="/">Home</a> <a href="/about">About</a>
<a href="/blog">Blog</a></nav></header><main><article><h1>{title}</h1>{date}{body}</article></main>
<footer><p>Copyright 2017 Library Notes. All rights reserved.</p></footer></body></html>"""
    else:
        html = f"""<!doctype html><html><head><meta charset="utf-8">
<title>{title} — Library Notes</title></head><body>{banner}
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience on
our website. By continuing to browse you agree to our use of cookies.</p><button>Accept all</button></div>
<header class="site-header"><div class="logo">Library Notes</div><nav class="menu"><ul>
<li><a href="/">Home</a></li><li><a href="/topics">Topics</a></li><li><a href="/events">Events</a></li>
<li><a href="/donate">Support us</a></li><li><a href="/search">Search</a></li></ul></nav></header>
<div class="content"><article><h1>{title}</h1>{date}{body}</article>
<aside class="related"><h2>Related articles</h2><ul><li><a href="/a">Ten tips for better
bibliographies</a></li><li><a href="/b">Why preprints matter for open science</a></li></ul></aside></div>
<div class="newsletter"><h3>Sign up to our newsletter</h3><p>Get the latest posts delivered to your inbox
every month.</p><input type="email"></div><footer><p>Copyright 2024 Library Notes Ltd. Registered charity
number 123456.</p><p><a href="/privacy">Privacy policy</a> <a href="/terms">Terms of use</a></p></footer>
</body></html>"""
    return html.encode()


def _edit(paras: list[str], index: int, old: str, new: str) -> list[str]:
    out = list(paras)
    assert old in out[index], old
    out[index] = out[index].replace(old, new)
    return out


LIGHT_EDIT = _edit(
    _edit(ROT, 0, "between a fifth and a half", "between a quarter and a half"),
    2,
    "to some degree.",
    "to some degree. Some of that drift is harmless, such as a corrected spelling or a new contact address.",
)
TYPO_FIX = _edit(ROT, 3, "periodic checks", "regular checks")
EXTENDED = [
    *ROT,
    "A second generation of tools now does exactly that. They read the accessed-on date from each "
    "reference, find the archived capture nearest to it, and flag the citations whose live page has "
    "moved away from the captured text, so that maintainers can repair them before readers notice.",
]
ONE_PARAGRAPH = [*ROT[:3], ARCHIVING[2], ROT[4]]
HALF = [*REWRITTEN, ROT[2], ARCHIVING[3], ARCHIVING[4]]
STUB = ["This page has been archived and is no longer maintained. Please visit our new website for "
        "current information about our services."]  # fmt: skip
BANNER = (
    "<p>We use cookies to give you the best experience. Click accept to continue or read our privacy "
    "policy to find out more.</p>"
)
STAMP_THEN = "Published 8 September 2017"
STAMP_NOW = "Last updated on Tuesday 12 March 2024, 10:45 am"


@dataclass(frozen=True)
class Pair:
    """A cited page and a later version of it, with the change it should be judged."""

    name: str
    cited: bytes
    later: bytes
    expected: str
    """none, minor or material (linkcheck.drift.Change)."""


SYNTHETIC = "<article><p>" + words("article", 400) + "</p></article>"
SYNTHETIC_OTHER = "<article><p>" + words("another article", 400) + "</p></article>"


def _synthetic(body: str, template: int) -> bytes:
    nav = "<nav>Home | About | Contact</nav>" if template == 1 else (
        "<nav>Home | Topics | Events | Donate | Search | Members</nav>"
        '<div class="cookie-notice">This site uses cookies. Accept?</div>'
    )  # fmt: skip
    foot = "Copyright 2017" if template == 1 else "Copyright 2024 Example Ltd. Privacy. Terms."
    return (
        f"<!doctype html><html><head><title>Report</title></head><body>{nav}<h1>Report</h1>{body}"
        f"<footer>{foot}</footer></body></html>"
    ).encode()


CITED = page("Reference rot", ROT, 1, STAMP_THEN)
PAIRS = [
    Pair("identical page", CITED, page("Reference rot", ROT, 1, STAMP_THEN), "none"),
    Pair("redesign: new menu, cookie banner, related box, newsletter, footer", CITED,
         page("Reference rot", ROT, 2, STAMP_THEN), "none"),
    Pair("new date stamp", CITED, page("Reference rot", ROT, 1, STAMP_NOW), "none"),
    Pair("redesign and new date stamp", CITED, page("Reference rot", ROT, 2, STAMP_NOW), "none"),
    Pair("unmarked cookie notice in the body", CITED, page("Reference rot", ROT, 1, STAMP_THEN, BANNER),
         "none"),
    Pair("one word changed", CITED, page("Reference rot", TYPO_FIX, 1, STAMP_THEN), "minor"),
    Pair("a figure changed and a sentence added", CITED, page("Reference rot", LIGHT_EDIT, 2, STAMP_NOW),
         "minor"),
    Pair("a paragraph appended", CITED, page("Reference rot", EXTENDED, 1, STAMP_THEN), "minor"),
    Pair("one paragraph of five replaced", CITED, page("Reference rot", ONE_PARAGRAPH, 1, STAMP_THEN),
         "minor"),
    Pair("most paragraphs replaced", CITED, page("Reference rot", HALF, 1, STAMP_THEN), "material"),
    Pair("another article on the same subject", CITED,
         page("Collecting the web", ARCHIVING, 1, STAMP_THEN), "material"),
    Pair("another article, same title, redesigned site", CITED,
         page("Reference rot", ARCHIVING, 2, STAMP_NOW), "material"),
    Pair("an unrelated article", CITED, page("Allotments", GARDENING, 2), "material"),
    Pair("a placeholder left", CITED, page("Archived page", STUB, 2), "material"),
    Pair("synthetic words, redesign", _synthetic(SYNTHETIC, 1), _synthetic(SYNTHETIC, 2), "none"),
    Pair("synthetic words, another text", _synthetic(SYNTHETIC, 1), _synthetic(SYNTHETIC_OTHER, 1),
         "material"),
]  # fmt: skip
