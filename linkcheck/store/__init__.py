"""The database: the only package that speaks SQL.

SQLite through sqlite-utils, in WAL mode so that readers (a report) never block the
writer (a check) and a killed process leaves a usable database. Schema migrations are
the ordered ``NNNN_name.sql`` files of ``db/``, each applied once, inside one
transaction together with the row that records it in ``migrations``.

The :class:`Store` here holds the core (documents, citations, links, checks); later stages
keep their SQL in modules of this package as functions that take a :class:`Store`.
"""

from __future__ import annotations

import array
import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import sqlite_utils

from linkcheck.errors import (
    DamagedDatabase,
    DatabaseError,
    EnvironmentFailure,
    LinkcheckError,
    NewerDatabase,
)
from linkcheck.extract.urls import host_of, link_key, moved_target, normalise_url, url_problem
from linkcheck.models import Citation, Fact, Judgement, Outcome, Reason, Streak, Verdict, streak_of

DEFAULT_DB = "linkcheck.db"
BUSY_TIMEOUT_MS = 30_000
BULK_CACHE_KIB = 64 * 1024
"""SQLite's page cache during a long run of writes (:meth:`Store.bulk`), in KiB: a bound, not a need."""
BULK_CHECKPOINT_PAGES = 16_384
"""WAL pages (4 KiB each) written before a checkpoint during :meth:`Store.bulk` (SQLite's default: 1,000)."""


def migrations_dir() -> Path:
    """Where the migration files are: the package's ``db`` folder (in a checkout, a link to db/)."""
    return Path(str(resources.files("linkcheck"))) / "db"


def migrations() -> list[tuple[str, str]]:
    """The migrations in order, as (name, SQL) pairs."""
    files = sorted(p for p in migrations_dir().glob("[0-9][0-9][0-9][0-9]_*.sql"))
    if not files:
        raise DatabaseError(f"no schema migrations found in {migrations_dir()}")
    return [(p.stem, p.read_text(encoding="utf-8")) for p in files]


#: SQLite's result codes (sqlite3.Error.sqlite_errorname) for a file that is not a sound database.
DAMAGED_CODES = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})


def database_failure(path: str, error: sqlite3.Error) -> LinkcheckError:
    """What ``error``, raised by SQLite on the database at ``path``, means to a user.

    A damaged file is a bad input (:class:`DamagedDatabase`, exit 2). Anything else is the
    machine's: the disk full or failing, a file that cannot be written (EnvironmentFailure, exit 4).
    """
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(tuple(DAMAGED_CODES)):
        return DamagedDatabase(path, str(error))
    if name == "SQLITE_FULL":
        fix = "free some disk space and run the command again (what was stored before is kept)"
    elif name.startswith("SQLITE_IOERR"):
        fix = (
            "the disk failed to read or write: check the disk and the file system, then run the command again"
        )
    elif name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")):
        fix = "make the database file and its folder writable (or name another with --db)"
    else:
        fix = f'check it with: sqlite3 {path} "PRAGMA integrity_check"'
    return EnvironmentFailure(f"the database {path}", f"{error} ({name or 'SQLite error'})", fix)


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


class _Database(sqlite_utils.Database):
    """sqlite-utils' Database whose transactions take the write lock up front (``BEGIN IMMEDIATE``).

    A deferred transaction that reads before it writes cannot wait for another writer: when it
    comes to write, its snapshot may be stale and SQLite answers "database is locked" at once,
    busy timeout or not (``seed`` beside a running ``check`` died so). Taking the lock at BEGIN
    makes every writer wait its turn, up to the busy timeout.
    """

    @contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        if self.conn.in_transaction:
            with super().atomic() as db:  # nested: a savepoint in the open transaction
                yield db
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            # SQLite may have rolled back already (a full disk, an I/O error): a second ROLLBACK
            # would fail and hide the error that says what happened.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")


