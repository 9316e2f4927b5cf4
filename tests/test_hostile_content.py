"""Bounded CPU on content: one hostile page can never make another link time out.

Parsing and main-text extraction run in a worker process with a per-page budget; the soft-404
similarity is linear. The tests put a page of 100,000 nested elements and a soft-404 probe
trap among 100 slow but honest links, checked with no retries: every honest link is alive.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.check.classify import similarity
from linkcheck.check.worker import ContentTooComplex, ContentWorker
from linkcheck.cli import app
from tests.web import Reply, Request, Web, html, words

runner = CliRunner()

NESTED = 100_000
NESTED_PAGE = (
    b"<!doctype html><html><head><title>Nested</title></head><body>"
    + b"<div>" * NESTED + b"deep" + b"</div>" * NESTED + b"</body></html>"
)  # fmt: skip


def trap_page(seed: str) -> Reply:
    # Two tokens in long runs, shifted between the page and any sibling: the worst case of
    # difflib's matching (165 CPU-seconds for 6 KB), nothing for a count of shared words.
    tokens = ("a b " * 700 + seed + " " + "b a " * 700).split()
    return html("Catalogue", "<p>" + " ".join(tokens) + "</p>")


def slow_route(req: Request, web: Web) -> Reply:
    reply = html(f"Slow {req.path}", "<article><p>" + words(req.path, 300) + "</p></article>")
    reply.delay = 0.4
    return reply


def hostile_route(req: Request, web: Web) -> Reply:
    path = req.path.split("?", 1)[0]
    if path == "/nested":
        return Reply(200, {"Content-Type": "text/html"}, NESTED_PAGE)
    if path.startswith("/catalogue/"):
        return trap_page(path)  # every path, the probe's made-up one included
    return html("Hostile home", "<p>" + words("home", 50) + "</p>")


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    w = Web()
    for i in range(5):
        w.add_site(f"slow{i}.test", slow_route)
    w.add_site("hostile-content.test", hostile_route)
    yield w
    w.close()


def test_similarity_is_linear_and_keeps_its_meaning() -> None:
    page = trap_page("x").body.decode().split()
    probe = trap_page("y").body.decode().split()
    t0 = time.process_time()
    assert similarity(page * 3, probe * 3) > 0.95
    assert time.process_time() - t0 < 0.5
    assert similarity(["same"] * 10, ["same"] * 10) == 1.0
    assert similarity(["one", "two", "three", "four"], ["five", "six", "seven", "eight"]) == 0.0


def test_a_task_past_the_budget_is_killed_and_the_calls_behind_it_run() -> None:
    page = b"<html><title>Fine</title><body>ok</body></html>"

    async def go() -> tuple[float, list[object], int]:
        worker = ContentWorker(budget=1.0)
        try:
            await worker.call("sleep", 0)  # started
            t0 = time.monotonic()
            # Pipelined: the two pages wait behind the stuck call, and go to a new worker.
            got = await asyncio.gather(
                worker.call("sleep", 30), *(worker.call("read_page", page, "text/html") for _ in range(2)),
                return_exceptions=True,
            )  # fmt: skip
            return time.monotonic() - t0, got, worker.killed
        finally:
            await worker.close()

    took, got, killed = asyncio.run(go())
    assert took < 6
    assert isinstance(got[0], ContentTooComplex) and killed == 1
    assert [g.title for g in got[1:]] == ["Fine", "Fine"]  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_nested_page_and_a_probe_trap_cause_no_false_failures(web: Web, tmp_path: Path) -> None:
    slow = [web.sites[f"slow{i}.test"].url(f"/paper/{j}") for i in range(5) for j in range(20)]
    hostile = web.sites["hostile-content.test"]
    traps = [hostile.url("/nested"), hostile.url("/catalogue/item-1")]
    doc = tmp_path / "refs.txt"
    doc.write_text("\n\n".join(f"See {u} (accessed 1 May 2019)." for u in [*traps, *slow]) + "\n")
    db = tmp_path / "lc.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(doc)]).exit_code == 0
    args = ["--db", str(db), "check", "--timeout", "3", "--retries", "0", "--host-interval", "0",
            "--per-host", "4", "--allow-private", "--no-archive", *web.resolve_args()]  # fmt: skip
    t0 = time.monotonic()
    result = runner.invoke(app, args)
    seconds = time.monotonic() - t0
    assert result.exit_code == 0, (result.output, result.exception)
    conn = sqlite3.connect(db)
    rows = {u: (v, r, e) for u, v, r, e in conn.execute(
        "SELECT l.url, l.verdict, l.reason, c.error FROM links l JOIN checks c ON c.id = l.last_check_id"
    )}  # fmt: skip
    conn.close()
    false_failures = [u for u in slow if rows[u][:2] != ("alive", "ok")]
    assert false_failures == [], [rows[u] for u in false_failures]
    verdict, reason, error = rows[hostile.url("/nested")]
    assert (verdict, reason) == ("alive", "content-too-complex") and "not analysed within" in error
    assert rows[hostile.url("/catalogue/item-1")][:2] == ("dead", "soft-404")
    # 100 links of 0.4 s over 5 hosts at 4 each: about 2 s; the nested page costs one budget (10 s).
    assert seconds < 45, seconds
