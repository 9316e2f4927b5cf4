"""The database: the only module that speaks SQL.

SQLite through sqlite-utils, in WAL mode so that readers (a report) never block the
writer (a check) and a killed process leaves a usable database. Schema migrations are
the ordered ``NNNN_name.sql`` files of ``db/``, each applied once, inside one
transaction together with the row that records it in ``migrations``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import sqlite_utils

from linkcheck.errors import DatabaseError
from linkcheck.extract.urls import host_of, normalise_url, url_problem
from linkcheck.models import Citation, Verdict

DEFAULT_DB = "linkcheck.db"
BUSY_TIMEOUT_MS = 30_000


def migrations_dir() -> Path:
    """Where the migration files are: inside the installed package, or db/ of a checkout."""
    packaged = Path(str(resources.files("linkcheck"))) / "db"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "db"


def migrations() -> list[tuple[str, str]]:
    """The migrations in order, as (name, SQL) pairs."""
    files = sorted(p for p in migrations_dir().glob("[0-9][0-9][0-9][0-9]_*.sql"))
    if not files:
        raise DatabaseError(f"no schema migrations found in {migrations_dir()}")
    return [(p.stem, p.read_text(encoding="utf-8")) for p in files]


def utcnow() -> str:
    """The current UTC time as the ISO 8601 text stored everywhere."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """A seeded document as stored."""

    id: int
    path: str
    format: str
    sha256: str
    citations: int


@dataclass(frozen=True, slots=True)
class SeedCounts:
    """What storing one document's citations changed."""

    citations: int
    new_links: int


class Store:
    """An open linkcheck database."""

    def __init__(self, db: sqlite_utils.Database, path: str) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (creating it if need be) and migrate the database at ``path``."""
        path = str(path)
        if path != ":memory:":
            parent = Path(path).parent
            if not parent.is_dir():
                raise DatabaseError(f"cannot open database {path}: folder {parent} does not exist")
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
            db = sqlite_utils.Database(conn)
            db.execute("PRAGMA foreign_keys = ON")
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if path != ":memory:":
                db.enable_wal()
                # WAL with synchronous=NORMAL is durable across process crashes (kill -9);
                # only a power cut can lose the last transactions, never corrupt the file.
                db.execute("PRAGMA synchronous = NORMAL")
            store = cls(db, path)
            store.migrate()
        except sqlite3.DatabaseError as e:
            raise DatabaseError(f"cannot open database {path}: {e}") from e
        return store

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------

    def applied_migrations(self) -> list[str]:
        """Names of the migrations applied so far, in order."""
        if not self.db["migrations"].exists():
            return []
        return [r["name"] for r in self.db.query("SELECT name FROM migrations ORDER BY id")]

    def migrate(self) -> list[str]:
        """Apply every migration not yet applied; return the names applied now."""
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS migrations "
            "(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)"
        )
        done = set(self.applied_migrations())
        applied = []
        for name, sql in migrations():
            if name in done:
                continue
            # executescript() commits first and runs in autocommit mode, so the
            # transaction is spelt out: the schema change and its record land together.
            record = f"INSERT INTO migrations (name, applied_at) VALUES ('{name}', '{utcnow()}')"
            script = f"BEGIN;\n{sql}\n;{record};\nCOMMIT;"
            try:
                self.db.conn.executescript(script)
            except sqlite3.DatabaseError as e:
                if self.db.conn.in_transaction:
                    self.db.conn.execute("ROLLBACK")
                raise DatabaseError(f"migration {name} failed on {self.path}: {e}") from e
            applied.append(name)
        return applied

    # -- documents and citations ------------------------------------------------------

    def document(self, path: str) -> DocumentRow | None:
        """The stored document at ``path``, or None."""
        rows = list(
            self.db.query("SELECT id, path, format, sha256, citations FROM documents WHERE path = ?", [path])
        )
        return DocumentRow(**rows[0]) if rows else None

    def save_document(
        self, path: str, fmt: str, sha256: str, size: int, citations: Sequence[Citation]
    ) -> SeedCounts:
        """Store a document's citations, replacing any it had, in one transaction.

        Links are never deleted: a link no longer cited keeps its check history.
        """
        now = utcnow()
        with self.db.atomic():
            existing = self.document(path)
            if existing is None:
                doc_id = self.db.execute(
                    "INSERT INTO documents (path, format, sha256, size, seeded_at, citations) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [path, fmt, sha256, size, now, len(citations)],
                ).lastrowid
            else:
                doc_id = existing.id
                self.db.execute("DELETE FROM citations WHERE document_id = ?", [doc_id])
                self.db.execute(
                    "UPDATE documents SET format = ?, sha256 = ?, size = ?, seeded_at = ?, citations = ? "
                    "WHERE id = ?",
                    [fmt, sha256, size, now, len(citations), doc_id],
                )
            normals = [normalise_url(c.url) for c in citations]
            link_ids, new_links = self._link_ids(citations, normals, now)
            self.db.conn.executemany(
                "INSERT INTO citations (document_id, link_id, position, line, cited, url, accessed, "
                "title, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        doc_id,
                        link_ids[normal],
                        i,
                        c.line,
                        c.cited,
                        c.url,
                        c.accessed.isoformat() if c.accessed else None,
                        c.title,
                        c.text,
                    )
                    for i, (c, normal) in enumerate(zip(citations, normals, strict=True))
                ),
            )
        return SeedCounts(citations=len(citations), new_links=new_links)

    def _link_ids(
        self, citations: Sequence[Citation], normals: Sequence[str], now: str
    ) -> tuple[dict[str, int], int]:
        first: dict[str, str] = {}
        for c, normal in zip(citations, normals, strict=True):
            first.setdefault(normal, c.url)
        ids = self._ids_of(list(first))
        new = [n for n in first if n not in ids]
        rows = []
        for n in new:
            url = first[n]
            problem = url_problem(url)
            rows.append(
                (
                    url,
                    n,
                    host_of(url) if problem is None else None,
                    url.split(":", 1)[0].lower() if ":" in url else None,
                    now,
                    Verdict.INVALID if problem else Verdict.UNCHECKED,
                    "invalid-url" if problem else None,
                    problem,
                )
            )
        self.db.conn.executemany(
            "INSERT INTO links (url, normal, host, scheme, first_seen, verdict, reason, problem) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        ids.update(self._ids_of(new))
        return ids, len(new)

    def _ids_of(self, normals: Sequence[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for chunk in _chunks(normals, 500):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT normal, id FROM links WHERE normal IN ({marks})", chunk):
                ids[row[0]] = row[1]
        return ids

    # -- reading ----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """How many documents, citations and links the database holds."""
        return {t: self.db[t].count for t in ("documents", "citations", "links")}

    def query(self, sql: str, params: Iterable[Any] = ()) -> Iterator[dict[str, Any]]:
        """Rows of a read-only query, as dicts."""
        return self.db.query(sql, list(params))

    def citations_of(self, path: str) -> list[dict[str, Any]]:
        """The citations of one document in order, with their link's URL and verdict."""
        return list(
            self.db.query(
                "SELECT c.line, c.cited, c.url, c.accessed, c.title, c.text, l.url AS link_url, "
                "l.verdict FROM citations c JOIN documents d ON d.id = c.document_id "
                "JOIN links l ON l.id = c.link_id WHERE d.path = ? ORDER BY c.position",
                [path],
            )
        )


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
