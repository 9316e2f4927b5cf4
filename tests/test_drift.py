"""Content drift as pure functions: main text, normalising, fingerprints, similarity, evidence.

The calibration pairs of docs/drift.md are asserted here: each must be judged the change it
was labelled with, so a change of extraction or threshold that moves one is caught.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkcheck import drift
from linkcheck.drift import Change
from linkcheck.store.drift import pack, unpack
from tests.drift_pairs import CITED, PAIRS, ROT, Pair


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_calibration_pairs_are_judged_as_labelled(pair: Pair) -> None:
    a = drift.fingerprint(pair.cited, "text/html; charset=utf-8")
    b = drift.fingerprint(pair.later, "text/html; charset=utf-8")
    assert a is not None and b is not None
    score, change = drift.compare(a, b)
    assert change == pair.expected, score
    assert 0.0 <= score <= 1.0


def test_the_threshold_sits_in_the_gap_between_edits_and_other_articles() -> None:
    scores = {}
    for pair in PAIRS:
        a, b = drift.fingerprint(pair.cited, "text/html"), drift.fingerprint(pair.later, "text/html")
        assert a is not None and b is not None
        scores[pair.name] = (drift.compare(a, b)[0], pair.expected)
    lowest_edit = min(s for s, e in scores.values() if e != "material")
    highest_other = max(s for s, e in scores.values() if e == "material")
    # A margin on both sides: neither kind of pair is within 0.2 of the threshold.
    assert highest_other + 0.2 < drift.MATERIAL_BELOW < lowest_edit - 0.2


def test_boilerplate_is_not_main_text() -> None:
    found = drift.main_text(CITED, "text/html")
    assert found is not None
    text, title = found
    assert "Copyright" not in text and "About" not in text.split()
    assert text.count("scholar cites a web page") == 1
    assert title == "Reference rot | Library Notes"  # the <title>, as the site wrote it


def test_plain_text_is_its_own_main_text_and_other_types_have_none() -> None:
    assert drift.main_text(b"Just some words.", "text/plain; charset=utf-8") == ("Just some words.", None)
    assert drift.main_text(b"%PDF-1.7 ...", "application/pdf") is None
    assert drift.main_text(b"\x89PNG", None) is None
    assert drift.fingerprint(b"%PDF-1.7", "application/pdf") is None


def test_a_page_without_an_article_still_has_a_fingerprint() -> None:
    body = b"<html><head><title>Links</title></head><body><a href=/a>One</a> <a href=/b>Two</a></body></html>"
    fp = drift.fingerprint(body, "text/html")
    assert fp is not None and fp.words >= 2 and fp.title == "Links"


def test_the_charset_of_the_content_type_is_used_for_plain_text() -> None:
    found = drift.main_text("Grüße aus Köln".encode("latin-1"), "text/plain; charset=iso-8859-1")
    assert found == ("Grüße aus Köln", None)


@pytest.mark.parametrize(
    "stamp",
    [
        "Last updated on Tuesday 12 March 2024, 10:45 am",
        "Published 8 September 2017",
        "Posted: 2024-03-12T10:45:00Z",
        "Updated March 12, 2024",
        "12/03/2024",
        "3 days ago",
    ],
)
def test_date_lines_are_dropped(stamp: str) -> None:
    assert drift.normalise(f"The Title\n{stamp}\nBody text here.") == ["the", "title", "body", "text", "here"]


def test_normalising_keeps_numbers_that_are_not_dates_and_folds_case() -> None:
    assert drift.normalise("One link in 5 was DEAD by 2023; Straße") == [
        "one", "link", "in", "5", "was", "dead", "by", "2023", "strasse"
    ]  # fmt: skip


def test_a_date_inside_a_sentence_goes_but_the_sentence_stays() -> None:
    words = drift.normalise("The report, published on 8 September 2017 by the trust, says more than most.")
    assert "2017" not in words and "september" not in words
    assert words[:4] == ["the", "report", "published", "on"] and "trust" in words


def test_equal_normalised_texts_have_equal_fingerprints() -> None:
    a = drift.fingerprint_text("Hello, World!\nPublished 3 May 2017", "T")
    b = drift.fingerprint_text("hello world", None)
    assert a.sha256 == b.sha256 and a.simhash == b.simhash and a.words == b.words == 2


def test_simhash_of_near_duplicates_is_near_and_of_others_far() -> None:
    a = drift.fingerprint_text(" ".join(ROT))
    same = drift.fingerprint_text(" ".join(ROT))
    other = drift.fingerprint_text("an entirely different text about growing beans " * 20)
    assert drift.hamming(a.simhash, same.simhash) == 0
    assert drift.hamming(a.simhash, other.simhash) > drift.SIMHASH_NEAR
    assert -(2**63) <= a.simhash < 2**63  # fits SQLite's INTEGER


def test_similarity_edges() -> None:
    assert drift.similarity("a b c d", "a b c d") == 1.0
    assert drift.similarity("a b c d", "e f g h") == 0.0
    assert drift.similarity("", "a b c") == 0.0
    assert drift.similarity("a b", "a b") == 1.0
    assert drift.similarity("a b", "a c") == 0.0  # short texts compare whole


@given(st.lists(st.sampled_from("abcdefgh"), max_size=30), st.lists(st.sampled_from("abcdefgh"), max_size=30))
def test_similarity_is_a_symmetric_score_between_0_and_1(a: list[str], b: list[str]) -> None:
    x, y = " ".join(a), " ".join(b)
    s = drift.similarity(x, y)
    assert 0.0 <= s <= 1.0
    assert s == drift.similarity(y, x)
    assert drift.similarity(x, x) == 1.0


def test_assess() -> None:
    assert drift.assess(1.0, 300, 300) is Change.NONE
    assert drift.assess(0.99, 300, 300) is Change.MINOR
    assert drift.assess(drift.MATERIAL_BELOW, 300, 300) is Change.MINOR
    assert drift.assess(drift.MATERIAL_BELOW - 0.01, 300, 300) is Change.MATERIAL
    # A page that kept under 15% of its words is a stub whatever its score.
    assert drift.assess(0.9, 300, 40) is Change.MATERIAL
    assert drift.assess(0.9, 300, 50) is Change.MINOR


@pytest.mark.parametrize(
    ("cited", "live", "expected"),
    [
        ("Reference rot", ("Reference rot | Library Notes", None), True),
        ("Reference Rot in Scholarly Articles", (None, "Reference rot in articles"), True),
        ("Reference rot", ("Allotments", "Growing beans"), False),
        (None, ("Anything",), None),
        ("Reference rot", (None, None), None),
    ],
)
def test_title_matches(cited: str | None, live: tuple[str | None, ...], expected: bool | None) -> None:
    assert drift.title_matches(cited, *live) is expected


def test_modified_after() -> None:
    accessed = dt.date(2017, 9, 8)
    assert drift.modified_after("Wed, 01 Jul 2020 10:00:00 GMT", accessed) is True
    assert drift.modified_after("Fri, 01 Sep 2017 10:00:00 GMT", accessed) is False
    assert drift.modified_after("not a date", accessed) is None
    assert drift.modified_after(None, accessed) is None
    assert drift.modified_after("Wed, 01 Jul 2020 10:00:00 GMT", None) is None


def test_texts_pack_and_unpack() -> None:
    text = " ".join(ROT)
    assert unpack(pack(text)) == text
    assert len(pack(text)) < len(text)


def test_fingerprints_from_a_worker_process_equal_those_made_in_place() -> None:
    from linkcheck.check.content import Fingerprinter
    from linkcheck.check.worker import ContentWorker

    html = (
        b"<html><head><title>T</title></head><body><nav>Home | About</nav><article><h1>Whales</h1>"
        + b"<p>Whaling science was long disputed by the commission and its members. </p>" * 20
        + b"</article></body></html>"
    )
    expected = drift.fingerprint(html, "text/html")

    async def both() -> list[drift.Fingerprint | None]:
        worker = ContentWorker()
        try:
            return [await Fingerprinter(worker)(html, "text/html"), await Fingerprinter()(html, "text/html")]
        finally:
            await worker.close()

    assert asyncio.run(both()) == [expected, expected]
