"""End to end through the CLI against the loopback test web: every verdict and reason of the issue.

One run checks the whole standard web at once (as a user would: one document citing every
case), and each test asserts one case of it; further runs cover the address guard, politeness,
due selection, history and the outage guard.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from linkcheck.cli import app
from linkcheck.http.aiohttp_transport import AiohttpTransport
from linkcheck.http.network import GuardedTransport
from tests.web import Web, gzip_bomb, honest_site, hostile_site, slowish_site, soft404_site, sso_site

runner = CliRunner()

FAST = ["--timeout", "1", "--retries", "1", "--host-interval", "0", "--allow-private"]

# (site, path) -> (verdict, reason)
EXPECTED = {
    ("site-a.test", "/live"): ("alive", "ok"),
    ("site-a.test", "/head-refused"): ("alive", "ok"),
    ("site-a.test", "/head-lies"): ("alive", "ok"),
    ("site-a.test", "/old-article"): ("moved", "permanent-redirect"),
    ("site-a.test", "/folder"): ("alive", "redirect"),
    ("site-a.test", "/reports/2015/annual-report"): ("dead", "redirect-to-home"),
    ("site-a.test", "/temp"): ("alive", "redirect"),
    ("site-a.test", "/missing"): ("dead", "not-found"),
    ("site-a.test", "/gone"): ("dead", "gone"),
    ("site-a.test", "/says-not-found"): ("dead", "soft-404"),
    ("site-a.test", "/article-about-errors"): ("alive", "ok"),
    ("site-a.test", "/error500"): ("failing", "server-error"),
    ("site-a.test", "/flaky503"): ("alive", "ok"),
    ("site-a.test", "/rate-limited"): ("alive", "ok"),
    ("site-a.test", "/always429"): ("blocked", "rate-limited"),
    ("site-a.test", "/auth"): ("blocked", "unauthorized"),
    ("site-a.test", "/forbidden"): ("blocked", "forbidden"),
    ("site-a.test", "/challenge"): ("blocked", "bot-challenge"),
    ("site-a.test", "/members"): ("blocked", "login-required"),  # to a page with a password form
    ("site-a.test", "/publication/temporary"): ("alive", "redirect"),  # /session/7f3a/...: not a login
    ("site-a.test", "/guides/access"): ("alive", "redirect"),  # /help/login: an article about it
    ("site-a.test", "/story"): ("alive", "redirect"),  # a sign-in box in an article's header
    ("site-a.test", "/intranet"): ("blocked", "login-required"),  # 403 at /signin
    ("site-a.test", "/institutional"): ("blocked", "login-required"),  # a known single-sign-on host
    ("site-a.test", "/loop"): ("failing", "too-many-redirects"),
    ("site-a.test", "/redirect-to-ftp"): ("skipped", "unsupported-scheme"),
    ("site-a.test", "/"): ("alive", "ok"),
    ("shop.test", "/products/discontinued-widget"): ("dead", "soft-404"),
    ("shop.test", "/"): ("alive", "ok"),
    ("hostile.test", "/slow"): ("failing", "timeout"),
    ("hostile.test", "/reset"): ("failing", "connection-error"),
    ("hostile.test", "/garbage"): ("failing", "protocol-error"),
    ("hostile.test", "/huge"): ("alive", "ok"),
    ("hostile.test", "/bomb"): ("alive", "ok"),
    ("closed.test", "/page"): ("failing", "connection-refused"),
}
EXTRA = {
    "http://nowhere.invalid/some/page": ("invalid", "reserved-name"),
    "http://unmapped.test/page": ("invalid", "reserved-name"),
    "http://-bad-.example.org/page": ("invalid", "invalid-url"),  # no DNS name starts with a hyphen
    "http://10.0.0.300/page": ("invalid", "invalid-url"),  # neither an address nor a name
    "ftp://files.example.org/pub/data.csv": ("skipped", "unsupported-scheme"),
}


@pytest.fixture(scope="module", autouse=True, params=["httpx", "aiohttp"])
def stack(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test of this module runs on both HTTP stacks (``--http-stack``, by its variable)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LINKCHECK_HTTP_STACK", request.param)
        yield request.param


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    gzip_bomb()  # before any server answers: a timed test must not wait for it
    w = Web()
    w.add_site("site-a.test", honest_site)
    w.add_site("shop.test", soft404_site)
    w.add_site("hostile.test", hostile_site)
    w.add_site("slowish.test", slowish_site)
    w.add_site("login.openathens.net", sso_site)
    w.closed_site("closed.test")
    yield w
    w.close()


def url(web: Web, site: str, path: str) -> str:
    return web.sites[site].url(path)


def verdicts(db: Path) -> dict[str, tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return {u: (v, r) for u, v, r in conn.execute("SELECT url, verdict, reason FROM links")}
    finally:
        conn.close()


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def whole_web(web: Web, stack: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """Seed one document citing every case, check it once; return the database and the result."""
    folder = tmp_path_factory.mktemp("whole")
    doc = folder / "refs.txt"
    lines = [f"Available at: {url(web, s, p)} (accessed on 8 September 2017)." for s, p in EXPECTED]
    lines += [f"See {u} (accessed 1 May 2019)." for u in EXTRA]
    # The same URL cited again is one link, fetched once.
    lines.append(f"Again: {url(web, 'site-a.test', '/gone')} (accessed on 9 September 2017).")
    doc.write_text("\n\n".join(lines) + "\n")
    db = folder / "lc.db"
    web.reset_counters()
    assert runner.invoke(app, ["--db", str(db), "seed", str(doc)]).exit_code == 0
    result = runner.invoke(app, ["--db", str(db), "check", *FAST, *web.resolve_args()])
    return db, result


def test_the_run_succeeds_and_prints_a_tally(whole_web: tuple[Path, object]) -> None:
    _, result = whole_web
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    line = result.stdout.strip().splitlines()[-1]  # type: ignore[attr-defined]
    assert line.startswith(f"Checked {len(EXPECTED) + len(EXTRA)} of {len(EXPECTED) + len(EXTRA)} links")
    assert "alive" in line and "dead" in line and "failing" in line and "blocked" in line


def test_the_run_went_through_the_stack_asked_for(whole_web: tuple[Path, object], stack: str) -> None:
    db, _ = whole_web
    [(options,)] = query(db, "SELECT options FROM runs")
    assert json.loads(options)["http_stack"] == stack
    # Each answer's peer address is known on either stack (checks.address).
    assert query(db, "SELECT COUNT(*) FROM checks WHERE http_status = 200 AND address IS NULL") == [(0,)]


def test_an_unknown_stack_is_refused_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "x.db"), "check", "--http-stack", "curl"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "linkcheck: --http-stack: expected one of httpx, aiohttp, got 'curl'"


@pytest.mark.parametrize(("site", "path"), list(EXPECTED))
def test_verdict_and_reason(web: Web, whole_web: tuple[Path, object], site: str, path: str) -> None:
    db, _ = whole_web
    assert verdicts(db)[url(web, site, path)] == EXPECTED[(site, path)]


@pytest.mark.parametrize("link", list(EXTRA))
def test_verdict_without_a_server(whole_web: tuple[Path, object], link: str) -> None:
    db, _ = whole_web
    assert verdicts(db)[link] == EXTRA[link]


def test_every_request_is_a_get_naming_linkcheck(web: Web, whole_web: tuple[Path, object]) -> None:
    assert {m for _, m, _ in web.methods} == {"GET"}
    assert len(web.user_agents) == 1
    (ua,) = web.user_agents
    assert ua.startswith("linkcheck/") and "+http" in ua


def test_a_url_cited_twice_is_fetched_once(web: Web, whole_web: tuple[Path, object]) -> None:
    db, _ = whole_web
    assert web.hits[("site-a.test", "/gone")] == 1
    assert query(
        db,
        "SELECT COUNT(*) FROM citations c JOIN links l ON l.id = c.link_id WHERE l.url = ?",
        url(web, "site-a.test", "/gone"),
    ) == [(2,)]


def test_transient_failures_are_retried_and_hard_ones_not(web: Web, whole_web: tuple[Path, object]) -> None:
    assert web.hits[("site-a.test", "/flaky503")] == 2
    assert web.hits[("site-a.test", "/rate-limited")] == 2
    assert web.hits[("site-a.test", "/error500")] == 2  # --retries 1
    assert web.hits[("site-a.test", "/missing")] == 1
    assert web.hits[("site-a.test", "/gone")] == 1
    assert web.hits[("site-a.test", "/auth")] == 1


def test_moved_link_records_its_new_address_and_every_hop(web: Web, whole_web: tuple[Path, object]) -> None:
    db, _ = whole_web
    cited = url(web, "site-a.test", "/old-article")
    # The link is reported by the redirect that moved it (its 301 and target), not the final 200.
    [(final, status)] = query(db, "SELECT final_url, http_status FROM links WHERE url = ?", cited)
    assert (final, status) == (url(web, "site-a.test", "/new-article"), 301)
    [(redirects,)] = query(
        db, "SELECT redirects FROM checks JOIN links ON links.id = link_id WHERE links.url = ?", cited
    )
    assert '"status": 301' in redirects and "/new-article" in redirects


def test_history_shows_each_checks_redirect_chain_and_final_url(
    web: Web, whole_web: tuple[Path, object]
) -> None:
    db, _ = whole_web
    cited = url(web, "site-a.test", "/publication/temporary")
    result = runner.invoke(app, ["--db", str(db), "history", cited], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    final = url(web, "site-a.test", "/session/7f3a/publication")
    assert f"302 -> {final}" in result.stdout
    assert result.stdout.count(final) == 2  # in the chain and as the final URL


def test_a_moved_link_reads_as_its_permanent_redirect(web: Web, whole_web: tuple[Path, object]) -> None:
    db, _ = whole_web
    cited = url(web, "site-a.test", "/old-article")
    result = runner.invoke(app, ["--db", str(db), "summary", "--format", "json"])
    [link] = [x for x in json.loads(result.stdout)["links"] if x["url"] == cited]
    assert (link["verdict"], link["reason"], link["http_status"]) == ("moved", "permanent-redirect", 301)
    assert link["final_url"] == url(web, "site-a.test", "/new-article")
    # The runner's console is 80 columns wide: the compact table puts the status first and
    # shortens the reason to its column.
    table = runner.invoke(app, ["--db", str(db), "summary"])
    [line] = [x for x in table.stdout.splitlines() if "/old-article" in x]
    assert line.split()[:2] == ["301", "permanen…"]


def test_redirect_loop_is_detected_quickly(web: Web, whole_web: tuple[Path, object]) -> None:
    assert web.hits[("site-a.test", "/loop")] + web.hits[("site-a.test", "/loop2")] <= 5


def test_huge_body_and_bomb_are_read_only_to_the_bound(web: Web, whole_web: tuple[Path, object]) -> None:
    db, _ = whole_web
    rows = dict(
        query(
            db,
            "SELECT links.url, body_bytes FROM checks JOIN links ON links.id = link_id WHERE truncated = 1",
        )
    )
    assert rows[url(web, "hostile.test", "/huge")] == 2 * 1024 * 1024
    assert rows[url(web, "hostile.test", "/bomb")] == 2 * 1024 * 1024


def test_soft404_probe_asks_one_made_up_sibling(web: Web, whole_web: tuple[Path, object]) -> None:
    probes = [p for s, _, p in web.methods if s == "shop.test" and "linkcheck-probe-" in p]
    assert len(probes) == 1 and probes[0].startswith("/products/linkcheck-probe-")
    db, _ = whole_web
    [(ratio,)] = query(
        db,
        "SELECT probe_similarity FROM checks WHERE url = ?",
        url(web, "shop.test", "/products/discontinued-widget"),
    )
    assert ratio >= 0.95


def test_history_lists_the_checks_oldest_first(web: Web, whole_web: tuple[Path, object]) -> None:
    db, _ = whole_web
    link = url(web, "site-a.test", "/error500")
    result = runner.invoke(app, ["--db", str(db), "history", link])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{link}: failing (server-error)")
    assert "server-error" in result.stdout and "500" in result.stdout


def test_history_of_an_unknown_url_is_one_line_and_exit_2(whole_web: tuple[Path, object]) -> None:
    db, _ = whole_web
    result = runner.invoke(app, ["--db", str(db), "history", "https://unknown.example.org/"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "linkcheck: https://unknown.example.org/: not in the database"


def test_nothing_is_due_right_after_a_run_and_all_checks_again(
    web: Web, whole_web: tuple[Path, object]
) -> None:
    db, _ = whole_web
    result = runner.invoke(app, ["--db", str(db), "check", *FAST, *web.resolve_args()])
    assert result.exit_code == 0
    assert "Nothing to check" in result.stdout
    one = url(web, "site-a.test", "/gone")
    result = runner.invoke(app, ["--db", str(db), "check", "--url", one, *FAST, *web.resolve_args()])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Checked 1 of 1 link")
    assert query(db, "SELECT checks FROM links WHERE url = ?", one) == [(2,)]


def test_private_addresses_are_skipped_without_allow_private(web: Web, tmp_path: Path) -> None:
    by_name = url(web, "site-a.test", "/live")
    by_ip = by_name.replace("site-a.test", web.sites["site-a.test"].address)
    (tmp_path / "refs.txt").write_text(f"{by_name}\n\n{by_ip}\n\nhttp://localhost/x\n")
    db = tmp_path / "p.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(tmp_path / "refs.txt")]).exit_code == 0
    web.reset_counters()
    result = runner.invoke(app, ["--db", str(db), "check", "--timeout", "1", *web.resolve_args()])
    assert result.exit_code == 0, result.output
    got = verdicts(db)
    assert got[by_name] == ("skipped", "private-address")
    assert got[by_ip] == ("skipped", "private-address")
    # localhost is a reserved name: no citation a reader can follow (fetched with --allow-private).
    assert got["http://localhost/x"] == ("invalid", "reserved-name")
    assert web.hits[("site-a.test", "/live")] == 0
    [(error,)] = query(db, "SELECT error FROM checks WHERE url = ?", by_name)
    assert "127.0.0.2" in error and "loopback" in error


def test_requests_in_flight_per_host_never_exceed_per_host(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stack: str
) -> None:
    sent: list[float] = []
    transport: type[httpx.AsyncBaseTransport] = GuardedTransport if stack == "httpx" else AiohttpTransport
    original = transport.handle_async_request

    async def recording(self: httpx.AsyncBaseTransport, request: httpx.Request) -> httpx.Response:
        if request.url.host == "slowish.test":
            sent.append(time.monotonic())
        return await original(self, request)

    monkeypatch.setattr(transport, "handle_async_request", recording)
    links = [url(web, "slowish.test", f"/page/{i}") for i in range(12)]
    (tmp_path / "refs.txt").write_text("\n\n".join(links) + "\n")
    db = tmp_path / "c.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(tmp_path / "refs.txt")]).exit_code == 0
    web.reset_counters()
    args = ["--per-host", "2", "--concurrency", "8", "--host-interval", "0.05", "--allow-private"]
    result = runner.invoke(app, ["--db", str(db), "check", *args, *web.resolve_args()])
    assert result.exit_code == 0, result.output
    assert web.max_in_flight["slowish.test"] == 2  # as the server counts them
    # The least interval between the starts of two requests, as the client sends them: the
    # server's own clock adds a loaded machine's scheduling delays to some requests and not others.
    assert len(sent) >= len(links)
    assert all(b - a >= 0.045 for a, b in itertools.pairwise(sent))
    assert set(verdicts(db).values()) == {("alive", "ok")}


def test_outage_records_nothing_dead_and_exits_3(web: Web, tmp_path: Path) -> None:
    closed = web.sites["closed.test"]
    other = web.closed_site("closed-too.test")
    links = [closed.url("/a"), closed.url("/b"), other.url("/c"), "ftp://files.example.org/x"]
    (tmp_path / "refs.txt").write_text("\n\n".join(links) + "\n")
    db = tmp_path / "o.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(tmp_path / "refs.txt")]).exit_code == 0
    resolve = [
        "--resolve",
        f"{closed.name}:*:{closed.address}",
        "--resolve",
        f"{other.name}:*:{other.address}",
    ]
    result = runner.invoke(app, ["--db", str(db), "check", *FAST, "--retries", "0", *resolve])
    assert result.exit_code == 3, result.output
    assert "network" in result.stderr and "nothing was recorded as dead" in result.stderr
    got = verdicts(db)
    assert {got[u] for u in links[:3]} == {("unchecked", None)}
    assert got["ftp://files.example.org/x"] == ("skipped", "unsupported-scheme")
    assert query(db, "SELECT COUNT(*) FROM checks") == [(1,)]
    assert query(db, "SELECT status FROM runs") == [("outage",)]
    # The links stay due for the next run.
    again = runner.invoke(app, ["--db", str(db), "check", *FAST, "--retries", "0", *resolve])
    assert again.exit_code == 3


def test_bad_options_exit_2_with_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    result = runner.invoke(app, ["--db", db, "check", "--resolve", "nonsense"])
    assert result.exit_code == 2 and "HOST:PORT:ADDR" in result.stderr
    result = runner.invoke(app, ["--db", db, "check", "--older-than", "soon"])
    assert result.exit_code == 2 and "duration" in result.stderr


def test_unknown_url_option_is_named_and_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["--db", str(tmp_path / "x.db"), "check", "--url", "https://nope.example.org/"]
    )
    assert result.exit_code == 2
    assert "https://nope.example.org/: not in the database" in result.stderr
