"""The fix of each format, on small documents: conventions, layout, encodings and idempotence.

These call :func:`linkcheck.fix.fix_bytes` with repairs made by hand; tests/test_fix_web.py
produces the same repairs through real checks and the command line.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import bibtexparser
import mwparserfromhell
import pytest

from linkcheck.extract import extract_bytes
from linkcheck.fix import FixError, FixOptions, Repair, fix_bytes, fixed_reference, unified_diff
from tests.conftest import ROOT

ARCH = "https://web.archive.org/web/20170908093512/http://a.org/x"
NEW = "https://b.org/y"


def dead(cited: str = "http://a.org/x", line: int | None = 1, verdict: str = "dead") -> Repair:
    return Repair("archive", verdict, cited, cited, line, "", archive_url=ARCH, archive_date="2017-09-08")


def moved(cited: str = "http://a.org/x", line: int | None = 1) -> Repair:
    return Repair("moved", "moved", cited, cited, line, "", new_url=NEW)


DEFAULTS = FixOptions()


def fixed(data: bytes, fmt: str, *repairs: Repair, options: FixOptions = DEFAULTS) -> bytes:
    """The fixed bytes, after checking that fixing them again changes nothing."""
    first = fix_bytes(data, fmt, list(repairs), options, f"doc.{fmt}")
    again = fix_bytes(first.after, fmt, [r for r in repairs if r.kind == "archive"], options, f"doc.{fmt}")
    assert again.after == first.after, "a second fix changed the document"
    return first.after


# -- Markdown, text, reStructuredText --------------------------------------------------------


def test_markdown_reference_definition_is_left_with_a_note() -> None:
    doc = b"See [the report][r].\n\n[r]: http://a.org/x\n"
    result = fix_bytes(doc, "markdown", [dead(line=3)], FixOptions(), "doc.md")
    assert result.after == doc
    assert result.notes == ["line 3: http://a.org/x: a link definition cannot take a second link: "
                            "add the archived copy by hand"]  # fmt: skip


def test_markdown_escaped_url_and_title_are_kept() -> None:
    doc = b'[Caf\\_e](http://a.org/caf\\_e "The title") accessed 1 May 2019\n'
    out = fixed(doc, "markdown", dead("http://a.org/caf_e"))
    assert out == (
        b'[Caf\\_e](http://a.org/caf\\_e "The title") [archived 2017-09-08]('
        + ARCH.encode()
        + b") accessed 1 May 2019\n"
    )


def test_a_url_wrapped_over_two_lines_gets_its_copy_after_the_whole_url() -> None:
    doc = b"Available at: http://a.org/\n  x (accessed on 8 September 2017).\n"
    out = fixed(doc, "text", dead("http://a.org/x"))
    assert (
        out
        == b"Available at: http://a.org/\n  x (archived 2017-09-08: "
        + ARCH.encode()
        + b") (accessed on 8 September 2017).\n"
    )


def test_a_bracketed_bare_url_gets_its_copy_beside_the_brackets() -> None:
    doc = b"Paine. Whales. 2007. [http://a.org/x]\n(http://a.org/x)\n"
    out = fixed(doc, "markdown", dead(line=1), dead(line=2))
    added = f" [archived 2017-09-08]({ARCH})".encode()
    assert out == b"Paine. Whales. 2007. [http://a.org/x]" + added + b"\n(http://a.org/x)" + added + b"\n"


def test_the_same_url_twice_is_fixed_where_each_citation_is() -> None:
    doc = b"One: http://a.org/x\n\nTwo: http://a.org/x\n"
    out = fixed(doc, "text", dead(line=1), dead(line=3))
    assert out.count(ARCH.encode()) == 2


def test_utf16_text_keeps_its_bom_and_encoding() -> None:
    doc = codecs.BOM_UTF16_LE + "Quelle : http://a.org/x, consulté le 8 septembre 2017\r\n".encode(
        "utf-16-le"
    )
    result = fix_bytes(doc, "text", [dead()], FixOptions(), "doc.txt")
    assert result.utf16
    assert result.after.startswith(codecs.BOM_UTF16_LE)
    text = result.after[2:].decode("utf-16-le")
    assert text == f"Quelle : http://a.org/x (archived 2017-09-08: {ARCH}), consulté le 8 septembre 2017\r\n"


def test_a_legacy_8_bit_encoding_keeps_every_other_byte() -> None:
    doc = "Quelle : http://a.org/x — consulté le 8 septembre 2017, « Rapport »\n".encode("cp1252")
    out = fixed(doc, "text", dead())
    added = f" (archived 2017-09-08: {ARCH})".encode()
    assert out == doc.replace(b"http://a.org/x", b"http://a.org/x" + added)


def test_a_diff_marks_a_last_line_without_newline() -> None:
    result = fix_bytes(b"a\nhttp://a.org/x", "text", [dead(line=2)], FixOptions(), "doc.txt")
    diff = unified_diff(result)
    assert diff.endswith(b"\n\\ No newline at end of file\n")
    assert diff.count(b"\\ No newline at end of file") == 2


# -- HTML --------------------------------------------------------------------------------------


def test_html_robust_link_keeps_the_tag_and_escapes_the_url() -> None:
    doc = b'<p><a class="r" href="http://a.org/x?a=1&amp;b=2" >Report</a></p>\n'
    repair = Repair(
        "archive", "changed", "http://a.org/x?a=1&b=2", "http://a.org/x?a=1&b=2", 1, "",
        archive_url=ARCH + "?a=1&b=2", archive_date="2017-09-08",
    )  # fmt: skip
    out = fixed(doc, "html", repair)
    assert out == (
        b'<p><a class="r" href="http://a.org/x?a=1&amp;b=2" data-versionurl="'
        + ARCH.encode()
        + b'?a=1&amp;b=2" data-versiondate="2017-09-08" >Report</a></p>\n'
    )
    assert extract_bytes(out, "doc.html").citations[0].url == "http://a.org/x?a=1&b=2"


def test_html_url_written_as_text_gains_a_robust_link_to_its_copy() -> None:
    doc = b"<pre>Ailerons. <i>High Sky</i>, a.org/x. Accessed 16 </pre><pre>June 2022.</pre>\n"
    repair = Repair(
        "archive", "dead", "a.org/x", "http://a.org/x", 1, "", archive_url=ARCH, archive_date="2022-06-16"
    )
    out = fixed(doc, "html", repair)
    assert out == (
        b'<pre>Ailerons. <i>High Sky</i>, a.org/x (<a href="'
        + ARCH.encode()
        + b'" data-originalurl="a.org/x" '
        b'data-versiondate="2022-06-16">archived 2022-06-16</a>). Accessed 16 </pre><pre>June 2022.</pre>\n'
    )
    cited = {c.url: c.accessed for c in extract_bytes(out, "doc.html").citations}
    assert str(cited["http://a.org/x"]) == "2022-06-16"
    assert cited[ARCH] is None


def test_html_url_split_over_elements_is_a_note() -> None:
    doc = b"<pre>www.a.org/ </pre><pre>x. Accessed 16 June 2022.</pre>"
    result = fix_bytes(doc, "html", [dead("www.a.org/x")], FixOptions(), "doc.html")
    assert not result.changed
    assert "split over elements" in result.notes[0]


# -- BibTeX ------------------------------------------------------------------------------------


def test_bibtex_note_on_crlf_last_field_without_comma() -> None:
    doc = b"@online{k,\r\n  title = {T},\r\n  url = {http://a.org/x}\r\n}\r\n"
    out = fixed(doc, "bibtex", dead(line=3))
    assert out == (
        b"@online{k,\r\n  title = {T},\r\n  url = {http://a.org/x},\r\n"
        b"  note = {Archived at \\url{" + ARCH.encode() + b"} on 2017-09-08}\r\n}\r\n"
    )
    entry = bibtexparser.parse_string(out.decode()).entries[0]
    assert entry.fields_dict["url"].value == "http://a.org/x"


def test_bibtex_custom_field_and_percent_escape() -> None:
    doc = b"@misc{k, url = {http://a.org/x}, year = 2017}\n"
    repair = Repair("archive", "dead", "http://a.org/x", "http://a.org/x", 1, "",
                    archive_url=ARCH + "%20", archive_date=None)  # fmt: skip
    out = fixed(doc, "bibtex", repair, options=FixOptions(bibtex_field="archiveurl"))
    assert (
        out == b"@misc{k, url = {http://a.org/x}, archiveurl = {" + ARCH.encode() + b"\\%20}, year = 2017}\n"
    )


def test_bibtex_moved_keeps_the_old_url_in_a_comment() -> None:
    doc = b"@misc{k,\n  url = {http://a.org/x\\_y},\n}\n"
    out = fixed(doc, "bibtex", moved("http://a.org/x_y", line=2))
    assert (
        out == b"@misc{k,\n  url = {https://b.org/y},\n  comment = {Formerly \\url{http://a.org/x_y}},\n}\n"
    )
    # The old URL kept there is not fixed again when the file is seeded and fixed anew.
    again = fix_bytes(out, "bibtex", [moved("http://a.org/x_y", line=3)], FixOptions(), "doc.bib")
    assert not again.changed and again.already == 1


# -- RIS, CSL-JSON -------------------------------------------------------------------------------


def test_ris_lk_tag() -> None:
    doc = b"TY  - ELEC\r\nUR  - http://a.org/x\r\nER  - \r\n"
    out = fixed(doc, "ris", dead(line=2), options=FixOptions(ris_tag="LK"))
    assert out == b"TY  - ELEC\r\nUR  - http://a.org/x\r\nLK  - " + ARCH.encode() + b"\r\nER  - \r\n"


def test_csljson_appends_to_a_note_and_writes_compact_json_compactly() -> None:
    doc = b'[{"id":"a","type":"webpage","URL":"http://a.org/x","note":"Seen"},{"id":"b","type":"webpage","URL":"http://b.org/"}]'
    b = Repair(
        "archive", "dead", "http://b.org/", "http://b.org/", 1, "", archive_url=ARCH, archive_date=None
    )
    out = fixed(doc, "csljson", dead(), b)
    items = json.loads(out)
    assert items[0]["note"] == f"Seen\nArchived at {ARCH} on 2017-09-08"
    assert items[1]["note"] == f"Archived at {ARCH}"
    assert out.startswith(b'[{"id":"a","type":"webpage","URL":"http://a.org/x","note":"Seen\\nArchived at ')


def test_csljson_custom_field() -> None:
    doc = b'[\n  {\n    "type": "webpage",\n    "URL": "http://a.org/x"\n  }\n]\n'
    out = fixed(doc, "csljson", dead(line=4), options=FixOptions(csl_field="archive_location"))
    assert (
        out
        == b'[\n  {\n    "type": "webpage",\n    "URL": "http://a.org/x",\n'
        + f'    "archive_location": "{ARCH}"\n  }}\n]\n'.encode()
    )


# -- wikitext ------------------------------------------------------------------------------------


def test_german_internetquelle_and_webarchiv() -> None:
    doc = (
        b"Satz.<ref>{{Internetquelle |url=http://a.org/x |titel=Bericht |abruf=2017-09-08}}</ref>\n"
        b"Noch einer.<ref>[http://c.org/z Seite], abgerufen am 8. September 2017.</ref>\n"
        b"[[Kategorie:Test]]\n"
    )
    snapshot = "https://web.archive.org/web/20170908093512/http://c.org/z"
    c = Repair(
        "archive",
        "dead",
        "http://c.org/z",
        "http://c.org/z",
        2,
        "",
        archive_url=snapshot,
        archive_date="2017-09-08",
    )
    out = fixed(doc, "wikitext", dead(), c).decode()
    code = mwparserfromhell.parse(out)
    quelle = code.filter_templates(matches="Internetquelle")[0]
    assert str(quelle.get("archiv-url").value).strip() == ARCH
    assert str(quelle.get("archiv-datum").value).strip() == "2017-09-08"
    assert str(quelle.get("offline").value).strip() == "ja"
    assert (
        "[http://c.org/z Seite]{{Webarchiv |url=http://c.org/z |wayback=20170908093512 |text=Archivversion}},"
        in out
    )


def test_cite_web_changed_page_is_live_and_dates_follow_the_access_date() -> None:
    doc = b"<ref>{{cite web\n"
    doc += b" | url = http://a.org/x\n | title = T\n | access-date = 8 September 2017\n}}</ref>\n"
    out = fixed(doc, "wikitext", dead(line=2, verdict="changed")).decode()
    assert out == (
        "<ref>{{cite web\n | url = http://a.org/x\n | title = T\n | access-date = 8 September 2017\n"
        f" | archive-url = {ARCH}\n | archive-date = 8 September 2017\n | url-status = live\n}}}}</ref>\n"
    )


def test_fixed_reference_for_people() -> None:
    text = "Notes. Available at: http://a.org/x (accessed on 8 September 2017)."
    assert fixed_reference(text, "http://a.org/x", "archive", ARCH, "2017-09-08") == (
        f"Notes. Available at: http://a.org/x [archived 2017-09-08: {ARCH}] (accessed on 8 September 2017)."
    )
    assert fixed_reference(text, "http://a.org/x", "moved", NEW, None) == (
        f"Notes. Available at: {NEW} (accessed on 8 September 2017)."
    )


# -- docs/fixing.md ------------------------------------------------------------------------------

DOC_DEAD = {
    "http://www.health.org.uk/publication/clear-road-ahead": (
        "https://web.archive.org/web/20170908093512/http://www.health.org.uk/publication/clear-road-ahead",
        "2017-09-08",
    ),
    "http://audit.example.org/report": (
        "https://web.archive.org/web/20120216101500/http://audit.example.org/report",
        "2012-02-16",
    ),
}
DOC_MOVED = {"http://www.example-daily.com/move": "https://news.example-daily.com/2002/moving-day"}


def _doc_repairs(text: str) -> list[Repair]:
    """The repairs the examples of docs/fixing.md describe, each at the line citing its URL."""
    found: list[Repair] = []
    for n, line in enumerate(text.splitlines(), 1):
        for url, (snapshot, day) in DOC_DEAD.items():
            if url in line and all(r.cited != url for r in found):
                found.append(
                    Repair("archive", "dead", url, url, n, "", archive_url=snapshot, archive_date=day)
                )
        for url, new in DOC_MOVED.items():
            if url in line and all(r.cited != url for r in found):
                found.append(Repair("moved", "moved", url, url, n, "", new_url=new))
    return found


def test_every_before_and_after_in_docs_fixing_md_is_what_fix_writes() -> None:
    doc = (ROOT / "docs" / "fixing.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w+) (before|after)\n(.*?)```", doc, re.S)
    assert len(blocks) == 18
    formats = set()
    for (fmt, kind, before), (fmt2, kind2, after) in zip(blocks[::2], blocks[1::2], strict=True):
        assert (fmt, kind, kind2) == (fmt2, "before", "after")
        formats.add(fmt)
        result = fix_bytes(before.encode(), fmt, _doc_repairs(before), FixOptions(), f"doc.{fmt}")
        assert result.after.decode() == after
        assert not result.notes
        # The "after" is read by the same extractor, with the original URLs' dates intact.
        name = {"csljson": "doc.json", "text": "doc.txt", "wikitext": "doc.wiki"}.get(fmt, f"doc.{fmt}")
        cited = {c.url: c.accessed for c in extract_bytes(after.encode(), name).citations}
        before_cited = {c.url: c.accessed for c in extract_bytes(before.encode(), name).citations}
        for url, accessed in before_cited.items():
            assert cited[DOC_MOVED.get(url, url)] == accessed, (fmt, url)
    assert formats == {"markdown", "rst", "text", "html", "bibtex", "ris", "csljson", "wikitext"}


def test_commented_out_copies_are_never_edited() -> None:
    wiki = (
        b"<!-- {{cite web |url=http://a.org/x |title=Old}} -->\n"
        b"Text.<ref>{{cite web |url=http://a.org/x <!-- checked --> |title=T}}</ref>\n"
    )
    out = fixed(wiki, "wikitext", dead(line=1)).decode()
    assert out.startswith("<!-- {{cite web |url=http://a.org/x |title=Old}} -->\n")
    assert f"|title=T |archive-url={ARCH} |archive-date=2017-09-08 |url-status=dead}}}}</ref>" in out
    page = b'<!-- <a href="http://a.org/x">draft</a> -->\n<script>var u = "http://a.org/x";</script>\n'
    page += b"<p>http://a.org/x</p>\n"
    out = fixed(page, "html", dead(line=1))
    assert out.startswith(page[:100])
    link = f'<a href="{ARCH}" data-originalurl="http://a.org/x" data-versiondate="2017-09-08">'
    link += "archived 2017-09-08</a>"
    assert out.endswith(f"<p>http://a.org/x ({link})</p>\n".encode())


def test_plan_fixes_confirmed_problems_only() -> None:
    from linkcheck.fix import plan

    row = {
        "cited": "http://a.org/x",
        "url": "http://a.org/x",
        "link_url": "http://a.org/x",
        "line": 3,
        "text": "t",
    }
    row |= {"final_url": None, "archive_url": ARCH, "archive_timestamp": "2017-09-08T09:35:12Z"}
    repairs, missing = plan(
        [
            {**row, "verdict": "failing"},
            {**row, "verdict": "blocked"},
            {**row, "verdict": "dead", "archive_url": None},
            {**row, "verdict": "moved", "final_url": "http://a.org/x"},
            {**row, "verdict": "changed"},
            {**row, "verdict": "moved", "final_url": NEW},
        ]
    )
    assert [(r.kind, r.verdict, r.replacement, r.archive_date) for r in repairs] == [
        ("archive", "changed", ARCH, "2017-09-08"),
        ("moved", "moved", NEW, None),
    ]
    assert missing == 4


def test_write_in_place_keeps_the_mode_and_writes_through_a_symbolic_link(tmp_path: Path) -> None:
    from linkcheck.fix import DocumentFix, write_in_place

    target = tmp_path / "refs.md"
    target.write_bytes(b"http://a.org/x\n")
    target.chmod(0o640)
    (tmp_path / "link.md").symlink_to(target)
    write_in_place(DocumentFix(str(tmp_path / "link.md"), "markdown", b"http://a.org/x\n", b"fixed\n"))
    assert (tmp_path / "link.md").is_symlink()
    assert target.read_bytes() == b"fixed\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "refs.md"]  # no temporary left
    # A file that changed after it was read is not overwritten.
    with pytest.raises(FixError, match="changed while it was being fixed"):
        write_in_place(DocumentFix(str(target), "markdown", b"http://a.org/x\n", b"again\n"))
    assert target.read_bytes() == b"fixed\n"
