"""The one seed -> check -> report sequence: which documents a run is about, and its one guard.

`linkcheck run` and a scheduled job both go through :func:`linkcheck.pipeline.run_pipeline`;
their end-to-end behaviour is tested in test_cli.py and test_schedule*.py. Here: the decisions
the pipeline makes, against a real database and (where a check runs) a real web on loopback.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from linkcheck.check.runner import CheckOptions, CheckReport, OutageGuard, check_options
from linkcheck.models import Hop, Judgement, Outcome, Reason, Verdict
from linkcheck.pipeline import Scope, run_pipeline
from linkcheck.store import LinkToCheck, Store
from tests.conftest import ROOT
from tests.web import Web, honest_site


@pytest.fixture
def web() -> Iterator[Web]:
    w = Web()
    w.add_site("library.test", honest_site)
    yield w
    w.close()


def _options(web: Web, **extra: object) -> CheckOptions:
    return check_options(
        {"allow_private": True, "resolve": web.resolve_args()[1::2], "no_archive": True, **extra}
    )


def _cite(folder: Path, name: str, *urls: str) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"See {u} (accessed 2024-01-02).\n" for u in urls), encoding="utf-8")
    return name


def _checked(store: Store) -> set[str]:
    return {row[0] for row in store.db.execute("SELECT l.url FROM checks c JOIN links l ON l.id = c.link_id")}


def test_a_run_about_its_seeded_documents_checks_only_their_links(
    web: Web, tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    site = web.sites["library.test"]
    other = _cite(tmp_path, "other.txt", site.url("/"))
    run_pipeline(store, [other], _options(web), scope=Scope(documents=("nothing-yet/*",)))
    mine = _cite(tmp_path, "mine.txt", site.url("/live"))
    result = run_pipeline(store, [mine], _options(web), scope=Scope(seeded=True))
    assert result.documents == ("mine.txt",)
    assert _checked(store) == {site.url("/live")}
    assert result.report is not None
    assert [link.url for link in result.report.links] == [site.url("/live")]
    assert result.report.links[0].verdict == Verdict.ALIVE


def test_options_that_select_links_are_checked_as_given_and_the_report_keeps_to_the_seeded(
    web: Web, tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    site = web.sites["library.test"]
    run_pipeline(
        store, [_cite(tmp_path, "other.txt", site.url("/"))], _options(web), scope=Scope(documents=())
    )
    mine = _cite(tmp_path, "mine.txt", site.url("/live"))
    result = run_pipeline(store, [mine], _options(web, all=True), scope=Scope(seeded=True, selected=True))
    assert result.documents is None
    assert _checked(store) == {site.url("/live"), site.url("/")}
    assert result.report is not None
    assert [link.url for link in result.report.links] == [site.url("/live")]


def test_a_run_about_no_document_checks_nothing(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cited = _cite(tmp_path, "refs.txt", "http://unreachable.invalid/page")
    # Patterns matching nothing, and a seeded run whose every path failed: both are about no
    # document, and an empty selection of documents would otherwise mean every link.
    for paths, scope in (
        ([cited], Scope(documents=("elsewhere/*.md",))),
        (["missing.txt"], Scope(seeded=True)),
    ):
        result = run_pipeline(store, paths, CheckOptions(), scope=scope)
        assert result.documents == () and result.check is None
        assert result.report is not None and result.report.links == []
    assert result.seed is not None and result.seed.errors
    assert store.db.execute("SELECT COUNT(*) FROM checks").fetchone() == (0,)


def test_a_stop_before_the_check_ends_the_run_without_a_report(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    stop = threading.Event()
    stop.set()
    result = run_pipeline(
        store, [_cite(tmp_path, "refs.txt", "http://a.invalid/")], CheckOptions(), stop=stop
    )
    assert (
        result.interrupted
        and result.seed is not None
        and [d.status for d in result.seed.documents] == ["seeded"]
    )
    assert result.check is None and result.report is None


def test_the_command_line_and_the_schedule_run_the_one_pipeline() -> None:
    """`linkcheck run` and a scheduled job call run_pipeline; the job seeds and checks only through it."""
    called: dict[str, set[str]] = {}
    for name in ("cli.py", "schedule/job.py"):
        tree = ast.parse((ROOT / "linkcheck" / name).read_text(encoding="utf-8"))
        called[name] = {
            node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
        }
    assert "run_pipeline" in called["cli.py"] and "run_pipeline" in called["schedule/job.py"]
    assert not {"seed", "run_checks", "check_links", "match_documents"} & called["schedule/job.py"]


# -- the named parts of a check run (check_links: workers, outage guard, batch writer) -----------


def _guard(*hosts: str) -> OutageGuard:
    guard = OutageGuard()
    guard.learn([LinkToCheck(i, f"http://{h}/", h) for i, h in enumerate(hosts)], was_failing=set())
    return guard


def test_the_outage_guard_holds_network_failures_and_drops_them_when_no_host_answered() -> None:
    guard = _guard("a.test", "b.test")
    assert not guard.admit(0, Outcome("http://a.test/", Reason.TIMEOUT))
    assert not guard.admit(1, Outcome("http://b.test/", Reason.CONNECTION_REFUSED))
    report = CheckReport()
    assert guard.nobody_answered and guard.settle(report)
    assert (report.hosts, report.hosts_failed, report.links_held) == (2, 2, 2)


def test_the_outage_guard_keeps_most_hosts_failing_from_ending_a_link_dead() -> None:
    guard = _guard("a.test", "b.test", "c.test")
    assert guard.admit(0, Outcome("http://a.test/", Reason.NOT_FOUND))  # an answer: written at once
    assert not guard.admit(1, Outcome("http://b.test/", Reason.TIMEOUT))
    assert not guard.admit(2, Outcome("http://c.test/", Reason.TIMEOUT))
    report = CheckReport()
    assert not guard.settle(report) and report.partial_outage
    dead = Judgement(Verdict.DEAD, Reason.TIMEOUT, None, 3)
    assert guard.judge(dead).verdict is Verdict.FAILING
    assert guard.judge(replace(dead, reason=Reason.NOT_FOUND)).verdict is Verdict.DEAD


def test_a_redirect_to_a_failing_host_counts_as_an_answer_of_the_cited_host() -> None:
    guard = _guard("a.test")
    moved = Outcome("http://a.test/", Reason.TIMEOUT, hops=[Hop("http://a.test/", 301, "http://b.test/")])
    assert not guard.admit(0, moved)
    assert not guard.nobody_answered
