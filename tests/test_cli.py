"""The command line, through Typer's CliRunner and as a real subprocess."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from linkcheck.cli import app
from tests.conftest import EXAMPLE

runner = CliRunner()

EXPECTED_EXAMPLE = {
    "http://www.ncbi.nlm.nih.gov/pmc/articles/PMC4292097/": "2017-09-20",
    "http://www.renalreg.org/reports/2015-eighteenth-annual-report/": "2017-09-20",
    "http://www.health.org.uk/publication/does-improving-quality-save-money": "2017-09-08",
    "http://www.health.org.uk/publication/perspectives-context": "2017-09-08",
    "http://www.bhf.org.uk/publications/healthcare-and-innovations/"
    "an-integrated-approach-to-managing-heart-failure-in-the-community": "2017-09-20",
    "http://www.health.org.uk/publication/clear-road-ahead": "2017-09-08",
    "http://www.kingsfund.org.uk/publications/practice-system-leadership": "2017-08-01",
    "http://www.nejm.org/doi/full/10.1056/NEJMp1606458": "2017-09-08",
    "http://www.aomrc.org.uk/publications/reports-guidance/"
    "quality-improvement-training-better-outcomes/": "2017-09-08",
    "http://www.kingsfund.org.uk/publications/better-value-nhs": "2017-09-08",
    "http://fingertips.phe.org.uk/profile/atlas-of-variation": "2017-09-08",
    "http://www.bmj.com/content/356/bmj.j1541": "2017-09-08",
}


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_seed_finds_the_twelve_urls_of_the_example_each_with_its_own_date(in_tmp: Path) -> None:
    result = runner.invoke(app, ["seed", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "Seeded 1 document: 12 citations, 12 new links." in result.stdout
    got = dict(rows(in_tmp / "linkcheck.db", "SELECT url, accessed FROM citations"))
    assert got == EXPECTED_EXAMPLE
    texts = dict(rows(in_tmp / "linkcheck.db", "SELECT url, text FROM citations"))
    assert texts["http://www.health.org.uk/publication/clear-road-ahead"] == (
        "Available at: www.health.org.uk/publication/clear-road-ahead (accessed on 8 September 2017)."
    )


def test_seeding_twice_adds_nothing(in_tmp: Path) -> None:
    assert runner.invoke(app, ["seed", str(EXAMPLE)]).exit_code == 0
    again = runner.invoke(app, ["seed", str(EXAMPLE)])
    assert again.exit_code == 0
    assert "Seeded 1 document (1 unchanged): 0 citations, 0 new links." in again.stdout
    assert rows(in_tmp / "linkcheck.db", "SELECT COUNT(*) FROM citations") == [(12,)]


def test_an_edited_file_replaces_its_citations_and_keeps_links(in_tmp: Path) -> None:
    doc = in_tmp / "refs.md"
    doc.write_text("- A. Available at: https://a.example.org/x (accessed 1 May 2019)\n")
    assert runner.invoke(app, ["seed", "refs.md"]).exit_code == 0
    doc.write_text("- B. Available at: https://b.example.org/y (accessed 2 May 2019)\n")
    result = runner.invoke(app, ["seed", "refs.md"])
    assert result.exit_code == 0
    assert "1 updated" in result.stdout and "1 new link" in result.stdout
    db = in_tmp / "linkcheck.db"
    assert rows(db, "SELECT url, accessed FROM citations") == [("https://b.example.org/y", "2019-05-02")]
    assert rows(db, "SELECT COUNT(*) FROM links") == [(2,)]
    assert rows(db, "SELECT path FROM documents") == [("refs.md",)]


def test_db_option_and_environment_variable(in_tmp: Path) -> None:
    assert runner.invoke(app, ["--db", "one.db", "seed", str(EXAMPLE)]).exit_code == 0
    assert (in_tmp / "one.db").exists()
    result = runner.invoke(app, ["seed", str(EXAMPLE)], env={"LINKCHECK_DB": str(in_tmp / "two.db")})
    assert result.exit_code == 0
    assert rows(in_tmp / "two.db", "SELECT COUNT(*) FROM links") == [(12,)]
    assert not (in_tmp / "linkcheck.db").exists()


def test_folders_are_walked_recursively_skipping_hidden_ones(in_tmp: Path) -> None:
    (in_tmp / "lists" / "sub").mkdir(parents=True)
    (in_tmp / "lists" / ".git").mkdir()
    (in_tmp / "lists" / "a.txt").write_text("See https://a.example.org/ (accessed 3 March 2019).\n")
    (in_tmp / "lists" / "sub" / "b.md").write_text("* [B](https://b.example.org/page)\n")
    (in_tmp / "lists" / ".git" / "c.txt").write_text("https://hidden.example.org/\n")
    (in_tmp / "lists" / ".hidden.txt").write_text("https://hidden2.example.org/\n")
    (in_tmp / "lists" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    (in_tmp / "lists" / "package.json").write_text('{"name": "x", "homepage": "https://x.example.org/"}')
    result = runner.invoke(app, ["seed", "--verbose", "lists"])
    assert result.exit_code == 0, result.output
    assert "skipped lists/logo.png" in result.stderr
    assert "skipped lists/package.json: JSON, but not a CSL-JSON reference list" in result.stderr
    assert sorted(rows(in_tmp / "linkcheck.db", "SELECT path FROM documents")) == [
        ("lists/a.txt",),
        ("lists/sub/b.md",),
    ]


def test_bad_inputs_are_named_and_the_others_still_seeded(in_tmp: Path) -> None:
    (in_tmp / "good.txt").write_text("https://good.example.org/page\n")
    (in_tmp / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (in_tmp / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage garbage")
    (in_tmp / "broken.json").write_text('[{"type": "webpage", "title": "T", "URL": "http://x.org/"')
    result = runner.invoke(
        app, ["seed", "missing.txt", "binary.txt", "broken.pdf", "broken.json", "good.txt"]
    )
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 4, result.stderr
    assert lines[0].startswith("linkcheck: missing.txt: no such file")
    assert lines[1].startswith("linkcheck: binary.txt: ")
    assert lines[2].startswith("linkcheck: broken.pdf: ")
    assert lines[3].startswith("linkcheck: broken.json: ")
    assert "Traceback" not in result.output
    assert rows(in_tmp / "linkcheck.db", "SELECT url FROM links") == [("https://good.example.org/page",)]


def test_unreadable_database_is_one_line_and_exit_2(in_tmp: Path) -> None:
    (in_tmp / "bad.db").write_bytes(b"not a database" * 200)
    result = runner.invoke(app, ["--db", "bad.db", "seed", str(EXAMPLE)])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("linkcheck: bad.db: the database is damaged")
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_seeds_and_checks_only_what_its_documents_cite(in_tmp: Path) -> None:
    (in_tmp / "other.txt").write_text("https://other.invalid/x\n")
    assert runner.invoke(app, ["seed", "other.txt"]).exit_code == 0
    # .invalid names are refused without asking the network (RFC 6761), ftp is not fetched:
    # this run needs no network, and its verdicts are final.
    (in_tmp / "refs.txt").write_text(
        "See https://nowhere.invalid/a (accessed 1 May 2019).\n\nftp://x.example.org/f\n"
    )
    result = runner.invoke(app, ["run", "./refs.txt"])
    assert result.exit_code == 0, result.output
    assert "Seeded 1 document: 2 citations, 2 new links." in result.stdout
    verdicts = dict(rows(in_tmp / "linkcheck.db", "SELECT url, verdict FROM links"))
    assert verdicts == {
        "https://other.invalid/x": "unchecked",
        "https://nowhere.invalid/a": "invalid",
        "ftp://x.example.org/f": "skipped",
    }


def test_impossible_date_is_not_stored_and_reported_with_verbose(in_tmp: Path) -> None:
    (in_tmp / "f.txt").write_text(
        "Available at: https://x.example.org/a (accessed on 8 September 2087).\n\n"
        "Available at: https://x.example.org/b (accessed on 8 September 1987).\n"
    )
    result = runner.invoke(app, ["seed", "-v", "f.txt"])
    assert result.exit_code == 0
    assert rows(in_tmp / "linkcheck.db", "SELECT accessed FROM citations") == [(None,), (None,)]
    assert "2087" in result.stderr and "1987" in result.stderr


def test_date_order_option(in_tmp: Path) -> None:
    (in_tmp / "f.txt").write_text("https://x.example.org/a (accessed 03/04/2019)\n")
    assert runner.invoke(app, ["--db", "d.db", "seed", "f.txt"]).exit_code == 0
    assert runner.invoke(app, ["--db", "m.db", "seed", "--date-order", "mdy", "f.txt"]).exit_code == 0
    assert rows(in_tmp / "d.db", "SELECT accessed FROM citations") == [("2019-04-03",)]
    assert rows(in_tmp / "m.db", "SELECT accessed FROM citations") == [("2019-03-04",)]


def test_the_installed_command_runs_without_traceback(in_tmp: Path) -> None:
    env = {**os.environ, "LINKCHECK_DB": str(in_tmp / "sub.db")}
    proc = subprocess.run(
        [sys.executable, "-m", "linkcheck", "seed", str(EXAMPLE), "nope.txt"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "linkcheck: nope.txt: no such file or folder"
    assert "12 new links" in proc.stdout


def test_a_file_over_the_size_limit_is_refused_by_name(in_tmp: Path) -> None:
    (in_tmp / "big.txt").write_text("https://a.example.org/x\n" * 100)
    (in_tmp / "small.txt").write_text("https://b.example.org/y\n")
    result = runner.invoke(app, ["seed", "--max-size", "1000", "big.txt", "small.txt"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "linkcheck: big.txt: file is 2,400 bytes, larger than the limit of 1,000"
    assert rows(in_tmp / "linkcheck.db", "SELECT url FROM links") == [("https://b.example.org/y",)]


def test_history_finds_a_link_by_its_cited_form(in_tmp: Path) -> None:
    assert runner.invoke(app, ["seed", str(EXAMPLE)]).exit_code == 0
    result = runner.invoke(app, ["history", "www.BMJ.com/content/356/bmj.j1541"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("http://www.bmj.com/content/356/bmj.j1541: unchecked (not checked)")


def test_a_usage_error_is_one_line_from_the_installed_command(in_tmp: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "linkcheck", "check", "--per-host", "many"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "linkcheck: check: Invalid value for '--per-host': Input should be a valid integer, "
        "unable to parse string as an integer (see --help)"
    ]
    assert not (in_tmp / "linkcheck.db").exists()
