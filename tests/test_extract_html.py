"""HTML extraction: text, anchors, charsets, split <pre> entries and accessed dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from linkcheck.extract import html
from linkcheck.models import ExtractOptions

FIXTURES = Path(__file__).parent / "fixtures"
OPTIONS = ExtractOptions(today=dt.date(2024, 1, 1))


def _extract(name: str) -> dict[str, tuple[dt.date | None, int | None, str | None]]:
    ex = html.extract((FIXTURES / name).read_bytes(), OPTIONS)
    assert ex.format == "html"
    return {c.url: (c.accessed, c.line, c.title) for c in ex.citations}


def test_entities_are_decoded_in_text_and_href() -> None:
    text, anchors, _, _ = html.html_to_text((FIXTURES / "html_entities_scripts_links.html").read_bytes())
    assert "Café & Bistro Guide" in text
    assert "O\u2019Brien, M. \u201cTides.\u201d" in text
    assert anchors[0].href == "https://guide.example.org/search?q=caf%C3%A9&page=2"
    assert text[anchors[0].start : anchors[0].end] == "Guide to cafés"


def test_links_scripts_and_chrome() -> None:
    found = _extract("html_entities_scripts_links.html")
    # Relative, mailto:, #fragment and javascript: links, script, style, noscript and comment
    # text, and nav/footer of a page with <main> give nothing.
    assert set(found) == {
        "https://guide.example.org/search?q=caf%C3%A9&page=2",
        "http://tides.example.net/report",
        "https://cdn.example.org/paper.pdf",
    }


def test_anchor_titles_dates_and_lines() -> None:
    found = _extract("html_entities_scripts_links.html")
    assert found["https://guide.example.org/search?q=caf%C3%A9&page=2"] == (
        dt.date(2021, 2, 2),
        15,
        "Guide to cafés",
    )
    # Anchor text that is the address is no title.
    assert found["http://tides.example.net/report"] == (dt.date(2019, 3, 14), 17, None)
    assert found["https://cdn.example.org/paper.pdf"] == (None, 21, "The paper")


def test_chrome_kept_without_main() -> None:
    page = b"<html><body><nav><a href='https://nav.example.org/'>Home</a></nav><p>Text</p></body></html>"
    urls = [c.url for c in html.extract(page, OPTIONS).citations]
    assert urls == ["https://nav.example.org/"]


def test_chrome_holding_the_article_is_kept() -> None:
    # "<header>" typed for "</header>" leaves the header open around the article; the nav
    # beside it is still chrome, the article inside it is the document.
    page = (
        b"<html><body><header><h1>Site</h1><header>"
        b"<nav><a href='https://nav.example.org/'>Home</a></nav>"
        b"<article><p>Doe. Page. <a href='https://cited.example.org/a'>cited.example.org/a</a>."
        b" Accessed 6 Mar. 2021.</p></article></body></html>"
    )
    found = {c.url: c.accessed for c in html.extract(page, OPTIONS).citations}
    assert found == {"https://cited.example.org/a": dt.date(2021, 3, 6)}


def test_latin1_bytes_with_meta_charset() -> None:
    data = (FIXTURES / "html_latin1_meta_charset.html").read_bytes()
    assert "é".encode("iso-8859-1") in data  # the fixture really is Latin-1
    ex = html.extract(data, OPTIONS)
    (cite,) = ex.citations
    assert cite.url == "https://example.fr/société/rapport-été.html"
    assert cite.accessed == dt.date(2021, 5, 3)
    assert cite.text.startswith("Société générale, « Rapport »")
    assert cite.line == 6
    assert any("iso-8859-1" in n for n in ex.notes)


def test_charset_without_declaration() -> None:
    page = "<html><body><p>Müller, « Über », https://example.de/über. Accessed 1 May 2020.</p></body></html>"
    assert html.decode_html(page.encode("utf-8"))[0] == page
    assert html.decode_html(b"\xef\xbb\xbf" + page.encode("utf-8"))[0] == page
    (cite,) = html.extract(page.encode("utf-8"), OPTIONS).citations
    assert cite.url == "https://example.de/über"


def test_url_split_across_touching_pre_blocks() -> None:
    found = _extract("html_mla_split_pre.html")
    assert found == {
        "http://engnotes.example.com/structures/suspension-bridges-explained/": (
            dt.date(2021, 5, 3),
            6,
            None,
        ),
        "http://www.waterways.example.org/history/canals.html": (dt.date(2021, 5, 4), 7, None),
        # An entry without a date does not take its neighbour's.
        "http://hydro.example.net/dams/": (None, 8, None),
        "http://www.soil.example.com/embankments/types.html": (dt.date(2021, 5, 5), 8, None),
    }


def test_separate_pre_blocks_are_separate_entries() -> None:
    text, _, _, _ = html.html_to_text((FIXTURES / "html_mla_split_pre.html").read_bytes())
    assert 'explained/. Accessed 3 \n     May 2021. \n\n"Canals."' in text
    assert 'hydro.example.net/dams/. \n\n"Embankments."' in text


def test_pre_per_printed_line_with_hanging_indent_is_one_entry() -> None:
    # One <pre> per printed line: an entry's continuation lines are indented and on the next
    # source line, entries are parted by a blank line. A scheme-less address wrapped after "/"
    # is one URL, and each entry's date stays its own (the second entry has none).
    page = b"""<html><body>
  <pre>Doe, Ann. "Alpha." <i>Site A</i>, 3 May 2020, www.alpha.example.org/apps/doc/A1/ </pre>
  <pre>    view?u=x_y&amp;sid=b-OV. Accessed 5 Apr. 2022. </pre>

  <pre>Roe, Bo. "Beta." <i>Site B</i>, beta.example.com/news/story/ </pre>
  <pre>    how-it-was/. </pre>
  <pre>Coe, Cy. "Gamma." <i>Site C</i>, gamma.example.net/c. Accessed 6 Apr. 2022. </pre>
