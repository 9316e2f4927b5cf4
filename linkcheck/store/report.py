"""The report's SQL: links with their latest state, their citations, and past verdicts.

A report of 100,000 links must take seconds, so each function is one query over the whole
selection (never one per link). Filters travel as JSON arrays read with ``json_each``: one
parameter whatever their length, so no statement ever meets SQLite's limit on parameters.
"""

from __future__ import annotations

import array
import json
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from linkcheck.store import Store


def _like_prefix(path: str) -> str:
    """A LIKE pattern for the paths under folder ``path``, with LIKE's wildcards taken literally."""
    escaped = path.rstrip("/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}/%"


def document_ids(store: Store, paths: Sequence[str]) -> tuple[list[int], list[str]]:
    """Ids of the seeded documents named by ``paths``, and the paths that name none.

    A path names the document stored under it, or every document under it when it is a folder
    (``reading-lists`` names ``reading-lists/a.txt``).
    """
    ids: list[int] = []
    unmatched: list[str] = []
    seen: set[int] = set()
    for path in paths:
        rows = store.db.execute(
            "SELECT id FROM documents WHERE path = ? OR path LIKE ? ESCAPE '\\' ORDER BY path",
            [path, _like_prefix(path)],
        ).fetchall()
        if not rows:
            unmatched.append(path)
        for (doc_id,) in rows:
            if doc_id not in seen:
                seen.add(doc_id)
                ids.append(doc_id)
    return ids, unmatched


def _filters(
    verdicts: Collection[str] | None,
    documents: Collection[int] | None,
    link_ids: Collection[int] | None = None,
) -> tuple[str, str, list[Any]]:
    """WHERE clauses on links ``l`` and on citations ``c``, and their parameters (twice as many).

    ``link_ids`` narrows both to those links (a chunk of a report written in chunks); its
    parameter comes first.
    """
    link_where = ["1"]
    cite_where = ["1"]
    params: list[Any] = []
    if link_ids is not None:
        link_where.append("l.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(link_ids)))
    if verdicts is not None:
        link_where.append("l.verdict IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(verdicts)))
    if documents is not None:
        link_where.append(
            "l.id IN (SELECT link_id FROM citations WHERE document_id IN (SELECT value FROM json_each(?)))"
        )
        cite_where.append("c.document_id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(documents)))
    return " AND ".join(link_where), " AND ".join(cite_where), params


#: The columns of :func:`report_links` rows, in order (the fields of ``linkcheck.report.ReportLink``).
LINK_COLUMNS = (
    "l.id", "l.url", "l.verdict", "l.reason", "l.http_status", "l.final_url", "l.checks", "l.last_checked",
    "l.first_failed", "l.similarity", "l.archive_url", "l.archive_timestamp", "k.title", "l.failures",
)  # fmt: skip
#: The columns of :func:`report_citations` rows, in order: the link's id, the document's id, the
#: citation's position in it, then the fields of ``linkcheck.report.ReportCitation`` after ``document``.
CITATION_COLUMNS = (
    "c.link_id", "c.document_id", "c.position", "c.line", "c.accessed", "c.text", "c.title", "c.cited",
    "c.archive_url", "c.archive_timestamp",
)  # fmt: skip


def document_paths(store: Store) -> dict[int, str]:
    """Every seeded document's path by its id."""
    return dict(store.db.execute("SELECT id, path FROM documents").fetchall())


def _order(severity: Sequence[str]) -> str:
    """An ORDER BY expression putting verdicts in ``severity`` order (others last)."""
    cases = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(severity) if v.isidentifier())
    return f"CASE l.verdict {cases} ELSE {len(severity)} END" if cases else "0"


def report_links(
    store: Store,
    *,
    verdicts: Collection[str] | None = None,
    documents: Collection[int] | None = None,
    severity: Sequence[str] = (),
    link_ids: Collection[int] | None = None,
) -> Iterator[tuple[Any, ...]]:
    """Every link (or those with one of ``verdicts``, cited in ``documents``, among ``link_ids``) with
    its latest state, as tuples of :data:`LINK_COLUMNS`, in ``severity`` order of verdicts, then by URL.

    Plain tuples rather than dicts: at 100,000 links, building a dict per row costs a second.
    """
    link_where, _, params = _filters(verdicts, documents, link_ids)
    sql = (
        f"SELECT {', '.join(LINK_COLUMNS)} FROM links l LEFT JOIN checks k ON k.id = l.last_check_id "
        f"WHERE {link_where} ORDER BY {_order(severity)}, l.url"
    )
    return iter(store.db.execute(sql, params))


def report_citations(
    store: Store,
    *,
    verdicts: Collection[str] | None = None,
    documents: Collection[int] | None = None,
    link_ids: Collection[int] | None = None,
) -> Iterator[tuple[Any, ...]]:
    """The citations of the links :func:`report_links` selects (only those in ``documents``), as
    tuples of :data:`CITATION_COLUMNS`, in no particular order.

    Unordered on purpose: a plain scan sorted by the caller is twice as fast as walking the
    citations' index, and the caller sorts by document path, which SQL would do in a temporary tree.
    """
    if link_ids is not None:
        # A chunk: its links' citations by their index (a scan of every citation per chunk would
        # make a report in chunks quadratic).
        link_where, cite_where, params = _filters(verdicts, documents, link_ids)
        if documents is not None:
            params = [*params, params[-1]]
        sql = (
            f"SELECT {', '.join(CITATION_COLUMNS)} FROM citations c JOIN links l ON l.id = c.link_id "
            f"WHERE c.link_id IN (SELECT value FROM json_each(?)) AND {link_where} AND {cite_where}"
        )
        return iter(store.db.execute(sql, [params[0], *params]))
    link_where, cite_where, params = _filters(verdicts, documents)
    join = ""
    if verdicts is not None:
        join = "JOIN links l ON l.id = c.link_id"
    else:
        # No verdict filter: the documents' filter on citations says it all, with no join.
        link_where, params = "1", params[-1:] if documents is not None else []
    if documents is not None and verdicts is not None:
        # The documents' array is used twice: by the link filter and by the citation filter.
        params = [*params, params[-1]]
    sql = f"SELECT {', '.join(CITATION_COLUMNS)} FROM citations c {join} WHERE {link_where} AND {cite_where}"
    return iter(store.db.execute(sql, params))


def verdicts_before(store: Store, moment: str, link_ids: Collection[int] | None = None) -> dict[int, str]:
    """Each link's verdict after its latest check started before ``moment`` (UTC ISO 8601 text).

    Links first checked at or after ``moment`` are absent: they were ``unchecked`` then. With
    ``link_ids``, only those links (read through the checks' index on links).
    """
    # SQLite documents that a bare column beside MAX() comes from the row holding the maximum.
    if link_ids is not None:
        rows = store.db.execute(
            "SELECT link_id, verdict, MAX(started_at) FROM checks WHERE started_at < ? "
            "AND link_id IN (SELECT value FROM json_each(?)) GROUP BY link_id",
            [moment, json.dumps(list(link_ids))],
        )
    else:
        rows = store.db.execute(
            "SELECT link_id, verdict, MAX(started_at) FROM checks WHERE started_at < ? GROUP BY link_id",
            [moment],
        )
    return {link_id: verdict for link_id, verdict, _ in rows}


def ordered_link_ids(
    store: Store,
    *,
    verdicts: Collection[str] | None = None,
    documents: Collection[int] | None = None,
    severity: Sequence[str] = (),
    uncited: bool = False,
) -> array.array[int]:
    """The ids of the links :func:`report_links` gives, in its order, as a compact array (8 bytes a
    link): a report written in chunks holds these, not the links. ``uncited``: only links that no
    document cites."""
    link_where, _, params = _filters(verdicts, documents)
    if uncited:
        link_where += " AND NOT EXISTS (SELECT 1 FROM citations c WHERE c.link_id = l.id)"
    cur = store.db.execute(
        f"SELECT l.id FROM links l WHERE {link_where} ORDER BY {_order(severity)}, l.url", params
    )
    found = array.array("q")
    while rows := cur.fetchmany(10_000):
        found.extend(row[0] for row in rows)
    return found


def cited_link_ids(store: Store, document_id: int) -> list[int]:
    """The ids of the links one document cites (each once)."""
    rows = store.db.execute("SELECT DISTINCT link_id FROM citations WHERE document_id = ?", [document_id])
    return [row[0] for row in rows]


def archive_answers(store: Store, link_ids: Collection[int]) -> dict[int, dict[str | None, tuple[str, str]]]:
    """The archive's cached answers with a capture, for ``link_ids``: by link, then by date asked.

    Each answer is (capture URL, capture time); the date is ``YYYY-MM-DD`` or None (the latest
    capture). An answer may arrive after the check it was asked for was written: a report reads
    them here so that it never says "no archived copy" while the database holds one. Of several
    archives asked the same question, the latest answer wins.
    """
    found: dict[int, dict[str | None, tuple[str, str]]] = {}
    if not link_ids:
        return found
    rows = store.db.execute(
        "SELECT a.link_id, a.asked_date, s.url, s.timestamp FROM archive_lookups a "
        "JOIN snapshots s ON s.id = a.snapshot_id "
        "WHERE a.link_id IN (SELECT value FROM json_each(?)) ORDER BY a.asked_at, a.id",
        [json.dumps(sorted(link_ids))],
    )
    for link_id, asked, url, stamp in rows:
        found.setdefault(link_id, {})[asked] = (url, stamp)
    return found
