"""`linkcheck summary` and `linkcheck run` through the CLI: formats, --output, filters, exit codes.

The summary tests read the sample store of ``test_report.py``; the run tests check documents
against the loopback test web (``tests/web.py``), so nothing leaves the machine.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from linkcheck.cli import app
from tests.test_report import (
    CONTRACT_SCHEMA,
    DEAD,
    LIST,
    MOVED,
    MOVED_TO,
    RECOVERED,
    THESIS,
    sample_store,
)
from tests.web import Answer, Reply, Request, Web, honest_site, html, words

runner = CliRunner()


@pytest.fixture
def db(in_tmp: Path) -> Path:
    """The sample store as ``linkcheck.db`` in the working directory."""
    path = in_tmp / "linkcheck.db"
    sample_store(path).close()
    return path


def summary(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["summary", *args])
    return result.exit_code, result.stdout, result.stderr


def test_default_is_a_plain_table_when_piped(db: Path) -> None:
    code, out, err = summary()
    assert code == 0 and err == ""
    assert out.startswith("10 links in 11 citations: 3 dead")
    assert "\x1b[" not in out
    assert "dead (3)" in out and "alive (2)" in out


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "html"])
def test_every_format_to_stdout_and_to_a_file(db: Path, fmt: str) -> None:
    code, out, err = summary("--format", fmt)
    assert code == 0 and err == ""
    assert DEAD in out or "dead (3)" in out  # a table folds long URLs
    target = db.parent / "reports" / f"latest.{fmt}"
    code, quiet, err = summary("--format", fmt, "--output", str(target))
    assert code == 0 and quiet == "" and err == ""
    written = target.read_text(encoding="utf-8")
    if fmt == "table":  # folded to 120 columns in a file, to the terminal's width on one
        assert "dead (3)" in written
    else:
        assert DEAD in written
    if fmt not in ("table", "html"):  # (the HTML page carries a fresh nonce each time)
        assert written.split("\n", 3)[3] == out.split("\n", 3)[3]  # same report below the time stamp
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


def test_json_on_stdout_is_the_contracts_shape(db: Path) -> None:
    _, out, _ = summary("-f", "json")
    data = json.loads(out)
    jsonschema.validate(data, CONTRACT_SCHEMA)
    assert data["totals"]["dead"] == 3


def test_csv_on_stdout_reads_back(db: Path) -> None:
    _, out, _ = summary("--format", "csv", "--only", "moved")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [(r["url"], r["final_url"], r["suggestion"]) for r in rows] == [(MOVED, MOVED_TO, MOVED_TO)]


def test_only_takes_commas_and_repeats(db: Path) -> None:
    _, out, _ = summary("-f", "json", "--only", "dead,moved", "--only", "ALIVE")
    assert {k["verdict"] for k in json.loads(out)["links"]} == {"dead", "moved", "alive"}


def test_document_paths_are_normalised_like_seeds(db: Path) -> None:
    for spelling in (LIST, f"./{LIST}", f"refs/../{LIST}", str(db.parent / LIST)):
        code, out, err = summary("-f", "json", "--document", spelling)
        assert code == 0, err
        docs = {c["document"] for k in json.loads(out)["links"] for c in k["citations"]}
        assert docs == {LIST}, spelling


def test_document_folder_and_an_unknown_document(db: Path) -> None:
    code, out, err = summary("-f", "json", "--document", "refs", "--document", "missing.txt")
    assert code == 2
    assert err.strip() == "linkcheck: missing.txt: no such file or folder (--document)"
    # The other documents are still reported.
    docs = {c["document"] for k in json.loads(out)["links"] for c in k["citations"]}
    assert docs == {LIST, THESIS}


def test_fail_on_exits_1_when_a_reported_link_matches(db: Path) -> None:
    code, out, err = summary("--fail-on", "dead,moved")
    assert code == 1
    assert err.strip() == "linkcheck: 4 links are dead or moved (--fail-on)"
    assert "dead (3)" in out  # the report is still written
    code, _, err = summary("--fail-on", "moved")
    assert (code, err.strip()) == (1, "linkcheck: 1 link is moved (--fail-on)")
    # Only links in the report count.
    assert summary("--only", "alive", "--fail-on", "dead")[0] == 0
    assert summary("--document", LIST, "--fail-on", "moved,changed")[0] == 0
    assert summary("--fail-on", "skipped,invalid")[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on", "dead,deadd"], "linkcheck: --fail-on: unknown verdict 'deadd'"),
        (["--only", "broken"], "linkcheck: --only: unknown verdict 'broken'"),
        (["--since", "yesterday-ish"], "linkcheck: --since 'yesterday-ish': expected a date"),
        (["--format", "pdf"], ""),
    ],
)
def test_bad_options_exit_2_with_one_line(db: Path, args: list[str], message: str) -> None:
    code, out, err = summary(*args)
    assert code == 2
    assert out == ""
    if message:
        assert err.startswith(message) and len(err.strip().splitlines()) == 1


def test_since_lists_what_changed(db: Path) -> None:
    code, out, _ = summary("-f", "json", "--since", "2026-02-15")
    assert code == 0
    data = json.loads(out)
    changes = {k["url"]: k["change"] for k in data["links"]}
    assert changes[DEAD] == "newly-dead" and changes[RECOVERED] == "recovered"
    assert data["since"] == "2026-02-15T00:00:00Z"
    # A fail-on over what changed: fail CI only on news.
    assert summary("--since", "2026-03-02", "--fail-on", "dead")[0] == 0
    assert summary("--since", "2026-02-15", "--fail-on", "dead")[0] == 1


def test_output_that_cannot_be_written_exits_2(db: Path) -> None:
    (db.parent / "taken").mkdir()
    code, _, err = summary("--output", "taken")
    assert code == 2
    assert err.startswith("linkcheck: cannot write taken:") and len(err.strip().splitlines()) == 1


# -- run: seed, check, summarise ------------------------------------------------------------------


def title_site(req: Request, web: Web) -> Answer:
    """One live page whose title is a script; every other path is not found."""
    if req.path == "/page":
        return html("<script>document.title = 'pwned'</script>Moved", "<p>" + words("page", 300) + "</p>")
    return Reply(404)


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    w = Web()
    w.add_site("site-a.test", honest_site)
    w.add_site("titles.test", title_site)
    yield w
    w.close()


def cite(path: Path, *urls: str) -> None:
    path.write_text(
        "\n".join(f"Ref {i}. Available at: {u} (accessed on 8 September 2017)" for i, u in enumerate(urls))
        + "\n",
        encoding="utf-8",
    )


def test_run_seeds_checks_and_reports_in_any_format(in_tmp: Path, web: Web) -> None:
    a = web.sites["site-a.test"]
    cite(in_tmp / "refs.txt", a.url("/live"), a.url("/missing"), a.url("/old-article"))
    cite(in_tmp / "other.txt", a.url("/gone"))
    fast = [
        "--allow-private",
        "--timeout",
        "2",
        "--retries",
        "0",
        "--host-interval",
        "0",
        *web.resolve_args(),
    ]
    assert runner.invoke(app, ["seed", "other.txt"]).exit_code == 0
    result = runner.invoke(app, ["run", "refs.txt", *fast, "--format", "json", "--fail-on", "dead"])
    assert result.exit_code == 1
    # Standard output is the report and nothing else: the progress lines went to stderr.
    data = json.loads(result.stdout)
    jsonschema.validate(data, CONTRACT_SCHEMA)
    assert {k["url"].rsplit("/", 1)[1]: k["verdict"] for k in data["links"]} == {
        "live": "alive",
        "missing": "dead",
        "old-article": "moved",
    }  # other.txt's link is not part of this run's report
    moved = next(k for k in data["links"] if k["verdict"] == "moved")
    assert moved["suggestion"]["url"] == a.url("/new-article")
    assert "1 document" in result.stderr and "links are dead (--fail-on)" not in result.stderr
    assert "linkcheck: 1 link is dead (--fail-on)" in result.stderr


def test_run_writes_the_report_to_a_file_and_prints_the_table_by_default(in_tmp: Path, web: Web) -> None:
    t = web.sites["titles.test"]
    cite(in_tmp / "refs.md", t.url("/page"))
    fast = ["--allow-private", "--timeout", "2", "--retries", "0", *web.resolve_args()]
    result = runner.invoke(app, ["run", "refs.md", *fast, "--format", "html", "--output", "out/report.html"])
    assert result.exit_code == 0, result.output
    page = (in_tmp / "out" / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;document.title = &#39;pwned&#39;&lt;/script&gt;Moved" in page
    assert "<script>document.title" not in page
    table = runner.invoke(app, ["run", "refs.md", *fast, "--only", "alive"])
    assert table.exit_code == 0
    assert "alive (1)" in table.stdout and "1 link in 1 citation: 1 alive" in table.stdout
