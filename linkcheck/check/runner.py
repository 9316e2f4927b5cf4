"""A check run: select the due links, fetch them concurrently, write results from one place.

Many requests are in flight at once; the database is written only by the run's own
coroutine, in batches, each batch one transaction holding the checks and the links' new
verdicts. A run killed at any moment leaves every finished batch stored and everything
else still due, so the next run carries on.

The outage guard looks at the cited hosts only (the archive's answers say nothing about
them): failures at the network level (no connection, no name) are held back until the end
of the run. If no cited host answered at all, they are dropped, so a run during an outage
records no link as dead; links not fetched by policy are still recorded as skipped. A run
that checks only links already failing (the daily recheck that confirms them) first asks a
few links alive at their latest check, on other hosts, whether the network is up: without
that, a name gone for good could never be confirmed. If most distinct hosts that were not
failing already fail so now, the run is a partial outage: the failures are recorded, as
``failing`` and never ``dead``, and the report carries the figures for a warning. (Held to
the end, such failures of a run killed before its end are not recorded: they stay due.)
"""

from __future__ import annotations

import array
import asyncio
import datetime as dt
import fnmatch
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TypedDict, TypeVar, Unpack

from linkcheck import components, defaults
from linkcheck.check import worker
from linkcheck.check.fetch import Fetcher, utcnow
from linkcheck.check.options import CHECK_OPTIONS, option_value
from linkcheck.check.outcome import NETWORK_FAILURES
from linkcheck.check.pool import ContentPool, text_workers
from linkcheck.check.rules import Rules, compile_pattern, parse_remap_arg, parse_statuses
from linkcheck.check.verdict import Policy, judge_next
from linkcheck.check.worker import ContentWorker
from linkcheck.drift.archive import ArchiveClient
from linkcheck.drift.content import ContentStep, Prepared
from linkcheck.durations import parse_duration
from linkcheck.errors import EnvironmentFailure, OptionError
from linkcheck.http.client import FetchSettings, build_client
from linkcheck.http.network import Lookup, Resolver, ResolveRule, parse_resolve, system_lookup
from linkcheck.models import REASON_VERDICT, Fact, Judgement, Outcome, Reason, Streak, Verdict
from linkcheck.seed import display_path
from linkcheck.store import LinkToCheck, Store, claims, workflow
from linkcheck.store import report as report_sql
from linkcheck.store.drift import keep_archive_answers, record_drift

_T = TypeVar("_T")

