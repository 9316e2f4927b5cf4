"""A live page's signals and main text from one worker call (linkcheck/check/worker.py, page_and_text).

The fetch sends a 2xx body whose main text is wanted to a main-text worker once, and gets back
both what the verdict reads (read_page) and the fingerprint. The fingerprints must be the
ones the two separate calls gave: a page fingerprinted before keeps comparing like with like.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from linkcheck import drift
from linkcheck.check import worker
from linkcheck.check.classify import read_page
from linkcheck.check.pool import ContentPool
from linkcheck.check.worker import ContentWorker
from linkcheck.cli import app
from linkcheck.errors import ContentTooComplex
from tests.drift_pairs import ARCHIVING, GARDENING, PAIRS, ROT, page
from tests.web import HTML_UTF8, Reply, Request, Web

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parent / "fixtures"

BODIES: list[tuple[bytes, str | None]] = [
    *[(p.later, "text/html; charset=utf-8") for p in PAIRS],
    *[(p.cited, None) for p in PAIRS[:2]],  # no content type: HTML by its first bytes
    ((FIXTURES / "html_entities_scripts_links.html").read_bytes(), "text/html"),
    ((FIXTURES / "html_latin1_meta_charset.html").read_bytes(), "text/html"),
    (b"<html><title>Login</title><body><form><input type=password></form></body></html>", "text/html"),
    (b"<html><body><nav>Home</nav><p>Hi</p><footer>x</footer></body></html>", "text/html"),  # no main text
    (b"Plain words in a plain text page.\n" * 20, "text/plain; charset=utf-8"),
    (b"%PDF-1.4 not a page", "application/pdf"),
    (b"", "text/html"),
]


@pytest.mark.parametrize("body, ctype", BODIES)
def test_one_call_gives_exactly_what_the_two_calls_gave(body: bytes, ctype: str | None) -> None:
    assert worker.TASKS["page_and_text"](body, ctype) == (
        read_page(body, ctype),
        ("ok", drift.fingerprint(body, ctype)),
    )


def test_through_a_worker_process_the_answers_are_the_same() -> None:
    async def go() -> list[Any]:
        pool = ContentPool(1, preload=worker.MAIN_TEXT)
        try:
            return [await pool.call("page_and_text", body, ctype) for body, ctype in BODIES]
        finally:
            await pool.close()

    got = asyncio.run(go())
    for (body, ctype), (page_signals, text) in zip(BODIES, got, strict=True):
        assert page_signals == read_page(body, ctype)
        assert text == ("ok", drift.fingerprint(body, ctype))


def test_a_main_text_failure_comes_back_beside_the_signals(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(body: bytes, ctype: str | None) -> None:
        raise ValueError("bad bytes")

    monkeypatch.setattr(drift, "fingerprint", boom)
    body = page("Reference rot", ROT, 1)
    assert worker.TASKS["page_and_text"](body, "text/html") == (
        read_page(body, "text/html"),
        ("error", "ValueError: bad bytes"),
    )


# -- in a check run ------------------------------------------------------------------------

PAGES = {
    "/rot": page("Reference rot", ROT, 1),
    "/archiving": page("Collecting the web", ARCHIVING, 2),
    "/gardening": page("Allotments", GARDENING, 1),
}


def site(req: Request, web: Web) -> Reply:
    body = PAGES.get(req.path)
    if body is None:
        return Reply(404, {"Content-Type": "text/html"}, b"<html><title>Not Found</title></html>")
    return Reply(200, {"Content-Type": HTML_UTF8}, body)


@pytest.fixture
def web() -> Iterator[Web]:
    w = Web()
    w.add_site("pages.test", site)
    yield w
    w.close()


def seeded(web: Web, tmp_path: Path) -> Path:
    urls = [web.sites["pages.test"].url(p) for p in PAGES]
    (tmp_path / "refs.txt").write_text("\n\n".join(f"{u} (accessed 3 May 2020)" for u in urls) + "\n")
    db = tmp_path / "t.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(tmp_path / "refs.txt")]).exit_code == 0
    return db


def check(web: Web, db: Path) -> None:
    args = ["--db", str(db), "check", "--all", "--no-archive", "--allow-private", "--host-interval", "0"]
    result = runner.invoke(app, [*args, *web.resolve_args()])
    assert result.exit_code == 0, result.output


def stored(db: Path) -> dict[str, tuple[str, str, int, int, str | None]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT c.url, c.reason, c.text_sha256, t.simhash, t.words, c.error "
            "FROM checks c LEFT JOIN texts t ON t.sha256 = c.text_sha256 ORDER BY c.id"
        ).fetchall()
    finally:
        conn.close()
    return {url.rsplit("/", 1)[1]: tuple(rest) for url, *rest in rows}


def calls(monkeypatch: pytest.MonkeyPatch, reply: Any = None) -> list[str]:
    """Record the tasks asked of content workers (warm-up calls left out); ``reply`` may replace
    a page_and_text call's answer (a callable of the real call's arguments and answer)."""
    asked: list[str] = []
    real = ContentWorker.call

    async def recording(self: ContentWorker, task: str, *args: Any) -> Any:
        if task in ("read_page", "fingerprint", "page_and_text") and b"warm" not in args[0]:
            asked.append(task)
            if task == "page_and_text" and reply is not None:
                return reply(args, await real(self, task, *args))
        return await real(self, task, *args)

    monkeypatch.setattr(ContentWorker, "call", recording)
    return asked


def test_each_live_page_costs_one_worker_call_and_its_fingerprint_is_the_same(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = seeded(web, tmp_path)
    asked = calls(monkeypatch)
    check(web, db)
    # One call for each page (its probe answered 404: no body to read); none on its own.
    assert sorted(asked) == ["page_and_text"] * len(PAGES)
    for name, (reason, sha, simhash, words, error) in stored(db).items():
        fp = drift.fingerprint(PAGES[f"/{name}"], HTML_UTF8)
        assert fp is not None
        assert (reason, sha, simhash, words, error) == ("ok", fp.sha256, fp.simhash, fp.words, None)
    # A recheck of the same bytes reads the signals only: the main text is known.
    asked.clear()
    check(web, db)
    assert sorted(asked) == ["read_page"] * len(PAGES)


def test_a_parser_failing_on_the_main_text_is_recorded_as_before(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = seeded(web, tmp_path)
    calls(monkeypatch, reply=lambda args, got: (got[0], ("error", "ValueError: bad bytes")))
    check(web, db)
    for reason, sha, _, _, error in stored(db).values():
        # The verdict's signals came back (alive, reached); the text did not: as a failing
        # fingerprint call was recorded (ContentWorker.call's message).
        assert (reason, sha) == ("content-too-complex", None)
        assert error == "main text not extracted: a parser failed on it (ValueError: bad bytes)"


def test_past_the_budget_each_is_asked_again_on_its_own(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def over_budget(args: Any, got: Any) -> Any:
        raise ContentTooComplex("not analysed within 10 s")

    db = seeded(web, tmp_path)
    asked = calls(monkeypatch, reply=over_budget)
    check(web, db)
    assert sorted(asked) == sorted(["page_and_text", "read_page", "fingerprint"] * len(PAGES))
    for name, (reason, sha, _, _, error) in stored(db).items():
        fp = drift.fingerprint(PAGES[f"/{name}"], HTML_UTF8)
        assert fp is not None and (reason, sha, error) == ("ok", fp.sha256, None)
