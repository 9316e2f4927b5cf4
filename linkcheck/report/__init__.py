"""Reports: what `linkcheck summary` says about every link, built once and written in any format.

:func:`build_report` reads the store (a couple of queries whatever its size) into a
:class:`Report`: one :class:`ReportLink` per link with its :class:`ReportCitation` list and a
:class:`Suggestion` of what to cite instead. Each format is a module with one ``render(report)``
function returning text: :mod:`.table` (Rich, for a terminal), :mod:`.json` (the contract's
shape), :mod:`.csv`, :mod:`.markdown`, :mod:`.junit`, :mod:`.github` and :mod:`.html`;
:mod:`.output` picks one (``render``) and puts a report in a file so that a reader (a web
server, a CI artifact upload) never sees half of one (``write_atomic``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import groupby

from linkcheck.check.config import CONFIRM_DAYS, CONFIRM_FAILURES
from linkcheck.durations import parse_duration
from linkcheck.models import Remedy, Suggestion, Verdict
from linkcheck.store import Store, utcnow, workflow
from linkcheck.store import report as sql

#: The order in which a report shows verdicts: what needs action first.
SEVERITY: tuple[Verdict, ...] = Verdict.by_severity()
SEVERITY_RANK: dict[str, int] = {str(v): i for i, v in enumerate(SEVERITY)}

#: Verdicts a maintainer should act on: the report's "problems", shown per document.
PROBLEMS: frozenset[Verdict] = Verdict.having(lambda v: v.is_problem)


class Format(StrEnum):
    """The formats of `linkcheck summary --format`."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
    HTML = "html"
    JUNIT = "junit"
    GITHUB = "github"


class Change(StrEnum):
    """How a link's verdict moved since the date given to ``--since``."""

    NEWLY_DEAD = "newly-dead"
    NEWLY_FAILING = "newly-failing"
    NEWLY_CHANGED = "newly-changed"
    NEWLY_MOVED = "newly-moved"
    NEWLY_BLOCKED = "newly-blocked"
    RECOVERED = "recovered"


def classify_change(before: str, now: str) -> Change | None:
    """The change from verdict ``before`` to ``now`` worth reporting, or None.

    A link that became a problem (or another problem) is ``newly-<verdict>``; a problem that
    is alive again has ``recovered``. Anything else (first checked and alive, skipped by
    policy) is no news.
    """
    if before == now:
        return None
    if now in PROBLEMS:
        return Change(f"newly-{now}")
    if now == Verdict.ALIVE and before in PROBLEMS:
        return Change.RECOVERED
    return None


def suggest(
    verdict: str, final_url: str | None, url: str, archive_url: str | None, archive_timestamp: str | None
) -> Suggestion | None:
    """The fix for a link with ``verdict``: None when there is nothing to fix or suggest.

    Only confirmed problems get one: dead and changed links point at the archived copy (what
    the author saw), a moved link at its new address; a dead link without an archived copy
    still gets ``review``. A failing link gets none until confirmed: one timeout or one 500
    is no reason to edit a document.
    """
    remedy = Verdict(verdict).traits.remedy
    if remedy is Remedy.REDIRECT and final_url and final_url != url:
        return Suggestion("replace", final_url, "redirect", "cite the new address")
    if remedy in (Remedy.ARCHIVE, Remedy.ARCHIVE_OR_REVIEW) and archive_url:
        when = f" of {archive_timestamp[:10]}" if archive_timestamp else ""
        return Suggestion(
            "replace", archive_url, "archive", f"cite the archived copy{when}", archive_timestamp
        )
    if remedy is Remedy.ARCHIVE_OR_REVIEW:
        return Suggestion("review", None, "none", "no archived copy known: find a replacement or remove it")
    return None


@dataclass(slots=True)
class ReportCitation:
    """One citation of a link in a document, as a report shows it."""

    document: str
    line: int | None
    accessed: str | None
    """``YYYY-MM-DD`` or None."""
    text: str
    title: str | None = None
    """The cited title, where the document gives one."""
    cited: str | None = None
    """The URL exactly as the document gives it."""
    archive_url: str | None = None
    """The archived copy nearest this citation's accessed-on date."""
    archive_timestamp: str | None = None
    suggestion: Suggestion | None = None
    owner: str | None = None
    """Who looks after the document (``[[owners]]`` in the settings file), or None."""


