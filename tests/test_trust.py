"""Verdicts a librarian can act on without double-checking (issue 10), through real sockets.

Names that do not resolve are failures confirmed over days, not dead at once; the outage guard
counts the cited hosts only. Days pass by moving every recorded time back (:func:`travel`), so
the confirmation policy (3 failed checks spanning 3 days) is met exactly as it would be.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.check.runner import check_options, run_checks
from linkcheck.cli import app
from linkcheck.store import Store
from tests.web import ARTICLE, Answer, FakeArchive, Reply, Request, Web, honest_site, html, no_dns

runner = CliRunner()
FAST = ["--timeout", "2", "--retries", "0", "--host-interval", "0", "--allow-private", "--no-archive"]


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    w = Web()
    w.add_site("site-a.test", honest_site)
    yield w
    w.close()


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def travel(db: Path, days: float) -> None:
    """Let ``days`` pass: every recorded time moves that far into the past."""
    shift = f"-{int(days * 86400)} seconds"
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE checks SET started_at = strftime('%Y-%m-%dT%H:%M:%SZ', started_at, ?)", [shift])
        for col in ("last_checked", "first_failed", "streak_since"):
            conn.execute(f"UPDATE links SET {col} = strftime('%Y-%m-%dT%H:%M:%SZ', {col}, ?) "
                         f"WHERE {col} IS NOT NULL", [shift])  # fmt: skip
    conn.close()


def aliases(web: Web, names: list[str]) -> list[str]:
    """``--resolve`` rules giving ``names`` the address of the honest site (real names, one server)."""
    site = web.sites["site-a.test"]
    return [arg for n in names for arg in ("--resolve", f"{n}:{site.port}:{site.address}")]


def seed(tmp_path: Path, web: Web, hosts: list[str]) -> tuple[Path, dict[str, str]]:
    port = web.sites["site-a.test"].port
    urls = {h: f"http://{h}:{port}/live" for h in hosts}
    text = "".join(f"Available at: {u} (accessed on 8 May 2019).\n\n" for u in urls.values())
    (tmp_path / "refs.txt").write_text(text)
    db = tmp_path / "t.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(tmp_path / "refs.txt")]).exit_code == 0
    return db, urls


def verdicts(db: Path) -> dict[str, tuple[str, str]]:
    return {u: (v, r) for u, v, r in rows(db, "SELECT url, verdict, reason FROM links")}


def test_names_that_do_not_resolve_are_confirmed_over_three_days(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answering = ["www.library.org", "journals.example.net", "data.example.com"]
    missing = ["lapsed-domain.org", "resolver-hiccup.org"]
    no_dns(monkeypatch, set(missing))
    db, urls = seed(tmp_path, web, answering + missing)
    check = ["--db", str(db), "check", *FAST, *aliases(web, answering)]

    first = runner.invoke(app, check)
    assert first.exit_code == 0, first.output
    got = verdicts(db)
    assert {got[urls[h]] for h in answering} == {("alive", "ok")}
    # One run: failing, not dead, however certain the resolver sounded.
    assert {got[urls[h]] for h in missing} == {("failing", "domain-not-found")}
    assert "warning" not in first.stderr  # 2 of 5 hosts is no outage

    travel(db, 1.5)
    second = runner.invoke(app, check)
    assert second.exit_code == 0 and "Checked 2 of 2 links" in second.stdout  # only the failing are due
    assert {verdicts(db)[urls[h]] for h in missing} == {("failing", "domain-not-found")}

    travel(db, 1.5)
    # The hiccup is over: that name resolves again; the lapsed one is still missing.
    third = runner.invoke(app, [*check, *aliases(web, ["resolver-hiccup.org"])])
    assert third.exit_code == 0, third.output
    got = verdicts(db)
    assert got[urls["resolver-hiccup.org"]] == ("alive", "ok")
    assert got[urls["lapsed-domain.org"]] == ("dead", "domain-not-found")
    assert rows(db, "SELECT failures FROM links WHERE url = ?", urls["lapsed-domain.org"]) == [(3,)]


def test_when_most_hosts_fail_at_the_network_level_nothing_becomes_dead(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hosts = ["www.library.org", "lapsed-domain.org", "one.example.org", "two.example.org"]
    missing = {"lapsed-domain.org"}
    no_dns(monkeypatch, missing)  # the set is read at each lookup: names can vanish later
    db, urls = seed(tmp_path, web, hosts)
    for day in range(3):
        if day:
            travel(db, 1.5)
        if day == 2:
            missing |= {"one.example.org", "two.example.org"}  # the resolver loses two more names
        up = [h for h in hosts if h not in missing]
        result = runner.invoke(app, ["--db", str(db), "check", "--all", *FAST, *aliases(web, up)])
        assert result.exit_code == 0, result.output  # some cited host answered: not an outage
    # The third failure over three days would confirm lapsed-domain.org, but in a run where
    # most hosts suddenly failed too: that says more about the network here than about links.
    assert "warning: 3 of 4 hosts did not answer" in result.stderr and "3 links" in result.stderr
    got = verdicts(db)
    assert {got[urls[h]] for h in missing} == {("failing", "domain-not-found")}
    assert got[urls["www.library.org"]] == ("alive", "ok")
    assert rows(db, "SELECT failures FROM links WHERE url = ?", urls["lapsed-domain.org"]) == [(3,)]
    assert rows(db, "SELECT COUNT(*) FROM checks WHERE verdict = 'dead'") == [(0,)]


def test_no_cited_host_answering_is_an_outage_recording_nothing(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = ["one.example.org", "two.example.org"]
    no_dns(monkeypatch, set(missing))
    db, _ = seed(tmp_path, web, missing)
    result = runner.invoke(app, ["--db", str(db), "check", *FAST])
    assert result.exit_code == 3, result.output
    assert "2 of 2 hosts did not answer" in result.stderr and "nothing was recorded as dead" in result.stderr
    assert rows(db, "SELECT COUNT(*) FROM checks") == [(0,)]


def test_check_document_takes_files_and_folders_and_names_an_unknown_path(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    site = web.sites["site-a.test"]
    (tmp_path / "lists" / "history").mkdir(parents=True)
    (tmp_path / "lists" / "history" / "a.txt").write_text(f"See {site.url('/live')} (accessed 1 May 2019).\n")
    (tmp_path / "lists" / "b.txt").write_text(f"See {site.url('/gone')} (accessed 1 May 2019).\n")
    (tmp_path / "other.txt").write_text(f"See {site.url('/missing')} (accessed 1 May 2019).\n")
    (tmp_path / "empty").mkdir()
    db = "t.db"
    assert runner.invoke(app, ["--db", db, "seed", "lists", "other.txt"]).exit_code == 0
    check = ["--db", db, "check", *FAST, *web.resolve_args()]

    folder = runner.invoke(app, [*check, "--document", "lists/"])
    assert folder.exit_code == 0, folder.output
    assert folder.stdout.startswith("Checked 2 of 2 links")
    got = verdicts(tmp_path / db)
    assert got[site.url("/live")] == ("alive", "ok") and got[site.url("/gone")] == ("dead", "gone")
    assert got[site.url("/missing")] == ("unchecked", None)

    # An unknown path is named, exit 2, and the known ones are still checked (even with --all).
    mixed = runner.invoke(app, [*check, "--all", "--document", "nowhere.txt", "--document", "./other.txt"])
    assert mixed.exit_code == 2
    assert mixed.stderr.strip() == "linkcheck: nowhere.txt: no such file or folder (--document)"
    assert mixed.stdout.startswith("Checked 1 of 1 link")
    assert verdicts(tmp_path / db)[site.url("/missing")] == ("dead", "not-found")

    empty = runner.invoke(app, [*check, "--document", "empty"])
    assert empty.exit_code == 2 and "Nothing to check" not in empty.stdout
    assert (
        empty.stderr.strip()
        == "linkcheck: empty: folder holding no seeded document (--document; seed it first)"
    )


def test_seed_says_when_a_folder_or_a_run_gives_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "cat.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    result = runner.invoke(app, ["--db", "t.db", "seed", "pictures"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "linkcheck: pictures: no supported document in this folder"

    (tmp_path / "notes.txt").write_text("A shopping list: eggs, milk, bread.\n")
    result = runner.invoke(app, ["--db", "t.db", "seed", "notes.txt"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "linkcheck: no citation found in the document read (no URL in notes.txt)"

    (tmp_path / "refs.txt").write_text("See https://www.example.org/a (accessed 1 May 2019).\n")
    result = runner.invoke(app, ["--db", "t.db", "seed", "notes.txt", "refs.txt"])
    assert result.exit_code == 0 and result.stderr == ""


# -- suggestions only for confirmed problems; archive answers read at report time ---------------


def pages(req: Request, web: Web) -> Answer:
    if req.path == "/gone":
        return Reply(410, {"Content-Type": "text/plain"}, b"gone")
    if req.path == "/error500":
        return Reply(500, {"Content-Type": "text/plain"}, b"oops")
    if req.path == "/slow":
        reply = html("A slow page", ARTICLE)
        reply.delay = 2.5
        return reply
    return Reply(404)


@pytest.fixture(scope="module")
def archived_web() -> Iterator[tuple[Web, FakeArchive]]:
    w = Web()
    site = w.add_site("pages.test", pages)
    archive = FakeArchive()
    w.add_site("archive.test", archive.route)
    for path in ("/gone", "/error500"):
        archive.add(site.url(path), "20190501", html("As cited", ARTICLE).body)
    yield w, archive
    w.close()


def every_format(db: Path) -> dict[str, str]:
    found = {}
    for fmt in ("table", "json", "csv", "markdown", "html"):
        result = runner.invoke(app, ["--db", str(db), "summary", "--format", fmt], env={"COLUMNS": "400"})
        assert result.exit_code == 0, result.output
        found[fmt] = result.stdout
    return found


def test_a_failing_link_shows_its_confirmation_and_no_fix(
    archived_web: tuple[Web, FakeArchive], tmp_path: Path
) -> None:
    web, _ = archived_web
    failing = web.sites["pages.test"].url("/error500")
    (tmp_path / "refs.txt").write_text(f"Available at: {failing} (accessed on 1 May 2019).\n")
    db = tmp_path / "t.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(tmp_path / "refs.txt")]).exit_code == 0
    archive = web.sites["archive.test"].url("/").rstrip("/")
    check = ["--db", str(db), "check", *FAST[:-1], "--archive-url", archive, *web.resolve_args()]
    assert runner.invoke(app, check).exit_code == 0
    travel(db, 1.5)
    assert runner.invoke(app, check).exit_code == 0
    [(first,)] = rows(db, "SELECT first_failed FROM links")
    progress = f"2 of 3 failed checks, first on {first[:10]}"
    reports = every_format(db)
    [link] = json.loads(reports["json"])["links"]
    assert link["verdict"] == "failing" and link["suggestion"] is None
    assert link["archive_url"]  # known, and given, but not suggested yet
    assert link["confirmation"]["failures"] == 2 and link["confirmation"]["needed"] == 3
    assert link["confirmation"]["text"] == progress
    for fmt, text in reports.items():
        assert progress in text, fmt
        assert "cite the archived copy" not in text, fmt


def test_an_archive_answer_that_came_after_the_check_is_in_every_report(
    archived_web: tuple[Web, FakeArchive], tmp_path: Path
) -> None:
    web, archive = archived_web
    site = web.sites["pages.test"]
    gone, slow = site.url("/gone"), site.url("/slow")
    (tmp_path / "refs.txt").write_text(
        f"Available at: {gone} (accessed on 1 May 2019).\n\nAvailable at: {slow} (accessed on 1 May 2019).\n"
    )
    db = tmp_path / "t.db"
    assert runner.invoke(app, ["--db", str(db), "seed", str(tmp_path / "refs.txt")]).exit_code == 0
    base = check_options(
        {"allow_private": True, "host_interval": 0.0, "retries": 0, "archive_timeout": 5.0,
         "archive_url": web.sites["archive.test"].url("/").rstrip("/"), "resolve": web.resolve_args()[1::2]}
    )  # fmt: skip
    # The dead link's check is written after 0.3 s without the archive's answer, which comes
    # at 1 s, while the slow page keeps the run going.
    archive.delay = 1.0
    try:
        with Store.open(db) as store:
            report = run_checks(store, replace(base, archive_wait=0.3))
    finally:
        archive.delay = 0.0
    assert report.recorded == 2
    assert rows(db, "SELECT verdict, archive_url FROM links WHERE url = ?", gone) == [("dead", None)]
    snapshot = web.sites["archive.test"].url(f"/web/20190501000000/{gone}")
    assert rows(db, "SELECT COUNT(*) FROM snapshots WHERE url = ?", snapshot) == [(1,)]
    reports = every_format(db)
    [link] = [x for x in json.loads(reports["json"])["links"] if x["url"] == gone]
    assert link["archive_url"] == snapshot and link["citations"][0]["archive_url"] == snapshot
    assert link["suggestion"]["url"] == snapshot
    for fmt, text in reports.items():
        assert snapshot in text.replace("&amp;", "&"), fmt
        assert "no archived copy known" not in text, fmt
