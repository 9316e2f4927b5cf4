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
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from linkcheck import components
from linkcheck.archive import ArchiveClient
from linkcheck.check import config
from linkcheck.check.content import ContentStep, Prepared
from linkcheck.check.fetch import Fetcher, FetchSettings, build_client, utcnow
from linkcheck.check.network import Lookup, Resolver, ResolveRule, parse_resolve, system_lookup
from linkcheck.check.outcome import NETWORK_FAILURES, REASON_VERDICT, Outcome, Reason
from linkcheck.check.pool import ContentPool, text_workers
from linkcheck.check.rules import Rules, compile_pattern, parse_remap_arg, parse_statuses
from linkcheck.check.verdict import Fact, Judgement, Policy, Streak, judge_next
from linkcheck.check.worker import ContentWorker
from linkcheck.errors import EnvironmentFailure
from linkcheck.models import Verdict
from linkcheck.seed import display_path
from linkcheck.store import LinkToCheck, Store, claims, workflow
from linkcheck.store import report as report_sql
from linkcheck.store.drift import record_drift

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

_AGE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", re.I)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> dt.timedelta:
    """A duration such as ``7d``, ``12h``, ``30m``, ``2w`` or ``45s`` (``0`` alone means now)."""
    if text.strip() == "0":
        return dt.timedelta(0)
    m = _AGE.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not a duration such as 7d, 12h, 30m, 2w or 45s")
    return dt.timedelta(seconds=float(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()])


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What to check and how (the options of ``linkcheck check``)."""

    fetch: FetchSettings = field(default_factory=FetchSettings)
    older_than: dt.timedelta = field(default_factory=lambda: parse_age(config.OLDER_THAN))
    failing_after: dt.timedelta = field(default_factory=lambda: parse_age(config.FAILING_RECHECK))
    all: bool = False
    urls: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    allow_private: bool = False
    resolve: tuple[ResolveRule, ...] = ()
    policy: Policy = field(default_factory=Policy)
    archive_url: str | None = config.ARCHIVE_URL
    """Base of the Wayback availability API; None (``--no-archive``): ask no archive."""
    refresh_archive: bool = False
    """Ask the archive again even when its answer is cached."""
    archive_timeout: float = config.ARCHIVE_TIMEOUT
    archive_wait: float = config.ARCHIVE_WAIT
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


class OptionError(ValueError):
    """A check option with a bad value; ``key`` names it as on the command line, with _ for -."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One check option: its type, default and least value."""

    kind: type
    """bool, int, float, str or list (of strings)."""
    default: Any
    minimum: float | None = None


#: The options of ``linkcheck check`` by name (the command line's, with _ for -). The command line
#: and schedule files both build :class:`CheckOptions` from these through :func:`check_options`.
CHECK_OPTIONS: dict[str, OptionSpec] = {
    "all": OptionSpec(bool, False),
    "url": OptionSpec(list, ()),
    "document": OptionSpec(list, ()),
    "older_than": OptionSpec(str, config.OLDER_THAN),
    "concurrency": OptionSpec(int, config.CONCURRENCY, 1),
    "per_host": OptionSpec(int, config.PER_HOST, 1),
    "host_interval": OptionSpec(float, config.HOST_INTERVAL, 0.0),
    "timeout": OptionSpec(float, config.TIMEOUT, 0.001),
    "retries": OptionSpec(int, config.RETRIES, 0),
    "allow_private": OptionSpec(bool, False),
    "resolve": OptionSpec(list, ()),
    "user_agent": OptionSpec(str, config.USER_AGENT),
    "archive_url": OptionSpec(str, None),  # None: LINKCHECK_ARCHIVE_URL, else config.ARCHIVE_URL
    "no_archive": OptionSpec(bool, False),
    "refresh_archive": OptionSpec(bool, False),
    "archive_timeout": OptionSpec(float, config.ARCHIVE_TIMEOUT, 0.001),
    "exclude": OptionSpec(list, ()),
    "accept": OptionSpec(str, None),
    "remap": OptionSpec(list, ()),
    "http_stack": OptionSpec(str, config.HTTP_STACK),
}

