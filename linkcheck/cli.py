"""The command line: each command opens the database, calls one library function, prints.

Errors the library names are turned into one line on stderr and an exit code here,
and nowhere else (CONTRACT.md: 0 done, 1 --fail-on matched, 2 bad usage or an input
that could not be read, 3 the network was unavailable).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from enum import IntEnum
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from linkcheck import __version__
from linkcheck.check import config as check_config
from linkcheck.check.outcome import Outcome
from linkcheck.check.runner import CheckOptions, OptionError, check_options, run_checks, select_links
from linkcheck.errors import LinkcheckError
from linkcheck.models import DateOrder, ExtractOptions, Verdict
from linkcheck.report import (
    Format,
    ReportOptions,
    build_report,
    parse_since,
    parse_verdicts,
    render,
    verdict_names,
    write_atomic,
)
from linkcheck.schedule import ScheduleConfig, ScheduleError, load_schedules
from linkcheck.schedule.config import DEFAULT_FOLDER as DEFAULT_SCHEDULES
from linkcheck.seed import DEFAULT_MAX_BYTES, DocumentResult, SeedReport, display_path, seed
from linkcheck.store import DEFAULT_DB, Store


class Exit(IntEnum):
    """Exit codes of every command (CONTRACT.md)."""

    OK = 0
    FAIL_ON = 1
    USAGE = 2
    NETWORK = 3


app = typer.Typer(
    name="linkcheck",
    help="Find cited web sources that are dead, moved or no longer say what the author saw.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


class State:
    """Options given before the command."""

    db: str = DEFAULT_DB


state = State()


def fail(message: str, code: Exit = Exit.USAGE) -> typer.Exit:
    """Print one line on stderr and return the Exit to raise."""
    err.print(f"linkcheck: {message}", markup=False)
    return typer.Exit(int(code))


def open_store() -> Store:
    """Open the database named by --db / LINKCHECK_DB, or exit 2 with the reason."""
    try:
        return Store.open(state.db)
    except LinkcheckError as e:
        raise fail(str(e)) from None


def _version(value: bool) -> None:
    if value:
        out.print(f"linkcheck {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    db: Annotated[
        str,
        typer.Option(
            "--db",
            envvar="LINKCHECK_DB",
            help="SQLite database to use; created and migrated on first use.",
            show_default=True,
        ),
    ] = DEFAULT_DB,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Find cited web sources that are dead, moved or no longer say what the author saw."""
    state.db = db


# Options shared by seed and run.
PathsArg = Annotated[
    list[str], typer.Argument(help="Files or folders (searched recursively) of documents that cite URLs.")
]
DateOrderOpt = Annotated[
    DateOrder,
    typer.Option(
        "--date-order",
        case_sensitive=False,
        help="How to read all-numeric dates such as 03/04/2019: day first (dmy), month first (mdy) "
        "or year first (ymd).",
    ),
]
DoisOpt = Annotated[
    bool,
    typer.Option(
        "--include-dois",
        help="Also cite DOIs given without a URL (doi:10.x/y, a bare DOI, a DOI field) "
        "as https://doi.org/ links.",
    ),
]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="List each document, skipped files and doubtful dates.")
]
MaxSizeOpt = Annotated[int, typer.Option("--max-size", help="Largest document to read, in bytes.", min=1)]


def _print_document(result: DocumentResult, verbose: bool) -> None:
    if result.status == "error":
        err.print(f"linkcheck: {result.path}: {result.message}", markup=False)
        return
    if not verbose:
        return
    if result.status == "skipped":
        err.print(f"skipped {result.path}: {result.message}", markup=False)
    elif result.status == "unchanged":
        err.print(f"unchanged {result.path} ({result.format}, {result.citations} citations)", markup=False)
    else:
        err.print(
            f"{result.status} {result.path} ({result.format}): {result.citations} citations, "
            f"{result.new_links} new links",
            markup=False,
        )
    for note in result.notes:
        err.print(f"  {result.path}: {note}", markup=False)


