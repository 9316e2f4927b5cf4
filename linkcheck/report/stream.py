"""Reports written in chunks: JSON, CSV and Markdown of any number of links in bounded memory.

:func:`linkcheck.report.build_report` holds every link with its citations (5.4 GB for 1,000,000
links as JSON). Here a report is read and written a chunk at a time, each chunk an ordinary
:class:`~linkcheck.report.Report` of a few thousand links (:func:`by_link`) or of one document
(:func:`by_document`), so memory depends on the chunk, not on the database: the run holds the
ids of the report's links only (8 bytes a link). Every chunk is read inside one read transaction,
so the whole report is of one moment even while a check writes.

The text is the same as the whole report's (``tests/test_report_stream.py`` compares them): the
formats' own functions render each link, citation and row. What comes before the links but
depends on all of them (the JSON's and the Markdown's totals) is counted as the links go by, the
links spooled to a temporary file meanwhile and copied after the head.
"""

from __future__ import annotations

import array
import csv as csv_module
import json as json_module
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from linkcheck.report import (
    SEVERITY,
    SEVERITY_RANK,
    Report,
    ReportCitation,
    ReportLink,
    ReportOptions,
    Scope,
    build_part,
    quiet_gc,
    scope_of,
)
from linkcheck.store import Store, utcnow
from linkcheck.store import report as sql

CHUNK = 2000
"""Links read and written at a time."""


@contextmanager
def snapshot(store: Store) -> Iterator[None]:
    """One read transaction: every query inside sees the database as it was at the first."""
    conn = store.db.conn
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        yield
    finally:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")  # nothing was written: a read transaction just ends


class Tally:
    """What a report says of all its links, counted as its chunks go by."""

    def __init__(self) -> None:
        self.verdicts: Counter[str] = Counter()
        self.links = 0
        self.citations = 0
        self.unacknowledged: Counter[str] = Counter()
        """Links by verdict, acknowledged ones aside (``--fail-on``)."""

    def add(self, part: Report) -> None:
        """Count a chunk's links."""
        for link in part.links:
            self.links += 1
            self.citations += len(link.citations)
            self.verdicts[link.verdict] += 1
            if link.acknowledged is None:
                self.unacknowledged[link.verdict] += 1

    @property
    def totals(self) -> dict[str, int]:
        """As :attr:`linkcheck.report.Report.totals`."""
        totals = {"links": self.links, "citations": self.citations}
        for verdict in sorted(self.verdicts, key=lambda v: SEVERITY_RANK.get(v, len(SEVERITY))):
            totals[verdict] = self.verdicts[verdict]
        return totals

    def matching(self, verdicts: set[str]) -> tuple[int, list[str]]:
        """How many links have one of ``verdicts`` (acknowledged ones aside), and which verdicts."""
        found = {v: n for v, n in self.unacknowledged.items() if v in verdicts and n}
        return sum(found.values()), sorted(found)


class Streamer:
    """A report of ``options`` read in chunks (see the module's docstring)."""

    def __init__(self, store: Store, options: ReportOptions | None = None, now: str | None = None) -> None:
        options = options or ReportOptions()
        self.store = store
        self.options = options
        self.now = now or utcnow()
        self.scope: Scope = scope_of(store, options)
        self.tally = Tally()
        """Counted by :meth:`by_link` (which every format reads once)."""

    @property
    def unmatched_documents(self) -> list[str]:
        """``--document`` paths that name no seeded document."""
        return self.scope.unmatched

    def _part(self, link_ids: list[int] | None = None, doc_ids: list[int] | None = None) -> Report:
        with quiet_gc():
            return build_part(self.store, self.options, self.scope, self.now, link_ids, doc_ids)

    def by_link(self, *, count: bool = True, uncited: bool = False) -> Iterator[Report]:
        """The report's links, most severe first then by URL, :data:`CHUNK` at a time (``uncited``:
        only links no document cites); ``count`` adds them to :attr:`tally`."""
        ids = sql.ordered_link_ids(
            self.store,
            verdicts=self.scope.verdicts,
            documents=self.scope.doc_ids,
            severity=[str(v) for v in SEVERITY],
            uncited=uncited,
        )
        for start in range(0, len(ids), CHUNK):
            part = self._part(link_ids=list(ids[start : start + CHUNK]))
            if count:
                self.tally.add(part)
            yield part

    def by_document(self) -> Iterator[tuple[str, Report]]:
        """Each document of the report in path order, with its citations in order and their links.

        A document at a time: memory is bounded by the largest document, not by the database.
        """
        wanted = None if self.scope.doc_ids is None else set(self.scope.doc_ids)
        for doc_id in sorted(self.scope.paths, key=self.scope.order.__getitem__):
            if wanted is not None and doc_id not in wanted:
                continue
            part = self._part(link_ids=sql.cited_link_ids(self.store, doc_id), doc_ids=[doc_id])
            yield self.scope.paths[doc_id], part


