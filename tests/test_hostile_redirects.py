"""Every URL from the web is untrusted input: hostile ``Location`` values end one link's check.

A redirect target that is not a usable http(s) URL is recorded on that link (``invalid-url`` or
``unsupported-scheme``, the hop kept); the run goes on and records every other link.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app
from tests.web import Reply, Request, Web, html

runner = CliRunner()

#: Location values seen to break HTTP clients: other schemes, scheme-only forms, bad hosts
#: and IDNA, control characters, huge values. Index i is served at /hostile/i.
HOSTILE = [
    "mailto:someone@example.org", "tel:+441234567890", "javascript:alert(1)",
    "data:text/html,<h1>hi</h1>", "ftp:x", "ftp://files.example.org/x", "http:foo", "https:example.org",
    "http:%2F%2Fexample.org", "http://xn--/", "http://xn--a/", "http://xn--zz-/", "http://\u2603.xn--/",
    "http://exa mple.org/", "http://[::1/", "http://[zz]/", "http://example.org:99999/",
    "http://example.org:-1/", "http://example.org:port/", "http://:80/", "http:///nohost",
    "http://", "https://", "//", "///", "http:", "\x00", "http://example.org/\x00",
    "http://exa\x00mple.org/", "http://example.org/\r\nSet-Cookie: x=1", "http://\x7f.org/",
    "http://example.org/" + "a" * 100_000, "http://" + "a" * 70 + ".org/",
    "http://" + "a." * 200 + "org/", "http://\u00ad/", "http://\ufffd.org/", "http://\udcff.org/",
    "http://例え.テスト\u200d/", "http://ex\u0301ample.org/", "http://xn--ls8h.la/\ud800",
    "gopher://example.org/", "file:///etc/passwd", "view-source:http://example.org/",
    "about:blank", "ws://example.org/", "HTTP://", "h\ttp://example.org/", "http://a@b@c/",
]  # fmt: skip


def route(req: Request, web: Web) -> Reply:
    path = req.path.split("?", 1)[0]
    if path.startswith("/hostile/") and path.rsplit("/", 1)[1].isdigit():
        value = HOSTILE[int(path.rsplit("/", 1)[1])]
        # Bytes as the server would send them: latin-1 where it can, else UTF-8 octets.
        raw = value.encode("utf-8", "surrogatepass").decode("latin-1")
        return Reply(302, {"Location": raw.replace("\r\n", "\r\n ")})
    if path.startswith("/fine/"):
        return html(f"Fine page {path}", "<p>" + " ".join(["fine", "words", path]) * 30 + "</p>")
    return Reply(404)


@pytest.fixture(scope="module", autouse=True, params=["httpx", "aiohttp"])
def stack(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test here runs on both HTTP stacks (``--http-stack``, by its variable)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LINKCHECK_HTTP_STACK", request.param)
        yield request.param


@pytest.fixture(scope="module")
def web(stack: str) -> Iterator[Web]:
    w = Web()  # one per stack: each stack's run is judged on what it alone asked
    w.add_site("hostile-redirects.test", route)
    yield w
    w.close()


def test_hostile_locations_end_their_link_and_the_run_records_every_other(web: Web, tmp_path: Path) -> None:
    site = web.sites["hostile-redirects.test"]
    hostile = [site.url(f"/hostile/{i}") for i in range(len(HOSTILE))]
    fine = [site.url(f"/fine/{i}") for i in range(10)]
    doc = tmp_path / "refs.txt"
    doc.write_text("\n\n".join(f"See {u} (accessed 1 May 2019)." for u in [*hostile, *fine]) + "\n")
    db = tmp_path / "lc.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(doc)]).exit_code == 0
    args = ["--db", str(db), "check", "--timeout", "2", "--retries", "0", "--host-interval", "0",
            "--allow-private", "--no-archive", *web.resolve_args()]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (result.output, result.exception)
    total = len(hostile) + len(fine)
    assert f"Checked {total} of {total} links" in result.stdout
    conn = sqlite3.connect(db)
    rows = {u: (v, r, red) for u, v, r, red in conn.execute(
        "SELECT l.url, l.verdict, l.reason, c.redirects FROM links l JOIN checks c ON c.id = l.last_check_id"
    )}  # fmt: skip
    conn.close()
    for u in fine:
        assert rows[u][:2] == ("alive", "ok")
    for i, u in enumerate(hostile):
        _, reason, redirects = rows[u]
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", HOSTILE[i]):
            # Bytes HTTP forbids in a header: the whole response is malformed, and recorded so.
            assert reason == "protocol-error", (i, HOSTILE[i], reason)
            continue
        # Nothing hostile is ever fetched: each ends at its redirect, the hop kept. A browser
        # reads http:foo as a relative reference (WHATWG URL): followed, it is a 404 here.
        assert reason in (
            "invalid-url",
            "unsupported-scheme",
            "domain-not-found",
            "dns-error",
            "not-found",
            "too-many-redirects",
        ), (i, HOSTILE[i], reason)
        assert redirects is not None and json.loads(redirects)[0]["status"] == 302, (i, HOSTILE[i])
    ended = [HOSTILE[i] for i, u in enumerate(hostile) if rows[u][1] in ("invalid-url", "unsupported-scheme")]
    assert len(ended) >= 35, ended
    # Only the test site was ever asked, and never for a hostile target's path.
    assert {site for site, _, _ in web.methods} == {"hostile-redirects.test"}


def archive_route(req: Request, web: Web) -> Reply:
    """A Wayback-like archive whose captures redirect to their exact timestamp, or to a hostile URL."""
    site = web.sites[req.site]
    path = req.path
    if path.startswith("/wayback/available"):
        cited = path.split("url=", 1)[1].split("&", 1)[0]
        from urllib.parse import unquote

        stamp = "20170908000000"
        body = json.dumps({"archived_snapshots": {"closest": {
            "status": "200", "available": True, "timestamp": stamp,
            "url": f"http://{site.name}:{site.port}/web/{stamp}/{unquote(cited)}",
        }}})  # fmt: skip
        return Reply(200, {"Content-Type": "application/json"}, body.encode())
    if path.startswith("/web/20170908000000id_/"):
        original = path.split("id_/", 1)[1]
        if "bad-archive" in original:
            return Reply(302, {"Location": "http://xn--/"})
        return Reply(302, {"Location": f"/web/20170909101010id_/{original}"})
    if path.startswith("/web/20170909101010id_/"):
        return html("Archived article", "<article><p>" + " ".join(["archived"] * 200) + "</p></article>")
    return Reply(404)


def test_archive_redirects_are_followed_and_a_hostile_one_only_loses_the_snapshot(
    web: Web, tmp_path: Path
) -> None:
    archive = web.sites.get("archive-redirects.test") or web.add_site("archive-redirects.test", archive_route)
    site = web.sites["hostile-redirects.test"]
    good, bad = site.url("/fine/archived"), site.url("/fine/bad-archive")
    doc = tmp_path / "refs.txt"
    doc.write_text(f"See {good} (accessed 8 September 2017).\n\nSee {bad} (accessed 8 September 2017).\n")
    db = tmp_path / "lc.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(doc)]).exit_code == 0
    base = archive.url("/").rstrip("/")
    args = ["--db", str(db), "check", "--timeout", "2", "--retries", "0", "--host-interval", "0",
            "--allow-private", "--archive-url", base, *web.resolve_args()]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (result.output, result.exception)
    conn = sqlite3.connect(db)
    rows = dict(conn.execute("SELECT url, baseline_kind FROM checks"))
    conn.close()
    # The capture was reached through the archive's own redirect; the hostile one left the
    # link compared with nothing but itself, its check recorded all the same.
    assert rows == {good: "snapshot", bad: "check"}