def _progress(label: str, *extra: TextColumn | TimeElapsedColumn) -> Progress:
    """A progress bar on stderr, shown only where a person watches: a terminal, not a log or pipe."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        *extra,
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _seed(
    paths: list[str],
    date_order: DateOrder,
    include_dois: bool,
    verbose: bool,
    max_size: int,
    notes: Console = out,
) -> SeedReport:
    options = ExtractOptions(date_order=date_order, include_dois=include_dois)
    bar = _progress("seeding", TextColumn("{task.fields[path]}"))
    task = bar.add_task("seed", total=None, path="")

    def on_document(result: DocumentResult) -> None:
        bar.update(task, advance=1, path=result.path)
        _print_document(result, verbose)

    with open_store() as store, bar:
        report = seed(
            store,
            paths,
            options,
            max_bytes=max_size,
            on_document=on_document,
            on_total=lambda n: bar.update(task, total=n),
        )
    notes.print(report.summary_line(), markup=False)
    return report


@app.command("seed")
def seed_command(
    paths: PathsArg,
    date_order: DateOrderOpt = DateOrder.DMY,
    include_dois: DoisOpt = False,
    verbose: VerboseOpt = False,
    max_size: MaxSizeOpt = DEFAULT_MAX_BYTES,
) -> None:
    """Store every cited URL, with its accessed-on date and citation, from documents.

    Reads plain text, Markdown, reStructuredText, HTML, BibTeX/biblatex, RIS, CSL-JSON,
    PDF, DOCX and MediaWiki wikitext. Seeding an unchanged file again adds nothing; an
    edited file's citations replace its old ones, and links keep their history.
    """
    report = _seed(paths, date_order, include_dois, verbose, max_size)
    if report.errors:
        raise typer.Exit(int(Exit.USAGE))


# -- check and history ------------------------------------------------------------------------

AllOpt = Annotated[bool, typer.Option("--all", help="Check every link, due or not.")]
UrlOpt = Annotated[
    list[str] | None,
    typer.Option("--url", help="Check this stored link now, due or not (repeatable).", show_default=False),
]
DocumentOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--document", help="Only links cited in this seeded document (repeatable).", show_default=False
    ),
]
OlderThanOpt = Annotated[
    str,
    typer.Option(
        "--older-than",
        help="A link is due when last checked longer ago than this: 30m, 12h, 7d, 2w. "
        f"Failing links are due after {check_config.FAILING_RECHECK}, so that failures can be confirmed.",
    ),
]
ConcurrencyOpt = Annotated[
    int, typer.Option("--concurrency", min=1, help="Requests in flight at once, in all.")
]
PerHostOpt = Annotated[int, typer.Option("--per-host", min=1, help="Requests in flight at once to one host.")]
HostIntervalOpt = Annotated[
    float,
    typer.Option(
        "--host-interval", min=0.0, help="Least seconds between the starts of two requests to one host "
        "(a host answering 429 or 503 earns a longer one)."
    ),
]  # fmt: skip
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", min=0.001, help="Seconds for one request, connect to last byte read.")
]
RetriesOpt = Annotated[
    int,
    typer.Option(
        "--retries", min=0, help="Further tries after a transient failure (timeout, refused or reset "
        f"connection, 429, 5xx), with backoff; Retry-After is honoured up to "
        f"{check_config.RETRY_AFTER_CAP:.0f} s."
    ),
]  # fmt: skip
AllowPrivateOpt = Annotated[
    bool,
    typer.Option(
        "--allow-private",
        help="Also fetch hosts that are or resolve to loopback, private, link-local or other non-public "
        "addresses (otherwise their verdict is skipped and nothing is sent).",
    ),
]
ResolveOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--resolve",
        metavar="HOST:PORT:ADDR",
        help="Connect to ADDR for HOST:PORT (PORT may be *), keeping HOST for the Host header and TLS, "
        "like curl's option (repeatable).",
        show_default=False,
    ),
]
UserAgentOpt = Annotated[
    str, typer.Option("--user-agent", help="User-Agent header: say who you are and how to reach you.")
]
ArchiveUrlOpt = Annotated[
    str,
    typer.Option(
        "--archive-url", envvar=check_config.ARCHIVE_URL_ENV,
        help="Base of a Wayback-Machine-compatible availability API, asked as "
        "BASE/wayback/available?url=URL&timestamp=YYYYMMDD. Its own host (and hosts under it) is "
        "reached even at a private address: you named it.",
    ),
]  # fmt: skip
NoArchiveOpt = Annotated[
    bool,
    typer.Option(
        "--no-archive", help="Ask no archive (answers cached by earlier runs are still used)."
    ),
]  # fmt: skip
RefreshArchiveOpt = Annotated[
    bool, typer.Option("--refresh-archive", help="Ask the archive again even where its answer is cached.")
]
ArchiveTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--archive-timeout", min=0.001,
        help=f"Seconds for one archive request; after {check_config.ARCHIVE_BREAKER} failures in a row "
        "the archive is not asked again in the run.",
    ),
]  # fmt: skip


def _check_options(
    all_links: bool,
    urls: list[str] | None,
    documents: list[str] | None,
    older_than: str,
    concurrency: int,
    per_host: int,
    host_interval: float,
    timeout: float,
    retries: int,
    allow_private: bool,
    resolve: list[str] | None,
    user_agent: str,
    archive_url: str = check_config.ARCHIVE_URL,
    no_archive: bool = False,
    refresh_archive: bool = False,
    archive_timeout: float = check_config.ARCHIVE_TIMEOUT,
) -> CheckOptions:
    """The options of check (and run) as the library takes them; bad values exit 2."""
    values = {
        "all": all_links, "url": urls, "document": documents, "older_than": older_than,
        "concurrency": concurrency, "per_host": per_host, "host_interval": host_interval, "timeout": timeout,
        "retries": retries, "allow_private": allow_private, "resolve": resolve, "user_agent": user_agent,
        "archive_url": archive_url, "no_archive": no_archive, "refresh_archive": refresh_archive,
        "archive_timeout": archive_timeout,
    }  # fmt: skip
    try:
        return check_options(values)
    except OptionError as e:
        raise fail(str(e)) from None


INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143}
"""Exit codes of a check stopped by a signal: 128 + its number, as a shell reports it."""


@contextmanager
def _stop_on_signals(stop: threading.Event, received: list[int]) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM set ``stop`` and are noted in ``received``; then old handlers return.

    A check stopped so winds up as a run does at its end: the checks finished are stored and
    the run is recorded as interrupted; no KeyboardInterrupt tears through asyncio.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals (a check run from a scheduler's thread)
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in INTERRUPTED}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _check(options: CheckOptions, notes: Console = out) -> int:
    """Run the checks with a progress bar on a terminal; print the tally; return the exit code."""
    stop = threading.Event()
    received: list[int] = []
    with open_store() as store, _stop_on_signals(stop, received):
        if err.is_terminal:
            bar = _progress(
                "checking", TextColumn("{task.fields[rate]:.1f}/s  {task.fields[failures]} failures"),
                TimeElapsedColumn(),
            )  # fmt: skip
            with bar:
                task = bar.add_task("check", total=None, rate=0.0, failures=0)
                started = time.monotonic()
                counts = {"done": 0, "failures": 0}

                def tick(outcome: Outcome) -> None:
                    counts["done"] += 1
                    counts["failures"] += outcome.verdict_hint in (Verdict.DEAD, Verdict.FAILING)
                    rate = counts["done"] / max(time.monotonic() - started, 1e-6)
                    bar.update(task, completed=counts["done"], rate=rate, failures=counts["failures"])

                bar.update(task, total=len(select_links(store, options)[0]))
                report = run_checks(store, options, progress=tick, stop=stop)
        else:
            report = run_checks(store, options, stop=stop)
    if report.interrupted:
        notes.print(report.tally_line(), markup=False)
        name = signal.Signals(received[0]).name if received else "stopped"
        err.print(f"linkcheck: interrupted ({name}); the checks finished so far are kept.", markup=False)
        return INTERRUPTED.get(signal.Signals(received[0]), 130) if received else 130
    for url in report.missing_urls:
        err.print(f"linkcheck: {url}: not in the database (seed a document that cites it)", markup=False)
    if report.outage:
        err.print(
            "linkcheck: the network seems unavailable: requests were sent and no host answered, "
            "so nothing was recorded as dead; run the check again when the network is back.",
            markup=False,
        )
        return Exit.NETWORK
    notes.print(report.tally_line(), markup=False)
    return Exit.USAGE if report.missing_urls else Exit.OK


@app.command("check")
def check_command(
    all_links: AllOpt = False,
    urls: UrlOpt = None,
    documents: DocumentOpt = None,
    older_than: OlderThanOpt = check_config.OLDER_THAN,
    concurrency: ConcurrencyOpt = check_config.CONCURRENCY,
    per_host: PerHostOpt = check_config.PER_HOST,
    host_interval: HostIntervalOpt = check_config.HOST_INTERVAL,
    timeout: TimeoutOpt = check_config.TIMEOUT,
    retries: RetriesOpt = check_config.RETRIES,
    allow_private: AllowPrivateOpt = False,
    resolve: ResolveOpt = None,
    user_agent: UserAgentOpt = check_config.USER_AGENT,
    archive_url: ArchiveUrlOpt = check_config.ARCHIVE_URL,
    no_archive: NoArchiveOpt = False,
    refresh_archive: RefreshArchiveOpt = False,
    archive_timeout: ArchiveTimeoutOpt = check_config.ARCHIVE_TIMEOUT,
) -> None:
    """Check the links that are due and record one check per link.

    Due: never checked, or last checked longer ago than --older-than (failing links daily).
    Each link's verdict is derived from its whole history: a transient failure becomes dead
    only after 3 failed checks spanning 3 days. Exit 3 when the network was unavailable.
    """
    options = _check_options(
        all_links, urls, documents, older_than, concurrency, per_host, host_interval, timeout, retries,
        allow_private, resolve, user_agent, archive_url, no_archive, refresh_archive, archive_timeout,
    )  # fmt: skip
    code = _check(options)
    if code:
        raise typer.Exit(int(code))


@app.command("history")
def history_command(
    url: Annotated[str, typer.Argument(help="The link, as cited or in any equivalent form.")],
) -> None:
    """Every check recorded for one link, oldest first."""
    with open_store() as store:
        found = store.link_history(url)
    if found is None:
        raise fail(f"{url}: not in the database")
    link, checks = found
    out.print(f"{link['url']}: {link['verdict']} ({link['reason'] or 'not checked'})", markup=False)
    table = Table(box=None)
    for name in ("checked at", "verdict", "reason", "status", "similarity", "final URL", "ms", "error"):
        # Times and codes stay whole on a narrow screen; URLs and errors fold.
        table.add_column(name, no_wrap=name not in ("final URL", "error"), overflow="fold")
    for c in checks:
        final = c["final_url"] if c["final_url"] and c["final_url"] != c["url"] else ""
        # Similarity with what the author saw, and the change it means (none, minor, material).
        similar = f"{c['similarity']:.2f} {c['change']}" if c.get("similarity") is not None else ""
        table.add_row(
            c["started_at"], c["verdict"], c["reason"], str(c["http_status"] or ""), similar, final,
            str(c["duration_ms"] or ""), c["error"] or "",
        )  # fmt: skip
    if checks:
        out.print(table)


# -- summary ----------------------------------------------------------------------------------

FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format", "-f", case_sensitive=False,
        help="table (grouped by severity, for a terminal), json (the contract's shape), csv (one row per "
        "citation), markdown (for CI summaries and pull-request comments) or html (one self-contained page).",
    ),
]  # fmt: skip
OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output", "-o", metavar="FILE", show_default=False,
        help="Write the report to FILE (atomically, folders created) instead of standard output.",
    ),
]  # fmt: skip
OnlyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--only", metavar="VERDICT[,VERDICT...]", show_default=False,
        help="Only links with these verdicts, e.g. dead,moved (repeatable).",
    ),
]  # fmt: skip
FailOnOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fail-on", metavar="VERDICT[,VERDICT...]", show_default=False,
        help="Exit 1 when a reported link has one of these verdicts, e.g. dead,moved (for CI).",
    ),
]  # fmt: skip
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since", metavar="DATE", show_default=False,
        help="Only what changed since DATE (2026-03-01, 2026-03-01T12:00:00Z or an age such as 7d): "
        "links newly dead, failing, changed, moved or blocked, and recovered ones.",
    ),
]  # fmt: skip
SummaryDocumentOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--document", metavar="PATH", show_default=False,
        help="Only links cited in this seeded document, or the documents in this folder, and only "
        "those citations (repeatable).",
    ),
]  # fmt: skip


def _verdicts(option: str, values: list[str] | None) -> frozenset[Verdict] | None:
    """--only and --fail-on as verdicts; an unknown name exits 2."""
    if not values:
        return None
    try:
        return parse_verdicts(values)
    except ValueError as e:
        raise fail(f"{option}: {e}") from None


def _report_options(only: list[str] | None, documents: list[str] | None, since: str | None) -> ReportOptions:
    """The options of summary (and run) as the library takes them; bad values exit 2."""
    try:
        moment = parse_since(since) if since else None
    except ValueError as e:
        raise fail(str(e)) from None
    return ReportOptions(
        only=_verdicts("--only", only),
        documents=tuple(display_path(Path(d)) for d in documents) if documents is not None else None,
        since=moment,
    )


def _summary(
    options: ReportOptions, fmt: Format, output: str | None, fail_on: frozenset[Verdict] | None
) -> Exit:
    """Build and write the report; name what --fail-on matched; return the exit code."""
    with open_store() as store:
        report = build_report(store, options)
    for path in report.unmatched_documents:
        err.print(f"linkcheck: {path}: not a seeded document", markup=False)
    if output is None:
        text = render(report, fmt, color=out.is_terminal and not out.no_color, width=out.width)
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            write_atomic(output, render(report, fmt, width=120))
        except OSError as e:
            raise fail(f"cannot write {output}: {e.strerror or e}") from None
    code = Exit.USAGE if report.unmatched_documents else Exit.OK
    matched = report.matching(str(v) for v in fail_on or ())
    if matched:
        names = verdict_names(sorted({link.verdict for link in matched}))
        count = f"1 link is {names}" if len(matched) == 1 else f"{len(matched)} links are {names}"
        err.print(f"linkcheck: {count} (--fail-on)", markup=False)
        code = max(code, Exit.FAIL_ON)
    return code


@app.command("summary")
def summary_command(
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    only: OnlyOpt = None,
    documents: SummaryDocumentOpt = None,
    fail_on: FailOnOpt = None,
    since: SinceOpt = None,
) -> None:
    """Report every link with its verdict: table, json, csv, markdown or html.

    Per document and line: which citation broke, since when, why, and what to cite instead
    (the archived copy nearest the accessed-on date, or a moved page's new address).
    Exit 1 when --fail-on matches a reported link.
    """
    fail_verdicts = _verdicts("--fail-on", fail_on)
    options = _report_options(only, documents, since)
    code = _summary(options, fmt, output, fail_verdicts)
    if code:
        raise typer.Exit(int(code))


@app.command("run")
def run_command(
    paths: PathsArg,
    date_order: DateOrderOpt = DateOrder.DMY,
    include_dois: DoisOpt = False,
    verbose: VerboseOpt = False,
    max_size: MaxSizeOpt = DEFAULT_MAX_BYTES,
    all_links: AllOpt = False,
    urls: UrlOpt = None,
    documents: DocumentOpt = None,
    older_than: OlderThanOpt = check_config.OLDER_THAN,
    concurrency: ConcurrencyOpt = check_config.CONCURRENCY,
    per_host: PerHostOpt = check_config.PER_HOST,
    host_interval: HostIntervalOpt = check_config.HOST_INTERVAL,
    timeout: TimeoutOpt = check_config.TIMEOUT,
    retries: RetriesOpt = check_config.RETRIES,
    allow_private: AllowPrivateOpt = False,
    resolve: ResolveOpt = None,
    user_agent: UserAgentOpt = check_config.USER_AGENT,
    archive_url: ArchiveUrlOpt = check_config.ARCHIVE_URL,
    no_archive: NoArchiveOpt = False,
    refresh_archive: RefreshArchiveOpt = False,
    archive_timeout: ArchiveTimeoutOpt = check_config.ARCHIVE_TIMEOUT,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    only: OnlyOpt = None,
    fail_on: FailOnOpt = None,
    since: SinceOpt = None,
) -> None:
    """Seed, then check, then summarise, in one command: the quick way for one file.

    Checks the links the given documents cite that are due (all links with --all, or those
    named by --url or --document), then reports on the links those documents cite (the
    --document ones when given), like summary.
    """
    options = _check_options(
        all_links, urls, documents, older_than, concurrency, per_host, host_interval, timeout, retries,
        allow_private, resolve, user_agent, archive_url, no_archive, refresh_archive, archive_timeout,
    )  # fmt: skip
    fail_verdicts = _verdicts("--fail-on", fail_on)
    report_options = _report_options(only, documents, since)
    # A report on standard output in a machine format must be all there is on it.
    notes = err if fmt is not Format.TABLE and output is None else out
    report = _seed(paths, date_order, include_dois, verbose, max_size, notes)
    code: int = Exit.OK
    seeded = tuple(d.path for d in report.documents if d.status in ("seeded", "updated", "unchanged"))
    if not (all_links or urls or documents):
        # The quick way for one file: check what it cites, not the rest of the database.
        if seeded:
            code = _check(replace(options, documents=seeded), notes)
    else:
        code = _check(options, notes)
    if code in INTERRUPTED.values():
        raise typer.Exit(code)  # stopped: no report of a half-done check
    if documents is None:
        report_options = replace(report_options, documents=seeded)
    code = max(code, _summary(report_options, fmt, output, fail_verdicts))
    if report.errors:
        code = max(code, Exit.USAGE)
    if code:
        raise typer.Exit(int(code))


# -- schedule ---------------------------------------------------------------------------------

schedule_app = typer.Typer(
    name="schedule",
    help="Scheduled checks: run the jobs defined in schedules/*.toml, or list them.",
    no_args_is_help=True,
)
app.add_typer(schedule_app, name="schedule")

SchedulesOpt = Annotated[
    str,
    typer.Option(
        "--schedules", metavar="DIR",
        help="Folder of schedule files (*.toml), one job each; paths in them are relative to the working "
        "directory.",
    ),
]  # fmt: skip


def _schedules(folder: str) -> list[ScheduleConfig]:
    """Every schedule in ``folder``, or exit 2 with one line per problem (file, key, what is wrong)."""
    try:
        return load_schedules(folder)
    except ScheduleError as e:
        for line in e.problems:
            err.print(f"linkcheck: {line}", markup=False)
        raise typer.Exit(int(Exit.USAGE)) from None


@schedule_app.command("run")
def schedule_run_command(
    schedules: SchedulesOpt = DEFAULT_SCHEDULES,
    once: Annotated[
        str | None,
        typer.Option(
            "--once",
            metavar="NAME",
            show_default=False,
            help="Run this one schedule now, in the foreground, and exit (exit code as for check).",
        ),
    ] = None,
) -> None:
    """Run the scheduler in the foreground: the jobs of schedules/*.toml, each on its trigger.

    Job state is kept in the database, so a run missed while the scheduler was down happens
    once when it is back. One scheduler per database; SIGTERM or Ctrl-C stops it cleanly,
    keeping what running jobs have checked.
    """
    configs = _schedules(schedules)
    if state.db == ":memory:":
        raise fail("the scheduler needs a database file (--db PATH), not :memory:")
    chosen = configs
    if once is not None:
        chosen = [c for c in configs if c.name == once]
        if not chosen:
            names = ", ".join(c.name for c in configs)
            raise fail(f"--once {once}: no such schedule in {schedules} (there are: {names})")
    open_store().close()  # created and migrated here, so that a bad database is one line and exit 2
    # Imported here: SQLAlchemy (for the job store) costs every other command a quarter second.
    from linkcheck.schedule import scheduler

    stop = threading.Event()
    try:
        with scheduler.scheduler_lock(state.db), scheduler.log_to_stderr():
            if once is None:
                scheduler.serve(configs, state.db, stop)
                return
            result = scheduler.run_once(chosen[0], state.db, stop)
    except LinkcheckError as e:
        raise fail(str(e)) from None
    if result.status == "interrupted":
        raise typer.Exit(130)
    if result.status == "outage":
        err.print(
            "linkcheck: the network seems unavailable: requests were sent and no host answered, "
            "so nothing was recorded as dead.",
            markup=False,
        )
        raise typer.Exit(int(Exit.NETWORK))
    if result.errors:
        raise typer.Exit(int(Exit.USAGE))


@schedule_app.command("list")
def schedule_list_command(schedules: SchedulesOpt = DEFAULT_SCHEDULES) -> None:
    """List the schedules: each one's trigger, next run time and latest run.

    The next run time is the one the scheduler stored when it has run the job (a time in the
    past means a missed run, done as soon as the scheduler starts), else computed from now.
    """
    configs = _schedules(schedules)
    from linkcheck.schedule import scheduler  # SQLAlchemy: only when needed

    with open_store() as store:
        infos = scheduler.schedule_info(configs, store)
    # One line per schedule, not a table: readable at any width and easy for a script to cut.
    for info in infos:
        nxt = info.next_run.isoformat(timespec="seconds") if info.next_run else "never"
        if info.next_run is not None and not info.stored:
            nxt += " (not yet scheduled)"
        last = f"latest run {info.last_run[0]} ({info.last_run[1]})" if info.last_run else "never run"
        out.print(
            f"{info.config.name}: {info.config.trigger_text}; next run {nxt}; {last}; {info.config.file}",
            markup=False,
        )


def main() -> None:
    """Entry point of the ``linkcheck`` script."""
    try:
        code = app(standalone_mode=False, prog_name="linkcheck")
    except typer.TyperException as e:
        # Click's own usage errors (a bad option value, an unknown command): one line, like
        # every other bad input, instead of a usage banner and a boxed message.
        code = getattr(e, "exit_code", int(Exit.USAGE))
        if type(e).__name__ == "NoArgsIsHelpError":  # a command group with no command: its help is shown
            sys.exit(code)
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        ctx = getattr(e, "ctx", None)
        command = ctx.command_path.removeprefix("linkcheck").strip() if ctx is not None else ""
        err.print(f"linkcheck: {command + ': ' if command else ''}{message} (see --help)", markup=False)
        sys.exit(code)
    except KeyboardInterrupt:
        err.print("linkcheck: interrupted; what was stored so far is kept.", markup=False)
        sys.exit(130)
    except BrokenPipeError:
        # Output piped into a command that stopped reading (head): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    sys.exit(code if isinstance(code, int) else 0)