@dataclass(slots=True)
class ReportLink:
    """One link with its latest state and every citation of it in the report's documents."""

    id: int
    url: str
    verdict: str
    reason: str | None
    http_status: int | None
    final_url: str | None
    checks: int
    last_checked: str | None
    first_failed: str | None
    similarity: float | None
    archive_url: str | None
    archive_timestamp: str | None
    title: str | None
    """The page title the latest check read: text from the web, escaped by every format."""
    failures: int = 0
    """Failed checks in the current run of failures (the latest included)."""
    citations: list[ReportCitation] = field(default_factory=list)
    suggestion: Suggestion | None = None
    previous_verdict: str | None = None
    """With ``--since``: the verdict at that date (``unchecked`` when not yet checked then)."""
    change: Change | None = None
    """With ``--since``: how the verdict moved since that date."""
    acknowledged: dict[str, str | None] | None = None
    """``{until, note}`` while an acknowledgement (``linkcheck ack``) holds, else None."""
    note: str | None = None
    """The note attached with ``linkcheck note``."""

    @property
    def is_problem(self) -> bool:
        """Does the link need a maintainer's attention? Not while it is acknowledged."""
        return self.verdict in PROBLEMS and self.acknowledged is None

    @property
    def confirmation(self) -> dict[str, object] | None:
        """How far a failing link is from being confirmed dead; None for other verdicts.

        ``failures`` of ``needed`` failed checks, the first at ``first_failed``; confirmed when
        there are enough and they span ``days`` days, so not before ``confirmed_from``.
        """
        if self.verdict != Verdict.FAILING or not self.first_failed:
            return None
        first = dt.datetime.strptime(self.first_failed, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        return {
            "failures": self.failures,
            "needed": CONFIRM_FAILURES,
            "days": CONFIRM_DAYS,
            "first_failed": self.first_failed,
            "confirmed_from": _stamp(first + dt.timedelta(days=CONFIRM_DAYS)),
            "text": self.confirmation_text,
        }

    @property
    def confirmation_text(self) -> str:
        """``2 of 3 failed checks, first on 2026-12-01`` for a failing link; empty otherwise."""
        if self.verdict != Verdict.FAILING or not self.first_failed:
            return ""
        text = f"{self.failures} of {CONFIRM_FAILURES} failed checks, first on {self.first_failed[:10]}"
        if self.failures >= CONFIRM_FAILURES:
            first = dt.datetime.strptime(self.first_failed[:10], "%Y-%m-%d")
            when = (first + dt.timedelta(days=CONFIRM_DAYS)).strftime("%Y-%m-%d")
            text += f"; dead if still failing after {when}"
        return text


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What a report covers: verdicts, documents and a date, all optional."""

    only: frozenset[Verdict] | None = None
    """Only links with one of these verdicts."""
    documents: tuple[str, ...] | None = None
    """Only links cited in these documents (paths as stored, or folders holding them), and only
    those documents' citations."""
    since: dt.datetime | None = None
    """Only links whose verdict changed since this moment (newly dead, recovered, newly changed...)."""
    include_acknowledged: bool = False
    """With ``only``: list acknowledged links too (they are left out by default)."""
    owner_of: Callable[[str], str | None] | None = None
    """The name of a document's owner, from its path (``[[owners]]`` in the settings file)."""
    owner: str | None = None
    """Only the documents of this owner (``--owner``), and only their citations."""


@dataclass(slots=True)
class Report:
    """A report: its links, most severe first, and what it covers."""

    generated_at: str
    links: list[ReportLink]
    options: ReportOptions = ReportOptions()
    unmatched_documents: list[str] = field(default_factory=list)
    """``--document`` paths that name no seeded document."""
    cited: list[tuple[ReportCitation, ReportLink]] = field(default_factory=list)
    """Every citation in the report with its link, in document order (by path, then position)."""

    @property
    def totals(self) -> dict[str, int]:
        """Links and citations in the report, and links per verdict that occurs (severity order)."""
        counts = Counter(link.verdict for link in self.links)
        totals = {"links": len(self.links), "citations": sum(len(link.citations) for link in self.links)}
        for verdict in sorted(counts, key=lambda v: SEVERITY_RANK.get(v, len(SEVERITY))):
            totals[verdict] = counts[verdict]
        return totals

    def by_document(self) -> list[tuple[str, list[tuple[ReportCitation, ReportLink]]]]:
        """Every citation grouped by document (in path order), each in document order with its link."""
        return [(path, list(items)) for path, items in groupby(self.cited, key=lambda pair: pair[0].document)]

    def matching(self, verdicts: Iterable[str]) -> list[ReportLink]:
        """The report's links with one of ``verdicts`` (for ``--fail-on``), acknowledged ones aside."""
        wanted = set(verdicts)
        return [link for link in self.links if link.verdict in wanted and link.acknowledged is None]


def parse_verdicts(values: Iterable[str]) -> frozenset[Verdict]:
    """Verdict names given as ``dead,failing`` (and/or repeated); ValueError names an unknown one."""
    found: set[Verdict] = set()
    for value in values:
        for name in value.split(","):
            name = name.strip().lower()
            if not name:
                continue
            try:
                found.add(Verdict(name))
            except ValueError:
                known = ", ".join(str(v) for v in Verdict)
                raise ValueError(f"unknown verdict {name!r} (known: {known})") from None
    if not found:
        raise ValueError("no verdict given")
    return frozenset(found)


def parse_since(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """A ``--since`` value as a UTC moment: ``2026-03-01``, ``2026-03-01T12:00:00Z`` or an age (``7d``).

    A date means its midnight UTC; a time without a zone is taken as UTC, like every stored time.
    """
    with contextlib.suppress(ValueError):
        age = parse_duration(text)
        return (now or dt.datetime.now(dt.UTC)) - age
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--since {text!r}: expected a date (2026-03-01), a time (2026-03-01T12:00:00Z) or an age (7d)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a report is built or written.

    A report is hundreds of thousands of small objects with no cycles among them: the collector
    would walk them again and again as they are made, for nothing (half the time of an HTML
    report of 100,000 links). Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_report(store: Store, options: ReportOptions = ReportOptions(), now: str | None = None) -> Report:
    """Read the report ``options`` ask for from ``store``: links most severe first, then by URL."""
    with quiet_gc():
        return _build(store, options, now)


@dataclass(slots=True)
class Scope:
    """What every part of one report shares: the documents, owners, verdicts and marks it covers.

    Read once for a report, whether it is built whole (:func:`build_report`) or in chunks of
    links (:mod:`linkcheck.report.stream`).
    """

    doc_ids: list[int] | None
    unmatched: list[str]
    owners: dict[str, str | None]
    verdicts: set[str] | None
    paths: dict[int, str]
    order: dict[int, int]
    """Each document's place in path order."""
    marks: dict[int, tuple[workflow.Ack | None, str | None]]


def scope_of(store: Store, options: ReportOptions) -> Scope:
    """Read what a report with ``options`` covers (a few queries, none per link)."""
    doc_ids: list[int] | None = None
    unmatched: list[str] = []
    if options.documents is not None:
        doc_ids, unmatched = sql.document_ids(store, options.documents)
    owners: dict[str, str | None] = {}
    if options.owner_of is not None:
        owners = {path: options.owner_of(path) for path in sql.document_paths(store).values()}
    if options.owner is not None:
        owned, _ = sql.document_ids(store, [p for p, name in owners.items() if name == options.owner])
        doc_ids = owned if doc_ids is None else [i for i in doc_ids if i in set(owned)]
    verdicts = {str(v) for v in options.only} if options.only is not None else None
    paths = sql.document_paths(store)
    order = {doc_id: i for i, doc_id in enumerate(sorted(paths, key=paths.__getitem__))}
    return Scope(doc_ids, unmatched, owners, verdicts, paths, order, workflow.marks_by_link(store))


def _build(store: Store, options: ReportOptions, now: str | None) -> Report:
    return build_part(store, options, scope_of(store, options), now)


def build_part(
    store: Store,
    options: ReportOptions,
    scope: Scope,
    now: str | None,
    link_ids: Sequence[int] | None = None,
    doc_ids: list[int] | None = None,
) -> Report:
    """The report of ``scope``, or of a part of it: only ``link_ids`` (a chunk of links), or only
    the links ``doc_ids`` cite, with their citations in those documents (a chunk of documents)."""
    verdicts = scope.verdicts
    documents = scope.doc_ids if doc_ids is None else doc_ids
    links: dict[int, ReportLink] = {}
    rows = sql.report_links(
        store, verdicts=verdicts, documents=documents, severity=[str(v) for v in SEVERITY], link_ids=link_ids
    )
    for row in rows:
        # Positional: the query's columns are the dataclass's first fields, in order.
        links[row[0]] = ReportLink(*row)
    if options.since is not None:
        before = sql.verdicts_before(store, _stamp(options.since), link_ids if link_ids is not None else None)
        for link_id, link in list(links.items()):
            link.previous_verdict = before.get(link_id, str(Verdict.UNCHECKED))
            link.change = classify_change(link.previous_verdict, link.verdict)
            if link.change is None:
                del links[link_id]
    moment = now or utcnow()
    for link_id, (ack, note) in scope.marks.items():
        marked = links.get(link_id)
        if marked is None:
            continue
        if ack is not None and ack.holds(moment):
            if options.only is not None and not options.include_acknowledged:
                del links[link_id]
                continue
            marked.acknowledged = {"until": ack.until, "note": ack.note}
        marked.note = note
    paths, order, owners = scope.paths, scope.order, scope.owners
    cites = list(sql.report_citations(store, verdicts=verdicts, documents=documents, link_ids=link_ids))
    cites.sort(key=lambda r: (order[r[1]], r[2]))  # by document path, then position in the document
    cited: list[tuple[ReportCitation, ReportLink]] = []
    for link_id, doc_id, _position, *fields in cites:
        owner = links.get(link_id)
        if owner is not None:
            citation = ReportCitation(paths[doc_id], *fields)
            if owners:
                citation.owner = owners.get(citation.document)
            owner.citations.append(citation)
            cited.append((citation, owner))
    ordered = list(links.values())  # in the query's order: most severe first, then by URL
    _archive_answers(store, ordered)
    for link in ordered:
        v, final, url = link.verdict, link.final_url, link.url
        link.suggestion = suggest(v, final, url, link.archive_url, link.archive_timestamp)
        for c in link.citations:
            # The citation's own nearest snapshot is the better fix: it matches its accessed-on date.
            if c.archive_url:
                c.suggestion = suggest(v, final, url, c.archive_url, c.archive_timestamp)
            else:
                c.suggestion = link.suggestion
    return Report(now or utcnow(), ordered, options, scope.unmatched, cited)


#: Verdicts whose archived copy a report gives (README.md, the JSON report's ``archive_url``).
ARCHIVED: frozenset[Verdict] = Verdict.having(lambda v: v.traits.archived)


def _archive_answers(store: Store, links: list[ReportLink]) -> None:
    """Fill in archived copies the archive answered after the link's check was written.

    The link's copy is the one nearest its earliest accessed-on date (the latest capture when
    no date is known); each citation's, the one nearest its own date.
    """
    wanted = [
        link
        for link in links
        if link.verdict in ARCHIVED
        and (not link.archive_url or any(not c.archive_url for c in link.citations))
    ]
    if not wanted:
        return
    answers = sql.archive_answers(store, [link.id for link in wanted])
    for link in wanted:
        known = answers.get(link.id)
        if not known:
            continue
        if not link.archive_url:
            dates = [c.accessed for c in link.citations if c.accessed]
            pick = known.get(min(dates)) if dates else known.get(None)
            if pick is not None:
                link.archive_url, link.archive_timestamp = pick
        for c in link.citations:
            if not c.archive_url:
                got = known.get(c.accessed)
                if got is not None:
                    c.archive_url, c.archive_timestamp = got


def verdict_names(verdicts: Sequence[str]) -> str:
    """``dead or failing`` for a message."""
    return " or ".join(sorted(verdicts, key=lambda v: SEVERITY_RANK.get(v, len(SEVERITY))))
