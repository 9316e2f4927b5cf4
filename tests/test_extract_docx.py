"""DOCX extraction: hyperlink runs, HYPERLINK fields, tables, footnotes, unreadable files."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from linkcheck.extract import docx
from linkcheck.models import Citation, ExtractOptions

FIXTURES = Path(__file__).parent / "fixtures"
OPTIONS = ExtractOptions(today=dt.date(2024, 1, 1))
DATA = (FIXTURES / "docx_hyperlinks_table.docx").read_bytes()


@pytest.fixture(scope="module")
def citations() -> dict[str, Citation]:
    ex = docx.extract(DATA, OPTIONS)
    assert ex.format == "docx"
    return {c.url: c for c in ex.citations}


def test_every_link_once(citations: dict[str, Citation]) -> None:
    # The mailto: hyperlink is not cited; the hyperlink whose target is also written out is one citation.
    assert list(citations) == [
        "https://example.org/smith-2020",
        "https://data.example.com/portal?id=42",
        "https://guide.example.net/field",
        "https://council.example.gov/minutes/2021-03",
        "https://web.archive.org/web/2022/https://example.org/old",
    ]


def test_hyperlink_runs(citations: dict[str, Citation]) -> None:
    smith = citations["https://example.org/smith-2020"]
    assert smith.title == "The annual report"
    assert smith.accessed == dt.date(2021, 5, 3)  # "Retrieved May 3, 2021, from URL"
    assert smith.line == 2  # paragraph 1 is the heading
    portal = citations["https://data.example.com/portal?id=42"]
    assert portal.title is None  # the link text is the address itself
    assert (portal.accessed, portal.line) == (dt.date(2021, 6, 4), 3)


def test_hyperlink_field_code(citations: dict[str, Citation]) -> None:
    guide = citations["https://guide.example.net/field"]
    assert guide.title == "online edition"
    assert guide.accessed == dt.date(2021, 7, 5)
    assert guide.line == 5  # after the empty paragraph 4
    assert guide.text == "Lee, A. Field guide, online edition (accessed 5 July 2021)."


def test_table_row_is_one_entry(citations: dict[str, Citation]) -> None:
    council = citations["https://council.example.gov/minutes/2021-03"]
    assert council.accessed == dt.date(2021, 8, 6)
    # The table has a column headed "Date accessed": each row reads as one line, cell by cell.
    assert council.text == (
        "City council minutes | https://council.example.gov/minutes/2021-03 | Accessed 6 August 2021"
    )
    assert council.line == 11  # header row cells are paragraphs 7-9, this row's are 10-12


def test_footnote(citations: dict[str, Citation]) -> None:
    note = citations["https://web.archive.org/web/2022/https://example.org/old"]
    assert note.title == "the archived page"
    # An archive copy is cited, but an accessed-on date belongs to an original, not to a snapshot.
    assert note.accessed is None
    assert note.line == 14  # after the 13 body paragraphs


def test_text_layout() -> None:
    text, anchors, line_of, notes = docx.docx_to_text(DATA)
    assert text.startswith("Bibliography\n\nSmith, J. (2020). The annual report. Retrieved")
    assert "Source | Address | Date accessed\n\nCity council minutes | " in text
    assert [text[a.start : a.end] for a in anchors][:3] == [
        "The annual report",
        "https://data.example.com/portal?id=42",
        "online edition",
    ]
    assert line_of(0) == 1 and line_of(len(text) - 1) == 14
    assert notes == ["footnotes: 1 paragraph(s) read"]


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK\x03\x04 not really a zip",
        DATA[: len(DATA) // 2],
        _zip({"hello.txt": "not a word document"}),
        _zip({"[Content_Types].xml": "<Types", "word/document.xml": "<w:document"}),
    ],
)
def test_corrupt_docx_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match=r"^not a readable DOCX: "):
        docx.extract(data, OPTIONS)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (DATA, True),
        (_zip({"xl/workbook.xml": "<x/>"}), False),
        (b"PK\x03\x04 broken", False),
        (b"%PDF-1.4", False),
    ],
)
def test_sniff(data: bytes, expected: bool) -> None:
    assert docx.sniff(data) is expected