</body></html>"""
    found = {c.url: (c.accessed, c.line) for c in html.extract(page, OPTIONS).citations}
    assert found == {
        "http://www.alpha.example.org/apps/doc/A1/view?u=x_y&sid=b-OV": (dt.date(2022, 4, 5), 2),
        "http://beta.example.com/news/story/how-it-was/": (None, 5),
        "http://gamma.example.net/c": (dt.date(2022, 4, 6), 7),
    }


def test_pre_per_printed_line_flush_left_is_read_as_wrapped_entries() -> None:
    # Hard-wrapped at 48 columns, one <pre> per line, no indent, entries parted by blank lines:
    # every line but an entry's last is full, so the lines run on as one entry.
    lines = [
        ["[1] Okafor A. Measuring link rot. Example Blog.", "2019 [cited 2021 Mar 17]. Available from:",
         "https://blog.example.org/2019/link-rot/measure?", "id=42"],
        ["[2] Brown T. Archiving the web. Journal of Web", "Preservation. 2020;12(3):45-67. Available",
         "from: https://journals.example.net/jwp/8841"],
        ["[3] Heritage Office. Annual report 2018. Utrecht:",
         "NDHO; 2018 [cited 2020 Jan 29]. Available from:",
         "http://www.heritage.example.gov/reports/annual_", "2018.pdf"],
    ]  # fmt: skip
    body = "\n\n".join("\n".join(f"<pre>{line}</pre>" for line in entry) for entry in lines)
    page = f"<html><body>\n{body}\n</body></html>".encode()
    found = {c.url: c.accessed for c in html.extract(page, OPTIONS).citations}
    assert found == {
        "https://blog.example.org/2019/link-rot/measure?id=42": dt.date(2021, 3, 17),
        "https://journals.example.net/jwp/8841": None,
        "http://www.heritage.example.gov/reports/annual_2018.pdf": dt.date(2020, 1, 29),
    }


def test_pre_per_entry_of_any_length_stays_one_entry_each() -> None:
    # One <pre> per entry, one under the other, and a blank line before the list: entries of
    # every length are no wrapped lines, so a date-less entry does not run into the next.
    page = b"""<html><body>
<pre>Works Cited</pre>

<pre>"Alpha." Site A, www.alpha.example.org/a. Accessed 1 May 2021.</pre>
<pre>"Beta, a longer title of a page that has no access date." Site B, www.beta.example.org/b.</pre>
<pre>"Gamma." Site C, www.gamma.example.org/c. Accessed 3 May 2021.</pre>
</body></html>"""
    found = {c.url: c.accessed for c in html.extract(page, OPTIONS).citations}
    assert found == {
        "http://www.alpha.example.org/a": dt.date(2021, 5, 1),
        "http://www.beta.example.org/b": None,
        "http://www.gamma.example.org/c": dt.date(2021, 5, 3),
    }


def test_mla_list_items_bind_each_date_to_its_own_url() -> None:
    page = b"""<html><body><h2>Works Cited</h2><ul>
