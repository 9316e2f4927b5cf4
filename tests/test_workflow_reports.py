"""Reports that fit where they are read: JUnit XML (validated against Jenkins' schema), GitHub
annotations, Markdown within a length, CSV grouped by document with a BOM for Excel, the terminal
table at any width, and acknowledged links and notes in each."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from linkcheck.cli import app
from linkcheck.models import Citation
from linkcheck.report import Format, ReportOptions, build_report
from linkcheck.report.output import render
from linkcheck.store import Store, workflow
from tests.conftest import FIXTURES
from tests.test_report import BLOCKED, DEAD, HOSTILE, LIST, NOTES, THESIS, sample_store

runner = CliRunner()
SCHEMA = etree.XMLSchema(etree.parse(str(FIXTURES / "junit-10.xsd")))


@pytest.fixture
def sample(tmp_path: Path) -> Store:
    return sample_store(tmp_path / "sample.db")


def ack(store: Store, url: str, note: str | None = None, days: float = 30) -> None:
    found = workflow.link_id(store, url)
    assert found is not None
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    workflow.acknowledge(store, found[0], until, note)


# -- JUnit ------------------------------------------------------------------------------------------


def test_junit_is_valid_against_the_jenkins_schema_and_says_what_failed(sample: Store) -> None:
    ack(sample, BLOCKED, "paywall")
    text = render(build_report(sample), Format.JUNIT)
    doc = etree.fromstring(text.encode("utf-8"))
    SCHEMA.assertValid(doc)
    suites = {s.get("name"): s for s in doc.findall("testsuite")}
    assert set(suites) == {THESIS, LIST, NOTES}
    thesis = suites[THESIS]
    assert thesis.get("file") == THESIS and thesis.get("tests") == "6"
    dead = next(c for c in thesis.findall("testcase") if DEAD in c.get("name"))
    assert dead.get("name") == f"line 3: {DEAD}" and dead.get("classname") == THESIS
    failure = dead.find("failure")
    assert failure is not None and failure.get("type") == "dead"
    assert failure.get("message") == "dead: not-found (HTTP 404)"
    assert "cite the archived copy" in (failure.text or "")
    unchecked = [c for c in thesis.findall("testcase") if c.find("skipped") is not None]
    assert len(unchecked) == 1
    walled = next(c for c in suites[LIST].findall("testcase") if BLOCKED in c.get("name"))
    assert walled.find("failure") is None and "paywall" in (walled.findtext("system-out") or "")
    # Counts agree with the cases; the hostile title and URL are escaped, so the file parses at all.
    failures = sum(len(s.findall("testcase/failure")) for s in suites.values())
    assert doc.get("failures") == str(failures) and doc.get("tests") == "11"
    assert any(HOSTILE in (c.get("name") or "") for c in suites[NOTES].findall("testcase"))


def test_junit_survives_control_characters_and_an_empty_report(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "x.db")
    url = "https://example.org/a"
    store.save_document("weird\x01name.txt", "text", "h", 1, [Citation(url, url, 1, "text \x0b here", None)])
    SCHEMA.assertValid(etree.fromstring(render(build_report(store), Format.JUNIT).encode()))
    empty = build_report(store, ReportOptions(only=frozenset()))
    SCHEMA.assertValid(etree.fromstring(render(empty, Format.JUNIT).encode()))


# -- GitHub annotations ------------------------------------------------------------------------------


def test_github_annotations_point_at_the_line_of_each_problem_citation(sample: Store) -> None:
    ack(sample, BLOCKED)
    lines = render(build_report(sample), Format.GITHUB).splitlines()
    # In document order: notes/ before refs/list.md before refs/thesis.txt.
    assert lines[0].startswith(
        "::error file=notes/weird *name* [x].txt,line=1,title=linkcheck%3A dead link::"
    )
    assert f"::warning file={THESIS},line=5,title=linkcheck%3A moved link::moved: " in "\n".join(lines)
    dead = [x for x in lines if x.startswith("::error ")]
    assert (
        f"::error file=refs/list.md,line=2,title=linkcheck%3A dead link::dead: {DEAD} (not-found (HTTP 404))"
        in (" ".join(dead))
    )
    assert {x.split(",line=")[0] for x in dead} >= {
        "::error file=refs/thesis.txt",
        "::error file=refs/list.md",
    }
    assert not any(BLOCKED in x for x in lines)  # acknowledged: no annotation
    assert lines[-1].startswith("::notice title=linkcheck::10 links in 11 citations")
    # Nothing from a document or the web can end the command or start another.
    for line in lines:
        assert line.count("::") == 2 and "\n" not in line and "\r" not in line


def test_github_escapes_what_would_forge_a_command(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "x.db")
    url = "https://example.org/a"
    store.save_document("a,b:c%.md", "text", "h", 1, [Citation(url, url, 1, "t", None)])
    store.db.execute("UPDATE links SET verdict = 'dead', reason = 'not-found'")
    workflow.set_note(store, 1, "line one\n::error::forged 100%")
    (line,) = render(build_report(store), Format.GITHUB).splitlines()[:1]
    assert line.startswith("::error file=a%2Cb%3Ac%25.md,line=1,")
    assert "note: line one ::error::forged 100%25" in line  # one line; % escaped


# -- Markdown within a length -------------------------------------------------------------------------


def big_store(path: Path, documents: int = 20, per_document: int = 30) -> Store:
    store = Store.open(path)
    for d in range(documents):
        cites = [
            Citation(u, u, i + 1, f"Reference {i} " + "x" * 80, dt.date(2020, 1, 1))
            for i, u in enumerate(f"https://site{d}.example.org/article/{i}" for i in range(per_document))
        ]
        store.save_document(f"lists/guide-{d:02}.md", "markdown", str(d), 1, cites)
    # A third dead, a third blocked, a third alive.
    store.db.execute(
        "UPDATE links SET verdict = 'dead', reason = 'not-found', http_status = 404 WHERE id % 3 = 0"
    )
    store.db.execute(
        "UPDATE links SET verdict = 'blocked', reason = 'forbidden', http_status = 403 WHERE id % 3 = 1"
    )
    store.db.execute("UPDATE links SET verdict = 'alive', reason = 'ok', http_status = 200 WHERE id % 3 = 2")
    store.db.conn.commit()
    return store


def test_markdown_fits_a_github_comment_keeping_the_worst_first(tmp_path: Path) -> None:
    store = big_store(tmp_path / "big.db")
    report = build_report(store)
    whole = render(report, Format.MARKDOWN, max_length=None)
    assert len(whole) > 65_536  # 400 problem citations: too long for a comment
    cut = render(report, Format.MARKDOWN)
    assert len(cut) <= 65_536
    rows = [x for x in cut.splitlines() if x.startswith("| ") and "---" not in x and "line |" not in x]
    verdicts = [re.search(r"\*\*(\w+)\*\*", x).group(1) for x in rows]  # type: ignore[union-attr]
    assert verdicts.count("dead") == 200  # every dead citation kept...
    assert 0 < verdicts.count("blocked") < 200  # ...then as many blocked as fit
    shown = len(rows)
    m = re.search(r"\*\*(\d+) more not shown\*\* \((\d+) blocked; (\d+) of them problems\)", cut)
    assert m and int(m.group(1)) == 400 - shown == int(m.group(2)) == int(m.group(3))
    assert "cut to 65,536 characters" in cut
    # Documents keep their order and their headings.
    headings = re.findall(r"^### (.+)$", cut, re.M)
    assert headings == sorted(headings) and len(headings) == 20
    small = render(report, Format.MARKDOWN, max_length=5000)
    assert len(small) <= 5000 and "more not shown" in small


def test_summary_max_length_option(tmp_path: Path, in_tmp: Path) -> None:
    big_store(in_tmp / "linkcheck.db", documents=5, per_document=30).close()
    result = runner.invoke(app, ["summary", "--format", "markdown", "--max-length", "3000"])
    assert result.exit_code == 0 and len(result.stdout) <= 3000 and "more not shown" in result.stdout
    whole = runner.invoke(app, ["summary", "--format", "markdown"])
    assert "more not shown" not in whole.stdout
    assert runner.invoke(app, ["summary", "--max-length", "10"]).exit_code == 2


# -- CSV --------------------------------------------------------------------------------------------


def test_csv_is_grouped_by_document_then_position_and_excel_gets_a_bom(sample: Store) -> None:
    ack(sample, BLOCKED, "paywall")
    workflow.set_note(sample, workflow.link_id(sample, DEAD)[0], "ask the author")  # type: ignore[index]
    report = build_report(
        sample, ReportOptions(owner_of=lambda p: "Theses" if p.startswith("refs/") else None)
    )
    text = render(report, Format.CSV)
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    keys = [(r["document"], int(r["line"])) for r in rows if r["document"]]
    assert keys == sorted(keys)  # by document, then position (lines rise within each)
    assert [r["document"] for r in rows] == [NOTES] + [LIST] * 4 + [THESIS] * 6
    assert {r["owner"] for r in rows if r["document"].startswith("refs/")} == {"Theses"}
    assert next(r for r in rows if r["document"] == NOTES)["owner"] == ""
    assert {r["note"] for r in rows if r["url"] == DEAD} == {"ask the author"}
    assert next(r for r in rows if r["url"] == BLOCKED)["acknowledged_until"]
    excel = render(report, Format.CSV, excel=True)
    assert excel.startswith("\ufeffdocument,line,url") and excel[1:] == text
    # Accented text survives the round trip that Excel does (UTF-8 with BOM).
    assert excel.encode("utf-8").decode("utf-8-sig") == text


def test_summary_excel_writes_a_bom_to_a_file(in_tmp: Path) -> None:
    sample_store(in_tmp / "linkcheck.db").close()
    assert runner.invoke(app, ["summary", "-f", "csv", "--excel", "-o", "out.csv"]).exit_code == 0
    assert (in_tmp / "out.csv").read_bytes().startswith(b"\xef\xbb\xbfdocument,")


# -- Markdown and table show acknowledgements and notes ---------------------------------------------------


def test_markdown_shows_an_acknowledged_link_as_such_and_notes(sample: Store) -> None:
    ack(sample, DEAD, "known; replacing next term")
    text = render(build_report(sample, ReportOptions(only=None)), Format.MARKDOWN)
    assert "acknowledged until" not in text  # not a problem: not listed among the problems
    listed = render(
        build_report(sample, ReportOptions(only=frozenset({"dead"}), include_acknowledged=True)),  # type: ignore[arg-type]
        Format.MARKDOWN,
    )
    assert "acknowledged until" in listed and "known; replacing next term" in listed


# -- the terminal table at any width -----------------------------------------------------------------


def test_table_below_120_columns_is_one_line_a_link_and_never_splits_a_path(sample: Store) -> None:
    report = build_report(sample)
    for width in (80, 100, 119):
        text = render(report, Format.TABLE, width=width)
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= width
        link_lines = [x for x in lines if x.startswith("  ")]
        assert len(link_lines) == len(report.links) == 10  # one line a link
        # A path is whole, or cut in the middle with an ellipsis: never folded onto two lines.
        assert all(
            re.search(r"(refs/[a-z]+\.(txt|md)|…[^ ]*\.txt):\d+", x) for x in link_lines if "refs/" in x
        )
    assert "refs/thesis.txt:11" in render(report, Format.TABLE, width=80)
    wide = render(report, Format.TABLE, width=160)
    assert "cited in" in wide and "suggested fix" in wide  # tables from 120 columns


def test_table_urls_are_hyperlinks_on_a_terminal_only(sample: Store) -> None:
    report = build_report(sample)
    osc8 = "\x1b]8;id="
    for width in (80, 160):
        coloured = render(report, Format.TABLE, color=True, width=width)
        assert osc8 in coloured and f";{DEAD}\x1b\\" in coloured  # the whole URL, even when shortened
        assert "\x1b]8" not in render(report, Format.TABLE, width=width)
    # Never a link to a scheme that runs something.
    store = Store.open(sample.path.replace("sample.db", "js.db"))
    store.save_document(
        "a.txt", "text", "h", 1, [Citation("javascript:alert(1)", "javascript:alert(1)", 1, "t")]
    )
    assert "\x1b]8;id=" not in render(build_report(store), Format.TABLE, color=True, width=80)


def test_notes_and_acknowledgements_show_in_html_escaped(sample: Store) -> None:
    ack(sample, BLOCKED, "paywall <b>we</b> subscribe")
    workflow.set_note(sample, workflow.link_id(sample, DEAD)[0], "<script>x()</script> ask")  # type: ignore[index]
    page = render(build_report(sample), Format.HTML)
    assert "note: &lt;script&gt;x()&lt;/script&gt; ask" in page and "<script>x()" not in page
    assert "acknowledged until" in page and "paywall &lt;b&gt;we&lt;/b&gt; subscribe" in page
