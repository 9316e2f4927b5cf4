"""Reports built from the store: what each link shows, filters, --since, fix suggestions, and each
format (JSON against the contract's shape, CSV read back, Markdown and HTML escaping, the table).

Data is written straight into a store (through ``save_document`` and ``record_checks``, and SQL
for the fields the drift stage fills): no network. :func:`sample_store` is shared with
``test_report_cli.py`` and ``test_report_browser.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from linkcheck.check.verdict import judge_next as judge
from linkcheck.models import Citation, Outcome, Reason, Verdict
from linkcheck.report import (
    Change,
    Format,
    Report,
    ReportCitation,
    ReportLink,
    ReportOptions,
    build_report,
    classify_change,
    parse_since,
    parse_verdicts,
    suggest,
)
from linkcheck.report import csv as csv_format
from linkcheck.report import markdown as md
from linkcheck.report.output import render, write_atomic
from linkcheck.store import Store
from linkcheck.store import report as report_sql

FMT = "%Y-%m-%dT%H:%M:%SZ"
FIRST = dt.datetime(2026, 2, 1, 2, 0, tzinfo=dt.UTC)  # every link's first check (alive, or failing)
LATEST = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)  # the check that gave today's verdicts

DEAD = "http://www.health.org.uk/publication/clear-road-ahead"
DEAD_NO_COPY = "https://gone.example.org/report.pdf"
MOVED = "https://old.example.org/article"
MOVED_TO = "https://new.example.org/article"
FAILING = "https://slow.example.org/page"
BLOCKED = "https://walled.example.org/paper"
CHANGED = "https://drift.example.org/guidance"
ALIVE = "https://fine.example.org/"
RECOVERED = "https://back.example.org/again"
UNCHECKED = "https://later.example.org/new"
HOSTILE = "https://evil.example.org/a_(b)|c*d"
ARCHIVE = "https://web.archive.org/web/20170908093512/" + DEAD
CITATION_ARCHIVE = "https://web.archive.org/web/20190102000000/" + DEAD
SCRIPT_TITLE = "<script>window.__pwned = 1</script>Not found <b>really</b>"
HOSTILE_TEXT = (
    "=cmd|' /C calc'!A0 <img src=x onerror=alert(1)> **bold** [x](javascript:alert(1)) @octocat $x$ |"
)
THESIS = "refs/thesis.txt"
LIST = "refs/list.md"
NOTES = "notes/weird *name* [x].txt"


def _outcome(url: str, reason: Reason, at: dt.datetime, **kw: Any) -> Outcome:
    return Outcome(url=url, reason=reason, started_at=at.strftime(FMT), **kw)


def sample_store(path: Path) -> Store:
    """A store holding one link of every verdict, cited from three documents, with a history.

    Checks: every checked link was checked on 2026-02-01 (alive, but RECOVERED failing) and
    on 2026-03-01 (today's verdicts). The archive and drift fields are set by SQL, as the
    archive and drift stages would.
    """
    store = Store.open(path)
    d = dt.date
    store.save_document(THESIS, "text", "a", 1, [
        Citation(DEAD, DEAD, 3, f"Health Foundation. Available at: {DEAD} (accessed on 8 September 2017)",
                 d(2017, 9, 8), "Clear road ahead"),
        Citation(MOVED, MOVED, 5, f"Old article {MOVED}", d(2018, 1, 1)),
        Citation(FAILING, FAILING, 7, f"Slow site {FAILING}", None),
        Citation(ALIVE, ALIVE, 9, f"Fine {ALIVE}", d(2020, 5, 5)),
        Citation(CHANGED, CHANGED, 11, f"Guidance {CHANGED}", d(2016, 4, 1)),
        Citation(UNCHECKED, UNCHECKED, 13, f"New {UNCHECKED}", None),
    ])  # fmt: skip
    store.save_document(LIST, "markdown", "b", 1, [
        Citation(DEAD, DEAD, 2, f"Same report, cited again: {DEAD}", d(2019, 1, 2)),
        Citation(BLOCKED, BLOCKED, 4, f"Walled {BLOCKED}", d(2021, 6, 1)),
        Citation(RECOVERED, RECOVERED, 6, f"Back {RECOVERED}", d(2022, 2, 2)),
        Citation(DEAD_NO_COPY, DEAD_NO_COPY, 8, f"Gone {DEAD_NO_COPY}", d(2015, 3, 3)),
    ])  # fmt: skip
    store.save_document(NOTES, "text", "c", 1, [Citation(HOSTILE, HOSTILE, 1, HOSTILE_TEXT, d(2020, 1, 1))])
    ids = {r["url"]: r["id"] for r in store.query("SELECT id, url FROM links")}
    first = [
        (ids[u], _outcome(u, Reason.OK, FIRST, http_status=200, final_url=u)) for u in ids if u != UNCHECKED
    ]
    first[[u for u in ids if u != UNCHECKED].index(RECOVERED)] = (
        ids[RECOVERED], _outcome(RECOVERED, Reason.TIMEOUT, FIRST),
    )  # fmt: skip
    store.record_checks(None, first, judge)
    latest = [
        (
            ids[DEAD],
            _outcome(DEAD, Reason.NOT_FOUND, LATEST, http_status=404, final_url=DEAD, title="Not Found"),
        ),
        (ids[DEAD_NO_COPY], _outcome(DEAD_NO_COPY, Reason.GONE, LATEST, http_status=410, title=SCRIPT_TITLE)),
        (ids[MOVED], _outcome(MOVED, Reason.PERMANENT_REDIRECT, LATEST, http_status=200, final_url=MOVED_TO)),
        (ids[FAILING], _outcome(FAILING, Reason.TIMEOUT, LATEST)),
        (ids[BLOCKED], _outcome(BLOCKED, Reason.FORBIDDEN, LATEST, http_status=403)),
        (ids[CHANGED], _outcome(CHANGED, Reason.OK, LATEST, http_status=200, final_url=CHANGED)),
        (
            ids[ALIVE],
            _outcome(ALIVE, Reason.OK, LATEST, http_status=200, final_url=ALIVE, title="Fine & dandy"),
        ),
        (ids[RECOVERED], _outcome(RECOVERED, Reason.OK, LATEST, http_status=200, final_url=RECOVERED)),
        (ids[HOSTILE], _outcome(HOSTILE, Reason.NOT_FOUND, LATEST, http_status=404, title=HOSTILE_TEXT)),
    ]
    store.record_checks(None, latest, judge)
    with store.db.atomic():
        store.db.execute(
            "UPDATE links SET archive_url = ?, archive_timestamp = '2017-09-08T09:35:12Z' WHERE id = ?",
            [ARCHIVE, ids[DEAD]],
        )
        store.db.execute(
            "UPDATE citations SET archive_url = ?, archive_timestamp = '2019-01-02T00:00:00Z' "
            "WHERE link_id = ? AND accessed = '2019-01-02'",
            [CITATION_ARCHIVE, ids[DEAD]],
        )
        # What the drift stage records: the verdict, the similarity and the snapshot compared with.
        store.db.execute(
            "UPDATE links SET verdict = 'changed', reason = 'content-changed', similarity = 0.41, "
            "archive_url = ?, archive_timestamp = '2016-04-01T10:00:00Z' WHERE id = ?",
            ["https://web.archive.org/web/20160401100000/" + CHANGED, ids[CHANGED]],
        )
        store.db.execute(
            "UPDATE checks SET verdict = 'changed' WHERE id = (SELECT last_check_id FROM links WHERE id = ?)",
            [ids[CHANGED]],
        )
    return store


@pytest.fixture
def sample(tmp_path: Path) -> Iterator[Store]:
    store = sample_store(tmp_path / "sample.db")
    yield store
    store.close()


def by_url(report: Report) -> dict[str, ReportLink]:
    return {link.url: link for link in report.links}


# -- building the report ---------------------------------------------------------------------


def test_every_link_with_its_state_and_citations(sample: Store) -> None:
    report = build_report(sample, now="2026-03-02T00:00:00Z")
    links = by_url(report)
    assert len(links) == 10
    dead = links[DEAD]
    assert (dead.verdict, dead.reason, dead.http_status, dead.checks) == ("dead", "not-found", 404, 2)
    assert dead.first_failed == "2026-03-01T02:00:00Z"
    assert dead.last_checked == "2026-03-01T02:00:00Z"
    assert (dead.archive_url, dead.archive_timestamp) == (ARCHIVE, "2017-09-08T09:35:12Z")
    assert dead.title == "Not Found"
    # One link, cited twice, in document path order.
    assert [(c.document, c.line, c.accessed) for c in dead.citations] == [
        (LIST, 2, "2019-01-02"),
        (THESIS, 3, "2017-09-08"),
    ]
    assert dead.citations[1].title == "Clear road ahead"
    assert dead.citations[1].text.startswith("Health Foundation. Available at:")
    changed = links[CHANGED]
    assert (changed.verdict, changed.reason, changed.similarity) == ("changed", "content-changed", 0.41)
    assert links[UNCHECKED].verdict == "unchecked" and links[UNCHECKED].reason is None
    assert links[MOVED].final_url == MOVED_TO


def test_links_come_most_severe_first_then_by_url(sample: Store) -> None:
    links = build_report(sample).links
    assert [link.verdict for link in links] == [
        "dead", "dead", "dead", "failing", "changed", "moved", "blocked", "unchecked", "alive", "alive",
    ]  # fmt: skip
    assert [link.url for link in links[:3]] == sorted([DEAD, DEAD_NO_COPY, HOSTILE])


def test_totals_count_every_verdict_that_occurs_plus_links_and_citations(sample: Store) -> None:
    totals = build_report(sample).totals
    assert totals == {
        "links": 10,
        "citations": 11,
        "dead": 3,
        "failing": 1,
        "changed": 1,
        "moved": 1,
        "blocked": 1,
        "unchecked": 1,
        "alive": 2,
    }
    assert list(totals)[:2] == ["links", "citations"]


def test_only_keeps_those_verdicts(sample: Store) -> None:
    report = build_report(sample, ReportOptions(only=frozenset({Verdict.DEAD, Verdict.MOVED})))
    assert {link.verdict for link in report.links} == {"dead", "moved"}
    assert report.totals["links"] == 4
    assert "alive" not in report.totals


def test_document_keeps_its_links_and_only_its_citations(sample: Store) -> None:
    report = build_report(sample, ReportOptions(documents=(LIST,)))
    links = by_url(report)
    assert set(links) == {DEAD, BLOCKED, RECOVERED, DEAD_NO_COPY}
    # The dead link is cited in the thesis too, but the report is about the list.
    assert [c.document for c in links[DEAD].citations] == [LIST]
    assert report.totals["citations"] == 4


def test_document_may_be_a_folder_and_unknown_paths_are_named(sample: Store) -> None:
    report = build_report(sample, ReportOptions(documents=("refs", "nowhere.txt", "ref")))
    assert {c.document for link in report.links for c in link.citations} == {THESIS, LIST}
    # "ref" is not the folder "refs": a prefix of a name is no folder.
    assert report.unmatched_documents == ["nowhere.txt", "ref"]


def test_document_paths_with_like_wildcards_are_taken_literally(tmp_path: Path) -> None:
    with Store.open(tmp_path / "w.db") as store:
        for path in ("a_b/x.txt", "axb/y.txt", "a%/z.txt"):
            store.save_document(
                path, "text", path, 1, [Citation(f"https://{path[:1]}.org/{path}", "x", 1, "t")]
            )
        assert report_sql.document_ids(store, ["a_b"]) == ([1], [])
        assert report_sql.document_ids(store, ["a%"]) == ([3], [])


def test_since_reports_newly_dead_recovered_and_newly_changed(sample: Store) -> None:
    report = build_report(sample, ReportOptions(since=dt.datetime(2026, 2, 15, tzinfo=dt.UTC)))
    changes = {link.url: (link.previous_verdict, link.change) for link in report.links}
    assert changes == {
        DEAD: ("alive", Change.NEWLY_DEAD),
        DEAD_NO_COPY: ("alive", Change.NEWLY_DEAD),
        HOSTILE: ("alive", Change.NEWLY_DEAD),
        FAILING: ("alive", Change.NEWLY_FAILING),
        CHANGED: ("alive", Change.NEWLY_CHANGED),
        MOVED: ("alive", Change.NEWLY_MOVED),
        BLOCKED: ("alive", Change.NEWLY_BLOCKED),
        RECOVERED: ("failing", Change.RECOVERED),
    }
    # Before any check, links first found broken are news too; after the last check, nothing is.
    early = build_report(sample, ReportOptions(since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    assert {link.url: link.change for link in early.links}[DEAD] == Change.NEWLY_DEAD
    assert RECOVERED not in by_url(early)  # unchecked then, alive now: no news
    assert build_report(sample, ReportOptions(since=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))).links == []


def test_since_combines_with_only(sample: Store) -> None:
    options = ReportOptions(only=frozenset({Verdict.ALIVE}), since=dt.datetime(2026, 2, 15, tzinfo=dt.UTC))
    assert [link.url for link in build_report(sample, options).links] == [RECOVERED]


@pytest.mark.parametrize(
    ("before", "now", "change"),
    [
        ("alive", "dead", Change.NEWLY_DEAD),
        ("failing", "dead", Change.NEWLY_DEAD),
        ("unchecked", "moved", Change.NEWLY_MOVED),
        ("dead", "alive", Change.RECOVERED),
        ("changed", "alive", Change.RECOVERED),
        ("alive", "alive", None),
        ("unchecked", "alive", None),
        ("alive", "skipped", None),
        ("dead", "dead", None),
    ],
)
def test_classify_change(before: str, now: str, change: Change | None) -> None:
    assert classify_change(before, now) == change


def test_parse_verdicts_and_since() -> None:
    assert parse_verdicts(["dead,Failing", "moved"]) == {Verdict.DEAD, Verdict.FAILING, Verdict.MOVED}
    with pytest.raises(ValueError, match="unknown verdict 'deadd'"):
        parse_verdicts(["dead,deadd"])
    with pytest.raises(ValueError):
        parse_verdicts([","])
    assert parse_since("2026-03-01") == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert parse_since("2026-03-01T12:30:00+02:00") == dt.datetime(2026, 3, 1, 10, 30, tzinfo=dt.UTC)
    now = dt.datetime(2026, 3, 8, tzinfo=dt.UTC)
    assert parse_since("7d", now) == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert parse_since("12h", now) == dt.datetime(2026, 3, 7, 12, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="--since"):
        parse_since("last tuesday")


# -- fix suggestions ---------------------------------------------------------------------------


def test_dead_links_point_to_the_archived_copy_nearest_each_citations_date(sample: Store) -> None:
    dead = by_url(build_report(sample))[DEAD]
    assert dead.suggestion is not None
    assert (dead.suggestion.action, dead.suggestion.url, dead.suggestion.source) == (
        "replace",
        ARCHIVE,
        "archive",
    )
    by_doc = {c.document: c.suggestion for c in dead.citations}
    # The citation accessed in 2019 has its own nearer snapshot; the other falls back to the link's.
    assert by_doc[LIST] is not None and by_doc[LIST].url == CITATION_ARCHIVE
    assert by_doc[THESIS] is not None and by_doc[THESIS].url == ARCHIVE


def test_moved_links_point_to_their_new_address_and_others_as_they_should(sample: Store) -> None:
    links = by_url(build_report(sample))
    moved = links[MOVED].suggestion
    assert moved is not None and (moved.action, moved.url, moved.source) == ("replace", MOVED_TO, "redirect")
    no_copy = links[DEAD_NO_COPY].suggestion
    assert no_copy is not None and (no_copy.action, no_copy.url) == ("review", None)
    changed = links[CHANGED].suggestion
    assert changed is not None and changed.url is not None and "20160401100000" in changed.url
    assert links[ALIVE].suggestion is None
    assert links[BLOCKED].suggestion is None
    assert links[FAILING].suggestion is None  # no archived copy known yet, and it may come back


def test_suggest_rules() -> None:
    assert suggest("moved", "https://a.org/x", "https://a.org/x", None, None) is None  # no move after all
    archived = ("https://web.archive.org/web/1/x", "2017-01-01T00:00:00Z")
    # Not confirmed yet: one timeout or one 500 is no reason to edit a document.
    assert suggest("failing", None, "https://a.org/x", *archived) is None
    dead = suggest("dead", None, "https://a.org/x", *archived)
    assert dead is not None and dead.note == "cite the archived copy of 2017-01-01"


# -- JSON -----------------------------------------------------------------------------------------

NULLABLE_STRING = {"type": ["string", "null"]}
CITATION_SCHEMA = {
    "type": "object",
    "required": ["document", "line", "accessed", "text"],
    "properties": {
        "document": {"type": "string"},
        "line": {"type": ["integer", "null"], "minimum": 1},
        "accessed": {"anyOf": [{"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}, {"type": "null"}]},
        "text": {"type": "string"},
    },
}
TIME = {"anyOf": [{"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"}, {"type": "null"}]}
#: The contract's JSON report (CONTRACT.md): every field it names, with its type. Additions are allowed.
CONTRACT_SCHEMA = {
    "type": "object",
    "required": ["generated_at", "totals", "links"],
    "properties": {
        "generated_at": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"},
        "totals": {
            "type": "object",
            "required": ["links", "citations"],
            "propertyNames": {"enum": ["links", "citations", *[str(v) for v in Verdict]]},
            "additionalProperties": {"type": "integer", "minimum": 0},
        },
        "links": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "url",
                    "verdict",
                    "reason",
                    "http_status",
                    "final_url",
                    "checks",
                    "last_checked",
                    "first_failed",
                    "similarity",
                    "archive_url",
                    "archive_timestamp",
                    "citations",
                ],
                "properties": {
                    "url": {"type": "string"},
                    "verdict": {"enum": [str(v) for v in Verdict]},
                    "reason": NULLABLE_STRING,
                    "http_status": {"type": ["integer", "null"]},
                    "final_url": NULLABLE_STRING,
                    "checks": {"type": "integer", "minimum": 0},
                    "last_checked": TIME,
                    "first_failed": TIME,
                    "similarity": {
                        "anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "null"}]
                    },
                    "archive_url": NULLABLE_STRING,
                    "archive_timestamp": TIME,
                    "citations": {"type": "array", "items": CITATION_SCHEMA},
                },
            },
        },
    },
}


def test_json_has_the_contracts_shape(sample: Store) -> None:
    data = json.loads(render(build_report(sample), Format.JSON))
    jsonschema.validate(data, CONTRACT_SCHEMA)
    assert data["totals"]["links"] == len(data["links"]) == 10
    assert data["totals"]["citations"] == sum(len(k["citations"]) for k in data["links"])
    dead = next(k for k in data["links"] if k["url"] == DEAD)
    assert dead["verdict"] == "dead" and dead["reason"] == "not-found" and dead["http_status"] == 404
    assert dead["archive_url"] == ARCHIVE and dead["archive_timestamp"] == "2017-09-08T09:35:12Z"
    assert dead["first_failed"] == "2026-03-01T02:00:00Z"
    assert dead["suggestion"] == {
        "action": "replace",
        "url": ARCHIVE,
        "source": "archive",
        "archive_timestamp": "2017-09-08T09:35:12Z",
        "note": "cite the archived copy of 2017-09-08",
    }
    thesis = next(c for c in dead["citations"] if c["document"] == THESIS)
    assert thesis["line"] == 3 and thesis["accessed"] == "2017-09-08"
    listed = next(c for c in dead["citations"] if c["document"] == LIST)
    assert listed["archive_url"] == CITATION_ARCHIVE and listed["suggestion"]["url"] == CITATION_ARCHIVE
    changed = next(k for k in data["links"] if k["url"] == CHANGED)
    assert changed["similarity"] == 0.41
    failing = next(k for k in data["links"] if k["url"] == FAILING)
    assert failing["citations"][0]["accessed"] is None
    # Text from the web goes out as it came: JSON escapes nothing that is not JSON.
    hostile = next(k for k in data["links"] if k["url"] == HOSTILE)
    assert hostile["title"] == HOSTILE_TEXT


def test_json_of_an_empty_report_and_with_since(sample: Store) -> None:
    empty = json.loads(
        render(build_report(sample, ReportOptions(only=frozenset({Verdict.SKIPPED}))), Format.JSON)
    )
    jsonschema.validate(empty, CONTRACT_SCHEMA)
    assert empty["links"] == [] and empty["totals"] == {"links": 0, "citations": 0}
    since = json.loads(
        render(
            build_report(sample, ReportOptions(since=dt.datetime(2026, 2, 15, tzinfo=dt.UTC))), Format.JSON
        )
    )
    jsonschema.validate(since, CONTRACT_SCHEMA)
    assert since["since"] == "2026-02-15T00:00:00Z"
    recovered = next(k for k in since["links"] if k["url"] == RECOVERED)
    assert (recovered["previous_verdict"], recovered["change"]) == ("failing", "recovered")


def test_json_is_one_link_a_line(sample: Store) -> None:
    text = render(build_report(sample), Format.JSON)
    lines = text.splitlines()
    link_lines = [line for line in lines if line.startswith('    {"url": ')]
    assert len(link_lines) == 10
    assert text.endswith("}\n")


# -- CSV ------------------------------------------------------------------------------------------


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_one_row_per_citation_and_reads_back(sample: Store) -> None:
    text = render(build_report(sample), Format.CSV)
    assert text.startswith("document,line,url,verdict,reason,accessed,final_url,archive_url,first_failed,")
    assert "\r\n" in text
    rows = read_csv(text)
    assert len(rows) == 11
    required = ["document", "line", "url", "verdict", "reason", "accessed", "final_url", "archive_url",
                "first_failed", "last_checked", "suggestion"]  # fmt: skip
    assert all(name in rows[0] for name in required)
    thesis_dead = next(r for r in rows if r["url"] == DEAD and r["document"] == THESIS)
    assert thesis_dead["line"] == "3"
    assert thesis_dead["accessed"] == "2017-09-08"
    assert thesis_dead["archive_url"] == ARCHIVE
    assert thesis_dead["suggestion"] == ARCHIVE and thesis_dead["suggestion_action"] == "replace"
    assert thesis_dead["first_failed"] == "2026-03-01T02:00:00Z"
    list_dead = next(r for r in rows if r["url"] == DEAD and r["document"] == LIST)
    assert list_dead["archive_url"] == CITATION_ARCHIVE and list_dead["suggestion"] == CITATION_ARCHIVE
    moved = next(r for r in rows if r["url"] == MOVED)
    assert moved["final_url"] == MOVED_TO and moved["suggestion"] == MOVED_TO
    unchecked = next(r for r in rows if r["url"] == UNCHECKED)
    assert unchecked["reason"] == "" and unchecked["last_checked"] == ""


def test_csv_neutralises_formulas(sample: Store) -> None:
    rows = read_csv(render(build_report(sample), Format.CSV))
    hostile = next(r for r in rows if r["url"] == HOSTILE)
    assert hostile["text"] == "'" + HOSTILE_TEXT
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_format.neutralise(cell) == "'" + cell
    assert csv_format.neutralise("https://a.org/=x") == "https://a.org/=x"
    assert csv_format.neutralise(None) == ""
    assert csv_format.neutralise(404) == "404"
    # No cell of any row starts a formula.
    assert not [v for r in rows for v in r.values() if v[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_csv_gives_an_uncited_link_one_row(tmp_path: Path) -> None:
    with Store.open(tmp_path / "o.db") as store:
        store.save_document("a.txt", "text", "1", 1, [Citation("https://a.org/x", "https://a.org/x", 1, "t")])
        store.save_document("a.txt", "text", "2", 1, [])  # edited: the link is no longer cited
        rows = read_csv(render(build_report(store), Format.CSV))
    assert [(r["document"], r["url"], r["verdict"]) for r in rows] == [("", "https://a.org/x", "unchecked")]


# -- Markdown ---------------------------------------------------------------------------------------


def markdown_html(text: str) -> str:
    """Markdown as a CommonMark renderer with raw HTML allowed (like GitHub, before its sanitiser)."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def test_markdown_lists_problem_citations_per_document(sample: Store) -> None:
    text = render(build_report(sample), Format.MARKDOWN)
    assert text.startswith("## Link check report\n")
    assert "10 links in 11 citations: 3 dead, 1 failing, 1 changed, 1 moved, 1 blocked" in text
    sections = re.findall(r"^### (.+)$", text, re.M)
    assert sections == [md.text(NOTES), md.text(LIST), md.text(THESIS)]
    thesis = text.split(f"### {md.text(THESIS)}")[1]
    rows = [
        line
        for line in thesis.splitlines()
        if line.startswith("| ") and not line.startswith(("| line", "| ---"))
    ]
    # Problems only: the alive and unchecked citations of the thesis are not listed.
    assert [row.split(" | ")[0] for row in rows] == ["| 3", "| 5", "| 7", "| 11"]
    dead_row = rows[0]
    assert "**dead**" in dead_row and "not-found (HTTP 404)" in dead_row and "2017-09-08" in dead_row
    assert f"cite the archived copy of 2017-09-08: [{md.text(ARCHIVE)}]({ARCHIVE})" in dead_row
    assert f"cite the new address: [{md.text(MOVED_TO)}]({MOVED_TO})" in rows[1]
    assert "similarity 0.41" in rows[3]
    html = markdown_html(text)
    assert f'<a href="{ARCHIVE}">' in html
    assert "<strong>dead</strong>" in html


def test_markdown_escapes_everything_from_documents_and_the_web(sample: Store) -> None:
    text = render(build_report(sample), Format.MARKDOWN)
    html = markdown_html(text)
    tree = HTMLParser(html)
    # Nothing from the web became markup: no emphasis, image, script or raw tag.
    assert not tree.css("img, script, em, b")
    assert [
        a.attributes["href"] for a in tree.css("a") if "javascript" in (a.attributes.get("href") or "")
    ] == []
    # The hostile URL is one link to itself, and the table kept its six columns everywhere.
    notes = [t for t in tree.css("table") if "evil.example.org" in t.text()]
    assert len(notes) == 1
    for row in notes[0].css("tr"):
        assert len(row.css("td, th")) == 6
    (link,) = [a for a in notes[0].css("a") if "evil" in (a.attributes.get("href") or "")]
    assert link.text() == HOSTILE
    assert link.attributes["href"] == "https://evil.example.org/a_%28b%29%7Cc*d"
    # The document's odd name shows as itself.
    assert NOTES in [h.text() for h in tree.css("h3")]


def test_markdown_text_escaping() -> None:
    assert md.text("a|b") == "a\\|b"
    assert md.text("<script>") == "\\<script\\>"
    assert md.text("*x* _y_ `z` [l](u)") == "\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u)"
    assert md.text("~s~ $m$ &amp; !") == "\\~s\\~ \\$m\\$ \\&amp; \\!"
    assert md.text("ask @octocat") == "ask @\u200boctocat"
    assert md.text("two\nlines\x1b[31m") == "two lines \\[31m"
    assert md.link("javascript:alert(1)") == "javascript:alert(1)"
    assert md.link("https://a.org/x y") == "[https://a.org/x y](https://a.org/x%20y)"
    rendered = markdown_html(md.text("<img src=x onerror=alert(1)> **b** @me"))
    assert "<img" not in rendered and "<strong>" not in rendered and "&lt;img" in rendered


def test_markdown_shows_everything_asked_for_with_only_or_since(sample: Store) -> None:
    text = render(build_report(sample, ReportOptions(only=frozenset({Verdict.ALIVE}))), Format.MARKDOWN)
    assert md.link(ALIVE) in text and md.link(DEAD) not in text
    since = render(
        build_report(sample, ReportOptions(since=dt.datetime(2026, 2, 15, tzinfo=dt.UTC))), Format.MARKDOWN
    )
    assert "(recovered)" in since and "(newly-dead)" in since
    assert "Changes since 2026-02-15 00:00 UTC." in since
    nothing = render(build_report(sample, ReportOptions(only=frozenset({Verdict.SKIPPED}))), Format.MARKDOWN)
    assert "No links to report." in nothing


# -- HTML ---------------------------------------------------------------------------------------------


def test_html_is_one_self_contained_page(sample: Store) -> None:
    page = render(build_report(sample), Format.HTML)
    tree = HTMLParser(page)
    assert page.startswith("<!DOCTYPE html>")
    # Nothing to fetch: no external script, style, image or font, and a policy that forbids it.
    for node in tree.css("script, link, img, iframe, object, embed, style"):
        assert node.attributes.get("src") is None
        assert (node.attributes.get("href") or "data:").startswith("data:")
    csp = tree.css_first('meta[http-equiv="Content-Security-Policy"]')
    assert csp is not None and "default-src 'none'" in (csp.attributes["content"] or "")
    assert not re.search(r"url\(|@import", page)
    # Totals, the chart, per-document sections, the table with every link.
    assert [li.text(strip=True) for li in tree.css("#totals li")][:2] == ["3dead", "1failing"]
    assert len(tree.css("svg.chart rect")) == 7
    assert [s.attributes["data-document"] for s in tree.css("section.document")] == [NOTES, LIST, THESIS]
    assert len(tree.css("#links tbody tr")) == 10
    assert tree.css_first("#filter") is not None


def test_html_problem_cards_say_what_broke_since_when_and_what_to_cite(sample: Store) -> None:
    tree = HTMLParser(render(build_report(sample), Format.HTML))
    thesis = tree.css_first(f'section[data-document="{THESIS}"]')
    assert thesis is not None
    cards = thesis.css("li.problem")
    assert [c.attributes["data-verdict"] for c in cards] == ["dead", "moved", "failing", "changed"]
    dead = cards[0]
    facts = dict(
        zip([dt_.text() for dt_ in dead.css("dt")], [dd.text() for dd in dead.css("dd")], strict=True)
    )
    assert facts["accessed"] == "2017-09-08"
    assert facts["reason"] == "not-found (HTTP 404)"
    assert facts["first failed"] == "2026-03-01T02:00:00Z"
    assert facts["archived copy"].startswith(ARCHIVE)
    assert "Health Foundation. Available at:" in dead.css_first("blockquote").text()
    fix = dead.css_first(".fix a")
    assert fix is not None and fix.attributes["href"] == ARCHIVE
    moved = cards[1]
    assert (
        dict(zip([x.text() for x in moved.css("dt")], [x.text() for x in moved.css("dd")], strict=True))[
            "final URL"
        ]
        == MOVED_TO
    )
    assert "similarity" in cards[3].text() and "0.41" in cards[3].text()


def test_html_escapes_titles_text_and_urls_from_the_web(sample: Store) -> None:
    page = render(build_report(sample), Format.HTML)
    tree = HTMLParser(page)
    # The report's own script, and the table's rows as JSON (never run) in which no "<" can end
    # the element: the hostile title is there only with its "<" escaped.
    assert len(tree.css("script:not([type])")) == 1
    assert "window.__pwned" not in tree.css_first("script:not([type])").text()
    data = tree.css_first('script[type="application/json"]')
    assert data is not None and "<" not in data.text() and "\\u003cscript\\u003ewindow.__pwned" in data.text()
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert not tree.css("img, b")
    titles = [n.text() for n in tree.css(".pagetitle")]
    assert any(SCRIPT_TITLE in t for t in titles)
    assert any(HOSTILE_TEXT in (n.text()) for n in tree.css("blockquote"))
    for a in tree.css("a"):
        assert (a.attributes.get("href") or "").startswith(("http://", "https://"))


def test_html_never_links_a_non_web_url(tmp_path: Path) -> None:
    with Store.open(tmp_path / "js.db") as store:
        store.save_document(
            "a.txt", "text", "1", 1, [Citation("javascript:alert(1)", "javascript:alert(1)", 1, "x")]
        )
        store.db.execute("UPDATE links SET verdict = 'dead', final_url = 'javascript:alert(2)'")
        store.db.conn.commit()
        page = render(build_report(store), Format.HTML)
    tree = HTMLParser(page)
    assert "javascript:alert(1)" in tree.body.text()  # type: ignore[union-attr]
    assert not [a for a in tree.css("a") if "javascript" in (a.attributes.get("href") or "")]


# -- table ---------------------------------------------------------------------------------------


def test_table_groups_by_severity_plain_when_not_coloured(sample: Store) -> None:
    text = render(build_report(sample), Format.TABLE, width=120)
    assert "\x1b[" not in text
    assert text.splitlines()[0].startswith("10 links in 11 citations: 3 dead, 1 failing")
    headings = [line.split()[0] for line in text.splitlines() if re.match(r"^[a-z]+ \(\d+\)", line)]
    assert headings == ["dead", "failing", "changed", "moved", "blocked", "unchecked", "alive"]
    assert max(len(line) for line in text.splitlines()) <= 120
    wide = render(build_report(sample), Format.TABLE, width=250)
    assert "refs/thesis.txt:3 (accessed 2017-09-08)" in wide


def test_table_is_width_aware_and_coloured_on_request(sample: Store) -> None:
    narrow = render(build_report(sample), Format.TABLE, width=60)
    assert max(len(line) for line in narrow.splitlines()) <= 60
    coloured = render(build_report(sample), Format.TABLE, color=True, width=100)
    assert "\x1b[" in coloured


def test_table_shows_no_markup_or_control_characters_from_documents(tmp_path: Path) -> None:
    with Store.open(tmp_path / "t.db") as store:
        store.save_document(
            "evil\x1b[2J[bold]doc.txt", "text", "1", 1, [Citation("x", "https://a.org/[red]x", 1, "t")]
        )
        text = render(build_report(store), Format.TABLE, width=200)
    assert "\x1b" not in text
    assert "[bold]doc.txt" in text and "https://a.org/[red]x" in text


# -- size and writing ------------------------------------------------------------------------------


def bulk_store(path: Path, links: int) -> Store:
    """``links`` checked links (a tenth dead with archived copies), each cited once, in 20 documents."""
    store = Store.open(path)
    per_doc = links // 20
    for d in range(20):
        cites = [
            Citation(u, u, n + 1, f"Ref {i}", dt.date(2019, 1, 1))
            for n, i in enumerate(range(d * per_doc, (d + 1) * per_doc))
            for u in [f"https://h{i % 50}.example.org/p/{i}"]
        ]
        store.save_document(f"docs/d{d:02d}.txt", "text", str(d), 1, cites)
    ids = [r[0] for r in store.db.execute("SELECT id FROM links ORDER BY id")]
    outcomes = [
        (i, _outcome("x", Reason.NOT_FOUND if i % 10 == 0 else Reason.OK, LATEST, http_status=200))
        for i in ids
    ]
    store.record_checks(None, outcomes, judge)
    with store.db.atomic():
        store.db.execute(
            "UPDATE links SET archive_url = 'https://web.archive.org/web/2019/' || url WHERE verdict = 'dead'"
        )
    return store


def test_a_report_takes_a_few_queries_whatever_the_number_of_links(tmp_path: Path) -> None:
    with bulk_store(tmp_path / "bulk.db", 2000) as store:
        statements: list[str] = []
        store.db.conn.set_trace_callback(statements.append)
        start = time.perf_counter()
        report = build_report(
            store, ReportOptions(documents=("docs",), since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        )
        elapsed = time.perf_counter() - start
        store.db.conn.set_trace_callback(None)
    assert len(report.links) == 200  # the dead ones: newly dead since January
    # Constant, whatever the number of links: the links, earlier verdicts, acknowledgements,
    # documents, citations, archive answers (and the --document scope).
    assert len(statements) <= 7, statements
    assert elapsed < 2.0
    for fmt in Format:
        assert render(report, fmt)


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "latest.html"
    write_atomic(target, "first")
    write_atomic(target, "second ünïcode\r\n")
    assert target.read_bytes() == "second ünïcode\r\n".encode()
    assert sorted(p.name for p in target.parent.iterdir()) == ["latest.html"]  # no temporary left behind
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    with pytest.raises(OSError):
        write_atomic(tmp_path / "reports", "a folder is not a file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]  # its temporary is gone too


def test_citation_and_link_fields_match_the_queries() -> None:
    # The report builds its objects from query rows by position: the orders must agree.
    link_fields = list(ReportLink.__dataclass_fields__)
    assert [c.split(".")[1] for c in report_sql.LINK_COLUMNS] == link_fields[: len(report_sql.LINK_COLUMNS)]
    citation_fields = list(ReportCitation.__dataclass_fields__)
    tail = [c.split(".")[1] for c in report_sql.CITATION_COLUMNS[3:]]
    assert ["document", *tail] == citation_fields[: len(tail) + 1]
