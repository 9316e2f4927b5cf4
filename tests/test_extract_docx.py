"""DOCX extraction: hyperlink runs, HYPERLINK fields, tables, footnotes, unreadable files."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from linkcheck.extract import UnsupportedFormat, docx, extract_bytes
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


def _renamed_main_part(data: bytes, name: str) -> bytes:
    """The same package with its main part (and that part's relationships) stored under ``name``,
    found only through ``_rels/.rels`` and ``[Content_Types].xml``, as OPC allows."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            content = src.read(info)
            target = info.filename
            if target == "word/document.xml":
                target = f"word/{name}"
            elif target == "word/_rels/document.xml.rels":
                target = f"word/_rels/{name}.rels"
            elif target in ("_rels/.rels", "[Content_Types].xml"):
                content = content.replace(b"word/document.xml", f"word/{name}".encode())
            out.writestr(target, content)
    return buf.getvalue()


def test_main_part_found_through_the_package_relationships() -> None:
    moved = _renamed_main_part(DATA, "document2.xml")
    assert "word/document.xml" not in zipfile.ZipFile(io.BytesIO(moved)).namelist()
    assert docx.sniff(moved)
    ex = docx.extract(moved, OPTIONS)
    # Body, hyperlink relationships of the renamed part's own .rels, and its footnotes.
    assert [(c.url, c.accessed) for c in ex.citations] == [
        (c.url, c.accessed) for c in docx.extract(DATA, OPTIONS).citations
    ]
    assert "footnotes: 1 paragraph(s) read" in ex.notes


def test_a_package_whose_main_part_is_not_word_is_not_docx() -> None:
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument"/></Relationships>'
    )
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/></Types>'
    )
    workbook = {"_rels/.rels": rels, "[Content_Types].xml": types, "xl/workbook.xml": "<x/>"}
    assert not docx.sniff(_zip(workbook))
    # The same relationship to a part the package does not hold names no main part either.
    word_types = types.replace("spreadsheetml.sheet", "wordprocessingml.document")
    assert not docx.sniff(_zip({"_rels/.rels": rels, "[Content_Types].xml": word_types}))


def test_a_renamed_main_part_that_is_damaged_is_refused_clearly() -> None:
    moved = _renamed_main_part(DATA, "document2.xml")
    with zipfile.ZipFile(io.BytesIO(moved)) as z:
        files = {n: z.read(n) for n in z.namelist()}
    files["word/document2.xml"] = b"<w:document"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    with pytest.raises(ValueError, match=r"^not a readable DOCX: "):
        docx.extract(buf.getvalue(), OPTIONS)


def test_a_docx_with_no_word_main_part_is_named_not_valid() -> None:
    workbook_like = _zip({"_rels/.rels": "<Relationships/>", "[Content_Types].xml": "<Types/>"})
    with pytest.raises(UnsupportedFormat, match=r"^not a valid DOCX file$"):
        extract_bytes(workbook_like, "references.docx")
    moved = _renamed_main_part(DATA, "document2.xml")
    assert extract_bytes(moved, "references.docx").format == "docx"


def test_sniffing_never_inflates_a_package_part_larger_than_such_parts_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Sniffing reads _rels/.rels before the zip-bomb bound is applied: a relationships part
    # declared past 1 MiB (here 2 MiB of blanks, a few KB compressed) is not inflated at all.
    moved = _renamed_main_part(DATA, "document2.xml")
    with zipfile.ZipFile(io.BytesIO(moved)) as z:
        files = {n: z.read(n) for n in z.namelist()}
    files["_rels/.rels"] = files["_rels/.rels"] + b" " * (2 * 1024 * 1024)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    assert len(buf.getvalue()) < 200_000
    read: list[str] = []
    real_read = zipfile.ZipFile.read

    def counting_read(self: zipfile.ZipFile, name: Any, pwd: bytes | None = None) -> bytes:
        read.append(name if isinstance(name, str) else name.filename)
        return real_read(self, name, pwd)

    monkeypatch.setattr(zipfile.ZipFile, "read", counting_read)
    assert not docx.sniff(buf.getvalue())
    assert "_rels/.rels" not in read


def _docx_with_hyperlinks(links: list[tuple[str, str, str | None, str]]) -> bytes:
    """A document of one paragraph per (text before, target, w:anchor, link text)."""
    import docx as python_docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = python_docx.Document()
    for before, target, fragment, shown in links:
        paragraph = document.add_paragraph(before)
        rid = paragraph.part.relate_to(target, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), rid)
        if fragment is not None:
            link.set(qn("w:anchor"), fragment)
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = shown
        run.append(text)
        link.append(run)
        paragraph._p.append(link)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_hyperlink_anchor_attribute_is_the_targets_fragment() -> None:
    data = _docx_with_hyperlinks(
        [
            ("McPherson, Tara. Accessed 26 Jan. 2023. ", "https://www.a.example.com/bunny", "0", "Bunny"),
            ("Other. Accessed 27 Jan. 2023. ", "https://b.example.org/page#top", "ignored", "Page"),
            ("Third. Accessed 28 Jan. 2023. ", "https://c.example.org/plain", None, "Plain"),
        ]
    )
    assert {c.url: c.accessed for c in docx.extract(data, OPTIONS).citations} == {
        "https://www.a.example.com/bunny#0": dt.date(2023, 1, 26),
        # A target that has a fragment of its own keeps it; no w:anchor, no fragment.
        "https://b.example.org/page#top": dt.date(2023, 1, 27),
        "https://c.example.org/plain": dt.date(2023, 1, 28),
    }


def test_printed_address_ending_in_an_empty_fragment_over_a_link_without_it_is_the_target() -> None:
    data = _docx_with_hyperlinks(
        [
            (
                "Clinic. About. ",
                "https://www.clinic.example.ao/about",
                None,
                "https://www.clinic.example.ao/about#",
            ),
            # A fragment with a name is a place in the page: the printed address stays cited.
            ("Other. ", "https://b.example.org/page", None, "https://b.example.org/page#part"),
        ]
    )
    assert [c.url for c in docx.extract(data, OPTIONS).citations] == [
        "https://www.clinic.example.ao/about",
        "https://b.example.org/page#part",
    ]
