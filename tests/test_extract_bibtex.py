"""BibTeX/biblatex extraction: every URL field, every accessed-on field, broken input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from linkcheck.extract import bibtex
from linkcheck.models import Citation, ExtractOptions

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = dt.date(2024, 1, 1)
OPTIONS = ExtractOptions(today=TODAY)


def _by_url(citations: list[Citation]) -> dict[str, Citation]:
    return {c.url: c for c in citations}


@pytest.fixture(scope="module")
def variants() -> str:
    return (FIXTURES / "bibtex_field_variants.bib").read_text(encoding="utf-8")


def test_url_and_urldate(variants: str) -> None:
    c = _by_url(bibtex.extract(variants, OPTIONS).citations)["https://www.who.int/data/gho"]
    assert c.accessed == dt.date(2019, 3, 3)
    assert c.line == 9
    assert c.title == "Global Health Observatory"
    # @string macros are resolved in the rendered entry.
    assert c.text.startswith("World Health Organization. Global Health Observatory. 2019.")


def test_howpublished_url_macro_is_unescaped_and_note_gives_the_date(variants: str) -> None:
    c = _by_url(bibtex.extract(variants, OPTIONS).citations)["https://example.org/caf_bars?x=1&y=2"]
    assert c.cited == "https://example.org/caf_bars?x=1&y=2"
    assert c.accessed == dt.date(2019, 3, 3)  # "[Online; accessed 3-March-2019]"
    assert c.title == "Cafés & Bars in Zürich"
    assert "Müller, Jörg, François, Ana" in c.text
    assert c.line == 17


def test_url_in_note_with_accessed_phrase(variants: str) -> None:
    c = _by_url(bibtex.extract(variants, OPTIONS).citations)[
        "http://www.health.org.uk/publication/clear-road-ahead"
    ]
    assert c.accessed == dt.date(2017, 9, 8)
    assert c.line == 24


def test_howpublished_plain_url_and_lastchecked(variants: str) -> None:
    c = _by_url(bibtex.extract(variants, OPTIONS).citations)["https://project.example.net/home"]
    assert c.accessed == dt.date(2020, 5, 12)


def test_url_wrapped_over_lines_is_joined_and_unescaped(variants: str) -> None:
    url = "https://data.example.com/very/long/path/that/was/wrapped/report%202021.pdf"
    c = _by_url(bibtex.extract(variants, OPTIONS).citations)[url]
    assert c.accessed == dt.date(2021, 6, 1)  # the `accessed` field
    assert c.line == 35


def test_entry_without_date_and_partial_date_have_none(variants: str) -> None:
    found = _by_url(bibtex.extract(variants, OPTIONS).citations)
    assert found["https://journal.example.org/article/7"].accessed is None
    assert found["https://month.example.com/page"].accessed is None


def test_impossible_date_is_a_note_and_none(variants: str) -> None:
    result = bibtex.extract(variants, OPTIONS)
    assert _by_url(result.citations)["https://future.example.com/"].accessed is None
    assert any("2099-01-01" in n and "future" in n for n in result.notes)


def test_doi_only_with_include_dois_and_no_url(variants: str) -> None:
    without = {c.url for c in bibtex.extract(variants, OPTIONS).citations}
    with_dois = {
        c.url for c in bibtex.extract(variants, ExtractOptions(today=TODAY, include_dois=True)).citations
    }
    assert "https://doi.org/10.1000/xyz123" not in without
    assert with_dois - without == {"https://doi.org/10.1000/xyz123"}
    # The entry that has a URL does not also cite its DOI.
    assert "https://doi.org/10.1000/abc" not in with_dois


def test_string_comment_preamble_are_not_entries(variants: str) -> None:
    result = bibtex.extract(variants, OPTIONS)
    assert result.format == "bibtex"
    assert len(result.citations) == 8


def test_one_broken_entry_loses_only_itself() -> None:
    text = (FIXTURES / "bibtex_broken_entry.bib").read_text(encoding="utf-8")
    result = bibtex.extract(text, OPTIONS)
    assert [(c.url, c.accessed, c.line) for c in result.citations] == [
        ("https://one.example.org/", dt.date(2020, 1, 2), 3),
        ("https://two.example.org/page", dt.date(2020, 1, 3), 13),
    ]
    assert any("line 7" in n for n in result.notes)


def test_not_bibtex_raises() -> None:
    with pytest.raises(ValueError, match="not valid BibTeX"):
        bibtex.extract("Just a plain note.\nhttps://example.org/\n", OPTIONS)


def test_empty_and_comment_only_files_yield_nothing() -> None:
    assert bibtex.extract("", OPTIONS).citations == []
    assert bibtex.extract("% only a comment\n@comment{nothing here}\n", OPTIONS).citations == []


def test_url_written_in_abstract_of_a_record_without_url_is_cited_without_the_date() -> None:
    text = "@book{b,\n title={B},\n urldate={2020-01-01},\n abstract={See www.oup.com/us/b for more}\n}\n"
    [c] = bibtex.extract(text, OPTIONS).citations
    assert (c.url, c.accessed, c.line) == ("http://www.oup.com/us/b", None, 4)


def test_urls_in_abstract_and_rights_are_not_cited() -> None:
    # A reference manager's abstract (a video's description with its shop and social links)
    # and licence are printed by no style: only the record's url is cited, with its date.
    text = (
        "@online{v,\n title={Quaternions},\n url={https://example.org/watch/v1},\n"
        " urldate={2021-05-04},\n abstract={Shop: https://shop.example.net/x\n"
        "Twitter: https://twitter.example/someone},\n rights={http://creativecommons.org/licenses/by/3.0/}\n}\n"
    )
    found = [(c.url, c.accessed) for c in bibtex.extract(text, OPTIONS).citations]
    assert found == [("https://example.org/watch/v1", dt.date(2021, 5, 4))]


def test_zotero_copyright_field_is_not_cited() -> None:
    # Zotero's BibTeX export writes the item's Rights as `copyright`: a licence, not a source.
    text = (
        "@book{b,\n title={Livre},\n copyright={https://www.licences.example/12554},\n"
        " url={https://books.example.org/ulm/8607},\n urldate={2023-03-02}\n}\n"
    )
    found = [(c.url, c.accessed) for c in bibtex.extract(text, OPTIONS).citations]
    assert found == [("https://books.example.org/ulm/8607", dt.date(2023, 3, 2))]


def test_field_disabled_with_opt_prefix_is_not_cited() -> None:
    # JabRef and Emacs bibtex-mode switch a field off by prefixing "OPT": no style prints it.
    text = (
        "@inproceedings{p,\n title={Paper},\n url={https://example.org/paper},\n"
        " OPTurl = {http://dl.example.org/citation.cfm?id=1},\n OPTnumpages = {15}\n}\n"
        "@misc{q,\n title={Only disabled},\n OPTurl = {http://dl.example.org/citation.cfm?id=2}\n}\n"
    )
    assert {c.url for c in bibtex.extract(text, OPTIONS).citations} == {"https://example.org/paper"}


def test_archive_url_in_note_gets_no_date() -> None:
    text = (
        "@online{a,\n url={https://example.org/x},\n urldate={2020-01-01},\n"
        " note={Archived at \\url{https://web.archive.org/web/2020/https://example.org/x}}\n}\n"
    )
    found = _by_url(bibtex.extract(text, OPTIONS).citations)
    assert found["https://example.org/x"].accessed == dt.date(2020, 1, 1)
    assert found["https://web.archive.org/web/2020/https://example.org/x"].accessed is None


def test_archive_url_as_the_records_only_address_takes_its_date() -> None:
    # No original beside it: the copy is the address the record gives, and what was read.
    text = (
        "@misc{a,\n title={Forum},\n"
        " howpublished={\\url{https://web.archive.org/web/2009/http://forum.example.com/t?id=1}},\n"
        " note={(Archived) Last accessed 2021-09-23}\n}\n"
    )
    (c,) = bibtex.extract(text, OPTIONS).citations
    assert c.url == "https://web.archive.org/web/2009/http://forum.example.com/t?id=1"
    assert c.accessed == dt.date(2021, 9, 23)


def test_detex() -> None:
    assert bibtex.detex(r"Caf{\'e} \& {Z}{\"u}rich") == "Café & Zürich"
    assert bibtex.detex(r"\emph{Big} data --- Stra{\ss}e, \v{S}koda") == "Big data — Straße, Škoda"


def test_sniff(variants: str) -> None:
    assert bibtex.sniff(variants)
    assert not bibtex.sniff("Dear reader, email me @ home.\n")
    assert not bibtex.sniff("TY  - JOUR\nUR  - https://x.org\nER  - \n")


def test_online_stand_note_and_polish_date_before_the_url_date_the_entry() -> None:
    text = (
        '@misc{w,\n title="Graph",\n howpublished="\\url{https://de.example.org/w/index.php?oldid=1}",\n'
        ' note="[Online; Stand 11. September 2011]"\n}\n'
        "@misc{e,\n title={ENI},\n howpublished={Dostęp zdalny (24.01.2023): \\url{https://example.org/e.pdf}}\n}\n"
        "@misc{t,\n title={ODA},\n url={https://example.org/oda/},\n note={Dostęp online: 07.02.2023}\n}\n"
    )
    found = {c.url: c.accessed for c in bibtex.extract(text, OPTIONS).citations}
    assert found == {
        "https://de.example.org/w/index.php?oldid=1": dt.date(2011, 9, 11),
        "https://example.org/e.pdf": dt.date(2023, 1, 24),
        "https://example.org/oda/": dt.date(2023, 2, 7),
    }


def test_url_field_keeps_the_full_stop_or_bang_it_ends_with() -> None:
    # The field holds the address alone: its last character is the address's own.
    text = (
        "@misc{a,\n url={https://en.example.org/wiki/Great_Game!}\n}\n"
        "@misc{b,\n url={https://example.org/gota/#:~:text=por%20cada%201%2C000%20personas.}\n}\n"
        "@misc{c,\n title={C},\n note={See https://example.org/c.}\n}\n"
    )
    found = {c.url for c in bibtex.extract(text, OPTIONS).citations}
    assert found == {
        "https://en.example.org/wiki/Great_Game!",
        "https://example.org/gota/#:~:text=por%20cada%201%2C000%20personas.",
        "https://example.org/c",
    }


def test_urldate_with_the_slavic_year_word_after_it() -> None:
    # Polish "r." (roku), Russian "г." and Ukrainian "р." say the number before them is a year.
    text = (
        "@online{a,\n url={https://example.org/a},\n urldate={24.03.23 r.}\n}\n"
        "@online{b,\n url={https://example.org/b},\n urldate={5.11.2022 r.}\n}\n"
        "@online{c,\n url={https://example.org/c},\n urldate={25 апреля 2010 г.}\n}\n"
        "@online{d,\n url={https://example.org/d},\n urldate={Use the date of access}\n}\n"
    )
    result = bibtex.extract(text, OPTIONS)
    assert {c.url: c.accessed for c in result.citations} == {
        "https://example.org/a": dt.date(2023, 3, 24),
        "https://example.org/b": dt.date(2022, 11, 5),
        "https://example.org/c": dt.date(2010, 4, 25),
        "https://example.org/d": None,
    }
    # A placeholder is not a date, and says so; the year words are read silently.
    assert (
        [n for n in result.notes if "is not a date" in n]
        == [n for n in result.notes if "Use the date of access" in n]
        != []
    )


def test_url_broken_by_hand_over_two_texttt_at_a_line_break_is_one_url() -> None:
    text = (
        "@manual{a,\n note={\\\\\\texttt{https://example.org/sites/files/documentation/}"
        "\\\\\\texttt{0a-ex\\_datasheet\\_en.pdf}}\n}\n"
        "@manual{b,\n note={\\texttt{https://example.org/b.pdf}\\\\\\texttt{https://example.org/c.pdf}}\n}\n"
        "@manual{d,\n note={\\texttt{Model 4}\\\\\\texttt{https://example.org/d.pdf}}\n}\n"
    )
    found = {c.url for c in bibtex.extract(text, OPTIONS).citations}
    assert found == {
        "https://example.org/sites/files/documentation/0a-ex_datasheet_en.pdf",
        # Two URLs, each with its scheme, are two; nor is a label before a URL part of it.
        "https://example.org/b.pdf",
        "https://example.org/c.pdf",
        "https://example.org/d.pdf",
    }


def test_field_commented_out_with_a_percent_sign_is_not_cited() -> None:
    text = (
        "@online{a,\n author={A},\n % url = {https://example.org/old.jpg},\n urldate={2023-03-24}\n}\n"
        "@online{b,\n url={https://example.org/b},\n %urldate = {2023-03-24}\n}\n"
    )
    assert {c.url: c.accessed for c in bibtex.extract(text, OPTIONS).citations} == {
        "https://example.org/b": None
    }


def test_dblp_ee_field_is_not_cited() -> None:
    text = (
        "@inproceedings{conf/x/A11,\n biburl = {http://www.bibsonomy.example/bibtex/2/dblp},\n"
        " ee = {http://dx.doi.org/10.1109/X.2011.1},\n"
        " url = {http://dblp.example/db/conf/x/x2011.html#A11},\n year = 2011\n}\n"
    )
    assert [c.url for c in bibtex.extract(text, OPTIONS).citations] == [
        "http://dblp.example/db/conf/x/x2011.html#A11"
    ]


def test_entry_cut_off_by_the_files_end_is_read_as_if_closed() -> None:
    text = (
        "@misc{a,\n url={https://example.org/a},\n urldate={2023-02-05}\n}\n\n"
        "@misc{gob2021,\n  author = {CONADI},\n  year = {2021},\n"
        "  note = {Recuperado el 5 de febrero de 2023, de \\url{https://example.org/ley/}}\n"
    )
    result = bibtex.extract(text, OPTIONS)
    assert {c.url: (c.accessed, c.line) for c in result.citations} == {
        "https://example.org/a": (dt.date(2023, 2, 5), 2),
        "https://example.org/ley/": (dt.date(2023, 2, 5), 9),
    }
    assert any("the file ends inside a BibTeX entry" in n for n in result.notes)


def test_unclosed_entry_before_another_is_still_skipped() -> None:
    # Not at the file's end: where the entry ends is unknown, and the parser's rule stands.
    text = "@misc{a,\n note = {\\url{https://example.org/a}\n\n@misc{b,\n url={https://example.org/b}\n}\n"
    result = bibtex.extract(text, OPTIONS)
    assert "https://example.org/a" not in {c.url for c in result.citations}
