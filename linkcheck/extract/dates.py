"""Accessed-on dates: finding them in reference text and parsing standalone date strings.

Two entry points:

* :func:`find_accessed` scans running text for the phrases reference styles use to mark the
  day a source was consulted ("accessed on 8 September 2017", "Retrieved March 3, 2019, from",
  "[cited 2017 Sep 20]", "consulté le 1er mars 2019", "abgerufen am 3. März 2019",
  "acesso em: 3 mar. 2019", ...) in English, German, French, Spanish, Dutch, Italian and
  Portuguese, and returns each one with its exact span so the caller can bind it to the
  nearest URL.
* :func:`parse_date` reads a date that stands alone, as in a structured field (BibTeX
  ``urldate``, RIS ``Y2``, wikitext ``access-date=``, CSL ``accessed``).

Only whole days count: a month and year alone ("September 2017") is not an accessed-on date.
Dates are matched with precompiled regular expressions and hand-written month tables rather
than a general date library, because this runs on every citation of every document and a
general parser is both slow and too willing to read a date into unrelated text.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
import unicodedata
from dataclasses import dataclass

from linkcheck.models import DateOrder, ExtractOptions

__all__ = [
    "DateMention",
    "date_problem",
    "field_date",
    "find_accessed",
    "is_accessed_heading",
    "note_date",
    "parse_date",
]

# The web did not exist before 1991, so no URL can have been accessed before then.
_EARLIEST = dt.date(1991, 1, 1)

_ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# Full names and the abbreviations reference lists use, per month, for en, de, fr, es, nl, it, pt,
# pl and ru (nominative and the genitive that dates use: "3 marca 2019", "3 марта 2019"), the
# full names of cs, ro and uk (CSL's locales print them: "17. březen 2021", "17 martie 2021"), the
# Norwegian, Danish, Swedish and Catalan forms not already there ("desember", "augusti", "març"),
# and Turkish full names ("17 Mart 2021").
# Japanese month names ("3月") are CSL's ja-JP terms, which styles may print in any date order.
# Accent-free and umlaut-as-"ae" spellings are added automatically below.
_MONTH_NAMES: dict[int, str] = {
    1: "january jan januar jänner jän janvier janv enero ene januari gennaio gen janeiro"
    " styczeń stycznia sty января январь янв ocak gener leden ledna ianuarie січень січня",
    2: "february feb febr februar feber février févr fév febrero februari febbraio fevereiro fev"
    " luty lutego lut февраля февраль фев şubat febrer únor února februarie лютий лютого",
    3: "march mar märz mär mrz mars marzo maart mrt março marzec marca марта март мар mart març"
    " březen března martie березень березня",
    4: "april apr avril avr abril abr aprile kwiecień kwietnia kwi апреля апрель апр nisan"
    " duben dubna aprilie квітень квітня",
    5: "may mai mayo mei maggio mag maio maj maja мая май mayıs maig květen května травень травня",
    6: "june jun juni juin junio giugno giu junho czerwiec czerwca cze июня июнь июн haziran juny"
    " červen června iunie червень червня",
    7: "july jul juli juillet juil julio luglio lug julho lipiec lipca lip июля июль июл temmuz juliol"
    " červenec července iulie липень липня",
    8: "august aug août agosto ago augustus sierpień sierpnia sie августа август авг ağustos agost augusti"
    " srpen srpna серпень серпня",
    9: "september sep sept septembre septiembre setiembre set sett settembre setembro"
    " wrzesień września wrz сентября сентябрь сен eylül setembre září septembrie вересень вересня",
    10: "october oct oktober okt octobre octubre ottobre ott outubro out październik października paź"
    " октября октябрь окт ekim říjen října octombrie жовтень жовтня",
    11: "november nov novembre noviembre novembro listopad listopada lis ноября ноябрь ноя kasım"
    " listopadu noiembrie листопад листопада",
    12: "december dec dezember dez décembre déc diciembre dic dicembre dezembro desember des"
    " grudzień grudnia gru декабря декабрь дек aralık desembre prosinec prosince decembrie"
    " грудень грудня",
}


def _strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _build_month_table() -> dict[str, int]:
    table: dict[str, int] = {f"{n}月": n for n in range(1, 13)}
    for number, names in _MONTH_NAMES.items():
        for name in names.split():
            plain = _strip_accents(name).replace("ı", "i")
            spellings = {name, plain, name.replace("ä", "ae").replace("ö", "oe")}
            for spelling in spellings:
                # The same spelling must never name two months across languages.
                assert table.get(spelling, number) == number, spelling
                table[spelling] = number
    return table


_MONTHS = _build_month_table()
# Longest first, so that "marzo" is tried before "mar" and "septembre" before "sept".
_MON = "(?:" + "|".join(re.escape(n) for n in sorted(_MONTHS, key=len, reverse=True)) + ")"
# A month name must end where the word ends ("Mar" is not "Marchetti"), then may carry a dot.
_MONTH = rf"(?P<mon>{_MON})(?![^\W\d_])\.?"
# Day ordinals: 1st 2nd 3rd 4th, French 1er/1re/3e, Spanish and Portuguese 1º/1.º, German "3.",
# Dutch 1ste/17de (CSL's Dutch locale prints them: "[Geraadpleegd 17de maart 2021]"), Swedish
# 17:e and Russian 17-е (CSL's sv-SE and ru-RU).
_ORD = r"(?:st|nd|rd|th|ste|de|er|re|ère|ème|e|º|°|ª|\.º|\.ª|\.|:e|-е)?"
_DAY = r"(?P<d>[0-9]{1,2})(?![0-9])"
_YEAR = r"(?P<y>[0-9]{4})(?![0-9])"

_ISO_RE = re.compile(r"(?P<y>[0-9]{4})(?P<s>[-/.])(?P<m>[0-9]{1,2})(?P=s)(?P<d>[0-9]{1,2})(?![0-9])")
_NUMERIC_RE = re.compile(
    r"(?P<a>[0-9]{1,2})\s?(?P<s>[-/.])\s?(?P<b>[0-9]{1,2})\s?(?P=s)\s?(?P<y>[0-9]{4})(?![0-9])"
)
# Day, month and year apart by spaces only, as some write after "Accessed": "[Accessed 23 04 2023]".
# A two-digit year after an accessed-on keyword: "(accessed 17/03/21)". The century is the one
# that puts the date at or before today.
_SHORT_YEAR_RE = re.compile(
    r"(?P<a>[0-9]{1,2})(?P<s>[/.])(?P<b>[0-9]{1,2})(?P=s)(?P<y>[0-9]{2})(?![0-9/.]?[0-9])"
)
_SPACED_NUMERIC_RE = re.compile(r"(?P<a>[0-9]{1,2})[ \t]+(?P<b>[0-9]{1,2})[ \t]+(?P<y>[0-9]{4})(?![0-9])")
# Word's German Chicago style puts a dot after the day only, and the year may wrap to the next
# line: "Zugriff am 01. 12 2022", "Zugriff am 14. 11\n2022".
_DAY_DOT_NUMERIC_RE = re.compile(
    r"(?P<a>[0-9]{1,2})\.[ \t]*(?P<b>[0-9]{1,2})(?:[ \t]+\n?|\n)[ \t]*(?P<y>[0-9]{4})(?![0-9])"
)
# Japanese and Chinese: 2019年3月3日.
_CJK_RE = re.compile(r"(?P<y>[0-9]{4})\s*年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*日")
# The month in Roman numerals, as Polish (and Russian, Italian) writers may date: "3 III 2020",
# "03.III.2020". Capitals only: "3 ii 2020" is not written.
_ROMAN_MONTHS = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10,
                 "XI": 11, "XII": 12}  # fmt: skip
_ROMAN_DMY_RE = re.compile(
    r"(?P<d>[0-9]{1,2})(?:\.[ \t]?|[ \t])(?P<m>XII|XI|IX|X|VIII|VII|VI|IV|V|III|II|I)(?:\.[ \t]?|[ \t])"
    r"(?P<y>[0-9]{4})(?![0-9])"
)
# Parts may stand apart by spaces, a hyphen or a slash with spaces around it: "13- Jun- 2020",
# "13 - Jun - 2020", "13/Jun/2020", and a line break may fall anywhere between them. ABNT lists
# written by hand put a comma after the day: "Acesso em: 30, agosto de 2023".
_TEXT_DMY_RE = re.compile(
    rf"{_DAY}{_ORD}\s*[-/,]?\s*(?:of\s+|de\s+)?{_MONTH}\s*[-/,]?\s*(?:del?\s+)?{_YEAR}", re.IGNORECASE
)
_TEXT_MDY_RE = re.compile(rf"{_MONTH}\s*[-/]?\s*{_DAY}(?:st|nd|rd|th)?\s*[-/,]?\s*{_YEAR}", re.IGNORECASE)
# EndNote's Vancouver output repeats the year: "[cited 2014 March 5, 2014]".
_TEXT_YMD_RE = re.compile(
    rf"{_YEAR}\s*[-/,]?\s*{_MONTH}\s*[-/]?\s*{_DAY}(?:\s*,\s*(?P=y)(?![0-9]))?", re.IGNORECASE
)
# The year first, then a comma and the day before the month, as hand-written references put
# it: "Retrieved 2007, 26 November." (the comma is required: "2007 26 November" is not read).
_TEXT_Y_DM_RE = re.compile(rf"{_YEAR},[ \t]*{_DAY}{_ORD}[ \t]+{_MONTH}", re.IGNORECASE)
# Month and year without a day: recognised only to be reported, never accepted.
_PARTIAL_RES = (
    re.compile(rf"{_MONTH}\s*,?\s*(?:del?\s+)?{_YEAR}", re.IGNORECASE),
    re.compile(rf"{_YEAR}\s+{_MONTH}(?=\s*(?:[\]).;,]|$))", re.IGNORECASE),
)

# What may follow a date in a structured field: a time, a time zone, a trailing slash or dot.
_FIELD_TAIL_RE = re.compile(
    r"(?:[T\s/,]*[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?\s*(?:Z|UTC|GMT|[+-][0-9]{2}:?[0-9]{2})?)?"
    r"\s*[/.,;]?\s*",
    re.IGNORECASE,
)
_WEEKDAY_RE = re.compile(
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+", re.IGNORECASE
)

# The accessed-on keywords, written as a trie by first letters and guarded by a look-ahead on
# the first letter: a plain alternation of some thirty phrases is tried branch by branch at every
# position of the text and was several times slower. Groups tell the kind of phrase: "retrieved"
# (APA, Wikipedia; the URL may follow after "from"), "cited" (Vancouver, "[cited ...]"; the URL
# follows) or a plain accessed-on keyword. Words such as "last", "zuletzt", "date de" that may
# precede a keyword are taken in afterwards by _PREFIX_RE.
_KEYWORD_RE = re.compile(
    r"""(?=[abcdeghkloprstvwzåдпиц閲ア参引])(?<![^\W\d_\u3040-\u30ff\u3400-\u9fff])
    (?:
      (?P<retrieved>retrieved|recuperad[oa]|verkregen|opgehaald|получено  # + biblatex-apa, Word: nl ru
        |r[ée]cup[ée]r[ée]e?|tratt[oa]                                   # Word: fr it
        |z[íi]sk[áa]no|preluat)                                          # APA in cs, ro
    | (?P<stand>stand)                                                   # de, see _URL_JUST_BEFORE
    | (?P<cited>cited|zitiert|cit[ée]|citad[oa]|citat[oa]?|geciteerd|cytowan[eoy]|citov[áa]no?|citert
        |sitert|cit\.|viitattu|citerad|citirano|цитируется(?:\s+по)?|цит\.(?:\s+за)?|引用)  # sv hr ru uk ja
    | (?P<accessed>
        ac(?:c(?:ess(?:[ \t-]?date|ed|o)?|eso|[eè]s|edid[oa]|[ée]d[ée])|e(?:ss(?:o|ad[oa])|did[oa]))  # en fr
      | consult(?:ée?|ee?|ed|ad[oa]|at[oa]?|ation|azione|a|\.)(?:\s+en\s+ligne)?        # fr es it pt ca ro
      | vi(?:ewed|sit(?:ed|ad[oa]|at[oa]|ée?|a))                                         # en es it pt fr
      | downloaded|descargad[oa]|verified|checked|verificat[oa]                       # en es it
      | a(?:b(?:gerufen|rufdatum|ruf)|ufgerufen)                                         # de
      | zugriff(?:sdatum)?|zugegriffen|gesehen
      | lien\s+valide                                                                    # fr
      | accesat                                                                          # ro
      | gepr(?:ü|ue|u)ft
      | be(?:sucht|zocht|keken)                                                          # de nl
      | geraadpleegd|opgevraagd|raadpleging                                              # nl
      | hent(?:et|a)|h[äa]mtad|h[äa]mtat|åpnet|vitja|åtkomstdatum|sjekk(?:et|a)             # nb nn da sv
      | dost[eę]p(?:u|n[ya])?|pobrano|odczyt(?:u)?                                       # pl
      | recuperat[oa]|obtid[oa]                                                          # it pt
      | pogledano|pose[ćc]eno|посећено|citovan[éeá]|vaadatud|tikrinta|el[ée]r[ée]s\s+d[áa]tuma  # biblatex
      | vid[ěe]no|data\s+acces[ăa]rii                                                   # CSL: cs ro
      | (?<=\[)vid\.                              # CSL cs, short: "[vid. 2021-03-17]" (not Swedish "vid")
      | дата\s+(?:на\s+посещение|звернення|зверн\.|обр\.)                                   # bg uk ru
      | дата\s+(?:обращения|доступа)|проверено|просмотрено|извлечено                       # ru
      | 閲覧日?|アクセス日?|参照日?                                                        # ja
      | eri[şs]im(?:\s+tarihi)?|eri[şs]ildi                                              # tr
      | k[äa]yty|luettu                                                                   # fi
      | (?<=[.?!"”»)]\s)(?-i:Web)\.(?=[ \t]+\d)  # MLA 7's medium, then the access: ". Web. 31 Oct. 2012."
      )
    )
    (?![^\W\d_\u3040-\u30ff\u3400-\u9fff])""",
    re.IGNORECASE | re.VERBOSE,
)
# The keywords that begin with "t" ("tratto", "tikrinta") are few, and letting every "t" of a text
# into the alternation made the scan half as slow again; texts without them are scanned without.
# So with MLA 7's "Web." before a date and every "w".
_T_WORDS_RE = re.compile(r"tratt|tikrint", re.IGNORECASE)
_W_WORDS_RE = re.compile(r"Web\.[ \t]+\d")
_GUARD = "(?=[abcdeghkloprstvwz"


def _without(letters: str) -> re.Pattern[str]:
    guard = _GUARD
    for letter in letters:
        guard = guard.replace(letter, "", 1)
    pattern = _KEYWORD_RE.pattern.replace(_GUARD, guard, 1)
    assert pattern != _KEYWORD_RE.pattern
    return re.compile(pattern, _KEYWORD_RE.flags)


# By (has a "t" keyword, has a "w" keyword).
_KEYWORDS_BY_LETTERS = {
    (True, True): _KEYWORD_RE,
    (False, True): _without("t"),
    (True, False): _without("w"),
    (False, False): _without("tw"),
}
# (Japanese writes no spaces between words: a keyword there may stand right after or before
# other letters, "最終閲覧日：", "参照日", so CJK letters do not count as a word going on.)
# Keywords that are accessed-on keywords only after a prefix: "date of access", "last access",
# "date de consultation", "fecha de consulta", "data di consultazione", "ultima visita".
_NEEDS_PREFIX = frozenset({"access", "consultation", "consulta", "consultazione", "visita"})
# ... or before "on"/"in": "Access on: 17 March 2021" (ABNT in English), "Access in 3 May 2019".
_ACCESS_ON_RE = re.compile(r"\s+(?:on|in)\b", re.IGNORECASE)
_PREFIX_RE = re.compile(
    r"(?<![^\W\d_])(?:last|first|date(?:\s+of)?|zuletzt|letzter|dernier|derni[eè]re|[uú]ltim[oa]|laatst"
    r"|page|seite|p[aá]gina"
    r"|date\s+de|date\s+d'|fecha\s+de(?:l)?|data\s+(?:di|de|do|della)|data\s+dell'|datum(?:\s+van)?)\s*$",
    re.IGNORECASE,
)
# The words that join keyword and date: "on", "am", "le", "el", "il", "em", "op", a colon; Portuguese
# "acedido a", Polish "dostęp z dnia" / "w dniu", Italian "consultato in data" / "accesso
# effettuato il" / biblatex's "visitato il giorno", Galician "accedido en", Romanian "accesat în"
# and "preluat pe".
_GAP_RE = re.compile(
    r"(?:\s*[:：=])?(?:\s+(?:in\s+data|effettuat[oa](?:\s+(?:il|in\s+data))?|il\s+giorno|z\s+dnia|w\s+dniu"
    r"|dnia|on|in|în|pe|the|am|le|el|il|em|en|op|den|au|la|a)(?![^\W\d_]))?\s*[:：,\-–—]?\s*"
    # Polish "Dostęp online: 07.02.2025" and "Dostęp zdalny (24.01.2025): URL" (remote access).
    r"(?:(?<=\s)(?:online|zdalny)[ \t]*(?::[ \t]*|\()?)?",
    re.IGNORECASE,
)
# APA "Retrieved March 3, 2019, from URL"; Spanish "recuperado el 3 de marzo de 2019, de URL",
# German "Abgerufen 17. März 2021, von URL", French "Consulté 17 mars 2021, à l'adresse URL",
# and the "from" of biblatex-apa's other languages: "Zugriff am DATE unter URL", "hentet DATE fra
# URL", "hämtad DATE från URL", "Consulté le DATE à URL", "получено DATE, с URL"; Word's French
# "Récupéré le DATE sur URL"
# (tex/latex/biblatex-apa/lbx/*.lbx, https://github.com/plk/biblatex-apa).
_FROM_TAIL_RE = re.compile(
    r",?\s*(?:from|de|desde|von|van|da|z|à\s+l['’]adresse|a\s+partir\s+de|em|unter|fra|från|frå|à|sur|с|c|из)"
    r"(?=[\s:])",
    re.IGNORECASE,
)
_CLOSE_RE = re.compile(r"\s?[)\]]")
_PAIRS = {"(": ")", "[": "]"}
# A URL right after a "from" tail: "Retrieved March 3, 2019, from https://...".
_URL_AHEAD_RE = re.compile(r"[ \t]*:?[ \t]*\n?[ \t]*<?(?:https?://|www\.)", re.IGNORECASE)
# A URL right after the phrase on the same line, or a Vancouver "Available from:" (an "Online:")
# there or, where the entry was hard-wrapped, at the start of the next line ("Citado 17 de marzo
# de 2021.\nEn línea: https://..."). A URL alone on the next line may be the next reference's.
_URL_NEXT_RE = re.compile(
    r"[.,;]?[ \t]*(?:<?https?://|www\.|(?:\n[ \t]*)?(?:available\s+(?:from|at|online)"
    r"|disponible\s+(?:en|sur)|disponível\s+em"
    r"|verfügbar\s+unter|disponibile\s+su|beschikbaar\s+op|dostępne\s+na|url:"
    r"|(?:online|en\s+ligne|en\s+l[ií]nea|in\s+linea|em\s+linha)\s*:))",
    re.IGNORECASE,
)


# German "Stand" ("as of") is an accessed-on keyword only in brackets right after a URL:
# "URL [Stand: 17.03.2021]" is how German styles and guides mark the day the address was
# checked; "Bericht (Stand: 3. März 2020)" elsewhere is the state of a document, not a visit.
_URL_JUST_BEFORE = re.compile(r"(?:https?://|www\.)[^\s<>\[\]()]+[.,;:>]?[ \t]*$", re.IGNORECASE)
# ... and in the note German Wikipedia's citation helper writes for a web page, "[Online; Stand
# 11. September 2011]", where the English one writes "[Online; accessed 11-September-2011]": the
# day the page was viewed (tests/corpus/README.md, dev6 readings).
_ONLINE_STAND = re.compile(r"\[[ \t]*online[ \t]*;[ \t]*$", re.IGNORECASE)

# "Retrieved from URL on DATE" (a common variant of APA's "Retrieved DATE, from URL").
_RETRIEVED_FROM_ON_RE = re.compile(
    r"\s+from\s*:?\s*<?(?:https?://|www\.)[^\s<>]+>?[.,]?\s+(?P<on>(?:on|at)\s+(?:the\s+)?)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class DateMention:
    """An accessed-on phrase found in text."""

    start: int
    """Start of the whole phrase, keyword (and an enclosing bracket) included."""
    end: int
    """End of the phrase: after the date, a closing bracket or an APA ", from"."""
    raw: str
    """``text[start:end]``."""
    date: dt.date | None
    """The accessed-on date; None when the phrase names an impossible or partial date."""
    problem: str | None
    """Why the date was not accepted, for --verbose; None when it was."""
    url_follows: bool
    """A hint: True when in this style the URL usually comes after the phrase, else before."""


def date_problem(d: dt.date, today: dt.date | None = None) -> str | None:
    """Say why ``d`` cannot be an accessed-on date, or return None when it can.

    A date after ``today`` (default: the current date) is "in the future"; a date before
    1991-01-01 is "before 1991", since the web did not exist then.
    """
    limit = today if today is not None else dt.date.today()
    if d > limit:
        return f"accessed-on date {d.isoformat()} is in the future"
    if d < _EARLIEST:
        return f"accessed-on date {d.isoformat()} is before 1991"
    return None


# A date read from text: the date, or None with the reason.
_Reading = tuple[dt.date | None, str | None]


def _make_date(year: int, month: int, day: int) -> _Reading:
    if not 1 <= month <= 12:
        return None, f"no such month: {month} in {year}"
    try:
        return dt.date(year, month, day), None
    except ValueError:
        return None, f"no such day: {day} {_ENGLISH_MONTHS[month - 1]} {year}"


def _numeric(a: int, b: int, year: int, order: DateOrder) -> _Reading:
    """Read a year-last all-numeric date; fall back to the other reading when only it is possible."""
    # A year-last date under YMD is read day first, as most of the world writes it.
    first, second = (b, a) if order is DateOrder.MDY else (a, b)  # (day, month)
    reading = _make_date(year, second, first)
    if reading[0] is None:
        swapped = _make_date(year, first, second)
        if swapped[0] is not None:
            return swapped
    return reading


def _match_short_year(text: str, pos: int, order: DateOrder, today: dt.date) -> tuple[int, _Reading] | None:
    """A numeric date with a two-digit year at ``pos`` ("17/03/21"), or None."""
    m = _SHORT_YEAR_RE.match(text, pos)
    if m is None:
        return None
    year = 2000 + int(m["y"])
    if year > today.year:
        year -= 100
    return m.end(), _numeric(int(m["a"]), int(m["b"]), year, order)


def _match_date(text: str, pos: int, order: DateOrder) -> tuple[int, _Reading] | None:
    """Match a date at ``pos``: its end and reading, or None when no date starts there."""
    m = _ISO_RE.match(text, pos)
    if m:
        month, day = int(m["m"]), int(m["d"])
        if month > 12 >= day:
            # Year, day, month ("Retrieved 2010-26-08"): 26 cannot be a month, so the one
            # valid reading is taken, as for a day-first numeric date the wrong way round.
            month, day = day, month
        return m.end(), _make_date(int(m["y"]), month, day)
    m = (
        _NUMERIC_RE.match(text, pos)
        or _SPACED_NUMERIC_RE.match(text, pos)
        or _DAY_DOT_NUMERIC_RE.match(text, pos)
    )
    if m:
        return m.end(), _numeric(int(m["a"]), int(m["b"]), int(m["y"]), order)
    m = _CJK_RE.match(text, pos)
    if m:
        return m.end(), _make_date(int(m["y"]), int(m["m"]), int(m["d"]))
    m = _ROMAN_DMY_RE.match(text, pos)
    if m:
        return m.end(), _make_date(int(m["y"]), _ROMAN_MONTHS[m["m"]], int(m["d"]))
    for regex in (_TEXT_DMY_RE, _TEXT_MDY_RE, _TEXT_YMD_RE, _TEXT_Y_DM_RE):
        m = regex.match(text, pos)
        if m:
            name = m["mon"].lower()
            month = _MONTHS.get(name) or _MONTHS[_strip_accents(name)]
            return m.end(), _make_date(int(m["y"]), month, int(m["d"]))
    for regex in _PARTIAL_RES:
        m = regex.match(text, pos)
        if m:
            return m.end(), (None, f"accessed-on date {m.group()!r} names no day")
    return None


def parse_date(text: str, order: DateOrder = DateOrder.DMY) -> dt.date | None:
    """Parse a date standing alone, as in a structured field; None unless it is one whole valid day.

    Accepts ISO dates with or without a time ("2017-09-08", "2017-09-08T10:00:00Z",
    "2022/07/17/", "2022/07/17/10:11:12"), dates with a month name in en, de, fr, es, nl, it
    or pt ("8 September 2017", "September 8, 2017", "2017 Sep 20", "3 mars 2019",
    "3. März 2019", "3 de marzo de 2019") and year-last numeric dates ("20.09.2017",
    "03/04/2019"), read per ``order``; a numeric date impossible in that order but possible
    the other way round ("04/23/2019" under DMY) is read the possible way. Partial dates
    ("2017", "September 2017") and impossible days give None. Plausibility (future,
    before 1991) is not judged here: see :func:`date_problem`.
    """
    s = text.strip()
    wd = _WEEKDAY_RE.match(s)
    if wd:
        s = s[wd.end() :]
    found = _match_date(s, 0, order)
    if found is None:
        return None
    end, (date, _problem) = found
    if date is None or not _FIELD_TAIL_RE.fullmatch(s, end):
        return None
    return date


def _opening_bracket(text: str, start: int) -> int | None:
    """The index of a bracket opening at ``start`` or just before it (one space allowed), or None."""
    for i in (start, start - 1, start - 2):
        if i < 0:
            break
        if text[i] in _PAIRS:
            return i
        if i < start and not text[i].isspace():
            break
    return None


def _inside_bracket(text: str, start: int) -> bool:
    """True when an opening square bracket before ``start`` on its line is not yet closed."""
    window = text[max(0, start - 80) : start]
    window = window.rsplit("\n", 1)[-1]
    return window.rfind("[") > window.rfind("]")


# A word hyphenated at a line end, as typesetting breaks "Zuletzt Ab-\ngerufen am 09.01.2019".
_SOFT_BREAK_RE = re.compile(r"(?<=[^\W\d_])-[ \t]*\n[ \t]*(?=[^\W\d_])")


# A date written day first with a dot after the day, "17. März 2021", "3. Jan. 2020".
_DAY_MONTH_YEAR_RE = re.compile(
    rf"[ \t]*\d{{1,2}}\.[ \t]*{_MON}(?![^\W\d_])\.?[ \t]+\d{{2,4}}(?!\d)", re.IGNORECASE
)


def starts_with_day_month_year(text: str, pos: int) -> bool:
    """Whether ``text`` at ``pos`` opens with a whole date whose day ends in a dot ("17. März 2021").

    A line a hard-wrapped entry starts with such a date is not a numbered list item "17. ".
    """
    return _DAY_MONTH_YEAR_RE.match(text, pos) is not None


def is_accessed_keyword(word: str) -> bool:
    """Whether ``word`` is, whole, one of the accessed-on keywords ("retrieved", "abgerufen", ...)."""
    return _KEYWORD_RE.fullmatch(word) is not None


def find_accessed(
    text: str, order: DateOrder = DateOrder.DMY, today: dt.date | None = None
) -> list[DateMention]:
    """Find the accessed-on phrases in ``text`` (see :func:`_find_accessed`).

    A keyword that a line break hyphenated ("Ab-\ngerufen am") is read as the whole word: the
    phrases are looked for in the text with such breaks joined, and their spans mapped back.
    """
    if _SOFT_BREAK_RE.search(text) is None:
        return _find_accessed(text, order, today)
    parts: list[str] = []
    joined_at: list[int] = []  # where each kept piece starts in the joined text ...
    source_at: list[int] = []  # ... and in ``text``
    j = o = 0
    for m in _SOFT_BREAK_RE.finditer(text):
        parts.append(text[o : m.start()])
        joined_at.append(j)
        source_at.append(o)
        j += m.start() - o
        o = m.end()
    parts.append(text[o:])
    joined_at.append(j)
    source_at.append(o)

    def source(pos: int) -> int:
        k = bisect.bisect_right(joined_at, pos) - 1
        return source_at[k] + pos - joined_at[k]

    mentions: list[DateMention] = []
    for found in _find_accessed("".join(parts), order, today):
        start, end = source(found.start), source(found.end - 1) + 1
        mentions.append(
            DateMention(start, end, text[start:end], found.date, found.problem, found.url_follows)
        )
    return mentions


def _find_accessed(
    text: str, order: DateOrder = DateOrder.DMY, today: dt.date | None = None
) -> list[DateMention]:
    """Find the accessed-on phrases in ``text``, in text order and never overlapping.

    A phrase is a keyword in one of seven languages ("accessed", "Retrieved", "[cited",
    "Consulté le", "abgerufen am", "consultado el", "geraadpleegd op", "ultimo accesso",
    "acesso em", ...) followed by a date in any form :func:`parse_date` accepts. Numeric dates
    are read per ``order``, with the same fallback as :func:`parse_date`. The span covers the
    keyword and the date, plus an enclosing pair of brackets ("(Accessed: 20 April 2026)",
    "[cited 2017 Sep 20]") and APA's trailing ", from".

    A phrase whose date is impossible (no such day, after ``today``, before 1991) or partial
    (month and year only) is returned with ``date=None`` and the reason in ``problem``, so the
    URL it belongs to is known to have no usable date. Dates with no accessed-on keyword
    (publication dates, "as of", "Updated") are never returned.

    ``url_follows`` is True for "[cited ...]", for "Retrieved/recuperado ..., from/de", and for
    any phrase followed on the same line by ",", "." or ";" and then a URL or "Available from"
    (Chicago "accessed March 3, 2019, URL"; French Chicago "Consulté le 3 mai 2017. URL").
    """
    limit = today if today is not None else dt.date.today()
    mentions: list[DateMention] = []
    last_end = 0
    keywords = _KEYWORDS_BY_LETTERS[
        _T_WORDS_RE.search(text) is not None, _W_WORDS_RE.search(text) is not None
    ]
    for kw in keywords.finditer(text):
        start = kw.start()
        if start < last_end:
            continue
        prefix = _PREFIX_RE.search(text, max(last_end, start - 24), start)
        if prefix is not None:
            start = prefix.start()
        elif (
            kw.group().lower() in _NEEDS_PREFIX
            and not _ACCESS_ON_RE.match(text, kw.end())
            and not (start > 0 and text[start - 1] == "[")  # ISO 690: "[consulta: 17 marzo 2021]"
        ):
            continue
        opening = _opening_bracket(text, start)
        if (
            kw["stand"] is not None
            and (opening is None or not _URL_JUST_BEFORE.search(text, max(0, opening - 600), opening))
            and not _ONLINE_STAND.search(text, max(0, start - 16), start)
        ):
            continue
        # "cited" alone is a common word; Vancouver brackets it, sometimes after another
        # date ("[updated 2018 Apr 27; cited 2019 Sep 20]"). Unbracketed, it counts only when
        # the URL follows the date ("Cited 17 March 2021. Online: https://...").
        bare_cited = kw["cited"] is not None and opening is None and not _inside_bracket(text, start)
        gap = _GAP_RE.match(text, kw.end())
        pos = gap.end() if gap else kw.end()
        weekday = _WEEKDAY_RE.match(text, pos)  # "accessed Wednesday, 17 March 2021"
        if weekday:
            pos = weekday.end()
        found = _match_date(text, pos, order) or _match_short_year(text, pos, order, limit)
        if found is None and kw["retrieved"] is not None:
            # "Retrieved from URL on 3 May 2021": the phrase is "on DATE", after the URL it dates.
            later = _RETRIEVED_FROM_ON_RE.match(text, kw.end())
            if later is not None:
                start = later.start("on")
                found = _match_date(text, later.end(), order)
        if found is None:
            continue
        end, (date, problem) = found
        if bare_cited and not _URL_NEXT_RE.match(text, end):
            continue
        if date is not None:
            problem = date_problem(date, limit)
            if problem is not None:
                date = None
        url_follows = kw["cited"] is not None
        tail = _FROM_TAIL_RE.match(text, end)
        if tail and _URL_AHEAD_RE.match(text, tail.end()):
            end = tail.end()
            url_follows = True
        # Take in a bracket pair enclosing the phrase, "(Accessed: 20 April 2026)".
        if opening is not None:
            close = _CLOSE_RE.match(text, end)
            if close and close.group()[-1] == _PAIRS[text[opening]]:
                start, end = opening, close.end()
        if not url_follows and _URL_NEXT_RE.match(text, end):
            url_follows = True
        mentions.append(DateMention(start, end, text[start:end], date, problem, url_follows))
        last_end = end
    cjk = _CJK_KEYWORD_RE.search(text) is not None
    if "tarihinde" in text or "accessed" in text.lower() or ")" in text or cjk:
        mentions = _date_first(text, order, limit, mentions, cjk)
    return mentions


# Phrases that put the date first. Turkish: "17 Mart 2021 tarihinde https://... adresinden
# erişildi" (APA in Turkish: "retrieved on DATE from URL"), the URL follows; the Oxford journals:
# "URL (17 Mar. 2021, date last accessed)", the URL comes before.
# The Oxford journals in other locales put their own word there: "(17. März 2021, zugegriffen)",
# "(17 mars 2021, consulté)": a date, a comma and an accessed-on keyword closing the brackets.
# Japanese puts the keyword after the date too: "2020年3月3日閲覧", "(2020.3.3 アクセス)".
# (Any of the spaces may be a line break, where the entry was hard-wrapped.)
_DATE_FIRST_RE = re.compile(
    # (Runs of [ \t\n]: a plain character class, which the scan tries fast at every position.)
    r"[ \t\n]+(?P<follows>tarihinde)(?![^\W\d_])"
    r"|,?[ \t\n]+(?:date[ \t\n]+)?last[ \t\n]+accessed(?![^\W\d_])"
    r"|,[ \t\n]*(?P<word>[^\W\d_][^\W\d_ \t\n]{2,20}(?:[ \t\n]+[^\W\d_]{2,20})?)[ \t]*(?=\))",
    re.IGNORECASE,
)


_CJK_KEYWORD_RE = re.compile("閲覧|アクセス|参照")
# Looked for only in a text that has one of them: a branch of _DATE_FIRST_RE that may start at
# any character slowed every scan.
_CJK_DATE_FIRST_RE = re.compile(r"[ \t]*(?:閲覧|アクセス|参照)(?!先)")


def _date_first(
    text: str, order: DateOrder, limit: dt.date, mentions: list[DateMention], cjk: bool = False
) -> list[DateMention]:
    """``mentions`` with the phrases whose keyword comes after their date added, in text order."""
    taken = [(m.start, m.end) for m in mentions]
    added: list[DateMention] = []
    found_first = _DATE_FIRST_RE.finditer(text)
    for kw in itertools.chain(found_first, _CJK_DATE_FIRST_RE.finditer(text)) if cjk else found_first:
        groups = kw.groupdict()
        if groups.get("word") is not None:
            # The keyword may keep the little word that joins it to a date: "consulté le", "acessado em".
            word = _KEYWORD_RE.match(kw["word"])
            if (
                word is None
                or (word["accessed"] is None and word["retrieved"] is None)
                or len(kw["word"]) - word.end() > 3
            ):
                continue
        for start in range(max(0, kw.start() - 30), kw.start()):
            if start and text[start - 1].isalnum():
                continue
            found = _match_date(text, start, order)
            if found is None or found[0] != kw.start():
                continue
            date, problem = found[1]
            if date is not None:
                problem = date_problem(date, limit)
                if problem is not None:
                    date = None
            if not any(a < kw.end() and start < b for a, b in taken):
                follows = groups.get("follows") is not None
                end = kw.end()
                if start and text[start - 1] == "(" and text.startswith(")", end):
                    start, end = start - 1, end + 1  # "(17 Mar. 2021, date last accessed)"
                added.append(DateMention(start, end, text[start:end], date, problem, follows))
            break
    return sorted(mentions + added, key=lambda m: m.start) if added else mentions


def is_accessed_heading(text: str) -> bool:
    """Whether a table's column heading says its cells are accessed-on dates ("Accessed",
    "Date accessed", "Last accessed on", "Zugriff am", "Consulté le", "Retrieved")."""
    text = " ".join(text.split()).strip(" :")
    if not text or len(text) > 40:
        return False
    kw = _KEYWORD_RE.search(text)
    # "Stand" heads a column of document states as often as of visits: not enough on its own.
    return kw is not None and kw["cited"] is None and kw["stand"] is None


def field_date(value: str, options: ExtractOptions, notes: list[str] | None, where: str) -> dt.date | None:
    """A whole day from a record's accessed-on field, or None when it is partial or impossible.

    Takes what reference managers write there: ``2023-06-24``, ``2022/07/17/10:11:12``,
    ``2022/07/17/``, or a date that :func:`parse_date` reads. An impossible or unreadable
    date adds a note (prefixed with ``where``) to ``notes``; a partial one (a year, a month)
    is silently None. Shared by the BibTeX, RIS, CSL-JSON and wikitext extractors.
    """
    value = _YEAR_WORD_FIELD.sub("", value.strip())
    iso = re.match(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T /]|$)", value)
    d: dt.date | None
    if iso:
        try:
            d = dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            d = None
    else:
        d = parse_date(_four_digit_year(value, options.today), options.date_order)
        if d is None and _KEYWORD_RE.match(value):
            # The field's own word written into it: EndNote users type "Accessed 3 March 2020".
            first = next(iter(_find_accessed(value, options.date_order, options.today)), None)
            if first is not None and first.start == 0 and not value[first.end :].strip(" .,;"):
                d = first.date
    if d is None:
        if notes is not None and not re.fullmatch(r"\d{4}(?:[-/.]\d{1,2})?|[A-Za-z]+\.?\s+\d{4}", value):
            notes.append(f"{where}: {value!r} is not a date")
        return None
    problem = date_problem(d, options.today)
    if problem:
        if notes is not None:
            notes.append(f"{where}: {problem}")
        return None
    return d


# The word for "year" that Polish, Czech, Russian and Ukrainian writers put after a date, often
# abbreviated: "24.03.23 r." (roku), "25 апреля 2010 г." (года), "3 травня 2020 р." (року). It
# says only that the number before it is a year, so it is dropped before the date is read.
_YEAR_WORD_FIELD = re.compile(r"(?<=\d)\s*(?:r|roku|г|года|р|року)\.?$", re.IGNORECASE)

# A numeric day with a two-digit year, as an accessed-on field may hold it: "09/07/20".
_SHORT_YEAR_FIELD = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{2})")


def _four_digit_year(value: str, today: dt.date | None) -> str:
    """A field's numeric date with its two-digit year written out ("09/07/20" -> "09/07/2020").

    pt.wikipedia's citation templates, Excel and many forms write ``acessodata=09/07/20``. An
    accessed-on date lies between the web's start and today, so the year is the latest one of
    its century that is not after today's (``20`` is 2020, ``97`` is 1997); the day and month
    order is then read as for a four-digit year.
    """
    m = _SHORT_YEAR_FIELD.fullmatch(value)
    if m is None:
        return value
    now = (today or dt.date.today()).year
    year = now - (now % 100) + int(m.group(4))
    if year > now:
        year -= 100
    return f"{m.group(1)}{m.group(2)}{m.group(3)}{m.group(2)}{year}"


def note_date(
    text: str, options: ExtractOptions, notes: list[str], where: str
) -> tuple[bool, dt.date | None]:
    """The date of the first accessed-on phrase in a record's free-text note.

    Returns (False, None) when the note has no such phrase, and (True, None) when its
    first phrase names an impossible date (a note prefixed with ``where`` says why).
    """
    for mention in find_accessed(text, options.date_order, options.today):
        if mention.date is not None:
            return True, mention.date
        if mention.problem:
            notes.append(f"{where}: {mention.problem}")
            return True, None
    return False, None