BATCH_SIZE = 200
"""Checks written per transaction, at most."""
BATCH_SECONDS = 0.5
"""Longest a finished check waits before it is written."""
FINISHING = 1000
"""Fetched links at most waiting for their content step (the archive): bounds the memory they hold."""
CHUNK = 2000
"""Links a run reads from the database at a time (it holds only their ids, 8 bytes a link, besides)."""
CANARIES = 3
"""Links alive at their latest check asked, when no cited host answered, whether the network is up."""
STOP_POLL = 0.1
"""Seconds between two looks at a run's ``stop`` event: how soon a stopped run starts winding up."""


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What to check and how (the options of ``linkcheck check``)."""

    fetch: FetchSettings = field(default_factory=FetchSettings)
    older_than: dt.timedelta = field(default_factory=lambda: parse_duration(defaults.OLDER_THAN))
    failing_after: dt.timedelta = field(default_factory=lambda: parse_duration(defaults.FAILING_RECHECK))
    all: bool = False
    urls: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    allow_private: bool = False
    resolve: tuple[ResolveRule, ...] = ()
    policy: Policy = field(default_factory=Policy)
    archive_url: str | None = defaults.ARCHIVE_URL
    """Base of the Wayback availability API; None (``--no-archive``): ask no archive."""
    refresh_archive: bool = False
    """Ask the archive again even when its answer is cached."""
    archive_timeout: float = defaults.ARCHIVE_TIMEOUT
    archive_wait: float = defaults.ARCHIVE_WAIT
    rules: Rules = field(default_factory=Rules)
    """Exclusions, accepted statuses, remaps, proxies and per-host overrides (:mod:`.rules`)."""

    def describe(self) -> dict[str, object]:
        """The options as JSON-able values, stored with the run."""
        return {
            **{k: v for k, v in asdict(self.fetch).items() if k != "user_agent"},
            "older_than": self.older_than.total_seconds(),
            "all": self.all,
            "urls": list(self.urls),
            "documents": list(self.documents),
            "allow_private": self.allow_private,
            "resolve": [f"{r.host}:{r.port or '*'}:{','.join(map(str, r.addresses))}" for r in self.resolve],
            "archive_url": self.archive_url,
            "refresh_archive": self.refresh_archive,
            "archive_timeout": self.archive_timeout,
            "exclude": [p.pattern for p in self.rules.exclude],
            "exclude_documents": list(self.rules.exclude_documents),
            "accept": str(self.rules.accept) if self.rules.accept else None,
            "remap": [str(r) for r in self.rules.remaps],
        }


def _parsed(key: str, parse: Callable[[Any], _T], value: Any) -> _T:
    """``parse(value)``; its ValueError as an OptionError naming the option."""
    try:
        return parse(value)
    except ValueError as e:
        raise OptionError(key, str(e)) from None


def check_options(values: Mapping[str, Any]) -> CheckOptions:
    """:class:`CheckOptions` from option values by key (:data:`~linkcheck.check.options.CHECK_OPTIONS`;
    missing or None: the environment's, else the default).

    The one conversion of check options, for the command line and schedule files alike: types,
    least values, durations (``older_than``), ``resolve`` rules and document paths. Raises
    :class:`OptionError` naming the option, or an unknown one.
    """
    unknown = [key for key in values if key not in CHECK_OPTIONS]
    if unknown:
        raise OptionError(unknown[0], "unknown check option")
    v = {key: option_value(key, values.get(key)) for key in CHECK_OPTIONS}
    age = _parsed("older_than", parse_duration, v["older_than"])
    rules = _parsed("resolve", lambda specs: tuple(parse_resolve(s) for s in specs), v["resolve"])
    exclude = _parsed("exclude", lambda patterns: tuple(compile_pattern(p) for p in patterns), v["exclude"])
    accept = _parsed("accept", lambda text: parse_statuses(text) if text is not None else None, v["accept"])
    remaps = _parsed("remap", lambda specs: tuple(parse_remap_arg(r) for r in specs), v["remap"])
    if v["http_stack"] not in defaults.HTTP_STACKS:
        raise OptionError(
            "http_stack", f"expected one of {', '.join(defaults.HTTP_STACKS)}, got {v['http_stack']!r}"
        )
    archive_url = v["archive_url"]
    settings = FetchSettings(
        user_agent=v["user_agent"],
        concurrency=v["concurrency"],
        per_host=v["per_host"],
        host_interval=v["host_interval"],
        timeout=v["timeout"],
        retries=v["retries"],
        http_stack=v["http_stack"],
    )
    return CheckOptions(
        fetch=settings,
        older_than=age,
        all=v["all"],
        urls=tuple(v["url"]),
        documents=tuple(display_path(Path(d)) for d in v["document"]),
        allow_private=v["allow_private"],
        resolve=rules,
        archive_url=None if v["no_archive"] else archive_url,
        refresh_archive=v["refresh_archive"],
        archive_timeout=v["archive_timeout"],
        rules=Rules(exclude=exclude, accept=accept, remaps=remaps),
    )


@dataclass(slots=True)
class CheckReport:
    """What a run did."""

    run_id: int | None = None
    selected: int = 0
    recorded: int = 0
    tally: dict[str, int] = field(default_factory=dict)
    outage: bool = False
    missing_urls: list[str] = field(default_factory=list)
    missing_documents: list[str] = field(default_factory=list)
    """``--document`` paths naming no seeded document (nor a folder holding one)."""
    seconds: float = 0.0
    interrupted: bool = False
    """The run was stopped (its ``stop`` event set) before every selected link was checked."""
    hosts: int = 0
    """Distinct cited hosts that were asked something (not skipped or invalid)."""
    hosts_failed: int = 0
    """Of those, hosts that never answered: every check of theirs failed at the network level."""
    links_held: int = 0
    """Links whose checks failed at the network level (recorded, or dropped in an outage)."""
    partial_outage: bool = False
    """Most hosts failed at the network level: their failures were recorded as failing, never dead."""
    canaries: int = 0
    """Hosts of links alive before that answered when no cited host of this run did."""
    elsewhere: int = 0
    """Due links left out because another run on the database has claimed them."""

    def outage_line(self) -> str:
        """The figures of a (partial) outage, for a warning."""
        noun = "link" if self.links_held == 1 else "links"
        return (
            f"{self.hosts_failed} of {self.hosts} hosts did not answer (no connection or no such name), "
            f"{self.links_held} {noun}"
        )

    def tally_line(self) -> str:
        """One line: links checked, and how many have each verdict now."""
        if self.selected == 0 and self.elsewhere:
            return f"Nothing to check: the {self.elsewhere} due links are being checked by another run."
        if self.selected == 0:
            return "Nothing to check: no link is due (use --all to check every link)."
        order = [v.value for v in Verdict]
        parts = [f"{self.tally[v]} {v}" for v in order if self.tally.get(v)]
        noun = "link" if self.selected == 1 else "links"
        head = f"Checked {self.recorded} of {self.selected} {noun} in {self.seconds:.1f} s"
        if self.interrupted:
            head = f"Interrupted: {head[0].lower()}{head[1:]}"
        tail = f" ({self.elsewhere} more are being checked by another run.)" if self.elsewhere else ""
        return (f"{head}: {', '.join(parts)}." if parts else f"{head}.") + tail


Progress = Callable[[Outcome], None]


def interleave(links: Sequence[LinkToCheck]) -> list[LinkToCheck]:
    """Links ordered round-robin by host, so that the workers spread over many hosts at once."""
    by_host: OrderedDict[str | None, list[LinkToCheck]] = OrderedDict()
    for link in links:
        by_host.setdefault(link.host, []).append(link)
    queues = [iter(v) for v in by_host.values()]
    out: list[LinkToCheck] = []
    while queues:
        still = []
        for q in queues:
            item = next(q, None)
            if item is not None:
                out.append(item)
                still.append(q)
        queues = still
    return out


def select_links(
    store: Store, options: CheckOptions, now: dt.datetime | None = None
) -> tuple[list[LinkToCheck], list[str]]:
    """The links this run checks (interleaved by host), and ``--url`` values not in the database."""
    links, missing, _ = select(store, options, now)
    return links, missing


def select(
    store: Store, options: CheckOptions, now: dt.datetime | None = None
) -> tuple[list[LinkToCheck], list[str], list[str]]:
    """:func:`select_links`, and the ``--document`` paths that name no seeded document.

    A ``--document`` path names a seeded document or, as for ``summary``, a folder holding some.
    """
    due, missing, unmatched = _due(store, options, now)
    return interleave(store.links_to_check(**due)), missing, unmatched


def plan(
    store: Store, options: CheckOptions, now: dt.datetime | None = None
) -> tuple[array.array[int], list[str], list[str]]:
    """:func:`select` as the run uses it: the ids of the links to check only (read in chunks later,
    :class:`Feed`), the ``--url`` values not in the database and the ``--document`` paths that name
    no seeded document."""
    due, missing, unmatched = _due(store, options, now)
    return store.link_ids_to_check(**due), missing, unmatched


def _due(
    store: Store, options: CheckOptions, now: dt.datetime | None
) -> tuple[dict[str, Any], list[str], list[str]]:
    """What selects the due links (the store's query's arguments), the ``--url`` values not in the
    database and the ``--document`` paths that name no seeded document."""
    now = now or dt.datetime.now(dt.UTC)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    missing: list[str] = []
    ids: list[int] | None = None
    if options.urls:
        ids, missing = store.link_ids(options.urls)
    documents: list[str] | None = None
    unmatched: list[str] = []
    if options.documents:
        doc_ids, unmatched = report_sql.document_ids(store, options.documents)
        paths = report_sql.document_paths(store)
        documents = [paths[i] for i in doc_ids]
    due = {
        "due_before": None if options.all else (now - options.older_than).strftime(fmt),
        "failing_due_before": (now - options.failing_after).strftime(fmt),
        "link_ids": ids,
        "documents": documents,
    }
    return due, missing, unmatched


class Feed:
    """A run's links, read from the database :data:`CHUNK` at a time and interleaved by host in each.

    The run never holds its whole due list (a million links): only their ids. Each
    chunk is handed to ``on_chunk`` before its first link is taken, for what the run learns of
    its links ahead (exclusions, hosts, the content step's read-ahead).
    """

    def __init__(
        self, store: Store, ids: Sequence[int], on_chunk: Callable[[list[LinkToCheck]], None]
    ) -> None:
        self.store = store
        self.ids = ids
        self.on_chunk = on_chunk

    def __iter__(self) -> Iterator[LinkToCheck]:
        for start in range(0, len(self.ids), CHUNK):
            chunk = interleave(self.store.links_by_id(self.ids[start : start + CHUNK]))
            self.on_chunk(chunk)
            yield from chunk


def excluded_outcome(url: str, why: str) -> Outcome:
    """The outcome recorded for a link not fetched because the settings exclude it."""
    return Outcome(url=url, reason=Reason.EXCLUDED, started_at=utcnow(), error=why)


def excluded_links(store: Store, links: Sequence[LinkToCheck], rules: Rules) -> dict[int, str]:
    """The links ``rules`` exclude, with why: a pattern their URL (or its target) matches, or
    every citation of theirs being in an excluded document."""
    found: dict[int, str] = {}
    for link in links:
        pattern = rules.excluded(link.url)
        if pattern is None:
            target = rules.target(link.url)
            pattern = rules.excluded(target) if target != link.url else None
        if pattern is not None:
            found[link.id] = f"excluded by pattern {pattern}"
    if rules.exclude_documents:
        rest = [link.id for link in links if link.id not in found]
        for link_id, paths in workflow.link_documents(store, rest).items():
            if paths and all(any(fnmatch.fnmatchcase(p, g) for g in rules.exclude_documents) for p in paths):
                found[link_id] = "cited only in excluded documents"
    return found


class RunControls(TypedDict, total=False):
    """What a caller may give a run besides its options (every one optional)."""

    progress: Progress | None
    """Told of each outcome as it arrives (a progress bar)."""
    lookup: Lookup
    """How host names are resolved (tests map names to loopback)."""
    stop: threading.Event | None
    """Set from another thread (a signal handler, a scheduler shutting down), ends the run early:
    the checks finished so far are stored, the run is recorded as interrupted and the report says
    ``interrupted``."""


def run_checks(store: Store, options: CheckOptions, **controls: Unpack[RunControls]) -> CheckReport:
    """Check the selected links and record the results (see :func:`check_links`)."""
    return asyncio.run(check_links(store, options, **controls))


async def _cancel_when_set(stop: threading.Event, task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` once ``stop`` is set (polled: a thread's Event cannot wake a loop by itself)."""
    while not stop.is_set():
        await asyncio.sleep(STOP_POLL)
    task.cancel()


Item = tuple[int, Outcome]
"""A finished check: the link's id and its outcome."""


class OutageGuard:
    """Tells a dead network from dead links: network-level failures wait for the run's end.

    Every outcome passes :meth:`admit`; those that failed at the network level (no connection,
    no name) are held. At the end (:meth:`settle`), when no cited host answered (and no canary,
    :func:`_canaries`) they are dropped: the run is an outage. When most hosts that were not
    already failing failed at once, they are written, but :meth:`judge` never lets them end a
    link dead (a partial outage). It learns the links a chunk at a time (:meth:`learn`), and
    forgets each once admitted: a run of a million links does not hold them all.
    """

    def __init__(self) -> None:
        self.host_of: dict[int, str] = {}
        """Of the links taken and not yet admitted: their host."""
        self.fresh: set[str] = set()
        """Hosts of links that were not failing before this run."""
        self.asked: set[str] = set()
        """Cited hosts that were asked something (not skipped or invalid)."""
        self.answered: set[str] = set()
        self.held: list[Item] = []
        """Network-level failures, judged at the end of the run."""
        self.held_hosts: set[str] = set()
        self.partial = False

    def learn(self, chunk: Sequence[LinkToCheck], was_failing: set[int]) -> None:
        """Note the hosts of a chunk of links about to be checked."""
        for link in chunk:
            self.host_of[link.id] = link.host or ""
            if link.id not in was_failing:
                self.fresh.add(link.host or "")

    def admit(self, link_id: int, outcome: Outcome) -> bool:
        """Whether the check is written now (True), or held until the end of the run."""
        host = self.host_of.pop(link_id)
        if outcome.verdict_hint.is_neutral:
            return True
        self.asked.add(host)
        if outcome.reason in NETWORK_FAILURES:
            self.held.append((link_id, outcome))
            self.held_hosts.add(host)
            if outcome.hops:  # the cited host answered with a redirect: another host failed
                self.answered.add(host)
            return False
        self.answered.add(host)
        return True

    @property
    def nobody_answered(self) -> bool:
        """Checks failed at the network level and no cited host answered anything."""
        return bool(self.held) and not self.answered

    def judge(self, j: Judgement) -> Judgement:
        """A link's judgement, tempered in a partial outage."""
        if self.partial and j.reason in NETWORK_FAILURES and j.verdict is Verdict.DEAD:
            # Most hosts were unreachable: this run's failures say more about our network
            # than about the links, so they may extend a run of failures but never end it dead.
            return replace(j, verdict=REASON_VERDICT[j.reason])
        return j

    def settle(self, report: CheckReport) -> bool:
        """Put the figures in ``report``; whether the run was an outage (the held checks dropped)."""
        failed = self.held_hosts - self.answered
        report.hosts = len(self.asked)
        report.hosts_failed = len(failed)
        report.links_held = len(self.held)
        if self.nobody_answered and not report.canaries:
            return True
        # Hosts already failing before this run are expected to fail again: only a surge of
        # new failures looks like trouble on our side.
        fresh = self.fresh & self.asked
        self.partial = report.partial_outage = len(fresh & failed) * 2 > len(fresh)
        return False


class BatchWriter:
    """The one writer of a run: finished checks in batches, each batch one transaction.

    A batch holds each check, its link's new verdict (``judge`` of its streak and the check), what
    the content step found (drift, archive answers: :func:`record_drift`) and the renewal of the
    run's claims on those links. Written when BATCH_SIZE checks wait, or BATCH_SECONDS passed.
    """

    def __init__(self, store: Store, run_id: int, judge: Callable[[Streak, Fact], Judgement]) -> None:
        self.store = store
        self.run_id = run_id
        self.judge = judge
        self.ready: list[Item] = []
        self.recorded = 0
        self.last = time.monotonic()

    def add(self, item: Item) -> None:
        self.ready.append(item)

    def flush_if_due(self) -> None:
        if len(self.ready) >= BATCH_SIZE or time.monotonic() - self.last >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Write what waits, now."""
        store, ready = self.store, self.ready
        if ready:
            store.record_checks(
                self.run_id, ready, self.judge, on_check=lambda c, lk, o: record_drift(store, c, lk, o)
            )
            claims.renew(store, self.run_id, [link_id for link_id, _ in ready])
            self.recorded += len(ready)
            ready.clear()
        self.last = time.monotonic()

    def write_all(self, items: Sequence[Item]) -> None:
        """Write ``items`` in batches of BATCH_SIZE."""
        for start in range(0, len(items), BATCH_SIZE):
            self.ready.extend(items[start : start + BATCH_SIZE])
            self.flush()


class Workers:
    """The fetching side of a run: each task takes the next link and fetches it; its content step
    (which may wait on the archive) is finished by a task of its own, so the next fetch need not
    wait. Every result, or the exception of a bug, arrives on :attr:`results`."""

    def __init__(
        self,
        links: Iterable[LinkToCheck],
        excluded: dict[int, str],
        rules: Rules,
        fetcher: Fetcher,
        content: ContentStep,
    ) -> None:
        self.results: asyncio.Queue[tuple[int, Outcome | BaseException]] = asyncio.Queue()
        self._todo = iter(links)
        self._excluded = excluded
        self._rules = rules
        self._fetcher = fetcher
        self._content = content
        self._finishing = asyncio.Semaphore(FINISHING)
        self._finishers: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Future[None]] = []

    def start(self, count: int, ready: asyncio.Future[Any]) -> None:
        """Start ``count`` tasks, which wait for ``ready`` (None: go; else nothing is fetched)."""
        self._tasks = [asyncio.ensure_future(self._work(ready)) for _ in range(count)]

    async def stop(self) -> None:
        """Cancel every task, fetching or finishing, and wait for them."""
        pending = [*self._tasks, *self._finishers]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _finish(self, prepared: Prepared, outcome: Outcome) -> None:
        try:
            self.results.put_nowait((prepared.link.id, await self._content.finish(prepared, outcome)))
        except Exception as e:  # a bug, not a link's fault: end the run rather than hang it
            self.results.put_nowait((prepared.link.id, e))
        finally:
            self._finishing.release()

    async def _work(self, ready: asyncio.Future[Any]) -> None:
        if await ready:
            return  # a component is missing: the run stops, before any request
        for link in self._todo:
            if link.id in self._excluded:
                # Nothing is sent for it, not even a question to the archive.
                self.results.put_nowait((link.id, excluded_outcome(link.url, self._excluded.pop(link.id))))
                continue
            try:
                # A proxied or remapped link is checked (and looked up in the archive) as its
                # target, and recorded under the link as cited.
                target = self._rules.target(link.url)
                prepared = self._content.prepare(link if target == link.url else replace(link, url=target))
                outcome = await self._fetcher.check(target, prepared.validators)
            except Exception as e:  # a bug, not a link's fault: end the run rather than hang it
                self.results.put_nowait((link.id, e))
                continue
            # The content step may wait on the archive: the next fetch need not.
            await self._finishing.acquire()
            task = asyncio.ensure_future(self._finish(prepared, outcome))
            self._finishers.add(task)
            task.add_done_callback(self._finishers.discard)


async def _receive(
    workers: Workers, count: int, guard: OutageGuard, writer: BatchWriter, progress: Progress | None
) -> None:
    """Take the ``count`` results as they come: each past the outage guard, to the writer."""
    received = 0
    results = workers.results
    while received < count:
        if not results.empty():
            # What is waiting already is taken as it is: wait_for would wrap each get in a
            # task and a timer (a few percent of the checking process's CPU at 2,000 links).
            link_id, got = results.get_nowait()
        else:
            try:
                # Bounded: a finished check is written within BATCH_SECONDS even when the
                # next result is a long way off (every other link stalled).
                link_id, got = await asyncio.wait_for(results.get(), BATCH_SECONDS)
            except TimeoutError:
                writer.flush()
                continue
        received += 1
        if isinstance(got, BaseException):
            raise got
        if progress is not None:
            progress(got)
        if guard.admit(link_id, got):
            writer.add((link_id, got))
        writer.flush_if_due()


async def check_links(store: Store, options: CheckOptions, **controls: Unpack[RunControls]) -> CheckReport:
    """Check the selected links concurrently (:class:`Workers`); the outage guard holds network
    failures (:class:`OutageGuard`); checks and verdicts are written in batches from here
    (:class:`BatchWriter`). ``controls``: :class:`RunControls`."""
    progress = controls.get("progress")
    lookup = controls.get("lookup", system_lookup)
    stop = controls.get("stop")
    t0 = time.monotonic()
    since = claims.watermark(store)
    ids, missing, unmatched = plan(store, options)
    report = CheckReport(selected=len(ids), missing_urls=missing, missing_documents=unmatched)
    if stop is not None and stop.is_set():
        report.interrupted = bool(ids)
        return report
    if not ids:
        return report
    report.run_id = run_id = store.start_run(options.describe())
    claims.register(store, run_id)
    # Another check on this database works on its own links: this one takes the rest.
    # Ids only (8 bytes a link), as the plan: the links themselves are read in chunks (Feed).
    mine = claims.claim_ids(store, run_id, ids, since)
    if len(mine) < len(ids):
        report.elsewhere = len(ids) - len(mine)
        report.selected = len(mine)
    ids = mine
    if not ids:
        store.finish_run(run_id, "done", 0, 0)
        return report
    resolver = Resolver(options.resolve, allow_private=options.allow_private, lookup=lookup)
    settings = options.fetch
    guard = OutageGuard()
    writer = BatchWriter(
        store, run_id, lambda streak, latest: guard.judge(judge_next(streak, latest, options.policy))
    )
    status = "interrupted"
    # The archive is the user's choice (--archive-url), so its own hosts are reached whatever
    # their address; its client resolves through a resolver of its own that allows that.
    # linkcheck.drift.archive.is_trusted keeps every other host on the guarded client.
    archive_resolver = Resolver(options.resolve, allow_private=True, lookup=lookup)
    archive_settings = replace(
        settings, concurrency=defaults.ARCHIVE_CONCURRENCY, timeout=options.archive_timeout
    )
    first = store.links_by_id(ids[:CHUNK])
    excluded: dict[int, str] = {}
    """Of the links taken and not yet checked: why the settings exclude them."""
    pool = max(settings.per_host, options.rules.most_per_host)
    async with (
        build_client(resolver, settings, per_host=pool) as client,
        build_client(archive_resolver, archive_settings) as archive_http,
    ):
        # Parsing and main-text extraction of every page, off the loop and within a budget.
        # Two kinds of worker, as the work has two kinds: parsing a page for the verdict (every
        # 2xx page, on the fetch's path) and extracting its main text (after it), the larger
        # cost, on every core but the event loop's (linkcheck/check/pool.py); they overlap.
        pages = ContentWorker(preload=worker.PAGE_SIGNALS)
        texts = ContentPool(text_workers(), preload=worker.MAIN_TEXT)
        await pages.start()
        await texts.start()
        # Before anything is fetched: a run that could not fingerprint a live page would record
        # every page whose text was replaced as alive (EnvironmentFailure, exit 4). Asked of a
        # worker, where the parsers run: the checking process itself never imports trafilatura
        # (a fifth of a second of its CPU), while it sets up and the workers start.
        required = asyncio.ensure_future(texts.call("require", components.FOR_CHECK))
        warming = asyncio.gather(pages.warm_up(("read_page",)), texts.warm_up(("fingerprint",)))
        fetcher = Fetcher(client, resolver, settings, rules=options.rules, worker=pages)
        archive = None
        if options.archive_url:
            archive = ArchiveClient(
                options.archive_url, archive_http, client, timeout=options.archive_timeout,
                user_agent=settings.user_agent, max_body=settings.max_body,
            )  # fmt: skip
        content = ContentStep(
            store, archive, options.archive_url, refresh=options.refresh_archive, wait=options.archive_wait,
            links=first, worker=texts,
        )  # fmt: skip

        def on_chunk(chunk: list[LinkToCheck]) -> None:
            out = excluded_links(store, chunk, options.rules)
            excluded.update(out)
            guard.learn(chunk, store.failing_links([link.id for link in chunk]))
            content.read_ahead([link for link in chunk if link.id not in out])

        workers = Workers(Feed(store, ids, on_chunk), excluded, options.rules, fetcher, content)
        workers.start(min(settings.concurrency, len(ids)), required)
        main = asyncio.current_task()
        watcher = asyncio.ensure_future(_cancel_when_set(stop, main)) if stop is not None and main else None
        try:
            missing = await required
            if missing:
                raise EnvironmentFailure(*missing)
            await _receive(workers, len(ids), guard, writer, progress)
            status = "done"
        except asyncio.CancelledError:
            if stop is None or not stop.is_set():
                raise
            # Our own stop, not the caller's cancellation: wind up below and report it.
            if main is not None:
                main.uncancel()
            report.interrupted = True
        finally:
            if watcher is not None:
                # Before any await below: a cancellation arriving while finishing would lose the batch.
                watcher.cancel()
            await workers.stop()
            await content.close()
            late_answers, late_fetches = content.leftovers()
            if guard.nobody_answered and status == "done":
                report.canaries = await _canaries(store, fetcher, guard.asked)
            warming.cancel()
            await asyncio.gather(warming, return_exceptions=True)
            await pages.close()
            await texts.close()
            # Whatever finished is kept, interrupted or not; network failures only if some cited
            # host answered (the archive's answers do not count: it is not what was cited).
            outage = guard.settle(report)
            if outage:
                # Not recorded, but what the archive said of them is still worth keeping.
                for _, o in guard.held:
                    if o.drift is not None:
                        late_answers += o.drift.archive_answers
                        late_fetches += o.drift.snapshot_fetches
                if status == "done":
                    report.outage = True
                    status = "outage"
            writer.flush()
            if not outage:
                writer.write_all(guard.held)
            report.recorded = writer.recorded
            keep_archive_answers(store, late_answers, late_fetches)
            claims.release(store, run_id)
            store.finish_run(run_id, status, len(ids), report.recorded)
    report.tally = store.verdict_tally(run_id)
    report.seconds = time.monotonic() - t0
    return report


async def _canaries(store: Store, fetcher: Fetcher, asked: set[str]) -> int:
    """How many of a few hosts that answered before (not among ``asked``) answer now.

    Their checks are not recorded: they only tell a dead network from dead links.
    """
    hosts: dict[str, str] = {}
    for row in store.answered_links(200):
        if row["host"] not in asked and row["host"] not in hosts:
            hosts[row["host"]] = row["url"]
        if len(hosts) == CANARIES:
            break
    outcomes = await asyncio.gather(*(fetcher.check(url) for url in hosts.values()))
    return sum(o.reason not in NETWORK_FAILURES and o.verdict_hint is not Verdict.SKIPPED for o in outcomes)
