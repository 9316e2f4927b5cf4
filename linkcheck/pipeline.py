"""Seed, check, report: the one sequence ``linkcheck run`` and a scheduled job both go through.

:func:`run_pipeline` re-seeds the given paths, decides which documents the run is about
(:class:`Scope`), checks their links and builds the report on them. The callers keep only what
is theirs: the command line its progress bars, signals and exit codes, a schedule its report
files and notifications. Which links are checked is decided here and only here, with the one
guard that matters: a run about no document checks nothing, for an empty selection of documents
would otherwise mean every link in the database.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from linkcheck.check.network import Lookup, system_lookup
from linkcheck.check.runner import CheckOptions, CheckReport, run_checks
from linkcheck.models import ExtractOptions
from linkcheck.report import Report, ReportOptions, build_report
from linkcheck.seed import DEFAULT_MAX_BYTES, SeedReport, display_path, seed
from linkcheck.store import Store
from linkcheck.store import report as report_sql

Seeder = Callable[[Store, list[str]], SeedReport]
"""Seeds the paths into the store (the command line's shows a progress bar while it does)."""
Checker = Callable[[Store, CheckOptions], CheckReport]
"""Checks what the options select (the command line's handles signals and shows progress)."""

_GLOB = set("*?[")
#: Seed outcomes whose document is in the database as the file now stands.
_IN_STORE = ("seeded", "updated", "unchanged")


@dataclass(frozen=True, slots=True)
class Scope:
    """Which documents a run is about: whose links it checks and which documents its report covers."""

    documents: tuple[str, ...] | None = None
    """Paths, folders or globs naming seeded documents (a schedule's ``documents``): the run is
    about the documents they match, and only those."""
    seeded: bool = False
    """The run is about the documents it seeded (``linkcheck run FILE``): it reports on them, and
    checks their links unless the check options select links themselves (``selected``)."""
    selected: bool = False
    """The check options name what to check (--all, --url, --document): they are checked as given."""


@dataclass(slots=True)
class PipelineResult:
    """What one run of the pipeline did, stage by stage (a stage not reached is None)."""

    seed: SeedReport | None = None
    documents: tuple[str, ...] | None = None
    """The documents whose links were checked; None: the check options' own selection."""
    unmatched: list[str] = field(default_factory=list)
    """Patterns of :attr:`Scope.documents` that matched no seeded document."""
    check: CheckReport | None = None
    report_options: ReportOptions | None = None
    """What the report covers, its documents decided (None: the run stopped before it)."""
    report: Report | None = None
    """The report, when asked to build it (``build``)."""
    interrupted: bool = False
    """Stopped (the ``stop`` event set, or the check interrupted): no report was built."""

    @property
    def seeded(self) -> tuple[str, ...]:
        """The paths seeded by this run that are in the database as their files now stand."""
        if self.seed is None:
            return ()
        return tuple(d.path for d in self.seed.documents if d.status in _IN_STORE)


def match_documents(store: Store, patterns: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The seeded documents that ``patterns`` name, and the patterns that name none.

    A pattern is a document's path, a folder (every document under it) or a glob
    (``reading-lists/*.md``; ``*`` also matches across folders), relative to the working
    directory as ``seed`` stores paths.
    """
    paths = sorted(report_sql.document_paths(store).values())
    found: dict[str, None] = {}
    unmatched: list[str] = []
    for pattern in patterns:
        shown = display_path(Path(pattern))
        if _GLOB & set(pattern):
            hits = [p for p in paths if fnmatch.fnmatchcase(p, shown)]
        else:
            prefix = shown.rstrip("/") + "/"
            hits = [p for p in paths if p == shown or p.startswith(prefix)]
        if not hits:
            unmatched.append(pattern)
        found.update(dict.fromkeys(hits))
    return list(found), unmatched


def plain_seeder(extract: ExtractOptions | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Seeder:
    """A seeder with no display: :func:`linkcheck.seed.seed` with these options."""
    return lambda store, paths: seed(store, paths, extract, max_bytes=max_bytes)


def run_pipeline(
    store: Store,
    paths: list[str],
    options: CheckOptions,
    *,
    scope: Scope = Scope(),
    report: ReportOptions | None = None,
    build: bool = True,
    seeder: Seeder | None = None,
    checker: Checker | None = None,
    stop: threading.Event | None = None,
    lookup: Lookup = system_lookup,
) -> PipelineResult:
    """Seed ``paths`` (if any), check the links ``scope`` and ``options`` select, build the report.

    ``report`` is what the report covers (None: everything); when it names no documents, it
    covers the run's (``scope``), or every document when the run is about no particular ones.
    ``build`` False: only decide what it covers (``report_options``), for a caller that writes
    it in chunks.
    ``stop`` set before the check, or a check that was interrupted, ends the run there
    (``interrupted``): the checks done are kept, and no report is built on a half-done check.
    """
    result = PipelineResult()
    if paths:
        result.seed = (seeder or plain_seeder())(store, paths)
    if stop is not None and stop.is_set():
        result.interrupted = True
        return result
    documents: tuple[str, ...] | None = None
    if scope.documents is not None:
        matched, result.unmatched = match_documents(store, scope.documents)
        documents = tuple(matched)
    elif scope.seeded and not scope.selected:
        documents = result.seeded
    result.documents = documents
    # The one guard: a run about no document checks nothing (documents=() would select every link).
    if documents != ():
        chosen = options if documents is None else replace(options, documents=documents)
        if checker is None:
            result.check = run_checks(store, chosen, stop=stop, lookup=lookup)
        else:
            result.check = checker(store, chosen)
        if result.check.interrupted:
            result.interrupted = True
            return result
    report = report or ReportOptions()
    if report.documents is None:
        about = documents if documents is not None or not scope.seeded else result.seeded
        report = replace(report, documents=about)
    result.report_options = report
    if build:
        result.report = build_report(store, report)
    return result
