"""Writing at scale: checks judged in O(1) from the streak kept on the link's row, and seeding
in groups of documents.

The verdict, failures and first failure stored after each check must be exactly what judging the
link's whole history gives (``linkcheck.check.verdict.judge``), whatever the history, whether the
checks arrive in order or not, and for a database written before the streak was kept.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck import seed as seeding
from linkcheck.check.verdict import Fact, judge, judge_next
from linkcheck.models import REASON_VERDICT, Citation, Outcome, Reason, Verdict
from linkcheck.store import Store

FMT = "%Y-%m-%dT%H:%M:%SZ"
T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
URL = "https://a.example.org/x"
FAILED = [r for r in Reason if REASON_VERDICT[r] in (Verdict.FAILING, Verdict.DEAD)]


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store.open(":memory:")
    yield s
    s.close()


def fresh() -> tuple[Store, int]:
    s = Store.open(":memory:")
    s.save_document("refs.txt", "text", "x", 1, [Citation(URL, URL, 1, URL)])
    return s, next(iter(s.query("SELECT id FROM links")))["id"]


def record(store: Store, link: int, reason: Reason, at: dt.datetime) -> None:
    o = Outcome(url=URL, reason=reason, started_at=at.strftime(FMT))
    store.record_checks(None, [(link, o)], judge_next)


def stored(store: Store, link: int) -> tuple[str, int, str | None]:
    [row] = store.query("SELECT verdict, failures, first_failed FROM links WHERE id = ?", [link])
    return row["verdict"], row["failures"], row["first_failed"]


def expected(facts: list[Fact]) -> tuple[str, int, str | None]:
    j = judge(sorted(facts, key=lambda f: f.at))  # stable: checks of the same second keep their order
    return str(j.verdict), j.failures, j.first_failed.strftime(FMT) if j.first_failed else None


steps = st.lists(
    st.tuples(st.integers(-30, 3 * 24), st.sampled_from(list(Reason) + FAILED * 3), st.booleans()),
    min_size=1,
    max_size=20,
)


@settings(max_examples=80, deadline=None)
@given(steps)
def test_stored_verdicts_equal_judging_the_whole_history(plan: list[tuple[int, Reason, bool]]) -> None:
    """Random histories, hours apart and sometimes out of order (a negative gap), and sometimes a
    streak forgotten (as in a database from before it was kept): every stored state is judge()'s."""
    store, link = fresh()
    at, facts = T0, []
    for hours, reason, forget in plan:
        at += dt.timedelta(hours=hours)
        if forget:
            store.db.execute("UPDATE links SET streak = NULL, streak_since = NULL WHERE id = ?", [link])
        record(store, link, reason, at)
        facts.append(Fact(at, reason))
        assert stored(store, link) == expected(facts)
        # The check row holds the verdict it led to.
        [last] = store.query("SELECT verdict FROM checks WHERE link_id = ? ORDER BY id DESC LIMIT 1", [link])
        assert last["verdict"] == expected(facts)[0]
    store.close()


def test_checks_in_order_never_read_the_history(store: Store) -> None:
    store.save_document("refs.txt", "text", "x", 1, [Citation(URL, URL, 1, URL)])
    link = next(iter(store.query("SELECT id FROM links")))["id"]
    rng = random.Random(3)
    for day in range(30):
        record(
            store,
            link,
            rng.choice([Reason.OK, Reason.TIMEOUT, Reason.PRIVATE_ADDRESS]),
            T0 + dt.timedelta(days=day),
        )
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        record(store, link, Reason.TIMEOUT, T0 + dt.timedelta(days=31))
    finally:
        store.db.conn.set_trace_callback(None)
    reads = [s for s in statements if "FROM checks" in s]
    assert reads == []
    assert any(s.startswith("INSERT INTO checks") for s in statements)


def test_a_link_from_before_the_streak_was_kept_reads_its_history_once(store: Store) -> None:
    store.save_document("refs.txt", "text", "x", 1, [Citation(URL, URL, 1, URL)])
    link = next(iter(store.query("SELECT id FROM links")))["id"]
    record(store, link, Reason.TIMEOUT, T0)
    record(store, link, Reason.TIMEOUT, T0 + dt.timedelta(days=1))
    record(store, link, Reason.PRIVATE_ADDRESS, T0 + dt.timedelta(days=2))
    # As a database migrated from before 0012 has it: no streak; links.failures shows 0 (skipped).
    store.db.execute("UPDATE links SET streak = NULL, streak_since = NULL")
    record(store, link, Reason.TIMEOUT, T0 + dt.timedelta(days=3))
    assert stored(store, link) == ("dead", 3, T0.strftime(FMT))
    [row] = store.query("SELECT streak, streak_since FROM links")
    assert row == {"streak": 3, "streak_since": T0.strftime(FMT)}


# -- seeding in groups of documents, one transaction each ---------------------------------------


