"""CSL-JSON extraction: URL, every form of `accessed`, DOIs, the lines of URLs, bad JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from linkcheck.extract import csljson
from linkcheck.models import Citation, ExtractOptions

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = dt.date(2024, 1, 1)
OPTIONS = ExtractOptions(today=TODAY)


@pytest.fixture(scope="module")
def items() -> str:
    return (FIXTURES / "csljson_items.json").read_text(encoding="utf-8")


def _by_url(citations: list[Citation]) -> dict[str, Citation]:
    return {c.url: c for c in citations}


def test_date_parts_with_string_year(items: str) -> None:
    c = _by_url(csljson.extract(items, OPTIONS).citations)["https://www.who.int/data/gho"]
    assert c.accessed == dt.date(2019, 3, 3)
    assert c.line == 7
    assert c.title == "Global Health Observatory"
    assert c.text == "World Health Organization. Global Health Observatory. WHO. 2019."


def test_raw_literal_and_string_dates(items: str) -> None:
    found = _by_url(csljson.extract(items, OPTIONS).citations)
    assert found["http://www.example.com/raw"].accessed == dt.date(2020, 7, 17)
    assert found["http://www.example.com/raw"].cited == "www.example.com/raw"
    assert found["http://www.example.com/raw"].text.startswith("Müller, Jörg. Raw date")
    assert found["https://example.org/literal"].accessed == dt.date(2017, 9, 8)
    assert found["https://example.org/string"].accessed == dt.date(2018, 1, 31)


def test_partial_and_impossible_dates(items: str) -> None:
    result = csljson.extract(items, OPTIONS)
    found = _by_url(result.citations)
    assert found["https://example.org/month"].accessed is None
    assert found["https://example.org/future"].accessed is None
    assert any("item6" in n and "future" in n for n in result.notes)
    assert not any("item5" in n for n in result.notes)


def test_doi_only_with_include_dois_and_no_url(items: str) -> None:
    without = {c.url for c in csljson.extract(items, OPTIONS).citations}
    with_dois = {
        c.url for c in csljson.extract(items, ExtractOptions(today=TODAY, include_dois=True)).citations
    }
    assert "https://doi.org/10.1000/xyz123" not in without
    assert with_dois - without == {"https://doi.org/10.1000/xyz123"}


def test_items_object_and_escaped_url_line() -> None:
    text = (FIXTURES / "csljson_items_object.json").read_text(encoding="utf-8")
    [c] = csljson.extract(text, OPTIONS).citations
    assert (c.url, c.accessed, c.line) == ("https://example.net/a", dt.date(2021, 3, 6), 2)
    # A URL whose JSON form is escaped is still found on its line; the same URL twice
    # gets the line of each item.
    items = [{"type": "webpage", "title": "t", "URL": "https://x.org/a/b"}] * 2
    dumped = json.dumps(items, indent=1)
    assert [c.line for c in csljson.extract(dumped, OPTIONS).citations] == [5, 10]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "not valid CSL-JSON"),
        ('{"name": "package", "version": "1.0"}', "without an 'items' list"),
        ('[{"name": "a"}, {"name": "b"}]', "no CSL items"),
        ('"just a string"', "neither a list"),
    ],
)
def test_not_csl_raises(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        csljson.extract(text, OPTIONS)


def test_empty_list_is_fine() -> None:
    assert csljson.extract("[]", OPTIONS).citations == []


def test_sniff(items: str) -> None:
    assert csljson.sniff(items)
    assert not csljson.sniff('{"name": "package", "version": "1.0"}')
    assert not csljson.sniff("plain text")