# -- JSON -------------------------------------------------------------------------------------------


def write_json(streamer: Streamer, out: IO[str]) -> None:
    """The JSON report, the same text as :func:`linkcheck.report.json.render`, written to ``out``."""
    from linkcheck.report.json import link_dict

    encode = json_module.JSONEncoder(ensure_ascii=False).encode
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        first = True
        for part in streamer.by_link():
            for link in part.links:
                spool.write(('  "links": [\n    ' if first else ",\n    ") + encode(link_dict(link)))
                first = False
        head: dict[str, object] = {"generated_at": streamer.now, "totals": streamer.tally.totals}
        if streamer.options.since is not None:
            head["since"] = streamer.options.since.strftime("%Y-%m-%dT%H:%M:%SZ")
        out.write("{\n")
        for key, value in head.items():
            out.write(f"  {json_module.dumps(key)}: {json_module.dumps(value, ensure_ascii=False)},\n")
        if first:
            out.write('  "links": []\n}\n')
            return
        spool.seek(0)
        shutil.copyfileobj(spool, out)
        out.write("\n  ]\n}\n")


# -- CSV --------------------------------------------------------------------------------------------


def write_csv(streamer: Streamer, out: IO[str], *, excel: bool = False) -> None:
    """The CSV report, the same text as :func:`linkcheck.report.csv.render`, written to ``out``."""
    from linkcheck.report.csv import BOM, COLUMNS, _row

    if excel:
        out.write(BOM)
    writer = csv_module.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for _path, part in streamer.by_document():
        for c, link in part.cited:
            writer.writerow(_row(link, c))
    # The totals (for --fail-on) and the links no document cites, in one pass over the links.
    for part in streamer.by_link():
        for link in part.links:
            if not link.citations:
                writer.writerow(_row(link, None))


# -- Markdown ---------------------------------------------------------------------------------------