def test_a_document_reported_seeded_is_stored_whatever_fails_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents are committed in groups (here two a group) and reported once committed: when the
    fourth fails on the disk, the first two are stored and reported, the third neither."""
    for i in range(1, 6):
        (tmp_path / f"list{i}.txt").write_text(
            f"See https://site{i}.example.org/page (accessed 1 May 2019).\n"
        )
    monkeypatch.setattr(seeding, "GROUP_CITATIONS", 2)
    monkeypatch.setattr(seeding, "GROUP_SECONDS", 3600)
    store = Store.open(tmp_path / "lc.db")
    save = store.save_document

    def failing(path: str, *args: Any, **kwargs: Any) -> Any:
        if path.endswith("list4.txt"):
            raise sqlite3.OperationalError("disk I/O error")
        return save(path, *args, **kwargs)

    monkeypatch.setattr(store, "save_document", failing)
    reported: list[str] = []
    with pytest.raises(sqlite3.OperationalError):
        seeding.seed(store, [str(tmp_path)], on_document=lambda r: reported.append(Path(r.path).name))
    assert reported == ["list1.txt", "list2.txt"]
    stored = sorted(Path(r["path"]).name for r in store.query("SELECT path FROM documents"))
    assert stored == ["list1.txt", "list2.txt"]
    assert store.db["links"].count == 2 and store.db["citations"].count == 2
    # The settings of the bulk run are undone.
    assert store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    store.close()


def test_seeding_in_groups_stores_every_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seeding, "GROUP_CITATIONS", 3)
    for i in range(10):
        urls = "\n\n".join(f"https://h{i}.example.org/{j} (accessed 2 May 2019)" for j in range(i))
        (tmp_path / f"l{i}.txt").write_text(urls + "\n")
    store = Store.open(tmp_path / "lc.db")
    report = seeding.seed(store, [str(tmp_path)])
    assert report.citations == sum(range(10)) == store.db["citations"].count
    assert sorted(d.path for d in report.documents) == sorted(
        r["path"] for r in store.query("SELECT path FROM documents")
    )
    again = seeding.seed(store, [str(tmp_path)])
    assert again.count("unchanged") == 10
    store.close()


def _cites(n: int, seed: int) -> list[Citation]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        url = f"https://www.site{rng.randrange(300)}.example.org/r/{seed}/{i}/p{rng.randrange(10**6)}.html"
        out.append(Citation(cited=url, url=url, line=i + 1, text=f"Entry {i}: {url}"))
    return out


def _sqlite_temp_files() -> list[str]:
    """The temporary files SQLite has open in this process (named etilqs_*, unlinked at once)."""
    fds = Path("/proc/self/fd")
    names = []
    for fd in fds.iterdir():
        try:
            names.append(str(fd.readlink()))
        except OSError:  # closed between the listing and the look
            continue
    return [n for n in names if "etilqs_" in n]


def test_seeding_keeps_each_documents_savepoint_journal_in_memory(tmp_path: Path) -> None:
    """A document's savepoint journals every page it changes; on a file that was 70% of the
    writes of seeding (docs/benchmarks.md). In a group it is held in memory, and a document that
    fails half-way is still undone alone: the group's other documents are committed."""
    store = Store.open(tmp_path / "lc.db")
    store.save_document("base.txt", "text", "0" * 64, 1, _cites(3000, 1))  # indexes of many pages
    link_ids = store._link_ids

    def failing(*args: Any, **kwargs: Any) -> Any:
        link_ids(*args, **kwargs)  # the links are written, then the document fails
        raise sqlite3.OperationalError("disk I/O error")

    with store.bulk() as commit:
        store.save_document("a.txt", "text", "1" * 64, 1, _cites(1000, 2))
        assert _sqlite_temp_files() == []
        store._link_ids = failing  # type: ignore[method-assign]
        with pytest.raises(sqlite3.OperationalError):
            store.save_document("b.txt", "text", "2" * 64, 1, _cites(1000, 3))
        del store._link_ids
        store.save_document("c.txt", "text", "3" * 64, 1, _cites(1000, 4))
        commit()
    assert store.db.execute("PRAGMA temp_store").fetchone()[0] == 0  # the setting is undone
    paths = [r["path"] for r in store.query("SELECT path FROM documents ORDER BY path")]
    assert paths == ["a.txt", "base.txt", "c.txt"]
    assert store.db["links"].count == store.db["citations"].count == 5000
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()


def test_outside_a_group_the_savepoint_journal_is_sqlites_default(tmp_path: Path) -> None:
    """The control for the test above: the same document, saved in its own transaction's
    savepoint with SQLite's default temp_store, spills its journal to a temporary file. Were it
    not so, the test above could not fail."""
    store = Store.open(tmp_path / "lc.db")
    store.save_document("base.txt", "text", "0" * 64, 1, _cites(3000, 1))
    with store.db.atomic():
        store.save_document("a.txt", "text", "1" * 64, 1, _cites(1000, 2))  # a savepoint in it
        assert _sqlite_temp_files() != []
    store.close()
