"""Tests for linkcheck.extract.dates: accessed-on phrases in text and standalone date strings."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.extract.dates import DateMention, date_problem, find_accessed, parse_date
from linkcheck.models import DateOrder

TODAY = dt.date(2026, 5, 1)
D = dt.date


def only(text: str, order: DateOrder = DateOrder.DMY) -> DateMention:
    """The single mention in ``text``, with its span checked against the text."""
    mentions = find_accessed(text, order, today=TODAY)
    assert len(mentions) == 1, mentions
    m = mentions[0]
    assert text[m.start : m.end] == m.raw
    return m


# (text, expected date, a keyword the span must contain, the date text the span must contain)
STYLES = [
    # English
    ("Available at: u.org (accessed on 8 September 2017).", D(2017, 9, 8), "accessed on", "8 September 2017"),
    ("u.org. Accessed 3 Mar. 2019.", D(2019, 3, 3), "Accessed", "3 Mar. 2019"),
    ("Available at: u.org (Accessed: 20 April 2026).", D(2026, 4, 20), "Accessed:", "20 April 2026"),
    ("u.org, last accessed 5 June 2020", D(2020, 6, 5), "last accessed", "5 June 2020"),
    ("u.org. Date accessed: 5 June 2020", D(2020, 6, 5), "Date accessed", "5 June 2020"),
    ("u.org. Date of access: 5 June 2020", D(2020, 6, 5), "Date of access", "5 June 2020"),
    ("u.org (viewed 5 June 2020)", D(2020, 6, 5), "viewed", "5 June 2020"),
    ("u.org, viewed on 5 June 2020", D(2020, 6, 5), "viewed on", "5 June 2020"),
    ("Retrieved March 3, 2019, from u.org", D(2019, 3, 3), "Retrieved", "March 3, 2019"),
    ("u.org. Retrieved on 2013-08-17.", D(2013, 8, 17), "Retrieved on", "2013-08-17"),
    ("Available from: u.org [Accessed 3rd March 2019]", D(2019, 3, 3), "Accessed", "3rd March 2019"),
    ("Available from: u.org [Accessed 1st May 2019]", D(2019, 5, 1), "Accessed", "1st May 2019"),
    ("Available from: u.org [Accessed 2nd May 2019]", D(2019, 5, 2), "Accessed", "2nd May 2019"),
    ("Available from: u.org [Accessed 4th May 2019]", D(2019, 5, 4), "Accessed", "4th May 2019"),
    ("u.org (accessed 2019-03-03)", D(2019, 3, 3), "accessed", "2019-03-03"),
    ("u.org accessed: 03/03/2019", D(2019, 3, 3), "accessed:", "03/03/2019"),
    ("J; 2019 [cited 2017 Sep 20]. Available from: u.org", D(2017, 9, 20), "cited", "2017 Sep 20"),
    ("J; 2019 [cited 20 Sep 2017]. Available from: u.org", D(2017, 9, 20), "cited", "20 Sep 2017"),
    ("J; 2019 [accessed 2017 Sep 20]. Available from: u.org", D(2017, 9, 20), "accessed", "2017 Sep 20"),
    # German
    ("u.de, abgerufen am 3. März 2019.", D(2019, 3, 3), "abgerufen am", "3. März 2019"),
    ("u.de (Zugriff am 03.03.2019)", D(2019, 3, 3), "Zugriff am", "03.03.2019"),
    ("u.de, zuletzt abgerufen am 3. Maerz 2019", D(2019, 3, 3), "zuletzt abgerufen am", "3. Maerz 2019"),
    ("u.de, Zugriff: 3.3.2019", D(2019, 3, 3), "Zugriff:", "3.3.2019"),
    ("u.de, aufgerufen am 3. Mär. 2019", D(2019, 3, 3), "aufgerufen am", "3. Mär. 2019"),
    # French
    ("« Titre ». Consulté le 3 mars 2019. u.fr", D(2019, 3, 3), "Consulté le", "3 mars 2019"),
    ("« Titre ». Consulté le 1er mars 2019. u.fr", D(2019, 3, 1), "Consulté le", "1er mars 2019"),
    ("u.fr, date de consultation : 2 février 2017", D(2017, 2, 2), "date de consultation", "2 février 2017"),
    ("u.fr, date de consultation : 2 fevrier 2017", D(2017, 2, 2), "date de consultation", "2 fevrier 2017"),
    ("u.fr (consulté le 3/3/2019)", D(2019, 3, 3), "consulté le", "3/3/2019"),
    ("u.fr [consulté le 7 août 2019]", D(2019, 8, 7), "consulté le", "7 août 2019"),
    # Spanish
    ("u.es, consultado el 3 de marzo de 2019", D(2019, 3, 3), "consultado el", "3 de marzo de 2019"),
    ("u.es. Fecha de consulta: 3 de marzo de 2019", D(2019, 3, 3), "Fecha de consulta", "3 de marzo de 2019"),
    ("Recuperado el 3 de marzo de 2019, de u.es", D(2019, 3, 3), "Recuperado el", "3 de marzo de 2019"),
    ("u.es, accedido el 3 de marzo de 2019", D(2019, 3, 3), "accedido el", "3 de marzo de 2019"),
    # Dutch
    ("u.nl, geraadpleegd op 3 maart 2019", D(2019, 3, 3), "geraadpleegd op", "3 maart 2019"),
    ("u.nl, bezocht op 3 mrt. 2019", D(2019, 3, 3), "bezocht op", "3 mrt. 2019"),
    ("u.nl, opgevraagd op 17 mei 2019", D(2019, 5, 17), "opgevraagd op", "17 mei 2019"),
    # Italian
    ("u.it, ultimo accesso 3 marzo 2019", D(2019, 3, 3), "ultimo accesso", "3 marzo 2019"),
    ("u.it (ultimo accesso: 03/03/2019)", D(2019, 3, 3), "ultimo accesso:", "03/03/2019"),
    ("u.it, consultato il 3 marzo 2019", D(2019, 3, 3), "consultato il", "3 marzo 2019"),
    ("u.it, accesso il 3 marzo 2019", D(2019, 3, 3), "accesso il", "3 marzo 2019"),
    ("u.it, visitato il 12 dicembre 2018", D(2018, 12, 12), "visitato il", "12 dicembre 2018"),
    # Portuguese
    ("Disponível em: u.br. Acesso em: 3 mar. 2019.", D(2019, 3, 3), "Acesso em", "3 mar. 2019"),
    ("Disponível em: u.br. Acesso em 3 mar. 2019.", D(2019, 3, 3), "Acesso em", "3 mar. 2019"),
    ("u.br, acesso em: 3 de março de 2019", D(2019, 3, 3), "acesso em:", "3 de março de 2019"),
    ("u.pt, consultado em 3 de marco de 2019", D(2019, 3, 3), "consultado em", "3 de marco de 2019"),
    ("u.pt, acedido em 9 de setembro de 2019", D(2019, 9, 9), "acedido em", "9 de setembro de 2019"),
    # Wikipedia, as rendered in wikitext and HTML
    ('"Title". Toronto Star. Retrieved 30 April 2011.', D(2011, 4, 30), "Retrieved", "30 April 2011"),
    ('"Title". Toronto Star. Retrieved April 30, 2011.', D(2011, 4, 30), "Retrieved", "April 30, 2011"),
]


@pytest.mark.parametrize(("text", "date", "keyword", "date_text"), STYLES)
def test_styles_and_languages(text: str, date: dt.date, keyword: str, date_text: str) -> None:
    m = only(text)
    assert m.date == date
    assert m.problem is None
    assert keyword in m.raw
    assert date_text in m.raw
    assert m.raw.startswith(("(", "[", keyword))


def test_span_takes_in_enclosing_brackets() -> None:
    text = "Available at: https://x.org/a (Accessed: 20 April 2026). Next"
    m = only(text)
    assert m.raw == "(Accessed: 20 April 2026)"
    assert (m.start, m.end) == (text.index("("), text.index(")") + 1)
    assert only("2019 [cited 2020 Jan 20]. Available").raw == "[cited 2020 Jan 20]"


def test_case_insensitive() -> None:
    assert only("RETRIEVED 30 APRIL 2011").date == D(2011, 4, 30)
    assert only("ABGERUFEN AM 3. MÄRZ 2019").date == D(2019, 3, 3)
    assert only("accessed 3 SEPT. 2019").date == D(2019, 9, 3)


def test_month_spellings() -> None:
    for month_text, month in [
        ("sept.", 9), ("Sept", 9), ("fevrier", 2), ("février", 2), ("févr.", 2), ("März", 3), ("Maerz", 3),
        ("Mär", 3), ("Mrz", 3), ("juil.", 7), ("Dez.", 12), ("okt", 10), ("mei", 5), ("giugno", 6),
        ("outubro", 10), ("setiembre", 9), ("aout", 8),
    ]:  # fmt: skip
        assert parse_date(f"3 {month_text} 2019") == D(2019, month, 3), month_text


def test_wrapped_phrase_across_lines() -> None:
    # MLA in HTML, with the phrase split over two blocks once tags are gone.
    m = only("wiki/Sideband. Accessed 16 \n     June 2022. ")
    assert m.date == D(2022, 6, 16)


def test_several_mentions_in_order_without_overlap() -> None:
    text = (
        "A. https://a.org (accessed 1 May 2019). B. https://b.org (accessed 2 May 2019). "
        "C. Retrieved 3 May 2019, from https://c.org"
    )
    mentions = find_accessed(text, today=TODAY)
    assert [m.date for m in mentions] == [D(2019, 5, 1), D(2019, 5, 2), D(2019, 5, 3)]
    for before, after in itertools.pairwise(mentions):
        assert before.end <= after.start


@pytest.mark.parametrize(
    "text",
    [
        "Smith J. (2017) A book. London: Press.",
        "Published 3 March 2019. https://x.org",
        "Data as of March 2019, https://x.org",
        "Updated 2 May 2020. https://x.org",
        "Archived from the original on 3 March 2019.",
        "Retrieved from https://x.org",
        "This paper was cited 12 times since 2019.",
        "Accessible to readers on 3 March 2019.",
        "The 2019 Marchetti report.",
    ],
)
def test_phrases_that_must_not_match(text: str) -> None:
    assert find_accessed(text, today=TODAY) == []


def test_publication_date_next_to_accessed_date_is_ignored() -> None:
    m = only("Smith (3 March 2019) Title. https://x.org (accessed 5 April 2020)")
    assert m.date == D(2020, 4, 5)


def test_numeric_orders() -> None:
    text = "https://x.org accessed 03/04/2019"
    assert only(text).date == D(2019, 4, 3)
    assert only(text, DateOrder.MDY).date == D(2019, 3, 4)
    # A year-last date under YMD is read day first.
    assert only(text, DateOrder.YMD).date == D(2019, 4, 3)
    assert only("accessed 3-4-2019").date == D(2019, 4, 3)
    assert only("accessed 03.04.2019", DateOrder.MDY).date == D(2019, 3, 4)
    # ISO dates are year first whatever the order.
    for order in DateOrder:
        assert only("accessed 2019-04-03", order).date == D(2019, 4, 3)
        assert only("accessed 2019/04/03", order).date == D(2019, 4, 3)


def test_numeric_fallback_to_the_only_possible_reading() -> None:
    assert only("accessed 04/23/2019").date == D(2019, 4, 23)
    assert only("accessed 23/04/2019", DateOrder.MDY).date == D(2019, 4, 23)
    assert parse_date("04/23/2019") == D(2019, 4, 23)


def test_impossible_dates_come_back_with_a_problem() -> None:
    future = only("https://x.org (accessed 1 January 2031)")
    assert future.date is None
    assert future.problem == "accessed-on date 2031-01-01 is in the future"
    early = only("https://x.org (accessed 1 February 1989)")
    assert early.date is None
    assert early.problem == "accessed-on date 1989-02-01 is before 1991"
    feb30 = only("https://x.org (accessed 30 February 2019)")
    assert feb30.date is None
    assert feb30.problem == "no such day: 30 February 2019"
    bad = only("accessed 13/13/2019")
    assert bad.date is None
    assert bad.problem is not None


def test_today_decides_the_future() -> None:
    text = "accessed 2 May 2026"
    assert find_accessed(text, today=D(2026, 5, 1))[0].date is None
    assert find_accessed(text, today=D(2026, 5, 2))[0].date == D(2026, 5, 2)


def test_partial_date_is_returned_without_a_date() -> None:
    m = only("https://x.org (accessed September 2017)")
    assert m.date is None
    assert m.problem is not None and "September 2017" in m.problem
    assert m.raw == "(accessed September 2017)"


def test_url_follows() -> None:
    assert only("Retrieved March 3, 2019, from https://x.org").url_follows
    assert only("Retrieved March 3, 2019, from https://x.org").raw == "Retrieved March 3, 2019, from"
    assert only("Recuperado el 3 de marzo de 2019, de https://x.es").url_follows
    assert only("Title. Accessed March 3, 2019, https://x.org.").url_follows
    assert only("figshare; 2019 [cited 2020 Jan 20]. Available from: https://x").url_follows
    assert only("[accessed 2017 Sep 20]. Available from: https://x").url_follows
    assert not only("https://x.org (accessed on 8 September 2017).").url_follows
    assert not only("https://x.org. Accessed 3 Mar. 2019.").url_follows
    assert not only("Title. Toronto Star. Retrieved 30 April 2011.").url_follows
    assert not only("https://x.org (accessed on 8 September 2017)\nhttps://y.org").url_follows


def test_date_problem() -> None:
    assert date_problem(D(2019, 3, 3), TODAY) is None
    assert date_problem(D(1991, 1, 1), TODAY) is None
    assert date_problem(TODAY, TODAY) is None
    assert "in the future" in (date_problem(D(2026, 5, 2), TODAY) or "")
    assert "before 1991" in (date_problem(D(1990, 12, 31), TODAY) or "")
    assert "in the future" in (date_problem(dt.date.today() + dt.timedelta(days=1)) or "")


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2017-09-08", D(2017, 9, 8)),
        ("2017-09-08T10:00:00Z", D(2017, 9, 8)),
        ("2017-09-08T10:00:00+02:00", D(2017, 9, 8)),
        ("2017-09-08 10:00", D(2017, 9, 8)),
        ("2022/07/17/", D(2022, 7, 17)),
        ("2022/07/17/10:11:12", D(2022, 7, 17)),
        ("8 September 2017", D(2017, 9, 8)),
        ("September 8, 2017", D(2017, 9, 8)),
        ("Sep 20, 2017", D(2017, 9, 20)),
        ("2017 Sep 20", D(2017, 9, 20)),
        ("20.09.2017", D(2017, 9, 20)),
        ("3 mars 2019", D(2019, 3, 3)),
        ("3. März 2019", D(2019, 3, 3)),
        ("3 de marzo de 2019", D(2019, 3, 3)),
        ("03/04/2019", D(2019, 4, 3)),
        ("  August 2, 2013 ", D(2013, 8, 2)),
        ("Monday, 8 September 2017", D(2017, 9, 8)),
    ],
)
def test_parse_date_structured_forms(text: str, date: dt.date) -> None:
    assert parse_date(text) == date


def test_parse_date_order() -> None:
    assert parse_date("03/04/2019", DateOrder.MDY) == D(2019, 3, 4)
    assert parse_date("03/04/2019", DateOrder.DMY) == D(2019, 4, 3)
    assert parse_date("2019-03-04", DateOrder.MDY) == D(2019, 3, 4)


@pytest.mark.parametrize(
    "text",
    ["", "2017", "September 2017", "2017 Sep", "2019-02-30", "31 February 2019", "13/13/2019",
     "2017-09-08 foo", "last week", "8 Septembre"],
)  # fmt: skip
def test_parse_date_rejects_partial_and_impossible(text: str) -> None:
    assert parse_date(text) is None


def test_parse_date_does_not_judge_plausibility() -> None:
    # Whether a date is a possible accessed-on date is date_problem's job.
    assert parse_date("1 February 1989") == D(1989, 2, 1)


def check_never_raises_and_spans_in_bounds(text: str, order: DateOrder) -> None:
    parse_date(text, order)
    last = 0
    for m in find_accessed(text, order, today=TODAY):
        assert last <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.raw
        assert (m.date is None) != (m.problem is None)
        last = m.end


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(list(DateOrder)))
def test_arbitrary_text_never_raises(text: str, order: DateOrder) -> None:
    check_never_raises_and_spans_in_bounds(text, order)


_FRAGMENTS = st.sampled_from(
    ["accessed ", "Retrieved ", "[cited ", "consulté le ", "acesso em: ", "(", ")", "]", ", from ", " ",
     "3 ", "31 ", "2019", "-", "/", ".", "March ", "mar. ", "de ", "1er ", "2031", "02", "\n", "ä", "https://x.org"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=25).map("".join), st.sampled_from(list(DateOrder)))
def test_date_like_text_never_raises(text: str, order: DateOrder) -> None:
    check_never_raises_and_spans_in_bounds(text, order)


def test_cited_after_another_date_in_the_same_bracket() -> None:
    text = "Cancer statistics [Internet]. 2018 [updated 2018 Apr 27; cited 2019 Sep 20]. Available from: x"
    (m,) = find_accessed(text)
    assert m.date == dt.date(2019, 9, 20)
    assert m.url_follows


def test_cited_outside_brackets_is_prose() -> None:
    assert find_accessed("As cited 2019 Sep 20 by the panel.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Year first, then the day before the month, as hand-written references put it.
        ("Retrieved 2007, 26 November.", dt.date(2007, 11, 26)),
        ("Retrieved 2010, 9 September-09.", dt.date(2010, 9, 9)),
        # Year, day, month: a middle part above 12 cannot be the month, so one reading is left.
        ("Retrieved 2010-26-08.", dt.date(2010, 8, 26)),
        ("Retrieved 2010-08-26.", dt.date(2010, 8, 26)),
        ("Retrieved 2010-13-13.", None),
    ],
)
def test_year_first_dates_with_the_day_before_the_month(text: str, expected: dt.date | None) -> None:
    [m] = find_accessed(text, DateOrder.DMY, dt.date(2026, 1, 1))
    assert m.date == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # German Wikipedia's citation helper: "[Online; Stand DATE]" is the day the page was viewed.
        ("[Online; Stand 11. September 2011]", dt.date(2011, 9, 11)),
        ("[Online; Stand 5 Dezember 2011]", dt.date(2011, 12, 5)),
        # Polish: access online, remote access with the date in parentheses.
        ("Dostęp online: 07.02.2025", dt.date(2025, 2, 7)),
        ("Dostęp zdalny (24.01.2025): https://example.org/x", dt.date(2025, 1, 24)),
    ],
)
def test_online_stand_and_polish_remote_access(text: str, expected: dt.date) -> None:
    [m] = find_accessed(text, DateOrder.DMY, dt.date(2026, 1, 1))
    assert m.date == expected


def test_stand_without_online_or_a_url_before_is_still_not_an_access() -> None:
    assert find_accessed("Bericht (Stand: 3. März 2020)", DateOrder.DMY, dt.date(2026, 1, 1)) == []
    assert find_accessed("[Druck; Stand 3. März 2020]", DateOrder.DMY, dt.date(2026, 1, 1)) == []