_KIND_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "a string",
               list: "a list of strings"}  # fmt: skip


def _option_value(key: str, spec: OptionSpec, value: Any) -> Any:
    """``value`` checked against ``spec``; OptionError says what is wrong."""
    if value is None:
        return spec.default
    # bool is an int to Python, never to a user: `timeout = true` is a mistake.
    ok = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, int | float) and not isinstance(value, bool),
        str: isinstance(value, str),
        list: isinstance(value, list | tuple) and all(isinstance(v, str) for v in value),
    }[spec.kind]
    if not ok:
        raise OptionError(key, f"expected {_KIND_NAMES[spec.kind]}, got {value!r}")
    if spec.minimum is not None and value < spec.minimum:
        raise OptionError(key, f"must be at least {spec.minimum:g}, got {value!r}")
    return float(value) if spec.kind is float else value


def check_options(values: Mapping[str, Any]) -> CheckOptions:
    """:class:`CheckOptions` from option values named as in :data:`CHECK_OPTIONS` (missing or None: default).

    The one conversion of check options, for the command line and schedule files alike: types,
    least values, durations (``older_than``), ``resolve`` rules and document paths. Raises
    :class:`OptionError` naming the option, or an unknown one.
    """
    for key in values:
        if key not in CHECK_OPTIONS:
            raise OptionError(key, "unknown check option")
    v = {key: _option_value(key, spec, values.get(key)) for key, spec in CHECK_OPTIONS.items()}
    try:
        age = parse_age(v["older_than"])
    except ValueError as e:
        raise OptionError("older_than", str(e)) from None
    try:
        rules = tuple(parse_resolve(spec) for spec in v["resolve"])
    except ValueError as e:
        raise OptionError("resolve", str(e)) from None
    try:
        exclude = tuple(compile_pattern(p) for p in v["exclude"])
    except ValueError as e:
        raise OptionError("exclude", str(e)) from None
    try:
        accept = parse_statuses(v["accept"]) if v["accept"] is not None else None
    except ValueError as e:
        raise OptionError("accept", str(e)) from None
    try:
        remaps = tuple(parse_remap_arg(r) for r in v["remap"])
    except ValueError as e:
        raise OptionError("remap", str(e)) from None
    if v["http_stack"] not in config.HTTP_STACKS:
        raise OptionError(
            "http_stack", f"expected one of {', '.join(config.HTTP_STACKS)}, got {v['http_stack']!r}"
        )
    archive_url = v["archive_url"] or os.environ.get(config.ARCHIVE_URL_ENV) or config.ARCHIVE_URL
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
    links = store.links_to_check(
        due_before=None if options.all else (now - options.older_than).strftime(fmt),
        failing_due_before=(now - options.failing_after).strftime(fmt),
        link_ids=ids,
        documents=documents,
    )
    return interleave(links), missing, unmatched


def plan(
    store: Store, options: CheckOptions, now: dt.datetime | None = None
) -> tuple[array.array[int], list[str], list[str]]:
    """:func:`select` as the run uses it: the ids of the links to check only (read in chunks later,
    :class:`Feed`), the ``--url`` values not in the database and the ``--document`` paths that name
    no seeded document."""
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
    found = store.link_ids_to_check(
        due_before=None if options.all else (now - options.older_than).strftime(fmt),
        failing_due_before=(now - options.failing_after).strftime(fmt),
        link_ids=ids,
        documents=documents,
    )
    return found, missing, unmatched


class Feed:
    """A run's links, read from the database :data:`CHUNK` at a time and interleaved by host in each.

    The run never holds its whole due list (issue 12: a million links): only their ids. Each
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


def run_checks(
    store: Store,
    options: CheckOptions,
    *,
    progress: Progress | None = None,
    lookup: Lookup = system_lookup,
    stop: threading.Event | None = None,
) -> CheckReport:
    """Check the selected links and record the results (see :func:`check_links`).

    ``stop``, set from another thread (a signal handler, a scheduler shutting down), ends the
    run early: the checks finished so far are stored, the run is recorded as interrupted and
    the report says ``interrupted``.
    """
    return asyncio.run(check_links(store, options, progress=progress, lookup=lookup, stop=stop))


async def _cancel_when_set(stop: threading.Event, task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` once ``stop`` is set (polled: a thread's Event cannot wake a loop by itself)."""
    while not stop.is_set():
        await asyncio.sleep(STOP_POLL)
    task.cancel()


