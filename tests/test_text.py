"""The free-text engine: entries, wrapped URLs, and binding each date to its own URL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.extract import UnsupportedFormat, extract_bytes, looks_binary
from linkcheck.extract.text import Anchor, citations_from_text
from linkcheck.models import ExtractOptions

OPTS = ExtractOptions(today=dt.date(2026, 12, 1))


def squash(s: str) -> str:
    """Text without white space or backslashes: a wrapped or escaped URL still occurs in it."""
    return re.sub(r"[\s\\]", "", s)


def pairs(text: str, **kw: object) -> list[tuple[str, str | None]]:
    return [
        (c.url, c.accessed.isoformat() if c.accessed else None)
        for c in citations_from_text(text, OPTS, **kw)  # type: ignore[arg-type]
    ]


def test_harvard_date_after_url_in_one_long_paragraph() -> None:
    text = (
        "Some sentence. Available at: www.a.org/1 (accessed on 20 September 2017). This is likely "
        "different (Raleigh and Foot 2010). Available at: www.b.org/2 (accessed on 8 September 2017). "
        "Another (2014) sentence with no URL at all."
    )
    assert pairs(text) == [("http://www.a.org/1", "2017-09-20"), ("http://www.b.org/2", "2017-09-08")]


def test_apa_date_before_url() -> None:
    text = "Smith, J. (2018). Title. Retrieved March 3, 2019, from https://a.org/x\n"
    assert pairs(text) == [("https://a.org/x", "2019-03-03")]


def test_vancouver_cited_before_available_from() -> None:
    text = (
        "* Gorin G. CITE-seq counts. figshare; 2019 [cited 2020 Jan 20]. Available from: https://f.org/1\n"
        "* Gorin G. REAP-seq counts. figshare; 2019. Available from: https://f.org/2\n"
    )
    assert pairs(text) == [("https://f.org/1", "2020-01-20"), ("https://f.org/2", None)]


def test_mla_dates_stay_in_their_entries() -> None:
    text = (
        '"Skywave." Wikipedia, en.wikipedia.org/wiki/Skywave.\n'
        '"Turbofan." NASA, www.grc.nasa.gov/a.html. Accessed 16 June 2022.\n'
    )
    # Entries here are single lines without markers: the date sits right after its own URL.
    assert pairs(text) == [
        ("http://en.wikipedia.org/wiki/Skywave", None),
        ("http://www.grc.nasa.gov/a.html", "2022-06-16"),
    ]


def test_a_date_never_crosses_into_another_entry() -> None:
    text = "- First. Accessed 3 May 2017.\n\n- Second. https://b.org/x\n"
    assert pairs(text) == [("https://b.org/x", None)]


def test_chicago_french_date_before_url() -> None:
    text = "- Black, R. « Whaling science ». Consulté le 3 mai 2017. http://news.bbc.co.uk/2/hi/x.stm \n"
    assert pairs(text) == [("http://news.bbc.co.uk/2/hi/x.stm", "2017-05-03")]


def test_url_wrapped_over_two_lines_is_rejoined() -> None:
    text = (
        "Wikipedia, en.wikipedia.org/wiki/\n     General_Dynamics_F-16#Propulsion. Accessed 16 June 2022.\n"
    )
    assert pairs(text) == [("http://en.wikipedia.org/wiki/General_Dynamics_F-16#Propulsion", "2022-06-16")]


def test_url_ending_a_line_is_not_joined_with_prose() -> None:
    text = "See https://example.org/\nfor details.\n"
    assert pairs(text) == [("https://example.org/", None)]


def test_aggressive_rejoin_for_pdf_text() -> None:
    text = "Available at: https://www.example.org/reports/annual-rep\nort-2019.pdf (accessed 1 May 2020)\n"
    assert pairs(text, aggressive_rejoin=True) == [
        ("https://www.example.org/reports/annual-report-2019.pdf", "2020-05-01")
    ]


def test_line_numbers_are_one_based_lines_of_the_url() -> None:
    text = "Title\n\nIntro.\nSee https://a.org/x\n"
    (c,) = citations_from_text(text, OPTS)
    assert c.line == 4
    assert c.text == "Intro. See https://a.org/x"


def test_anchor_and_its_visible_url_are_one_citation() -> None:
    text = "Report at https://a.org/x (accessed 2 May 2019)"
    anchors = [Anchor(10, 25, "https://a.org/x", "Report")]
    cites = citations_from_text(text, OPTS, anchors=anchors)
    assert [(c.url, c.accessed) for c in cites] == [("https://a.org/x", dt.date(2019, 5, 2))]


def test_markdown_escapes_and_images() -> None:
    md = (
        b"![logo](https://img.example.org/logo.png)\n\n"
        b"- A. https://a.org/some\\_page (Accessed: 20 April 2026)\n"
    )
    result = extract_bytes(md, "refs.md", OPTS)
    assert result.format == "markdown"
    assert [(c.url, c.accessed) for c in result.citations] == [
        ("https://a.org/some_page", dt.date(2026, 4, 20))
    ]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_extraction_never_crashes_and_urls_occur_in_the_source(text: str) -> None:
    flat = squash(text)
    for c in citations_from_text(text, OPTS):
        assert squash(c.cited) in flat


_piece = st.sampled_from(
    [
        "https://example.org/a",
        "www.x.org/p(q)",
        " (accessed on 8 September 2017). ",
        "Retrieved March 3, 2019, from ",
        "[cited 2020 Jan 20]. Available from: ",
        "\n",
        "\n\n",
        "- ",
        ". ",
        "doi:10.1000/x ",
        "(",
        ")",
        "en.wikipedia.org/wiki/",
        "Foo_bar ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_piece, st.text(max_size=5)), max_size=20))
def test_reference_like_text_never_crashes(parts: list[str]) -> None:
    text = "".join(parts)
    data = text.encode()
    if looks_binary(data):
        with pytest.raises(UnsupportedFormat):
            extract_bytes(data, "x.txt", OPTS)
        return
    for name in ("x.txt", "x.md", "x.rst"):
        for c in extract_bytes(data, name, OPTS).citations:
            assert squash(c.cited) in squash(text)


def test_one_reference_a_line_keeps_dates_and_texts_apart() -> None:
    text = (
        "Smith J (2010) Title. Available from http://x.org/1. Accessed 10 Nov 2015.\n"
        "Jones K (2011) Other. http://x.org/2\n"
        "Brown L (2012) Third. Accessed 3 May 2019.\n"
    )
    cites = citations_from_text(text, OPTS)
    assert [(c.url, c.accessed) for c in cites] == [
        ("http://x.org/1", dt.date(2015, 11, 10)),
        ("http://x.org/2", None),  # Brown's date, a line further, is not Jones's
    ]
    assert cites[1].text == "Jones K (2011) Other. http://x.org/2"


def test_date_on_the_next_line_after_an_online_note() -> None:
    text = "Report. Available at: http://x.org/r [Online]\nAccessed 3 May 2019.\n"
    assert pairs(text) == [("http://x.org/r", "2019-05-03")]


def test_cjk_punctuation_ends_a_url() -> None:
    assert pairs("资料：https://example.cn/路径。访问于2019年") == [("https://example.cn/路径", None)]


def test_the_date_goes_to_the_original_not_its_archive_copy() -> None:
    text = (
        '"Star endorses NDP". Toronto Star. http://www.thestar.com/a Archived from the original '
        "https://web.archive.org/web/20110503/http://www.thestar.com/a on 3 May 2011. "
        "Retrieved 30 April 2011.\n"
    )
    assert pairs(text) == [
        ("http://www.thestar.com/a", "2011-04-30"),
        ("https://web.archive.org/web/20110503/http://www.thestar.com/a", None),
    ]


def test_an_archive_org_item_page_is_a_source_with_its_date() -> None:
    text = "Available at: https://archive.org/details/Master_Blaster (Accessed: 20 April 2026).\n"
    assert pairs(text) == [("https://archive.org/details/Master_Blaster", "2026-04-20")]
