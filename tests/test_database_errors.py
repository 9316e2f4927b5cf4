"""A database that cannot be used says so in one line: damaged (exit 2), from a newer linkcheck
(exit 2, never written to), in a folder that does not exist yet (created)."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
from pathlib import Path

import pytest

from linkcheck.errors import DamagedDatabase, EnvironmentFailure, NewerDatabase
from linkcheck.models import Citation
from linkcheck.store import Store, database_failure
from tests.conftest import run_linkcheck


def linkcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_linkcheck(*args, cwd=cwd)


def seeded_db(path: Path, links: int = 3000) -> None:
    """A database with enough links to fill many pages, checkpointed into the main file."""
    with Store.open(path) as store:
        store.save_document(
            "refs.txt", "text", "x", 1,
            [Citation(f"https://example.org/page/{i}", f"https://example.org/page/{i}", i, f"ref {i}", None)
             for i in range(links)],
        )  # fmt: skip
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def overwrite_page(path: Path, table: str) -> int:
    """Overwrite the root page of ``table`` (a page in the middle of the file) with garbage."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()
    conn.close()
    assert 1 < root < pages
    with path.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * page_size)
    return root


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
@pytest.mark.parametrize("command", [["summary"], ["check", "--all"], ["seed", "refs.txt"]])
def test_a_damaged_database_is_one_line_naming_it_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "links.db"
    seeded_db(db)
    overwrite_page(db, "links")
    (tmp_path / "refs.txt").write_text("https://example.org/new\n", encoding="utf-8")
    proc = linkcheck("--db", "links.db", *command, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("linkcheck: links.db: the database is damaged"), line
    assert 'sqlite3 links.db "PRAGMA integrity_check"' in line


@pytest.mark.slow
def test_a_command_that_writes_never_writes_to_a_damaged_database(tmp_path: Path) -> None:
    # The damaged page (the checks table's) is one seeding would never read: only reading every
    # page first keeps seeding from writing into the damaged file.
    db = tmp_path / "links.db"
    seeded_db(db)
    overwrite_page(db, "checks")
    before = digest(db)
    (tmp_path / "refs.txt").write_text("https://example.org/new\n", encoding="utf-8")
    proc = linkcheck("--db", "links.db", "seed", "refs.txt", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("linkcheck: links.db: the database is damaged"), line
    assert digest(db) == before


def test_a_file_that_is_not_a_database_is_damaged(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 300)
    before = digest(bad)
    with pytest.raises(DamagedDatabase, match=r"bad\.db: the database is damaged"):
        Store.open(bad)
    assert digest(bad) == before


def newer_db(path: Path) -> None:
    seeded_db(path, links=10)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO migrations (name, applied_at) VALUES ('9999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def test_a_database_from_a_newer_linkcheck_is_refused_and_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    newer_db(db)
    before = digest(db)
    with pytest.raises(NewerDatabase, match="9999_from_the_future"):
        Store.open(db)
    assert digest(db) == before


@pytest.mark.slow
@pytest.mark.parametrize("command", [["summary"], ["seed", "refs.txt"], ["check", "--all"], ["history", "x"]])
def test_a_newer_database_is_refused_by_every_command(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "new.db"
    newer_db(db)
    before = digest(db)
    (tmp_path / "refs.txt").write_text("https://example.org/new\n", encoding="utf-8")
    proc = linkcheck("--db", "new.db", *command, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("linkcheck: new.db: written by a newer linkcheck"), line
    assert "9999_from_the_future" in line and "upgrade linkcheck" in line
    assert digest(db) == before


@pytest.mark.slow
def test_db_in_a_folder_that_does_not_exist_creates_it(tmp_path: Path) -> None:
    (tmp_path / "refs.txt").write_text("https://example.org/a\n", encoding="utf-8")
    proc = linkcheck("--db", "state/linkcheck/links.db", "seed", "refs.txt", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    conn = sqlite3.connect(tmp_path / "state" / "linkcheck" / "links.db")
    assert conn.execute("SELECT url FROM links").fetchall() == [("https://example.org/a",)]
    conn.close()


def test_a_full_disk_is_the_machines_failure_not_the_inputs(tmp_path: Path) -> None:
    # SQLite's own error, as a write on a full disk raises it.
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorname = "SQLITE_FULL"  # type: ignore[attr-defined]
    failure = database_failure("x.db", error)
    assert isinstance(failure, EnvironmentFailure)
    assert "free some disk space" in str(failure)
