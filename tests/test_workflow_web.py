"""The daily workflow against the loopback test web: exclusions, accepted statuses, remaps, proxied
links, per-host overrides, acknowledgements and owners, through the command line and real sockets.

Every site counts the requests it gets, so "nothing is sent" is a count of zero, not a hope.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app
from tests.web import Answer, FakeArchive, Reply, Request, Web, html, words

runner = CliRunner()

ARTICLE = "<p>" + words("article", 300) + "</p>"


def journal_site(req: Request, web: Web) -> Answer:
    """A publisher: one live article, a paywalled one (403), one gone; records headers it is sent."""
    path = req.path.split("?", 1)[0]
    web.state[f"accept-language:{req.headers.get('accept-language', '')}"] += 1
    if path == "/article":
        return html("An article", ARTICLE)
    if path == "/paywalled":
        return Reply(403, {"Content-Type": "text/plain"}, b"subscribers only")
    if path == "/slow":
        return Reply(200, {"Content-Type": "text/html"}, b"<title>slow</title>late", delay=1.5)
    if path == "/says-not-found":
        return html("Page not found", "<p>Sorry, that page has gone.</p>")
    if path == "/new-home/42":
        return html("The record's new home", ARTICLE)
    return Reply(404, {"Content-Type": "text/html"}, b"<title>Not Found</title>")


def proxy_site(req: Request, web: Web) -> Answer:
    """An EZproxy: every request is a login page (it must never be asked)."""
    return html("Sign in", "<form>user <input> password <input type=password></form>")


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    w = Web()
    w.add_site("journal.test", journal_site)
    w.add_site("ezproxy.lib.test", proxy_site)
    # The rewritten host name of journal.test behind the proxy: it resolves to the proxy too.
    w.add_site("journal-test.ezproxy.lib.test", proxy_site)
    w.add_site("intranet.test", journal_site)
    archive = FakeArchive()
    w.add_site("archive.test", archive.route)
    w.archive = archive  # type: ignore[attr-defined]
    yield w
    w.close()


def fast(web: Web) -> list[str]:
    return [
        "--allow-private",
        "--timeout",
        "3",
        "--retries",
        "0",
        "--host-interval",
        "0",
        *web.resolve_args(),
    ]


def cite(path: Path, *urls: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "\n".join(f"Ref {i}. Available at: {u} (accessed on 8 September 2017)" for i, u in enumerate(urls))
        + "\n",
        encoding="utf-8",
    )


def report(*args: str) -> dict[str, dict[str, Any]]:
    result = runner.invoke(app, ["summary", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return {k["url"]: k for k in json.loads(result.stdout)["links"]}


def checks_of(db: Path, url: str) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT k.url, k.reason FROM checks k JOIN links l ON l.id = k.link_id "
            "WHERE l.url = ? ORDER BY k.id",
            [url],
        ).fetchall()


# -- exclusions ------------------------------------------------------------------------------------


def test_every_form_of_exclusion_sends_nothing_and_records_skipped(in_tmp: Path, web: Web) -> None:
    j, intranet = web.sites["journal.test"], web.sites["intranet.test"]
    by_option = j.url("/by-option")
    by_file = intranet.url("/by-file")
    by_ignore = j.url("/ignored/page")
    in_draft = j.url("/draft-only")
    shared = j.url("/article")
    cite(in_tmp / "refs.txt", by_option, by_file, by_ignore, shared)
    cite(in_tmp / "drafts" / "wip.txt", in_draft, shared)
    (in_tmp / "linkcheck.toml").write_text(
        'exclude = ["^http://intranet\\\\.test"]\nexclude_documents = ["drafts/**"]\n', encoding="utf-8"
    )
    (in_tmp / ".linkcheckignore").write_text("# our own pages\n/ignored/\n", encoding="utf-8")
    assert runner.invoke(app, ["seed", "refs.txt", "drafts"]).exit_code == 0
    web.reset_counters()
    result = runner.invoke(app, ["check", *fast(web), "--exclude", "by-option$"])
    assert result.exit_code == 0, result.output
    hits = {(site, path) for (site, path), n in web.hits.items() if n and "linkcheck-probe" not in path}
    assert hits == {("journal.test", "/article")}  # the one not excluded, cited by a draft too
    links = report()
    for url in (by_option, by_file, by_ignore, in_draft):
        assert links[url]["verdict"] == "skipped" and links[url]["reason"] == "excluded", url
    assert links[shared]["verdict"] == "alive"
    why = dict(checks_of(in_tmp / "linkcheck.db", in_draft))
    assert why  # recorded, not left unchecked


def test_a_bad_exclude_pattern_is_one_line_naming_the_option(in_tmp: Path) -> None:
    result = runner.invoke(app, ["check", "--exclude", "("])
    assert result.exit_code == 2
    assert result.stderr.startswith("linkcheck: --exclude: '(' is not a regular expression")
    assert len(result.stderr.strip().splitlines()) == 1


# -- accepted statuses, remap, per-host overrides ----------------------------------------------------


def test_accept_makes_a_known_paywall_alive_from_the_command_line_or_per_host(in_tmp: Path, web: Web) -> None:
    j = web.sites["journal.test"]
    cite(in_tmp / "refs.txt", j.url("/paywalled"), j.url("/missing"), j.url("/says-not-found"))
    assert runner.invoke(app, ["run", "refs.txt", *fast(web)]).exit_code == 0
    assert report()[j.url("/paywalled")]["verdict"] == "blocked"
    assert runner.invoke(app, ["check", "--all", *fast(web), "--accept", "200..299,403"]).exit_code == 0
    links = report()
    assert links[j.url("/paywalled")]["verdict"] == "alive"
    assert links[j.url("/paywalled")]["reason"] == "accepted-status"
    assert links[j.url("/missing")]["verdict"] == "dead"  # 404 is not in the list
    # A 200 that says "not found" stays dead: accept speaks of statuses, not of what a page says.
    assert links[j.url("/says-not-found")]["verdict"] == "dead"
    # The same from the settings file, for that host only.
    (in_tmp / "linkcheck.toml").write_text('[hosts."journal.test"]\naccept = [403]\n', encoding="utf-8")
    assert runner.invoke(app, ["check", "--all", *fast(web)]).exit_code == 0
    assert report()[j.url("/paywalled")]["reason"] == "accepted-status"


def test_remap_checks_the_new_address_and_reports_the_cited_one(in_tmp: Path, web: Web) -> None:
    j = web.sites["journal.test"]
    old = f"http://old-catalogue.test:{j.port}/record/42"
    cite(in_tmp / "refs.txt", old)
    (in_tmp / "linkcheck.toml").write_text(
        f'[[remap]]\npattern = "^http://old-catalogue\\\\.test:{j.port}/record/(\\\\d+)$"\n'
        f'replacement = "{j.url("/new-home/$1")}"\n',
        encoding="utf-8",
    )
    web.reset_counters()
    result = runner.invoke(app, ["run", "refs.txt", *fast(web), "--format", "json"])
    assert result.exit_code == 0, result.output
    (link,) = json.loads(result.stdout)["links"]
    assert link["url"] == old and link["verdict"] == "alive"
    assert link["citations"][0]["cited"] == old
    assert web.hits[("journal.test", "/new-home/42")] == 1
    assert checks_of(in_tmp / "linkcheck.db", old) == [(j.url("/new-home/42"), "ok")]
    # A rule on the command line comes first.
    other = j.url("/article")
    result = runner.invoke(app, ["check", "--all", *fast(web), "--remap", f"^http://old-catalogue.* {other}"])
    assert result.exit_code == 0
    assert checks_of(in_tmp / "linkcheck.db", old)[-1] == (other, "ok")


def test_per_host_headers_and_timeout_apply_to_that_host_only(in_tmp: Path, web: Web) -> None:
    j = web.sites["journal.test"]
    cite(in_tmp / "refs.txt", j.url("/slow"), j.url("/article"))
    (in_tmp / "linkcheck.toml").write_text(
        '[hosts."journal.test"]\ntimeout = 0.5\nper_host = 1\nheaders = { "Accept-Language" = "cy" }\n',
        encoding="utf-8",
    )
    web.reset_counters()
    assert runner.invoke(app, ["run", "refs.txt", *fast(web)]).exit_code == 0
    links = report()
    assert links[j.url("/slow")]["reason"] == "timeout"  # 1.5 s answer, 0.5 s for this host (3 s else)
    assert links[j.url("/article")]["verdict"] == "alive"
    assert web.state["accept-language:cy"] >= 2
    # One request at a time to this host (the default is 2), counted on answers that are not cut short.
    cite(in_tmp / "more.txt", *(j.url(f"/article?n={i}") for i in range(6)))
    deadline = time.monotonic() + 5
    while web.in_flight["journal.test"] and time.monotonic() < deadline:
        time.sleep(0.05)  # the server is still sleeping on the request the client gave up on
    web.reset_counters()
    assert runner.invoke(app, ["run", "more.txt", *fast(web)]).exit_code == 0
    assert sum(web.hits.values()) >= 6 and web.max_in_flight["journal.test"] == 1


# -- proxied links --------------------------------------------------------------------------------


def test_proxied_links_are_checked_as_their_target_and_nothing_is_sent_to_the_proxy(
    in_tmp: Path, web: Web
) -> None:
    j = web.sites["journal.test"]
    proxy = web.sites["ezproxy.lib.test"]
    rewritten = web.sites["journal-test.ezproxy.lib.test"]
    login_url = proxy.url(f"/login?url={j.url('/article')}")
    login_qurl = proxy.url("/login?qurl=" + j.url("/missing").replace(":", "%3A").replace("/", "%2F"))
    by_host = f"http://journal-test.ezproxy.lib.test:{j.port}/paywalled"
    assert rewritten.port != j.port  # the unwrapped host keeps the cited port: the journal's
    cite(in_tmp / "list.md", login_url, login_qurl, by_host)
    archive: FakeArchive = web.archive  # type: ignore[attr-defined]
    archive.add(j.url("/missing"), "20170908093512", b"<html><title>The article</title></html>")
    archive.questions.clear()
    web.reset_counters()
    base = web.sites["archive.test"].url("/").rstrip("/")
    result = runner.invoke(app, ["run", "list.md", *fast(web), "--archive-url", base, "--format", "json"])
    assert result.exit_code == 0, result.output
    links = {k["url"]: k for k in json.loads(result.stdout)["links"]}
    assert links[login_url]["verdict"] == "alive"  # the article, not the login page
    assert links[login_qurl]["verdict"] == "dead"  # a dead article behind the proxy is dead
    # The fix is the archived copy of the article, never of the proxy's login page.
    assert links[login_qurl]["suggestion"]["url"].endswith(f"/web/20170908093512/{j.url('/missing')}")
    asked = {url for url, _ in archive.questions}
    assert j.url("/missing") in asked and not any("ezproxy" in url for url in asked)
    assert links[by_host]["verdict"] == "blocked"
    assert not any(n for (site, _), n in web.hits.items() if "ezproxy" in site)
    assert web.hits[("journal.test", "/article")] >= 1 and web.hits[("journal.test", "/missing")] == 1
    assert checks_of(in_tmp / "linkcheck.db", login_url)[0][0] == j.url("/article")


def test_proxy_unwrapping_can_be_turned_off(in_tmp: Path, web: Web) -> None:
    j, proxy = web.sites["journal.test"], web.sites["ezproxy.lib.test"]
    login_url = proxy.url(f"/login?url={j.url('/missing')}")
    cite(in_tmp / "list.md", login_url)
    (in_tmp / "linkcheck.toml").write_text("[proxy]\nunwrap = false\n", encoding="utf-8")
    web.reset_counters()
    assert runner.invoke(app, ["run", "list.md", *fast(web)]).exit_code == 0
    asked = {site for (site, _), n in web.hits.items() if n}
    assert "ezproxy.lib.test" in asked and "journal.test" not in asked


# -- acknowledgements and notes -------------------------------------------------------------------


def test_ack_hides_a_problem_until_it_expires_or_the_verdict_changes(in_tmp: Path, web: Web) -> None:
    j = web.sites["journal.test"]
    walled, gone = j.url("/paywalled"), j.url("/missing")
    cite(in_tmp / "refs.txt", walled, gone)
    assert runner.invoke(app, ["run", "refs.txt", *fast(web)]).exit_code == 0
    assert runner.invoke(app, ["summary", "--fail-on", "blocked"]).exit_code == 1

    result = runner.invoke(app, ["ack", walled, "--for", "30d", "--note", "paywall; we subscribe"])
    assert result.exit_code == 0 and "Acknowledged" in result.stdout
    assert runner.invoke(app, ["note", gone, "asked the author"]).exit_code == 0
    summary = runner.invoke(app, ["summary", "--fail-on", "blocked"])
    assert summary.exit_code == 0  # not counted by --fail-on
    links = report()
    assert links[walled]["acknowledged"]["note"] == "paywall; we subscribe"
    assert links[walled]["note"] is None and links[gone]["note"] == "asked the author"
    assert links[gone]["acknowledged"] is None
    assert walled not in report("--only", "blocked")  # not listed by --only...
    assert walled in report("--only", "blocked", "--include-acknowledged")  # ...unless asked
    listed = runner.invoke(app, ["ack", "--list"])
    assert (
        listed.exit_code == 0 and f"{walled}: blocked until" in listed.stdout and "(active)" in listed.stdout
    )

    # Still checked while acknowledged, and its history kept.
    assert runner.invoke(app, ["check", "--all", *fast(web)]).exit_code == 0
    assert len(checks_of(in_tmp / "linkcheck.db", walled)) == 2
    assert runner.invoke(app, ["summary", "--fail-on", "blocked"]).exit_code == 0

    # Expired: the problem is back.
    with sqlite3.connect(in_tmp / "linkcheck.db") as conn:
        conn.execute("UPDATE acks SET until = '2020-01-01T00:00:00Z'")
    assert runner.invoke(app, ["summary", "--fail-on", "blocked"]).exit_code == 1
    assert "(expired)" in runner.invoke(app, ["ack", "--list"]).stdout

    # A verdict change ends it at once, even before it expires, and for good.
    assert runner.invoke(app, ["ack", walled]).exit_code == 0
    assert runner.invoke(app, ["summary", "--fail-on", "blocked"]).exit_code == 0
    assert runner.invoke(app, ["check", "--all", *fast(web), "--accept", "403"]).exit_code == 0  # now alive
    assert runner.invoke(app, ["check", "--all", *fast(web)]).exit_code == 0  # blocked again
    assert runner.invoke(app, ["summary", "--fail-on", "blocked"]).exit_code == 1
    assert "ended: verdict changed" in runner.invoke(app, ["ack", "--list"]).stdout

    assert runner.invoke(app, ["unack", walled]).exit_code == 0
    assert runner.invoke(app, ["ack", "--list"]).stdout == ""
    again = runner.invoke(app, ["unack", walled])
    assert again.exit_code == 2 and "not acknowledged" in again.stderr
    assert runner.invoke(app, ["note", gone, ""]).exit_code == 0
    assert report()[gone]["note"] is None


def test_ack_of_an_unknown_url_or_a_bad_duration_is_one_line(in_tmp: Path) -> None:
    result = runner.invoke(app, ["ack", "https://nowhere.example.org/x"])
    assert result.exit_code == 2 and result.stderr.startswith(
        "linkcheck: https://nowhere.example.org/x: not in"
    )
    cite(in_tmp / "refs.txt", "https://site.example.org/a")
    assert runner.invoke(app, ["seed", "refs.txt"]).exit_code == 0
    result = runner.invoke(app, ["ack", "https://site.example.org/a", "--for", "soon"])
    assert result.exit_code == 2 and result.stderr.startswith("linkcheck: --for: 'soon' is not a duration")


# -- owners ---------------------------------------------------------------------------------------


def test_owners_in_reports_and_summary_owner(in_tmp: Path, web: Web) -> None:
    j = web.sites["journal.test"]
    cite(in_tmp / "reading-lists" / "history101" / "week1.md", j.url("/missing"))
    cite(in_tmp / "reading-lists" / "biology" / "intro.md", j.url("/article"), j.url("/missing"))
    (in_tmp / "linkcheck.toml").write_text(
        '[[owners]]\nname = "History"\nemail = "hist@example.edu"\ndocuments = ["reading-lists/hist*/**"]\n'
        '[[owners]]\nname = "Sciences"\ndocuments = ["reading-lists/bio*"]\n',
        encoding="utf-8",
    )
    assert runner.invoke(app, ["run", "reading-lists", *fast(web)]).exit_code == 0
    links = report()
    owners = {c["document"]: c["owner"] for k in links.values() for c in k["citations"]}
    assert owners == {
        "reading-lists/history101/week1.md": "History",
        "reading-lists/biology/intro.md": "Sciences",
    }
    history = report("--owner", "history")  # names match case-insensitively
    assert list(history) == [j.url("/missing")]
    assert [c["document"] for c in history[j.url("/missing")]["citations"]] == [
        "reading-lists/history101/week1.md"
    ]
    csv_text = runner.invoke(app, ["summary", "--format", "csv", "--owner", "Sciences"]).stdout
    assert csv_text.splitlines()[0].endswith(",owner,note,acknowledged_until")
    assert all(row.split(",")[0] == "reading-lists/biology/intro.md" for row in csv_text.splitlines()[1:])
    md = runner.invoke(app, ["summary", "--format", "markdown", "--owner", "History"]).stdout
    assert md.startswith("## Link check report: History")
    wrong = runner.invoke(app, ["summary", "--owner", "Histroy"])
    assert wrong.exit_code == 2 and "did you mean 'History'?" in wrong.stderr
