"""A check run streams its links from the database in chunks: it never holds the due list.

Through real sockets on the test web, with the chunk made small: every due link is checked once,
exclusions still apply, and the links are read a chunk at a time (never all at once).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.check import runner as check_runner
from linkcheck.cli import app
from linkcheck.store import LinkToCheck, Store
from tests.web import Web, honest_site, slowish_site

runner = CliRunner()


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    w = Web()
    w.add_site("site-a.test", honest_site)
    w.add_site("slowish.test", slowish_site)
    yield w
    w.close()


def test_a_run_reads_its_links_a_chunk_at_a_time(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, slow = web.sites["site-a.test"], web.sites["slowish.test"]
    links = [site.url(f"/live?n={i}") for i in range(13)] + [slow.url(f"/page/{i}") for i in range(12)]
    links += [site.url(f"/private/{i}") for i in range(3)]
    (tmp_path / "refs.txt").write_text("\n\n".join(links) + "\n")
    db = tmp_path / "c.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(tmp_path / "refs.txt")]).exit_code == 0

    monkeypatch.setattr(check_runner, "CHUNK", 4)
    chunks: list[int] = []
    by_id = Store.links_by_id

    def reading(store: Store, ids: Sequence[int]) -> list[LinkToCheck]:
        chunks.append(len(ids))
        return by_id(store, ids)

    def whole(*args: object, **kwargs: object) -> list[LinkToCheck]:
        raise AssertionError("a run must not read its whole due list")

    monkeypatch.setattr(Store, "links_by_id", reading)
    monkeypatch.setattr(Store, "links_to_check", whole)
    args = ["--host-interval", "0", "--allow-private", "--no-archive", "--exclude", "/private/"]
    result = runner.invoke(app, ["--db", str(db), "check", *args, *web.resolve_args()])
    assert result.exit_code == 0, result.output
    assert "Checked 28 of 28 links" in result.stdout
    # The first chunk is read for the content step, then every chunk once as the run takes it.
    assert max(chunks) == 4 and sum(chunks[1:]) == 28
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT l.url, l.verdict, COUNT(c.id) FROM links l JOIN checks c ON c.link_id = l.id "
                        "GROUP BY l.id").fetchall()  # fmt: skip
    conn.close()
    assert len(rows) == 28 and {n for _, _, n in rows} == {1}
    assert {u for u, v, _ in rows if v == "skipped"} == set(links[-3:])
    assert {v for u, v, _ in rows if u not in links[-3:]} == {"alive"}
    # Nothing is due any more: the next run has nothing to do.
    again = runner.invoke(app, ["--db", str(db), "check", *args, *web.resolve_args()])
    assert "Nothing to check" in again.stdout