class Store:
    """An open linkcheck database."""

    def __init__(self, db: sqlite_utils.Database, path: str) -> None:
        self.db = db
        self.path = path
        self._grouped = False

    @classmethod
    def open(cls, path: str | Path, *, verify: bool = False) -> Store:
        """Open (creating it, and its folder, if need be) and migrate the database at ``path``.

        Raises :class:`NewerDatabase` for a database written by a newer linkcheck, and
        :class:`DamagedDatabase` for a file SQLite finds damaged, before anything is written to
        either. A damaged page deep in the file is found when it is read; with ``verify`` (for
        commands that write) every page is read first (``PRAGMA quick_check``: about 0.6 s for
        100,000 links), so that nothing is written to a damaged file.
        """
        path = str(path)
        if path != ":memory:":
            parent = Path(path).parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise DatabaseError(f"cannot open database {path}: cannot create folder {parent}: {e}") from e
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
            db = _Database(conn)
            db.execute("PRAGMA foreign_keys = ON")
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            store = cls(db, path)
            # Read before the first write (WAL mode, migrations): a newer database stays untouched.
            store.refuse_newer()
            if verify:
                store.verify()
            if path != ":memory:":
                db.enable_wal()
                # WAL with synchronous=NORMAL is durable across process crashes (kill -9);
                # only a power cut can lose the last transactions, never corrupt the file.
                db.execute("PRAGMA synchronous = NORMAL")
            store.migrate()
        except sqlite3.DatabaseError as e:
            raise database_failure(path, e) from e
        return store

    def verify(self) -> None:
        """Raise :class:`DamagedDatabase` unless SQLite's quick check finds every page sound."""
        rows = [str(row[0]) for row in self.db.execute("PRAGMA quick_check(3)").fetchall()]
        if rows != ["ok"]:
            # Its lines, on one line ("*** in database main ***" is a heading, not a problem).
            lines = [line.strip() for row in rows for line in row.splitlines()]
            raise DamagedDatabase(
                self.path, "; ".join(x for x in lines if x and not x.startswith("***"))[:300]
            )

    def refuse_newer(self) -> None:
        """Raise :class:`NewerDatabase` when the database has a migration this linkcheck does not know."""
        known = {name for name, _ in migrations()}
        unknown = [name for name in self.applied_migrations() if name not in known]
        if unknown:
            from linkcheck import __version__

            raise NewerDatabase(
                f"{self.path}: written by a newer linkcheck (it has the schema migration "
                f"{unknown[-1]}, unknown to linkcheck {__version__}); it is left untouched: "
                "upgrade linkcheck to use it"
            )

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
            # The record first, under the write lock: of two processes migrating at once, the
            # second waits, then fails on the record's UNIQUE name before touching the schema.
            script = f"BEGIN IMMEDIATE;\n{record};\n{sql}\n;COMMIT;"
            try:
                self.db.conn.executescript(script)
            except sqlite3.IntegrityError as e:
                if self.db.conn.in_transaction:
                    self.db.conn.execute("ROLLBACK")
                if name in self.applied_migrations():
                    continue  # applied by another process meanwhile
                raise DatabaseError(f"migration {name} failed on {self.path}: {e}") from e
            except sqlite3.DatabaseError as e:
                if self.db.conn.in_transaction:
                    self.db.conn.execute("ROLLBACK")
                raise DatabaseError(f"migration {name} failed on {self.path}: {e}") from e
            applied.append(name)
        return applied

    # -- long runs of writes (seeding) -----------------------------------------------

    @contextmanager
    def bulk(self) -> Iterator[Callable[[], None]]:
        """Gather the writes made inside into a few large transactions; yields ``commit()``.

        Each document's citations still land all or nothing (a savepoint inside the group's
        transaction); ``commit()`` makes every write of the group so far durable, and the next
        write opens the next group (``BEGIN IMMEDIATE``: the write lock from the start, so a
        check run writing meanwhile waits rather than fails). An exception rolls the open group
        back, and the group ends committed. Meanwhile the page cache is bigger and checkpoints
        rarer: seeding 1,000,000 citations one transaction a document spent most of its time
        writing the same index pages to the WAL and checkpointing them (docs/benchmarks.md).

        And the savepoints' journal is kept in memory (``temp_store = MEMORY``): each document's
        savepoint copies every page it changes, first, to that journal, which SQLite otherwise
        writes to a temporary file past 64 KiB. Seeding 100,000 citations made 294,000 of its
        400,000 ``pwrite`` calls (577 of 790 MB) to it. It only serves ``ROLLBACK TO``: a crash
        is still recovered from the WAL, and the journal is emptied at each document's end, so
        it holds at most the pages one document changes (a few MB for 500 citations).
        """
        conn = self.db.conn
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        checkpoint = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        temp_store = conn.execute("PRAGMA temp_store").fetchone()[0]
        conn.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB:d}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES:d}")
        conn.execute("PRAGMA temp_store = MEMORY")

        def commit() -> None:
            if conn.in_transaction:
                conn.execute("COMMIT")

        self._grouped = True
        try:
            yield commit
            commit()
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            self._grouped = False
            conn.execute(f"PRAGMA cache_size = {int(cache):d}")
            conn.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint):d}")
            conn.execute(f"PRAGMA temp_store = {int(temp_store):d}")

    def _join_group(self) -> None:
        """Inside :meth:`bulk`, open the group's transaction if none is open."""
        if self._grouped and not self.db.conn.in_transaction:
            self.db.conn.execute("BEGIN IMMEDIATE")

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
        self._join_group()
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

    # -- checks (linkcheck check, linkcheck history) -------------------------------------

    def start_run(self, options: dict[str, Any]) -> int:
        """Record the start of a check run; returns its id."""
        with self.db.atomic():
            cur = self.db.execute(
                "INSERT INTO runs (started_at, options) VALUES (?, ?)", [utcnow(), json.dumps(options)]
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def finish_run(self, run_id: int, status: str, links: int, checked: int) -> None:
        """Record how a run ended: done, interrupted or outage."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, links = ?, checked = ? WHERE id = ?",
                [utcnow(), status, links, checked, run_id],
            )

    def link_ids(self, urls: Iterable[str]) -> tuple[list[int], list[str]]:
        """Ids of the links with these URLs (matched by normal form), and the URLs not stored."""
        found: list[int] = []
        missing: list[str] = []
        for url in urls:
            rows = list(self.db.query("SELECT id FROM links WHERE normal = ?", [link_key(url)]))
            if rows:
                found.append(rows[0]["id"])
            else:
                missing.append(url)
        return found, missing

    def links_to_check(
        self,
        *,
        due_before: str | None,
        failing_due_before: str | None,
        link_ids: Sequence[int] | None = None,
        documents: Sequence[str] | None = None,
    ) -> list[LinkToCheck]:
        """The links to check, in id order; invalid links are never fetched.

        ``due_before`` None selects every link (``--all``); otherwise a link is due when never
        checked, checked before ``due_before``, or failing and checked before ``failing_due_before``.
        ``link_ids`` (``--url``) are selected whether due or not; ``documents`` narrows to links
        cited in those documents.
        """
        where, params = self._due_where(due_before, failing_due_before, link_ids, documents)
        sql = f"SELECT id, url, host FROM links WHERE {where} ORDER BY id"
        return [LinkToCheck(**row) for row in self.db.query(sql, params)]

    def link_ids_to_check(
        self,
        *,
        due_before: str | None,
        failing_due_before: str | None,
        link_ids: Sequence[int] | None = None,
        documents: Sequence[str] | None = None,
    ) -> array.array[int]:
        """The ids of :meth:`links_to_check`, in order, as a compact array (8 bytes a link).

        A run holds these only, and reads the links themselves chunk by chunk
        (:meth:`links_by_id`): a million due links are 8 MB, not a list of objects.
        """
        where, params = self._due_where(due_before, failing_due_before, link_ids, documents)
        found = array.array("q")
        cur = self.db.execute(f"SELECT id FROM links WHERE {where} ORDER BY id", params)
        while rows := cur.fetchmany(10_000):
            found.extend(row[0] for row in rows)
        return found

    def links_by_id(self, link_ids: Sequence[int]) -> list[LinkToCheck]:
        """The links with these ids (those stored), in id order."""
        rows = self.db.execute(
            "SELECT id, url, host FROM links WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            [json.dumps(list(link_ids))],
        )
        return [LinkToCheck(*row) for row in rows]

    def _due_where(
        self,
        due_before: str | None,
        failing_due_before: str | None,
        link_ids: Sequence[int] | None,
        documents: Sequence[str] | None,
    ) -> tuple[str, list[Any]]:
        where = ["verdict != 'invalid'"]
        params: list[Any] = []
        if link_ids is not None:
            where.append(f"id IN ({','.join('?' * len(link_ids)) or 'NULL'})")
            params.extend(link_ids)
        elif due_before is not None:
            where.append(
                "(last_checked IS NULL OR last_checked < ? OR (verdict = 'failing' AND last_checked < ?))"
            )
            params.extend([due_before, failing_due_before or due_before])
        if documents is not None:
            where.append(
                "id IN (SELECT c.link_id FROM citations c JOIN documents d ON d.id = c.document_id "
                f"WHERE d.path IN ({','.join('?' * len(documents)) or 'NULL'}))"
            )
            params.extend(documents)
        return " AND ".join(where), params

    def failing_links(self, link_ids: Sequence[int]) -> set[int]:
        """Which of ``link_ids`` are failing now (before a run checks them again)."""
        rows = self.db.execute(
            "SELECT id FROM links WHERE verdict = 'failing' AND id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(link_ids))],
        )
        return {r[0] for r in rows}

    def answered_links(self, limit: int) -> Iterator[dict[str, Any]]:
        """``url`` and ``host`` of links whose page answered when last checked, latest first."""
        answered = [str(v) for v in Verdict if v.traits.reached]
        return self.db.query(
            f"SELECT url, host FROM links WHERE verdict IN ({', '.join('?' * len(answered))}) "
            "AND host IS NOT NULL ORDER BY last_checked DESC LIMIT ?",
            [*answered, limit],
        )

    def record_checks(
        self,
        run_id: int | None,
        batch: Sequence[tuple[int, Outcome]],
        judge: Callable[[Streak, Fact], Judgement],
        on_check: Callable[[int, int, Outcome], None] | None = None,
    ) -> list[Judgement]:
        """Store a batch of checks and each link's new verdict, all in one transaction.

        ``judge(streak, latest)`` gives a link's verdict from its streak (its current run of
        failed checks, kept on its row) and the check now recorded: O(1) per check, whatever
        the length of the history (:func:`linkcheck.check.verdict.judge_next`). Only a check
        older than the link's latest, or a link whose streak is not yet known, reads the history.
        The check row and the link's state can never disagree, whenever the process dies.
        ``on_check(check_id, link_id, outcome)`` writes a later stage's columns (content drift)
        in the same transaction.
        """
        results: list[Judgement] = []
        with self.db.atomic():
            known = self._streaks([link_id for link_id, _ in batch])
            for link_id, o in batch:
                fact = Fact(_parse_time(o.started_at), o.reason)
                streak, last_checked = known.get(link_id, (Streak(), None))
                if streak is None or (last_checked is not None and o.started_at < last_checked):
                    # Judged from the history (with this check in its place among the others).
                    history = self.history_facts(link_id)
                    history.append((o.started_at, fact))
                    history.sort(key=lambda pair: pair[0])  # stable: ties keep the order of ids
                    streak = streak_of([f for _, f in history[:-1]])
                    fact = history[-1][1]
                j = judge(streak, fact)
                streak = streak.after(fact)
                known[link_id] = (streak, max(o.started_at, last_checked or o.started_at))
                cur = self.db.execute(
                    "INSERT INTO checks (link_id, run_id, url, started_at, duration_ms, reason, verdict, "
                    "http_status, final_url, redirects, method, attempts, error, address, etag, "
                    "last_modified, content_type, content_length, body_bytes, body_sha256, truncated, title, "
                    "probe_similarity) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        link_id, run_id, o.url, o.started_at, o.duration_ms, str(o.reason), str(j.verdict),
                        o.http_status, o.final_url,
                        json.dumps([dataclasses.asdict(h) for h in o.hops]) if o.hops else None,
                        o.method, o.attempts, o.error, o.address, o.etag, o.last_modified, o.content_type,
                        o.content_length, o.body_bytes, o.body_sha256,
                        None if o.body_bytes is None else int(o.truncated), o.title, o.probe_similarity,
                    ],
                )  # fmt: skip
                check_id = cur.lastrowid
                # A moved link is reported by the permanent redirect that moved it: its 301/308
                # and the new address, not the status of the page at the end of the chain.
                status, final = o.http_status, o.final_url
                moved = moved_target(o.url, o.hops) if o.reason is Reason.PERMANENT_REDIRECT else None
                if moved is not None:
                    status, final = moved
                self.db.execute(
                    "UPDATE links SET verdict = ?, reason = ?, "
                    "last_checked = MAX(IFNULL(last_checked, ''), ?), first_failed = ?, "
                    "failures = ?, checks = checks + 1, http_status = ?, final_url = ?, last_check_id = ?, "
                    "streak = ?, streak_since = ? WHERE id = ?",
                    [
                        str(j.verdict), str(j.reason) if j.reason else None, o.started_at,
                        stamp(j.first_failed), j.failures, status, final, check_id,
                        streak.failures, stamp(streak.first_failed), link_id,
                    ],
                )  # fmt: skip
                if on_check is not None and check_id is not None:
                    on_check(check_id, link_id, o)
                results.append(j)
        return results

    def _streaks(self, link_ids: Sequence[int]) -> dict[int, tuple[Streak | None, str | None]]:
        """Each link's stored streak (None: not known yet) and the start of its latest check."""
        found: dict[int, tuple[Streak | None, str | None]] = {}
        rows = self.db.execute(
            "SELECT id, checks, streak, streak_since, last_checked FROM links "
            "WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(link_ids))],
        )
        for link_id, checks, streak, since, last_checked in rows:
            if streak is None and not checks:
                streak = 0
            known = None if streak is None else Streak(streak, _parse_time(since) if since else None)
            found[link_id] = (known, last_checked)
        return found

    def history_facts(self, link_id: int) -> list[tuple[str, Fact]]:
        """A link's checks oldest first, as (started_at text, fact)."""
        return [
            (r[0], Fact(_parse_time(r[0]), Reason(r[1])))
            for r in self.db.execute(
                "SELECT started_at, reason FROM checks WHERE link_id = ? ORDER BY started_at, id", [link_id]
            )
        ]

    def verdict_tally(self, run_id: int) -> dict[str, int]:
        """Links checked in a run, counted by their verdict now."""
        rows = self.db.execute(
            "SELECT verdict, COUNT(*) FROM links WHERE id IN (SELECT link_id FROM checks WHERE run_id = ?) "
            "GROUP BY verdict",
            [run_id],
        )
        return {r[0]: r[1] for r in rows}

    def link_history(self, url: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """A link (found by its normal form) and its checks oldest first; None for an unknown URL."""
        links = list(self.db.query("SELECT * FROM links WHERE normal = ?", [link_key(url)]))
        if not links:
            return None
        checks = list(
            self.db.query("SELECT * FROM checks WHERE link_id = ? ORDER BY started_at, id", [links[0]["id"]])
        )
        return links[0], checks


@dataclass(frozen=True, slots=True)
class LinkToCheck:
    """A link selected for checking."""

    id: int
    url: str
    host: str | None


def _parse_time(text: str) -> dt.datetime:
    if len(text) == 20 and text[10] == "T" and text[19] == "Z":
        # The stored form (stamp): fromisoformat reads it in 0.2 us, strptime in 9 us (and
        # imports _strptime's locale machinery on its first call), once or twice a check written.
        return dt.datetime.fromisoformat(text)
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def stamp(moment: dt.datetime | None) -> str | None:
    """A moment as the ISO 8601 UTC text stored everywhere (None stays None)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