def write_markdown(streamer: Streamer, out: IO[str], *, max_length: int | None = None) -> None:
    """The Markdown report, the same text as :func:`linkcheck.report.markdown.render`, to ``out``.

    When it would be longer than ``max_length`` it is cut as ``render`` cuts it (problems kept
    most severe first, in document order, until the room is spent), from what the first pass
    noted of each entry (its rank, document and length: 9 bytes an entry) and a second pass that
    writes the entries kept.
    """
    from linkcheck.fix import suggested_reference
    from linkcheck.report.markdown import _TABLE_HEAD, _assemble, _citation_row, _orphan_line, text
    from linkcheck.report.text import totals_line

    options = streamer.options
    show_all = options.only is not None or options.since is not None

    def entries() -> Iterator[tuple[str, str, ReportLink | None, ReportCitation | None]]:
        """Every shown entry in order: (document, or "" for an uncited link; its line; link; citation);
        a document with nothing to show as (document, "", None, None)."""
        for document, part in streamer.by_document():
            if not part.cited:
                continue  # none of its citations is in the report: not even "nothing to fix"
            shown = [(c, k) for c, k in part.cited if show_all or k.is_problem]
            if not shown:
                yield document, "", None, None
            for c, k in shown:
                yield document, _citation_row(c, k), k, c
        for part in streamer.by_link(count=False, uncited=True):
            for k in part.links:
                if show_all or k.is_problem:
                    yield "", _orphan_line(k), k, None

    ranks = array.array("h")  # per entry: its rank (problems first, most severe first)
    docs = array.array("i")  # per entry: its document's number (0: no document)
    costs = array.array("i")  # per entry: its line's length
    names: list[str] = [""]
    clean: list[str] = []
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        length = 0

        def put(lines: list[str]) -> None:
            nonlocal length
            if max_length is None or length <= max_length:  # past the limit, the whole is not needed
                for line in lines:
                    spool.write(line + "\n")
            length += sum(len(line) + 1 for line in lines)

        current: str | None = None
        fixes: list[str] = []
        orphans_opened = False
        for document, row, k, c in entries():
            if document != current:
                put(fixes)
                fixes = []
                current = document
                if k is not None and document:
                    names.append(document)
                    put(["", f"### {text(document)}", "", *_TABLE_HEAD])
            if k is None:
                clean.append(document)
                continue
            if not document and not orphans_opened:
                put(["", "### Links no longer cited by any seeded document", ""])
                orphans_opened = True
            put([row])
            ranks.append(int(not k.is_problem) * 100 + SEVERITY_RANK.get(k.verdict, 99))
            docs.append(len(names) - 1 if document else 0)
            costs.append(len(row) + 1)
            if c is not None:
                fixed = suggested_reference(c.text, c.cited, c.suggestion)
                if fixed:
                    if not fixes:
                        fixes = ["", "Copy fixed reference:", ""]
                    fixes.append(f"- line {c.line}: {text(fixed)}" if c.line else f"- {text(fixed)}")
        put(fixes)
        for _part in streamer.by_link():  # the totals, counted as the links go by
            pass
        head = [
            "## Link check report" + (f": {text(options.owner)}" if options.owner else ""),
            "",
            f"{text(totals_line(streamer.tally.totals))}. Generated {text(streamer.now)}.",
        ]
        if options.since is not None:
            head[-1] += f" Changes since {text(options.since.strftime('%Y-%m-%d %H:%M UTC'))}."
        tail: list[str] = []
        if clean:
            tail += ["", "Nothing to fix in: " + ", ".join(text(d) for d in clean) + "."]
        if not streamer.tally.links:
            tail += ["", "No links to report."]
        whole = sum(len(h) + 1 for h in head) + length + sum(len(t) + 1 for t in tail)
        if max_length is None or whole <= max_length:
            out.write("\n".join(head) + "\n")
            spool.seek(0)
            shutil.copyfileobj(spool, out)
            if tail:
                out.write("\n".join(tail) + "\n")
            return

    # Cut: the entries of each rank in order, each kept when it fits in what is left.
    section = len("\n### \n\n") + sum(len(h) + 1 for h in _TABLE_HEAD)
    orphan_head = len("\n### Links no longer cited by any seeded document\n\n")
    budget = max_length - sum(len(h) + 1 for h in head) - 200  # the closing note's room
    kept: set[int] = set()
    opened: set[int] = set()
    for rank in sorted(set(ranks)):
        for i in range(len(ranks)):
            if ranks[i] != rank:
                continue
            cost = costs[i]
            if docs[i] not in opened:
                cost += orphan_head if docs[i] == 0 else section + len(text(names[docs[i]]))
            if cost > budget:
                continue
            budget -= cost
            kept.add(i)
            opened.add(docs[i])
    rows: list[tuple[str, str, ReportLink]] = []
    orphans: list[ReportLink] = []
    left: Counter[str] = Counter()
    problems = 0
    i = 0
    for document, row, k, _c in entries():
        if k is None:
            continue
        if i in kept:
            if document:
                rows.append((document, row, k))
            else:
                orphans.append(k)
        else:
            left[k.verdict] += 1
            problems += k.is_problem
        i += 1
    body = _assemble(head, rows, orphans, [])
    what = ", ".join(f"{n} {v}" for v, n in sorted(left.items(), key=lambda x: SEVERITY_RANK.get(x[0], 99)))
    note = (
        f"\n**{sum(left.values())} more not shown** ({what}; {problems} of them problems): the report "
        f"was cut to {max_length:,} characters. The full report is in the job's artifacts or "
        "`linkcheck summary`.\n"
    )
    out.write(body + note)


# -- writing ----------------------------------------------------------------------------------------

#: The formats written in chunks, by name (``summary --format``).
STREAMED = ("json", "csv", "markdown")


def write(
    streamer: Streamer,
    fmt: str,
    out: IO[str],
    *,
    excel: bool = False,
    max_length: int | None = None,
) -> None:
    """Write the report in ``fmt`` (one of :data:`STREAMED`) to ``out``, in one read transaction."""
    writers: dict[str, Callable[[], None]] = {
        "json": lambda: write_json(streamer, out),
        "csv": lambda: write_csv(streamer, out, excel=excel),
        "markdown": lambda: write_markdown(streamer, out, max_length=max_length),
    }
    with snapshot(streamer.store):
        writers[fmt]()
