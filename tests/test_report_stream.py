"""Reports written in chunks (JSON, CSV, Markdown): the same text as the whole report, byte for byte,
whatever the options, with chunks of two links so that every report spans many; and memory that
does not grow with the number of links (summary of a generated database, in a subprocess)."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkcheck.models import Citation, Verdict
from linkcheck.report import Format, ReportOptions, build_report, stream
from linkcheck.report.output import render
from linkcheck.store import Store, workflow
from tests.test_report import DEAD, FAILING, LATEST, LIST, NOTES, THESIS, sample_store

NOW = "2026-03-02T00:00:00Z"


@pytest.fixture
def rich(tmp_path: Path) -> Iterator[Store]:
    """The report tests' sample, plus links no document cites, an acknowledgement and notes."""
    store = sample_store(tmp_path / "rich.db")
    store.save_document(
        "zz/uncited.txt", "text", "z", 1, [Citation("https://gone.example.org/x", "x", 1, "x")]
    )
    store.save_document("zz/uncited.txt", "text", "z2", 1, [])  # its link is no longer cited
    ids = {r["url"]: r["id"] for r in store.query("SELECT id, url FROM links")}
    workflow.acknowledge(store, ids[FAILING], dt.datetime(2030, 1, 1, tzinfo=dt.UTC), "slow, not gone")
    workflow.set_note(store, ids[DEAD], "ask the author")
    yield store
    store.close()


OPTIONS = [
    ReportOptions(),
    ReportOptions(only=frozenset({Verdict.DEAD, Verdict.FAILING})),
    ReportOptions(only=frozenset({Verdict.FAILING}), include_acknowledged=True),
    ReportOptions(documents=(THESIS, NOTES)),
    ReportOptions(documents=(LIST,), only=frozenset({Verdict.DEAD})),
    ReportOptions(since=LATEST - dt.timedelta(days=1)),
    ReportOptions(owner_of=lambda p: "Theses" if p.startswith("refs/") else None),
    ReportOptions(owner_of=lambda p: "Theses" if p.startswith("refs/") else None, owner="Theses"),
    ReportOptions(only=frozenset({Verdict.UNCHECKED, Verdict.SKIPPED})),  # nothing to report
]


def streamed(store: Store, options: ReportOptions, fmt: str, **kw: object) -> tuple[str, stream.Streamer]:
    streamer = stream.Streamer(store, options, now=NOW)
    out = io.StringIO()
    stream.write(streamer, fmt, out, **kw)  # type: ignore[arg-type]
    return out.getvalue(), streamer


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
def test_a_report_in_chunks_is_the_whole_report(
    rich: Store, options: ReportOptions, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "CHUNK", 2)
    whole = build_report(rich, options, now=NOW)
    expected = render(whole, Format(fmt), max_length=None)
    got, streamer = streamed(rich, options, fmt)
    assert got == expected
    assert streamer.tally.totals == whole.totals
    wanted = {"dead", "failing", "blocked"}
    matched = whole.matching(wanted)
    assert streamer.tally.matching(wanted) == (len(matched), sorted({k.verdict for k in matched}))


@pytest.mark.parametrize("limit", [600, 1100, 1600, 2500, 100_000])
def test_a_markdown_report_is_cut_as_the_whole_one_is(
    rich: Store, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "CHUNK", 2)
    expected = render(build_report(rich, now=NOW), Format.MARKDOWN, max_length=limit)
    got, _ = streamed(rich, ReportOptions(), "markdown", max_length=limit)
    assert got == expected
    assert len(got) <= limit or limit == 600


def test_excel_csv_starts_with_a_byte_order_mark(rich: Store) -> None:
    got, _ = streamed(rich, ReportOptions(), "csv", excel=True)
    assert got == render(build_report(rich, now=NOW), Format.CSV, excel=True)
    assert got.startswith("\ufeff")


def test_a_report_is_of_one_moment_while_a_check_writes(rich: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A verdict changed (and a link added) by another connection after the first chunk was read
    is in none of the later chunks: the report is of the moment it began (one read transaction)."""
    monkeypatch.setattr(stream, "CHUNK", 2)
    before = [(k.url, k.verdict) for k in build_report(rich, now=NOW).links]
    streamer = stream.Streamer(rich, ReportOptions(), now=NOW)
    other = Store.open(rich.path)
    seen: list[tuple[str, str]] = []
    with stream.snapshot(rich):
        for part in streamer.by_link():
            if not seen:
                with other.db.atomic():
                    other.db.execute("UPDATE links SET verdict = 'dead' WHERE verdict = 'alive'")
                other.save_document(
                    "late.txt", "text", "l", 1, [Citation("https://late.example.org/", "l", 1, "l")]
                )
            seen += [(k.url, k.verdict) for k in part.links]
    other.close()
    assert seen == before
    assert "alive" not in {k.verdict for k in build_report(rich, now=NOW).links}


# -- memory -----------------------------------------------------------------------------------------

PEAK = """
import resource, sys
sys.argv = ["linkcheck", "--db", sys.argv[1], "summary", "--format", sys.argv[2], "--output", sys.argv[3]]
from linkcheck.cli import app
try:
    app()
except SystemExit:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def generated(path: Path, links: int) -> None:
    """``links`` checked links cited once each in 20 documents, written straight through SQL."""
    store = Store.open(path)
    rng = random.Random(links)
    conn = store.db.conn
    conn.execute("PRAGMA foreign_keys = OFF")
    verdicts = ["alive"] * 8 + ["dead", "failing", "moved", "changed"]
    with conn:
        conn.executemany(
            "INSERT INTO documents (id, path, format, sha256, size, seeded_at, citations) "
            "VALUES (?, ?, 'text', '', 0, ?, 0)",
            [(d + 1, f"lists/{d:02d}.txt", NOW) for d in range(20)],
        )
        conn.executemany(
            "INSERT INTO links (id, url, normal, host, scheme, first_seen, verdict, reason, last_checked, "
            "checks) "
            "VALUES (?, ?, ?, 'h.example.org', 'https', ?, ?, 'ok', ?, 1)",
            (
                (i, u, u, NOW, rng.choice(verdicts), NOW)
                for i in range(1, links + 1)
                for u in [f"https://h{i % 97}.example.org/{i}/{'x' * 60}"]
            ),
        )
        conn.executemany(
            "INSERT INTO citations (document_id, link_id, position, line, cited, url, accessed, text) "
            "VALUES (?, ?, ?, ?, ?, ?, '2019-05-01', ?)",
            (
                (i % 20 + 1, i, i, i, "u", "u", f"Author {i}. A report on things, {'y' * 80}")
                for i in range(1, links + 1)
            ),
        )
    store.close()


def peak_mb(db: Path, fmt: str, out: Path) -> float:
    proc = subprocess.run(
        [sys.executable, "-c", PEAK, str(db), fmt, str(out)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.split()[-1]) / 1024


def test_memory_does_not_grow_with_the_number_of_links(tmp_path: Path) -> None:
    """JSON of 4,000 and of 40,000 links: peak memory within a few MB (the whole report grew by
    about 5 KB a link), and the file holds every link."""
    small, large = tmp_path / "small.db", tmp_path / "large.db"
    generated(small, 4_000)
    generated(large, 40_000)
    a = peak_mb(small, "json", tmp_path / "small.json")
    b = peak_mb(large, "json", tmp_path / "large.json")
    assert len(json.loads((tmp_path / "large.json").read_text())["links"]) == 40_000
    assert b - a < 15, (a, b)
