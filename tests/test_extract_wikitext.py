"""Wikitext extraction: cite templates in every spelling, archive URLs, links in refs, Retrieved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from linkcheck.extract import wikitext
from linkcheck.models import Citation, ExtractOptions

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = dt.date(2024, 1, 1)
OPTIONS = ExtractOptions(today=TODAY)


@pytest.fixture(scope="module")
def page() -> list[Citation]:
    text = (FIXTURES / "wikitext_references.wiki").read_text(encoding="utf-8")
    return wikitext.extract(text, OPTIONS).citations


def _by_url(citations: list[Citation]) -> dict[str, Citation]:
    return {c.url: c for c in citations}


def test_cite_news_accessdate(page: list[Citation]) -> None:
    c = _by_url(page)["http://www.example-daily.com/news/1"]
    assert (c.accessed, c.line, c.title) == (dt.date(2011, 4, 30), 5, "Founding story")
    assert c.text.startswith("Founding story. Example Daily. April 30, 2011.")


def test_multiline_cite_web_with_archive_url(page: list[Citation]) -> None:
    found = _by_url(page)
    assert found["http://www.example-daily.com/move"].accessed == dt.date(2011, 1, 12)
    assert found["http://www.example-daily.com/move"].line == 9
    archive = found["https://web.archive.org/web/20110112000000/http://www.example-daily.com/move"]
    assert archive.accessed is None
    assert archive.line == 10


def test_external_link_in_ref_with_retrieved(page: list[Citation]) -> None:
    c = _by_url(page)["http://audit.example.org/report"]
    assert (c.accessed, c.title) == (dt.date(2012, 2, 16), "Circulation Report")
    assert c.text == "Circulation Report for 2010. Retrieved February 16, 2012."


def test_date_never_crosses_refs(page: list[Citation]) -> None:
    found = _by_url(page)
    # The first ref has only a publication date; the next ref's "Accessed" is its own.
    assert found["http://owners.example.org/"].accessed is None
    assert found["http://owners.example.org/annual.pdf"].accessed == dt.date(2011, 9, 3)


def test_citation_template_and_access_date_with_space(page: list[Citation]) -> None:
    assert _by_url(page)["http://tools.example.net/review"].accessed == dt.date(2013, 9, 8)


def test_future_access_date_is_a_note() -> None:
    text = (FIXTURES / "wikitext_references.wiki").read_text(encoding="utf-8")
    result = wikitext.extract(text, OPTIONS)
    assert _by_url(result.citations)["http://future.example.com/"].accessed is None
    assert any("line 15" in n and "future" in n for n in result.notes)


def test_comments_are_ignored(page: list[Citation]) -> None:
    assert "http://hidden.example.com/" not in _by_url(page)


def test_cite_book_chapterurl_outside_refs(page: list[Citation]) -> None:
    c = _by_url(page)["http://memoir.example.org/chap5.html"]
    assert (c.accessed, c.line) == (dt.date(2010, 2, 13), 19)


def test_links_outside_refs(page: list[Citation]) -> None:
    found = _by_url(page)
    assert found["http://www.example-daily.com"].accessed is None  # infobox website
    assert found["http://www.example-daily.com"].line == 3
    assert found["http://www.example-daily.com/home"].accessed is None  # {{Official website|...}}
    assert found["http://www.example-daily.com/mobile"].accessed == dt.date(2015, 5, 1)
    # A date on one list line does not reach the link on the next.
    assert found["http://www.example-daily.com/history"].accessed is None
    assert found["http://www.example-daily.com/history"].title == "History"


def test_every_url_found_once(page: list[Citation]) -> None:
    assert len(page) == len({c.url for c in page}) == 13


@pytest.mark.parametrize(
    "template",
    [
        "{{cite web|url=http://a.example.org/x|accessdate=3 March 2019}}",
        "{{Cite Web | url = http://a.example.org/x | access-date = 2019-03-03 }}",
        "{{cite_journal|url=http://a.example.org/x|access date=March 3, 2019}}",
        "{{Citation|url=http://a.example.org/x|accessdate=3 March 2019}}",
    ],
)
def test_cite_spellings(template: str) -> None:
    [c] = wikitext.extract(f"Text.<ref>{template}</ref>\n", OPTIONS).citations
    assert (c.url, c.accessed, c.line) == ("http://a.example.org/x", dt.date(2019, 3, 3), 1)


def test_bare_url_in_ref_with_accessed() -> None:
    text = "Claim.<ref>\nhttps://example.org/page?id=2, Accessed September 3, 2011.</ref>\n"
    [c] = wikitext.extract(text, OPTIONS).citations
    assert (c.url, c.accessed, c.line) == ("https://example.org/page?id=2", dt.date(2011, 9, 3), 2)


def test_page_without_links() -> None:
    assert wikitext.extract("'''Bold''' and [[a link]].\n", OPTIONS).citations == []


def test_malformed_wikitext_does_not_raise() -> None:
    text = "{{cite web|url=http://a.example.org/x|accessdate=1 May 2011\n<ref>[http://b.example.org/ B</ref>"
    urls = {c.url for c in wikitext.extract(text, OPTIONS).citations}
    assert "http://b.example.org/" in urls


def test_sniff() -> None:
    text = (FIXTURES / "wikitext_references.wiki").read_text(encoding="utf-8")
    assert wikitext.sniff(text)
    assert not wikitext.sniff("A plain paragraph with a [link](https://x.org).\n")


def test_bracketed_link_to_an_archived_copy_alone_takes_the_retrieved_date() -> None:
    # A reference that links only the archived copy dates the copy: it is what was read.
    alone = (
        "A.<ref>[http://web.archive.org/web/20061210163253/http://example.de/wind.html Wind]"
        " Ministry. Retrieved 30 November 2006.</ref>\n"
    )
    [c] = wikitext.extract(alone, OPTIONS).citations
    assert (c.url, c.accessed) == (
        "http://web.archive.org/web/20061210163253/http://example.de/wind.html",
        dt.date(2006, 11, 30),
    )
    # Beside its original, the copy stays undated: the date is the original's.
    both = (
        "B.<ref>[http://example.de/wind.html Wind] Retrieved 30 November 2006."
        " [http://web.archive.org/web/2007/http://example.de/wind.html Archived]</ref>\n"
    )
    found = _by_url(wikitext.extract(both, OPTIONS).citations)
    assert found["http://example.de/wind.html"].accessed == dt.date(2006, 11, 30)
    assert found["http://web.archive.org/web/2007/http://example.de/wind.html"].accessed is None


def test_a_url_in_a_maintenance_templates_reason_is_not_cited() -> None:
    # An editor's note to other editors ({{Update after|...|reason=...}}) is no link on the page.
    text = (
        "|Gini=27 {{Update after|2011|04|reason=Regularly check http://stats.example.org/wiid/ }}\n"
        "Text.<ref>[http://example.org/a A] Retrieved 3 March 2010.</ref>\n"
        "More {{Refn|See http://example.org/b}}\n"
    )
    found = {(c.url, c.accessed) for c in wikitext.extract(text, OPTIONS).citations}
    assert found == {("http://example.org/a", dt.date(2010, 3, 3)), ("http://example.org/b", None)}


def test_url_parameter_and_bracketed_link_keep_the_question_mark_they_end_with() -> None:
    # The markup ends these addresses, so a last "?" is the address's own; in prose it is not.
    text = (
        "Text.<ref>{{cite web|title=D1|accessdate=2009-01-21|url=http://www.x.example/d.001.shtml?}}</ref>\n\n"
        "== External links ==\n"
        "* [http://www.x.example/TEN.shtml? Advisory archive]\n"
        "* Is it at http://www.x.example/prose.shtml?\n"
    )
    found = {c.url: c.accessed for c in wikitext.extract(text, OPTIONS).citations}
    assert found == {
        "http://www.x.example/d.001.shtml?": dt.date(2009, 1, 21),
        "http://www.x.example/TEN.shtml?": None,
        "http://www.x.example/prose.shtml": None,
    }


def test_bracketed_link_in_a_cite_templates_pages_parameter_is_cited_undated() -> None:
    text = (
        "Calculus.<ref>{{cite book |title=Calculus |year=2011 "
        "|pages=[http://books.example.com/books?id=1Ebu&pg=PA2 2] |isbn=1-4390-4957-2}}</ref>\n"
        "Algebra.<ref>{{cite web |url=http://alg.example.org/a |accessdate=2012-07-16 "
        "|pages=[http://alg.example.org/a 5] |quote=See [http://quote.example.org/q here].}}</ref>\n"
    )
    found = {c.url: c.accessed for c in wikitext.extract(text, OPTIONS).citations}
    assert found == {
        "http://books.example.com/books?id=1Ebu&pg=PA2": None,
        # The template's own url keeps its date; the same address in pages is not a second pair.
        "http://alg.example.org/a": dt.date(2012, 7, 16),
        "http://quote.example.org/q": None,
    }
