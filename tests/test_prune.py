"""Retention: `linkcheck prune --keep` drops old checks and unneeded texts, and nothing a verdict,
a report or the drift stage needs: every verdict change, each link's first and last check, its
drift baselines, everything younger than the period kept."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.check.verdict import judge_next
from linkcheck.cli import app
from linkcheck.models import Citation, Outcome, Reason
from linkcheck.store import Store
from linkcheck.store import report as report_sql
from linkcheck.store.prune import prune

runner = CliRunner()
FMT = "%Y-%m-%dT%H:%M:%SZ"
NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
DAYS = 200
REASONS = [Reason.OK] * 40 + [Reason.TIMEOUT, Reason.SERVER_ERROR, Reason.NOT_FOUND, Reason.FORBIDDEN,
                             Reason.PRIVATE_ADDRESS, Reason.CONTENT_CHANGED]  # fmt: skip


SPECIAL = {
    # Alive throughout; fingerprinted only from day 190 (its first baseline) to day 150 (its latest).
    "https://late.example.org/fingerprints": lambda day: Reason.OK,
    # Alive, then failing every day of the last week: a long streak, confirmed dead.
    "https://down.example.org/week": lambda day: Reason.TIMEOUT if day <= 7 else Reason.OK,
}


def fingerprinted(url: str, day: int, reason: Reason) -> bool:
    if url == "https://late.example.org/fingerprints":
        return 150 <= day <= 190
    return reason in (Reason.OK, Reason.CONTENT_CHANGED)


def build(path: Path, links: int = 12, seed: int = 4) -> Store:
    """``links`` links checked daily for 200 days, their outcomes random but mostly alive, and
    the :data:`SPECIAL` ones; the live checks carry a main-text fingerprint, a few texts a link."""
    rng = random.Random(seed)
    store = Store.open(path)
    urls = [f"https://h{i}.example.org/p" for i in range(links)] + list(SPECIAL)
    store.save_document("refs.txt", "text", "x", 1, [Citation(u, u, i + 1, u) for i, u in enumerate(urls)])
    ids = {r["url"]: r["id"] for r in store.query("SELECT id, url FROM links")}
    for day in range(DAYS, 0, -1):
        at = (NOW - dt.timedelta(days=day)).strftime(FMT)
        batch = [
            (
                ids[u],
                Outcome(
                    url=u, reason=SPECIAL[u](day) if u in SPECIAL else rng.choice(REASONS), started_at=at
                ),
            )
            for u in urls
        ]
        store.record_checks(None, batch, judge_next)
        with store.db.atomic():
            for link_id, o in batch:
                if fingerprinted(o.url, day, o.reason):
                    sha = f"text-{link_id}-{day // 20}"
                    store.db.execute(
                        "INSERT INTO texts (sha256, words, simhash, text) VALUES (?, 1, 0, x'00') "
                        "ON CONFLICT DO NOTHING",
                        [sha],
                    )
                    store.db.execute(
                        "UPDATE checks SET text_sha256 = ? WHERE link_id = ? AND started_at = ?",
                        [sha, link_id, at],
                    )
    return store


RECENT = "SELECT * FROM checks WHERE started_at >= ? ORDER BY id"
EDGES = (
    "SELECT * FROM checks WHERE id IN (SELECT MIN(id) FROM checks GROUP BY link_id "
    "UNION SELECT MAX(id) FROM checks GROUP BY link_id) ORDER BY id"
)
CHANGES = (
    "SELECT * FROM (SELECT *, verdict IS NOT LAG(verdict) OVER "
    "(PARTITION BY link_id ORDER BY started_at, id) AS changed FROM checks) WHERE changed ORDER BY id"
)
BASELINES = "SELECT link_id, MIN(id), MAX(id) FROM checks WHERE text_sha256 IS NOT NULL GROUP BY link_id"


def snapshot(store: Store) -> dict[str, object]:
    """Everything pruning must leave as it was."""
    moments = [(NOW - dt.timedelta(days=d, hours=1)).strftime(FMT) for d in range(0, DAYS + 2, 3)]
    return {
        "links": list(store.query("SELECT * FROM links ORDER BY id")),
        "before": {m: report_sql.verdicts_before(store, m) for m in moments},
        "recent": list(store.query(RECENT, [(NOW - dt.timedelta(days=90)).strftime(FMT)])),
        "edges": list(store.query(EDGES)),
        "changes": list(store.query(CHANGES)),
        "baselines": list(store.query(BASELINES)),
    }


def test_prune_keeps_verdicts_changes_edges_and_baselines(tmp_path: Path) -> None:
    store = build(tmp_path / "p.db")
    before = snapshot(store)
    total = store.db["checks"].count
    result = prune(store, dt.timedelta(days=90), now=NOW)
    assert result.checks == total
    assert result.deleted > total // 3  # most old checks of a mostly alive link say nothing new
    assert store.db["checks"].count == total - result.deleted
    assert snapshot(store) == before
    # Texts: those of pruned checks only are gone, every one still pointed to is there.
    assert result.texts_deleted > 0
    orphans = store.db.execute(
        "SELECT COUNT(*) FROM checks WHERE text_sha256 IS NOT NULL "
        "AND text_sha256 NOT IN (SELECT sha256 FROM texts)"
    ).fetchone()[0]
    assert orphans == 0
    # Pruning again finds nothing more to delete.
    assert prune(store, dt.timedelta(days=90), now=NOW).deleted == 0
    store.close()


def test_the_next_check_is_judged_alike_pruned_or_not(tmp_path: Path) -> None:
    """Also for links whose streak was not yet known (a database from before it was kept)."""
    kept, pruned = build(tmp_path / "a.db"), build(tmp_path / "b.db")
    for s in (kept, pruned):
        s.db.execute(
            "UPDATE links SET streak = NULL, streak_since = NULL "
            "WHERE id % 2 = 0 OR url LIKE '%down.example%'"
        )
    prune(pruned, dt.timedelta(days=1), now=NOW)
    assert pruned.db["checks"].count < kept.db["checks"].count // 2
    cols = "id, verdict, reason, failures, first_failed"
    for day, reason in enumerate(
        (Reason.TIMEOUT, Reason.PRIVATE_ADDRESS, Reason.TIMEOUT, Reason.OK), start=1
    ):
        at = (NOW + dt.timedelta(days=day)).strftime(FMT)
        for s in (kept, pruned):
            links = s.query("SELECT id, url FROM links")
            batch = [(r["id"], Outcome(url=r["url"], reason=reason, started_at=at)) for r in links]
            s.record_checks(None, batch, judge_next)
        assert list(pruned.query(f"SELECT {cols} FROM links")) == list(
            kept.query(f"SELECT {cols} FROM links")
        )
    kept.close()
    pruned.close()


def test_a_dry_run_changes_nothing(tmp_path: Path) -> None:
    store = build(tmp_path / "p.db", links=4)
    total = store.db["checks"].count
    dry = prune(store, dt.timedelta(days=30), now=NOW, dry_run=True)
    assert store.db["checks"].count == total and dry.deleted > 0
    assert prune(store, dt.timedelta(days=30), now=NOW).deleted == dry.deleted
    store.close()


def test_prune_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "p.db"
    build(db, links=4).close()
    monkeypatch.setenv("LINKCHECK_DB", str(db))
    missing = runner.invoke(app, ["prune"])
    assert missing.exit_code == 2
    bad = runner.invoke(app, ["prune", "--keep", "ninety days"])
    assert bad.exit_code == 2
    assert bad.stderr.count("\n") == 1 and "--keep" in bad.stderr and "Traceback" not in bad.output
    dry = runner.invoke(app, ["prune", "--keep", "30d", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.startswith("Would delete ")
    done = runner.invoke(app, ["prune", "--keep", "30d", "--vacuum"])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("Deleted ") and "MB" in done.stdout
    size_after = db.stat().st_size
    # What the dry run counted is what went; the file shrank by VACUUM.
    assert dry.stdout.split()[2] == done.stdout.split()[1]
    assert size_after < 4 * 200 * 1024
