"""RIS extraction: UR (several URLs), L1/L2 only without UR, Y2 in Zotero's forms, notes, DOIs, lenient."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from linkcheck.extract import ris
from linkcheck.models import Citation, ExtractOptions

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = dt.date(2024, 1, 1)
OPTIONS = ExtractOptions(today=TODAY)


@pytest.fixture(scope="module")
def sample() -> str:
    return (FIXTURES / "ris_zotero_endnote.ris").read_text(encoding="utf-8")


def _by_url(citations: list[Citation]) -> dict[str, Citation]:
    return {c.url: c for c in citations}


def test_ur_and_zotero_y2_with_time(sample: str) -> None:
    c = _by_url(ris.extract(sample, OPTIONS).citations)["https://www.who.int/data/gho"]
    assert c.accessed == dt.date(2019, 3, 3)  # Y2 2019/03/03/10:11:12; DA is not the access date
    assert c.line == 6
    assert c.title == "Global Health Observatory"
    assert (
        c.text == "World Health Organization. Global Health Observatory. 2019. https://www.who.int/data/gho."
    )


def test_several_urls_in_one_ur_and_no_attachment_links_beside_them(sample: str) -> None:
    found = _by_url(ris.extract(sample, OPTIONS).citations)
    for url in ("https://a.example.org/report", "https://b.example.org/mirror"):
        assert found[url].accessed == dt.date(2020, 7, 17)  # Y2 2020/07/17/
    assert found["https://a.example.org/report"].line == 14
    # L1 (a local file) and L2 (a related link) beside a UR are not what the reference cites.
    assert "https://c.example.org/full-text" not in found
    assert not any(u.startswith("file:") for u in found)


def test_attachment_links_are_not_cited_unless_the_record_has_no_ur() -> None:
    src = (
        "TY  - JOUR\nTI  - With UR\nUR  - https://journal.example.org/article?id=7\n"
        "Y2  - 2023/09/14/08:00:00\nL1  - https://journal.example.org/article/file?id=7&type=printable\n"
        "L2  - https://preprints.example.org/abs/7\n"
        "AB  - Code and data at https://code.example.org/tool.\nN1  - See also https://other.example.org/x\n"
        "ER  - \n\n"
        "TY  - RPRT\nTI  - Only a related link\nL2  - https://reports.example.org/full-text\n"
        "Y2  - 2020/07/17/\nER  - \n"
    )
    assert [(c.url, c.accessed) for c in ris.extract(src, OPTIONS).citations] == [
        ("https://journal.example.org/article?id=7", dt.date(2023, 9, 14)),
        ("https://reports.example.org/full-text", dt.date(2020, 7, 17)),
    ]


def test_retrieved_in_note(sample: str) -> None:
    c = _by_url(ris.extract(sample, OPTIONS).citations)["https://journal.example.org/article/7"]
    assert c.accessed == dt.date(2011, 4, 30)


def test_impossible_date_is_a_note(sample: str) -> None:
    result = ris.extract(sample, OPTIONS)
    assert _by_url(result.citations)["https://future.example.com/"].accessed is None
    assert any("line 35" in n and "future" in n for n in result.notes)


def test_sloppy_spacing_and_missing_end_tag(sample: str) -> None:
    c = _by_url(ris.extract(sample, OPTIONS).citations)["http://sloppy.example.net/page"]
    assert (c.accessed, c.line, c.title) == (None, 40, "Sloppy spacing and no end tag")


def test_doi_only_with_include_dois(sample: str) -> None:
    without = {c.url for c in ris.extract(sample, OPTIONS).citations}
    with_dois = {c.url for c in ris.extract(sample, ExtractOptions(today=TODAY, include_dois=True)).citations}
    assert with_dois - without == {"https://doi.org/10.1000/xyz123"}


def test_record_without_url_yields_nothing() -> None:
    assert ris.extract("TY  - BOOK\nTI  - Paper only\nPY  - 2001\nER  - \n", OPTIONS).citations == []


def test_crlf_and_bom() -> None:
    text = "\ufeffTY  - ELEC\r\nUR  - https://x.example.org/\r\nY2  - 2021/02/03/\r\nER  - \r\n"
    [c] = ris.extract(text, OPTIONS).citations
    assert (c.url, c.accessed, c.line) == ("https://x.example.org/", dt.date(2021, 2, 3), 2)


def test_textual_y2() -> None:
    text = "TY  - ELEC\nUR  - https://x.example.org/\nY2  - March 3, 2019\nER  - \n"
    [c] = ris.extract(text, OPTIONS).citations
    assert c.accessed == dt.date(2019, 3, 3)


def test_archived_copy_dated_only_when_it_is_the_records_only_address() -> None:
    copy = "https://web.archive.org/web/2009/http://x.example.org/"
    alone = f"TY  - ELEC\nUR  - {copy}\nY2  - 2021/09/23/\nER  - \n"
    [c] = ris.extract(alone, OPTIONS).citations
    assert (c.url, c.accessed) == (copy, dt.date(2021, 9, 23))
    beside = f"TY  - ELEC\nUR  - http://x.example.org/\nUR  - {copy}\nY2  - 2021/09/23/\nER  - \n"
    found = {c.url: c.accessed for c in ris.extract(beside, OPTIONS).citations}
    assert found == {"http://x.example.org/": dt.date(2021, 9, 23), copy: None}


def test_not_ris_raises() -> None:
    with pytest.raises(ValueError, match="not valid RIS"):
        ris.extract("@misc{a, url={https://x.org}}\n", OPTIONS)
    assert ris.extract("", OPTIONS).citations == []


def test_sniff(sample: str) -> None:
    assert ris.sniff(sample)
    assert not ris.sniff("TY is a name.\nNothing else.\n")
