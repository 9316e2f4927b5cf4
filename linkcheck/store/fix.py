"""The SQL of `linkcheck fix`: seeded documents and, per document, its citations with their link's state."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from linkcheck.store import Store


def documents(store: Store, ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Seeded documents (all, or those with ``ids``) in path order: id, path, format, sha256."""
    rows = store.db.execute("SELECT id, path, format, sha256 FROM documents ORDER BY path").fetchall()
    wanted = None if ids is None else set(ids)
    return [
        {"id": r[0], "path": r[1], "format": r[2], "sha256": r[3]}
        for r in rows
        if wanted is None or r[0] in wanted
    ]


def citations(store: Store, document_id: int, verdicts: Collection[str]) -> list[dict[str, Any]]:
    """The citations of one document whose link has one of ``verdicts``, in document order.

    Each row holds what a fix needs: the URL as cited and where, the link's verdict and new
    address, and the archived copy nearest the citation's accessed-on date (else the link's).
    """
    marks = ",".join("?" * len(verdicts)) or "NULL"
    sql = (
        "SELECT c.position, c.line, c.cited, c.url, c.accessed, c.text, c.title, l.url AS link_url, "
        "l.verdict, l.final_url, COALESCE(c.archive_url, l.archive_url) AS archive_url, "
        "CASE WHEN c.archive_url IS NOT NULL THEN c.archive_timestamp ELSE l.archive_timestamp END "
        "AS archive_timestamp "
        "FROM citations c JOIN links l ON l.id = c.link_id "
        f"WHERE c.document_id = ? AND l.verdict IN ({marks}) ORDER BY c.position"
    )
    return list(store.db.query(sql, [document_id, *sorted(verdicts)]))
