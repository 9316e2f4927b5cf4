"""A check run: select the due links, fetch them concurrently, write results from one place.

Many requests are in flight at once; the database is written only by the run's own
coroutine, in batches, each batch one transaction holding the checks and the links' new
verdicts. A run killed at any moment leaves every finished batch stored and everything
else still due, so the next run carries on.

The outage guard: results that depend on the network are held back until some server has
accepted a connection. If none ever does (requests were sent and nothing answered), they
are dropped, so a run during an outage records no link as dead; links not fetched by
policy are still recorded as skipped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from linkcheck.archive import ArchiveClient
from linkcheck.check import config
from linkcheck.check.content import ContentStep, Prepared
from linkcheck.check.fetch import Fetcher, FetchSettings, build_client
from linkcheck.check.network import Lookup, Resolver, ResolveRule, parse_resolve, system_lookup
from linkcheck.check.outcome import Outcome
from linkcheck.check.verdict import Fact, Judgement, Policy, judge
from linkcheck.check.worker import ContentWorker
from linkcheck.models import Verdict
from linkcheck.seed import display_path
from linkcheck.store import LinkToCheck, Store, claims
from linkcheck.store.drift import record_drift

BATCH_SIZE = 200
"""Checks written per transaction, at most."""
BATCH_SECONDS = 0.5
"""Longest a finished check waits before it is written."""
FINISHING = 1000
"""Fetched links at most waiting for their content step (the archive): bounds the memory they hold."""
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
    archive_url = v["archive_url"] or os.environ.get(config.ARCHIVE_URL_ENV) or config.ARCHIVE_URL
    settings = FetchSettings(
        user_agent=v["user_agent"],
        concurrency=v["concurrency"],
        per_host=v["per_host"],
        host_interval=v["host_interval"],
        timeout=v["timeout"],
        retries=v["retries"],
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
    seconds: float = 0.0
    interrupted: bool = False
    """The run was stopped (its ``stop`` event set) before every selected link was checked."""
    elsewhere: int = 0
    """Due links left out because another run on the database has claimed them."""

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
    now = now or dt.datetime.now(dt.UTC)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    missing: list[str] = []
    ids: list[int] | None = None
    if options.urls:
        ids, missing = store.link_ids(options.urls)
    links = store.links_to_check(
        due_before=None if options.all else (now - options.older_than).strftime(fmt),
        failing_due_before=(now - options.failing_after).strftime(fmt),
        link_ids=ids,
        documents=list(options.documents) if options.documents else None,
    )
    return interleave(links), missing


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
    links, missing = select_links(store, options)
    report = CheckReport(selected=len(links), missing_urls=missing)
    if stop is not None and stop.is_set():
        report.interrupted = bool(links)
        return report
    if not links:
        return report
    report.run_id = run_id = store.start_run(options.describe())
    claims.register(store, run_id)
    # Another check on this database works on its own links: this one takes the rest.
    mine = claims.claim(store, run_id, [link.id for link in links], since)
    if len(mine) < len(links):
        report.elsewhere = len(links) - len(mine)
        links = [link for link in links if link.id in mine]
        report.selected = len(links)
        if not links:
            store.finish_run(run_id, "done", 0, 0)
            return report
    resolver = Resolver(options.resolve, allow_private=options.allow_private, lookup=lookup)
    settings = options.fetch
    results: asyncio.Queue[tuple[int, Outcome | BaseException]] = asyncio.Queue()
    held: list[tuple[int, Outcome]] = []  # network results waiting for proof that the network is up
    ready: list[tuple[int, Outcome]] = []

    def judge_history(history: list[Fact]) -> Judgement:
        return judge(history, options.policy)

    def flush() -> None:
        if ready:
            store.record_checks(
                run_id, ready, judge_history, on_check=lambda c, lk, o: record_drift(store, c, lk, o)
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
    async with (
        build_client(resolver, settings) as client,
        build_client(archive_resolver, archive_settings) as archive_http,
    ):
        # Parsing and main-text extraction of every page, off the loop and within a budget.
        # Two workers, as the work has two kinds: parsing a page for the verdict (every 2xx page,
        # on the fetch's path) and extracting its main text (after it); on two cores they overlap.
        pages, texts = ContentWorker(), ContentWorker()
        await pages.start()
        await texts.start()
        warming = asyncio.gather(pages.warm_up(("read_page",)), texts.warm_up(("fingerprint",)))
        fetcher = Fetcher(client, resolver, settings, worker=pages)
        archive = None
        if options.archive_url:
            archive = ArchiveClient(
                options.archive_url, archive_http, client, timeout=options.archive_timeout,
                user_agent=settings.user_agent, max_body=settings.max_body,
            )  # fmt: skip
        content = ContentStep(
            store, archive, options.archive_url, refresh=options.refresh_archive, wait=options.archive_wait,
            links=links, worker=texts,
        )  # fmt: skip
        todo = iter(links)
        finishing = asyncio.Semaphore(FINISHING)
        finishers: set[asyncio.Task[None]] = set()

        def answered() -> bool:
            return fetcher.network_answered or (archive is not None and archive.answered)

        def tried() -> bool:
            # The archive is asked because of what the checks found: asking it in vain says
            # nothing about the links (a run of .invalid names needs no network at all).
            return fetcher.network_tried

        async def finish(prepared: Prepared, outcome: Outcome) -> None:
            try:
                results.put_nowait((prepared.link.id, await content.finish(prepared, outcome)))
            except Exception as e:  # a bug, not a link's fault: end the run rather than hang it
                results.put_nowait((prepared.link.id, e))
            finally:
                finishing.release()

        async def worker() -> None:
            for link in todo:
                try:
                    prepared = content.prepare(link)
                    outcome = await fetcher.check(link.url, prepared.validators)
                except Exception as e:  # a bug, not a link's fault: end the run rather than hang it
                    results.put_nowait((link.id, e))
                    continue
                # The content step may wait on the archive: the next fetch need not.
                await finishing.acquire()
                task = asyncio.ensure_future(finish(prepared, outcome))
                finishers.add(task)
                task.add_done_callback(finishers.discard)

        workers = [asyncio.ensure_future(worker()) for _ in range(min(settings.concurrency, len(links)))]
        main = asyncio.current_task()
        watcher = asyncio.ensure_future(_cancel_when_set(stop, main)) if stop is not None and main else None
        try:
            last_flush = time.monotonic()
            received = 0
            while received < len(links):
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
                if item[1].verdict_hint in (Verdict.SKIPPED, Verdict.INVALID):
                    ready.append(item)
                elif answered():
                    ready.extend(held)
                    held.clear()
                    ready.append(item)
                else:
                    held.append(item)
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
            warming.cancel()
            await asyncio.gather(warming, return_exceptions=True)
            await pages.close()
            await texts.close()
            # Whatever finished is kept, interrupted or not; failures only if the network was up.
            # (.invalid names and the like need no network: their results always count.)
            if answered() or not tried():
                ready.extend(held)
            elif held and status == "done":
                report.outage = True
                status = "outage"
            flush()
            claims.release(store, run_id)
            store.finish_run(run_id, status, len(links), report.recorded)
    report.tally = store.verdict_tally(run_id)
    report.seconds = time.monotonic() - t0
    return report
