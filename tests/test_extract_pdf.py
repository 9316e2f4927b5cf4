"""PDF extraction: page text, URLs wrapped over lines, link annotations, unreadable files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from linkcheck.extract import pdf
from linkcheck.models import ExtractOptions

FIXTURES = Path(__file__).parent / "fixtures"
OPTIONS = ExtractOptions(today=dt.date(2024, 1, 1))
Found = dict[str, tuple[dt.date | None, int | None, str]]


@pytest.fixture(scope="module")
def citations() -> Found:
    ex = pdf.extract((FIXTURES / "pdf_wrapped_url_and_link.pdf").read_bytes(), OPTIONS)
    assert ex.format == "pdf"
    return {c.url: (c.accessed, c.line, c.text) for c in ex.citations}


def test_url_broken_across_lines_is_rejoined(citations: Found) -> None:
    accessed, line, text = citations["https://example.org/reports/2020/annual-summary.html"]
    assert accessed == dt.date(2021, 5, 3)
    assert line is None  # PDF has no source lines
    assert text.startswith("[1] Smith, J.")
    assert "https://example.org/reports/2020/" not in citations


def test_link_annotation_not_in_text_is_cited(citations: Found) -> None:
    assert citations["https://data.example.com/portal?id=42"][0] is None


def test_every_page_and_date_binding(citations: Found) -> None:
    # The annotation over the printed (wrapped) address is not a second citation.
    assert set(citations) == {
        "https://example.org/reports/2020/annual-summary.html",
        "https://data.example.com/portal?id=42",
        "http://notes.example.net/field/2019",
        "https://second.example.org/page-two",
    }
    assert citations["http://notes.example.net/field/2019"][0] == dt.date(2020, 3, 12)
    assert citations["https://second.example.org/page-two"][0] is None


def test_pages_joined_by_blank_line() -> None:
    text, notes = pdf.pdf_to_text((FIXTURES / "pdf_wrapped_url_and_link.pdf").read_bytes())
    assert "\n\nAppendix\n" in text
    assert "\n\nhttps://data.example.com/portal?id=42\n\n" in text
    assert notes == ["page 1: 1 link target(s) not in the page text added"]


def test_encrypted_pdf_is_refused() -> None:
    with pytest.raises(ValueError, match="not a readable PDF: encrypted"):
        pdf.extract((FIXTURES / "pdf_encrypted.pdf").read_bytes(), OPTIONS)


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\nthis is not a pdf at all", b"", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"],
)
def test_corrupt_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match=r"^not a readable PDF: "):
        pdf.extract(data, OPTIONS)


def test_truncated_pdf_is_refused() -> None:
    data = (FIXTURES / "pdf_wrapped_url_and_link.pdf").read_bytes()
    with pytest.raises(ValueError, match=r"^not a readable PDF: "):
        pdf.extract(data[: len(data) // 3], OPTIONS)


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"%PDF-1.7\n%\xe2\xe3", True), (b"\n\n%PDF-1.4", True), (b"<html>", False), (b"PK\x03\x04", False)],
)
def test_sniff(data: bytes, expected: bool) -> None:
    assert pdf.sniff(data) is expected