async def check_links(
    store: Store,
    options: CheckOptions,
    *,
    progress: Progress | None = None,
    lookup: Lookup = system_lookup,
    stop: threading.Event | None = None,
) -> CheckReport:
    """Check the selected links concurrently; write checks and verdicts in batches from here."""
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
    results: asyncio.Queue[tuple[int, Outcome | BaseException]] = asyncio.Queue()
    held: list[tuple[int, Outcome]] = []  # network-level failures, judged at the end of the run
    held_hosts: set[str] = set()
    ready: list[tuple[int, Outcome]] = []
    # Of the links taken and not yet recorded: their host, and why the settings exclude them.
    host_of: dict[int, str] = {}
    excluded: dict[int, str] = {}
    fresh_hosts: set[str] = set()  # hosts of links that were not failing before this run
    hosts_asked: set[str] = set()
    hosts_answered: set[str] = set()
    partial = False

    def judge_check(streak: Streak, latest: Fact) -> Judgement:
        j = judge_next(streak, latest, options.policy)
        if partial and j.reason in NETWORK_FAILURES and j.verdict is Verdict.DEAD:
            # Most hosts were unreachable: this run's failures say more about our network
            # than about the links, so they may extend a run of failures but never end it dead.
            return replace(j, verdict=REASON_VERDICT[j.reason])
        return j

    def flush() -> None:
        if ready:
            store.record_checks(
                run_id, ready, judge_check, on_check=lambda c, lk, o: record_drift(store, c, lk, o)
            )
            claims.renew(store, run_id, [link_id for link_id, _ in ready])
            report.recorded += len(ready)
            ready.clear()

    status = "interrupted"
    # The archive is the user's choice (--archive-url), so its own hosts are reached whatever
    # their address; its client resolves through a resolver of its own that allows that.
    # linkcheck.archive.is_trusted keeps every other host on the guarded client.
    archive_resolver = Resolver(options.resolve, allow_private=True, lookup=lookup)
    archive_settings = replace(
        settings, concurrency=config.ARCHIVE_CONCURRENCY, timeout=options.archive_timeout
    )
    first = store.links_by_id(ids[:CHUNK])
    pool = max(settings.per_host, options.rules.most_per_host)
    async with (
        build_client(resolver, settings, per_host=pool) as client,
        build_client(archive_resolver, archive_settings) as archive_http,
    ):
        # Parsing and main-text extraction of every page, off the loop and within a budget.
        # Two kinds of worker, as the work has two kinds: parsing a page for the verdict (every
        # 2xx page, on the fetch's path) and extracting its main text (after it), the larger
        # cost, on every core but the event loop's (linkcheck/check/pool.py); they overlap.
        pages, texts = ContentWorker(), ContentPool(text_workers())
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
            was_failing = store.failing_links([link.id for link in chunk])
            for link in chunk:
                host_of[link.id] = link.host or ""
                if link.id not in was_failing:
                    fresh_hosts.add(link.host or "")
            content.read_ahead([link for link in chunk if link.id not in out])

        todo = iter(Feed(store, ids, on_chunk))
        finishing = asyncio.Semaphore(FINISHING)
        finishers: set[asyncio.Task[None]] = set()

        async def finish(prepared: Prepared, outcome: Outcome) -> None:
            try:
                results.put_nowait((prepared.link.id, await content.finish(prepared, outcome)))
            except Exception as e:  # a bug, not a link's fault: end the run rather than hang it
                results.put_nowait((prepared.link.id, e))
            finally:
                finishing.release()

        async def worker() -> None:
            if await required:
                return  # a component is missing: the run stops below, before any request
            for link in todo:
                if link.id in excluded:
                    # Nothing is sent for it, not even a question to the archive.
                    results.put_nowait((link.id, excluded_outcome(link.url, excluded.pop(link.id))))
                    continue
                try:
                    # A proxied or remapped link is checked (and looked up in the archive) as its
                    # target, and recorded under the link as cited.
                    target = options.rules.target(link.url)
                    prepared = content.prepare(link if target == link.url else replace(link, url=target))
                    outcome = await fetcher.check(target, prepared.validators)
                except Exception as e:  # a bug, not a link's fault: end the run rather than hang it
                    results.put_nowait((link.id, e))
                    continue
                # The content step may wait on the archive: the next fetch need not.
                await finishing.acquire()
                task = asyncio.ensure_future(finish(prepared, outcome))
                finishers.add(task)
                task.add_done_callback(finishers.discard)

        workers = [asyncio.ensure_future(worker()) for _ in range(min(settings.concurrency, len(ids)))]
        main = asyncio.current_task()
        watcher = asyncio.ensure_future(_cancel_when_set(stop, main)) if stop is not None and main else None
        try:
            missing = await required
            if missing:
                raise EnvironmentFailure(*missing)
            last_flush = time.monotonic()
            received = 0
            while received < len(ids):
                try:
                    # Bounded: a finished check is written within BATCH_SECONDS even when the
                    # next result is a long way off (every other link stalled).
                    link_id, got = await asyncio.wait_for(results.get(), BATCH_SECONDS)
                except TimeoutError:
                    flush()
                    last_flush = time.monotonic()
                    continue
                received += 1
                if isinstance(got, BaseException):
                    raise got
                item = (link_id, got)
                if progress is not None:
                    progress(item[1])
                outcome = item[1]
                host = host_of.pop(link_id)
                if outcome.verdict_hint in (Verdict.SKIPPED, Verdict.INVALID):
                    ready.append(item)
                elif outcome.reason in NETWORK_FAILURES:
                    held.append(item)
                    held_hosts.add(host)
                    hosts_asked.add(host)
                    if outcome.hops:  # the cited host answered with a redirect: another host failed
                        hosts_answered.add(host)
                else:
                    hosts_asked.add(host)
                    hosts_answered.add(host)
                    ready.append(item)
                if len(ready) >= BATCH_SIZE or time.monotonic() - last_flush >= BATCH_SECONDS:
                    flush()
                    last_flush = time.monotonic()
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
            pending = [*workers, *finishers]
            for w in pending:
                w.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            await content.close()
            if held and not hosts_answered and status == "done":
                report.canaries = await _canaries(store, fetcher, hosts_asked)
            warming.cancel()
            await asyncio.gather(warming, return_exceptions=True)
            await pages.close()
            await texts.close()
            # Whatever finished is kept, interrupted or not; network failures only if some cited
            # host answered (the archive's answers do not count: it is not what was cited).
            report.hosts = len(hosts_asked)
            report.hosts_failed = len(held_hosts - hosts_answered)
            report.links_held = len(held)
            if held and not hosts_answered and not report.canaries:
                held.clear()
                if status == "done":
                    report.outage = True
                    status = "outage"
            else:
                # Hosts already failing before this run are expected to fail again: only a
                # surge of new failures looks like trouble on our side.
                fresh = fresh_hosts & hosts_asked
                fresh_failed = fresh & (held_hosts - hosts_answered)
                partial = report.partial_outage = len(fresh_failed) * 2 > len(fresh)
            flush()
            for start in range(0, len(held), BATCH_SIZE):
                ready.extend(held[start : start + BATCH_SIZE])
                flush()
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
    for row in store.query(
        "SELECT url, host FROM links WHERE verdict IN ('alive', 'changed', 'moved') AND host IS NOT NULL "
        "ORDER BY last_checked DESC LIMIT 200"
    ):
        if row["host"] not in asked and row["host"] not in hosts:
            hosts[row["host"]] = row["url"]
        if len(hosts) == CANARIES:
            break
    outcomes = await asyncio.gather(*(fetcher.check(url) for url in hosts.values()))
    return sum(o.reason not in NETWORK_FAILURES and o.verdict_hint is not Verdict.SKIPPED for o in outcomes)
