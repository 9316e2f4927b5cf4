"""The database: migrations, WAL, documents, citations and links."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from linkcheck.errors import DatabaseError
from linkcheck.models import Citation
from linkcheck.store import Store, _parse_time, migrations, stamp


def cite(url: str, line: int = 1, accessed: dt.date | None = None) -> Citation:
    return Citation(cited=url, url=url, line=line, text=f"See {url}", accessed=accessed)


def test_migrates_an_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with Store.open(path) as s:
        assert s.applied_migrations() == [name for name, _ in migrations()]
        assert {"documents", "citations", "links", "migrations"} <= set(s.db.table_names())
        assert s.db.journal_mode == "wal"
    # Opening again applies nothing twice.
    with Store.open(path) as s:
        assert s.migrate() == []
        assert len(s.applied_migrations()) == len(migrations())


def test_migrates_a_database_left_at_the_first_schema(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    first_name, first_sql = migrations()[0]
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE migrations "
        "(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL);"
        + first_sql
        + f";INSERT INTO migrations (name, applied_at) VALUES ('{first_name}', '2026-01-01T00:00:00Z');"
    )
    conn.execute(
        "INSERT INTO documents (path, format, sha256, size, seeded_at) VALUES ('a', 'text', 'x', 1, 'now')"
    )
    conn.commit()
    conn.close()
    with Store.open(path) as s:
        assert s.applied_migrations() == [name for name, _ in migrations()]
        assert s.counts()["documents"] == 1


def test_a_database_in_a_new_folder_creates_the_folder(tmp_path: Path) -> None:
    with Store.open(tmp_path / "new" / "sub" / "x.db") as s:
        assert s.applied_migrations() == [name for name, _ in migrations()]
    assert (tmp_path / "new" / "sub" / "x.db").is_file()


def test_a_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(DatabaseError, match="cannot create folder"):
        Store.open(tmp_path / "file" / "x.db")


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match=r"bad\.db"):
        Store.open(bad)


def test_one_link_per_normal_url(store: Store) -> None:
    counts = store.save_document(
        "a.txt",
        "text",
        "h1",
        10,
        [
            cite("http://Example.org/a"),
            cite("http://example.org:80/a#x", 2),
            cite("https://example.org/a", 3),
        ],
    )
    assert counts.citations == 3
    assert counts.new_links == 2  # http and https are different links
    links = list(store.query("SELECT url, normal FROM links ORDER BY id"))
    assert links[0] == {"url": "http://Example.org/a", "normal": "http://example.org/a"}
    assert store.counts() == {"documents": 1, "citations": 3, "links": 2}


def test_resaving_replaces_citations_and_keeps_links(store: Store) -> None:
    store.save_document("a.txt", "text", "h1", 10, [cite("http://a.org/1"), cite("http://a.org/2")])
    counts = store.save_document(
        "a.txt", "text", "h2", 10, [cite("http://a.org/2", accessed=dt.date(2019, 3, 3))]
    )
    assert counts.new_links == 0
    assert store.counts() == {"documents": 1, "citations": 1, "links": 2}
    rows = store.citations_of("a.txt")
    assert [(r["url"], r["accessed"]) for r in rows] == [("http://a.org/2", "2019-03-03")]
    assert store.document("a.txt").sha256 == "h2"  # type: ignore[union-attr]


def test_invalid_url_gets_the_invalid_verdict(store: Store) -> None:
    store.save_document("a.txt", "text", "h1", 10, [cite("http://exa mple.org/x"), cite("http://ok.org/")])
    verdicts = {
        r["url"]: (r["verdict"], r["reason"]) for r in store.query("SELECT url, verdict, reason FROM links")
    }
    assert verdicts["http://exa mple.org/x"] == ("invalid", "invalid-url")
    assert verdicts["http://ok.org/"] == ("unchecked", None)


def test_a_failed_save_leaves_nothing_half_done(store: Store) -> None:
    store.save_document("a.txt", "text", "h1", 10, [cite("http://a.org/1")])

    bad = [cite("http://a.org/3"), Citation(cited="x", url="http://a.org/4", line=1, text=None)]  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError):
        store.save_document("a.txt", "text", "h2", 10, bad)
    assert [r["url"] for r in store.citations_of("a.txt")] == ["http://a.org/1"]
    assert store.document("a.txt").sha256 == "h1"  # type: ignore[union-attr]
    assert store.counts()["links"] == 1


def _schema(path: Path) -> dict[str, object]:
    """What a database's schema is, column order aside: tables' columns, indexes, views, triggers."""
    conn = sqlite3.connect(path)
    try:
        found: dict[str, object] = {}
        rows = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
        for kind, name, table, sql in rows:
            if kind == "table":
                columns = conn.execute(f"PRAGMA table_xinfo('{name}')").fetchall()
                found[name] = sorted((c[1], c[2].upper(), c[3], c[4], c[5], c[6]) for c in columns)
            elif kind == "index":
                info = conn.execute(f"PRAGMA index_xinfo('{name}')").fetchall()
                unique = [r[2] for r in conn.execute(f"PRAGMA index_list('{table}')") if r[1] == name]
                found[name] = (table, unique, [(r[2], r[3], r[4]) for r in info if r[5]], sql)
            else:
                found[name] = (kind, table, " ".join((sql or "").split()))
        return found
    finally:
        conn.close()


_MIGRATIONS_TABLE = (
    "CREATE TABLE migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL);"
)


def _apply(conn: sqlite3.Connection, names: list[str]) -> None:
    known = dict(migrations())
    conn.executescript(_MIGRATIONS_TABLE)
    for name in names:
        conn.executescript(
            f"BEGIN; INSERT INTO migrations (name, applied_at) VALUES ('{name}', '2026-01-01T00:00:00Z');"
            f"{known[name]}; COMMIT;"
        )


def _database_with(path: Path, names: list[str]) -> None:
    """A database as a linkcheck that knew only the migrations ``names`` left it, one document in it."""
    conn = sqlite3.connect(path)
    _apply(conn, names)
    conn.execute(
        "INSERT INTO documents (path, format, sha256, size, seeded_at) VALUES ('a', 'text', 'x', 1, 'now')"
    )
    conn.commit()
    conn.close()


def _applies(names: list[str]) -> bool:
    conn = sqlite3.connect(":memory:")
    try:
        _apply(conn, names)
    except sqlite3.OperationalError:
        return False  # a later migration builds on the one left out: no release had this set
    finally:
        conn.close()
    return True


def _earlier_versions() -> list[list[str]]:
    """Every set of migrations a database can have been left with: each prefix, and each set with
    one migration missing that no later one builds on (a change merged after later-numbered ones
    shipped: numbers are reserved per change)."""
    names = [name for name, _ in migrations()]
    prefixes = [names[:k] for k in range(1, len(names))]
    gaps = [[n for n in names if n != skipped] for skipped in names[1:-1]]
    return prefixes + [g for g in gaps if _applies(g)]


@pytest.mark.parametrize("names", _earlier_versions(), ids=lambda names: "+".join(n[:4] for n in names))
def test_an_upgraded_database_has_the_schema_of_a_new_one(tmp_path: Path, names: list[str]) -> None:
    with Store.open(tmp_path / "fresh.db"):
        pass
    _database_with(tmp_path / "old.db", names)
    with Store.open(tmp_path / "old.db") as s:
        assert sorted(s.applied_migrations()) == sorted(name for name, _ in migrations())
        assert s.counts()["documents"] == 1
    assert _schema(tmp_path / "old.db") == _schema(tmp_path / "fresh.db")


@pytest.mark.parametrize("text", ["2026-12-03T18:40:00Z", "1999-01-31T00:00:59Z", "2024-02-29T23:59:59Z"])
def test_stored_moments_read_back_as_strptime_reads_them(text: str) -> None:
    expected = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    got = _parse_time(text)
    assert got == expected and got.tzinfo is dt.UTC and stamp(got) == text