<li>"Alpha." <i>Site A</i>, alpha.example.com/a/. Accessed 1 March 2020.</li>
<li>"Beta." <i>Site B</i>, www.beta.example.org/b.html.</li>
<li>"Gamma." <i>Site C</i>, <a href="https://gamma.example.net/c">gamma.example.net/c</a>.
Accessed 3 March 2020.</li>
</ul></body></html>"""
    cites = html.extract(page, OPTIONS).citations
    assert [(c.url, c.accessed, c.line) for c in cites] == [
        ("http://alpha.example.com/a/", dt.date(2020, 3, 1), 2),
        ("http://www.beta.example.org/b.html", None, 3),
        ("https://gamma.example.net/c", dt.date(2020, 3, 3), 4),
    ]
    assert cites[1].text == '"Beta." Site B, www.beta.example.org/b.html.'


def test_block_boundaries() -> None:
    page = b"<div>a<br>b</div><table><tr><td>c</td><td>d</td></tr><tr><td>e</td></tr></table><p>f</p>"
    text, _, line_of, _ = html.html_to_text(page)
    assert text == "a\nb\n\nc\nd\n\ne\n\nf\n\n"
    assert line_of(0) == 1 and line_of(len(text) - 1) == 1


def test_line_map_is_monotone_and_within_file() -> None:
    data = (FIXTURES / "html_entities_scripts_links.html").read_bytes()
    text, _, line_of, _ = html.html_to_text(data)
    lines = [line_of(i) or 0 for i in range(len(text))]
    assert lines == sorted(lines)
    assert lines[0] >= 1 and lines[-1] <= data.count(b"\n") + 1
    assert lines[-1] > lines[0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<!DOCTYPE html><html><body></body></html>", True),
        (b"\xef\xbb\xbf  <html lang='en'>", True),
        (b"<div><p>one</p><p>two</p><p>three</p><ul><li>x</li></ul></div>", True),
        (b"Plain text with a <b> tag.", False),
        (b"%PDF-1.7\n", False),
        (b"# Markdown\n\nhttps://example.org/", False),
    ],
)
def test_sniff(data: bytes, expected: bool) -> None:
    assert html.sniff(data) is expected


def test_garbage_bytes_do_not_crash() -> None:
    ex = html.extract(bytes(range(256)) * 4, OPTIONS)
    assert ex.citations == []


def test_a_schemeless_address_printed_in_a_link_to_another_is_its_label() -> None:
    # MLA 9 prints URLs without "https://", often shortened: the link's target is cited.
    page = (
        b"<ul><li>Troy University. <a href='https://www.troy.edu/_assets/p/program.pdf'>"
        b"troy.edu/assets/p/program.pdf</a></li>"
        b"<li>Freepik, <a href='https://www.freepik.com/tech'>freepik.com/tech</a>."
        b" Accessed 16 Nov. 2023.</li>"
        # Outside any link a scheme-less address is still cited as printed.
        b"<li>Blog. example.org/post. Accessed 3 Mar. 2023.</li>"
        # A printed address that differs from its target only by a trailing %20 stays the printed one.
        b"<li>Site, <a href='https://example.net/a%20'>https://example.net/a</a></li></ul>"
    )
    found = {(c.url, c.accessed) for c in html.extract(page, OPTIONS).citations}
    assert found == {
        ("https://www.troy.edu/_assets/p/program.pdf", None),
        ("https://www.freepik.com/tech", dt.date(2023, 11, 16)),
        ("http://example.org/post", dt.date(2023, 3, 3)),
        ("https://example.net/a", None),
    }


def test_href_keeps_the_question_mark_it_ends_with() -> None:
    page = (
        b"<html><body><ul>"
        b'<li>Advisory. <a href="http://www.x.example/TEN.shtml?">archive</a>. Accessed 3 May 2021.</li>'
        b"<li>In prose: http://www.x.example/prose.shtml? Accessed 4 May 2021.</li>"
        b"</ul></body></html>"
    )
    found = {c.url: c.accessed for c in html.extract(page, OPTIONS).citations}
    assert found == {
        "http://www.x.example/TEN.shtml?": dt.date(2021, 5, 3),
        "http://www.x.example/prose.shtml": dt.date(2021, 5, 4),
    }
