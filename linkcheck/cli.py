"""The command line: each command opens the database, calls one library function, prints.

Errors the library names are turned into one line on stderr and an exit code here,
and nowhere else (README.md, "Exit codes": 0 done, 1 --fail-on matched, 2 bad usage or an input
that could not be read, 3 the network was unavailable, 4 the tool itself cannot work).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import inspect
import json
import os
import platform
import re
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from types import FrameType, MappingProxyType
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from linkcheck import __version__, components
from linkcheck import settings as settings_file
from linkcheck.check.options import CHECK_OPTIONS, Option
from linkcheck.check.runner import CheckOptions, CheckReport, plan, run_checks
from linkcheck.durations import parse_duration
from linkcheck.errors import ExitCode, LinkcheckError, OptionError
from linkcheck.models import DateOrder, ExtractOptions, Outcome, Verdict
from linkcheck.pipeline import Scope, Seeder, run_pipeline
from linkcheck.report import (
    Format,
    Report,
    ReportOptions,
    build_report,
    parse_since,
    parse_verdicts,
    stream,
    verdict_names,
)
from linkcheck.report.output import GITHUB_COMMENT_LIMIT, render, write_atomic, write_atomic_with
from linkcheck.schedule import ScheduleConfig, ScheduleError, load_schedules
from linkcheck.schedule.config import DEFAULT_FOLDER as DEFAULT_SCHEDULES
from linkcheck.seed import DEFAULT_MAX_BYTES, DocumentResult, SeedReport, display_path, seed
from linkcheck.store import DEFAULT_DB, Store, database_failure, workflow

ACK_FOR = "90d"
"""How long ``linkcheck ack`` holds unless --for says otherwise (README.md, "linkcheck ack URL")."""


# What a value looks like, for help texts: typer's own labels are Python's types ("<list[str]>").
_TYPE_LABELS = {"bool": "", "int": "N", "int range": "N", "float": "NUMBER", "float range": "NUMBER",
                "str": "TEXT", "list[str]": "TEXT"}  # fmt: skip


def _plain_help_types() -> None:
    """Show option values in help as people read them (N, NUMBER, TEXT), not as Python type names.

    Typer (0.2x) labels every option with its annotation; older versions have no such method,
    and their labels (INTEGER, TEXT) are plain already, so nothing is changed there.
    """
    import typer.core

    base = getattr(typer.core, "_TyperParameter", None)
    original = getattr(base, "display_type", None)
    if base is None or original is None:
        return

    def display_type(self: object, ctx: object) -> str:
        label = str(original(self, ctx))
        inner = label[1:-1] if label.startswith("<") and label.endswith(">") else label
        return _TYPE_LABELS.get(inner, inner)

    base.display_type = display_type


_plain_help_types()

app = typer.Typer(
    name="linkcheck",
    help="Find cited web sources that are dead, moved or no longer say what the author saw.",
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


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> typer.Exit:
    """Print one line on stderr and return the typer.Exit to raise."""
    err.print(f"linkcheck: {message}", markup=False)
    return typer.Exit(int(code))


def open_store(*, writes: bool = False) -> Store:
    """Open the database named by --db / LINKCHECK_DB, or exit with the reason (2; 4 for the machine's).

    A command that ``writes`` first has every page of the database read: a damaged one is never
    written to (README.md, "The database").
    """
    try:
        return Store.open(state.db, verify=writes)
    except LinkcheckError as e:
        raise fail(str(e), e.exit_code) from None


def _version(value: bool) -> None:
    """--version: the tool's version and its components'; exit 4 naming any that cannot be loaded."""
    if not value:
        return
    out.print(f"linkcheck {__version__}", markup=False)
    out.print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}", markup=False)
    broken = []
    for name, version, problem in components.versions():
        out.print(f"{name} {version}{' (broken: see below)' if problem else ''}", markup=False)
        if problem:
            broken.append(problem)
    for problem in broken:
        err.print(f"linkcheck: {problem}", markup=False)
    raise typer.Exit(int(ExitCode.ENVIRONMENT if broken else ExitCode.OK))


def _show_help(ctx: typer.Context) -> None:
    """A group called without a command shows its help (exit 2, as for any missing argument)."""
    if ctx.invoked_subcommand is None and not ctx.resilient_parsing:
        typer.echo(ctx.get_help())
        raise typer.Exit(int(ExitCode.USAGE))


@app.callback(invoke_without_command=True)
def main_options(
    ctx: typer.Context,
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
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help="Show the version of linkcheck and of each component it needs, and exit "
            "(4 when one cannot be loaded).",
        ),
    ] = False,
) -> None:
    """Find cited web sources that are dead, moved or no longer say what the author saw."""
    state.db = db
    _show_help(ctx)


Values = Mapping[str, Any]
"""A group of options as a command received them, by name."""
NO_VALUES: Values = MappingProxyType({})


def with_group(
    name: str, params: Sequence[inspect.Parameter], keys: Mapping[str, str] = MappingProxyType({})
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the options ``params`` in place of its parameter ``name``, which receives
    their values as one mapping (by parameter name, or by ``keys[parameter name]``).

    One group of options is so declared once and taken by several commands (seed's by run,
    summary's by run, check's by run and config show).
    """

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(command, eval_str=True)
        expanded: list[inspect.Parameter] = []
        for param in signature.parameters.values():
            expanded += params if param.name == name else [param]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            group = {keys.get(p.name, p.name): kwargs.pop(p.name) for p in params}
            command(*args, **{name: group}, **kwargs)

        # Typer reads the parameters from the signature (typer.utils.get_params_from_function).
        wrapper.__signature__ = signature.replace(parameters=expanded)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def parameters(declaration: Callable[..., None]) -> list[inspect.Parameter]:
    """The parameters of a function that only declares a group of options."""
    return list(inspect.signature(declaration, eval_str=True).parameters.values())


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


def _seed_options(
    date_order: DateOrderOpt = DateOrder.DMY,
    include_dois: DoisOpt = False,
    verbose: VerboseOpt = False,
    max_size: MaxSizeOpt = DEFAULT_MAX_BYTES,
) -> None:
    """The options of seed, which run takes too (declared here once, see :func:`with_group`)."""


with_seed_options = with_group("seed", parameters(_seed_options))


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


def _seeder(
    date_order: DateOrder, include_dois: bool, verbose: bool, max_size: int, notes: Console = out
) -> Seeder:
    """Seeding as the command line shows it: a progress bar on a terminal, a summary line, problems."""
    options = ExtractOptions(date_order=date_order, include_dois=include_dois)

    def seeder(store: Store, paths: list[str]) -> SeedReport:
        bar = _progress("seeding", TextColumn("{task.fields[path]}"))
        task = bar.add_task("seed", total=None, path="")

        def on_document(result: DocumentResult) -> None:
            bar.update(task, advance=1, path=result.path)
            _print_document(result, verbose)

        with bar:
            report = seed(
                store,
                paths,
                options,
                max_bytes=max_size,
                on_document=on_document,
                on_total=lambda n: bar.update(task, total=n),
            )
        notes.print(report.summary_line(), markup=False)
        for line in report.problems():
            err.print(f"linkcheck: {line}", markup=False)
        return report

    return seeder


@app.command("seed")
@with_seed_options
def seed_command(paths: PathsArg, seed: Values = NO_VALUES) -> None:
    """Store every cited URL, with its accessed-on date and citation, from documents.

    Reads plain text, Markdown, reStructuredText, HTML, BibTeX/biblatex, RIS, CSL-JSON,
    PDF, DOCX and MediaWiki wikitext. Seeding an unchanged file again adds nothing; an
    edited file's citations replace its old ones, and links keep their history.
    """
    with open_store(writes=True) as store:
        report = _seeder(**seed)(store, paths)
    if report.errors or report.problems():
        raise typer.Exit(int(ExitCode.USAGE))


# -- check and history ------------------------------------------------------------------------

CheckValues = Values
"""The check options as a command received them, by key (:data:`CHECK_OPTIONS`)."""

_KIND_TYPES: dict[type, Any] = {bool: bool, int: int, float: float, str: str, list: list[str] | None}


def _check_parameter(option: Option) -> inspect.Parameter:
    """The Typer parameter of one check option, from its declaration."""
    kind = _KIND_TYPES[option.kind]
    default = option.default
    if option.kind is list:
        default = None
    elif default is None:
        kind = kind | None
    info = typer.Option(
        option.flag, help=option.full_help, metavar=option.metavar, show_default=option.show_default,
        min=option.minimum,
    )  # fmt: skip
    return inspect.Parameter(
        option.parameter, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
        annotation=Annotated[kind, info],
    )  # fmt: skip


def with_check_options(*, selection: bool = True) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the check options (those that select links too, unless ``selection`` is
    False), in place of its parameter ``check``, which receives their values by key."""
    options = [o for o in CHECK_OPTIONS.values() if selection or not o.selection]
    keys = {o.parameter: o.key for o in options}
    return with_group("check", [_check_parameter(o) for o in options], keys)


ConfigOpt = Annotated[
    str | None,
    typer.Option(
        "--config", metavar="FILE", show_default=False,
        help=f"Settings file (default: {settings_file.SETTINGS_FILE}, else \\[tool.linkcheck] in "
        f"pyproject.toml, in the working directory; or ${settings_file.CONFIG_ENV}). The command line "
        "overrides it.",
    ),
]  # fmt: skip


def _given(ctx: typer.Context | None) -> dict[str, str]:
    """The check options the command line gave (the environment's are read with the settings)."""
    if ctx is None:
        return {}
    keys = {option.parameter: key for key, option in CHECK_OPTIONS.items()}
    found: dict[str, str] = {}
    for param in ctx.command.params:
        name = param.name or ""
        # By name: Typer may bring its own copy of Click, whose ParameterSource is another enum.
        source = getattr(ctx.get_parameter_source(name), "name", None)
        if source == "COMMANDLINE":
            found[keys.get(name, name)] = settings_file.COMMAND_LINE
    return found


def _settings(config: str | None) -> settings_file.Settings:
    """The settings file in force (and .linkcheckignore), or exit 2 with one line per problem."""
    try:
        return settings_file.load_settings(config)
    except settings_file.SettingsError as e:
        for line in e.problems:
            err.print(f"linkcheck: {line}", markup=False)
        raise typer.Exit(int(ExitCode.USAGE)) from None


def _check_options(
    values: CheckValues, config: str | None = None, ctx: typer.Context | None = None
) -> CheckOptions:
    """The check options (by key) as the library takes them, over the settings file; bad values exit 2."""
    found = _settings(config)
    given = _given(ctx)
    if ctx is None:  # called as a library function: what is passed is what is meant
        given = {key: settings_file.COMMAND_LINE for key, value in values.items() if value is not None}
    try:
        return settings_file.effective(values, given, found).options
    except OptionError as e:
        raise fail(_option_problem(e)) from None


def _option_problem(e: OptionError) -> str:
    """A bad check option's line: after its flag, unless the message names the value already."""
    option = CHECK_OPTIONS.get(e.key)
    return f"{option.flag}: {e}" if option is not None and option.flag_in_errors else str(e)


def _not_a_document(path: str) -> str:
    """Why a ``--document`` path names nothing: the same words for check, summary and run."""
    if not Path(path).exists():
        return "no such file or folder (--document)"
    kind = "folder holding no seeded document" if Path(path).is_dir() else "not a seeded document"
    return f"{kind} (--document; seed it first)"


INTERRUPTED = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED}
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


class _Checker:
    """The check as the command line runs it: a progress bar on a terminal; SIGINT and SIGTERM
    end it as a run ends (:func:`_stop_on_signals`); then the tally and one line per problem."""

    def __init__(self, notes: Console = out) -> None:
        self.notes = notes
        self.received: list[int] = []
        """The signals that stopped the check."""

    def __call__(self, store: Store, options: CheckOptions) -> CheckReport:
        stop = threading.Event()
        with _stop_on_signals(stop, self.received):
            if not err.is_terminal:
                return run_checks(store, options, stop=stop)
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
                    counts["failures"] += outcome.verdict_hint.is_failure
                    rate = counts["done"] / max(time.monotonic() - started, 1e-6)
                    bar.update(task, completed=counts["done"], rate=rate, failures=counts["failures"])

                bar.update(task, total=len(plan(store, options)[0]))  # ids only: 8 bytes a link
                return run_checks(store, options, progress=tick, stop=stop)

    def exit_code(self, report: CheckReport) -> ExitCode:
        """Print the tally and what went wrong; the exit code the check earns."""
        notes = self.notes
        received = self.received
        if report.interrupted:
            notes.print(report.tally_line(), markup=False)
            name = signal.Signals(received[0]).name if received else "stopped"
            err.print(f"linkcheck: interrupted ({name}); the checks finished so far are kept.", markup=False)
            return (
                INTERRUPTED.get(signal.Signals(received[0]), ExitCode.INTERRUPTED)
                if received
                else ExitCode.INTERRUPTED
            )
        for url in report.missing_urls:
            err.print(f"linkcheck: {url}: not in the database (seed a document that cites it)", markup=False)
        for path in report.missing_documents:
            err.print(f"linkcheck: {path}: {_not_a_document(path)}", markup=False)
        if report.outage:
            err.print(
                "linkcheck: the network seems unavailable: requests were sent and no cited host answered "
                f"({report.outage_line()} not recorded), so nothing was recorded as dead; run the check "
                "again when the network is back.",
                markup=False,
            )
            return ExitCode.NETWORK
        if report.partial_outage:
            err.print(
                f"linkcheck: warning: {report.outage_line()} recorded as failing, none as dead: most "
                "hosts failing at once looks like a network or resolver problem here; the next checks "
                "confirm them.",
                markup=False,
            )
        if report.selected or not report.missing_documents:
            notes.print(report.tally_line(), markup=False)
        return ExitCode.USAGE if report.missing_urls or report.missing_documents else ExitCode.OK


@app.command("check")
@with_check_options()
def check_command(
    ctx: typer.Context,
    check: CheckValues = NO_VALUES,
    config: ConfigOpt = None,
) -> None:
    """Check the links that are due and record one check per link.

    Due: never checked, or last checked longer ago than --older-than (failing links daily).
    Each link's verdict is derived from its whole history: a transient failure becomes dead
    only after 3 failed checks spanning 3 days. Exit 3 when the network was unavailable.
    """
    options = _check_options(check, config, ctx)
    checker = _Checker()
    with open_store(writes=True) as store:
        report = checker(store, options)
    code = checker.exit_code(report)
    if code:
        raise typer.Exit(int(code))


def redirect_chain(stored: str | None) -> str:
    """A check's redirects as ``301 -> URL, 302 -> URL``: each hop's status and where it pointed."""
    if not stored:
        return ""
    return ", ".join(f"{hop['status']} -> {hop['location']}" for hop in json.loads(stored))


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
    # The redirect chain only where some check was redirected: no empty column on a narrow screen.
    chains = any(c["redirects"] for c in checks)
    columns = ("checked at", "verdict", "reason", "status", "similarity", *(("redirects",) if chains else ()))
    for name in (*columns, "final URL", "ms", "error"):
        # Times and codes stay whole on a narrow screen; URLs and errors fold.
        table.add_column(name, no_wrap=name not in ("redirects", "final URL", "error"), overflow="fold")
    for c in checks:
        final = c["final_url"] if c["final_url"] and c["final_url"] != c["url"] else ""
        # Similarity with what the author saw, and the change it means (none, minor, material).
        similar = f"{c['similarity']:.2f} {c['change']}" if c.get("similarity") is not None else ""
        chain = (redirect_chain(c["redirects"]),) if chains else ()
        table.add_row(
            c["started_at"], c["verdict"], c["reason"], str(c["http_status"] or ""), similar, *chain, final,
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
        "citation, by document), markdown (for CI summaries and pull-request comments), html (one "
        "self-contained page), junit (JUnit XML for CI test reports) or github (GitHub Actions annotations).",
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


OwnerOpt = Annotated[
    str | None,
    typer.Option(
        "--owner", metavar="NAME", show_default=False,
        help="Only the documents of this owner (\\[\\[owners]] in the settings file) and their citations.",
    ),
]  # fmt: skip
IncludeAckOpt = Annotated[
    bool,
    typer.Option(
        "--include-acknowledged",
        help="With --only, list acknowledged links too (linkcheck ack); they never count for --fail-on.",
    ),
]
MaxLengthOpt = Annotated[
    int,
    typer.Option(
        "--max-length", metavar="N", min=1000,
        help="Longest Markdown report, in characters (default: a GitHub comment's limit); a longer one keeps "
        "the most severe problems and says how many more there are.",
    ),
]  # fmt: skip
ExcelOpt = Annotated[
    bool,
    typer.Option(
        "--excel", help="CSV with a byte-order mark first, so that Excel reads accented text right."
    ),
]


def _summary_options(
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    only: OnlyOpt = None,
    fail_on: FailOnOpt = None,
    since: SinceOpt = None,
    owner: OwnerOpt = None,
    include_acknowledged: IncludeAckOpt = False,
    max_length: MaxLengthOpt = GITHUB_COMMENT_LIMIT,
    excel: ExcelOpt = False,
) -> None:
    """The options of summary, which run takes too (declared here once, see :func:`with_group`)."""


with_summary_options = with_group("summary", parameters(_summary_options))


def _report_options(summary: Values, documents: list[str] | None, config: str | None) -> ReportOptions:
    """The options of summary (and run) as the library takes them; bad values exit 2."""
    since, owner = summary["since"], summary["owner"]
    try:
        moment = parse_since(since) if since else None
    except ValueError as e:
        raise fail(str(e)) from None
    found = _settings(config)
    owner_name = None
    if owner is not None:
        known = found.owner(owner)
        if known is None:
            names = [o.name for o in found.owners]
            close = difflib.get_close_matches(owner, names, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"owners: {', '.join(names) or 'none defined'}"
            where = found.file or "the settings (there is no settings file)"
            raise fail(f"--owner {owner}: no such owner in {where} ({hint})")
        owner_name = known.name

    def owner_of(path: str) -> str | None:
        known = settings_file.owner_of(found.owners, path)
        return known.name if known else None

    return ReportOptions(
        only=_verdicts("--only", summary["only"]),
        documents=tuple(display_path(Path(d)) for d in documents) if documents is not None else None,
        since=moment,
        include_acknowledged=summary["include_acknowledged"],
        owner_of=owner_of if found.owners else None,
        owner=owner_name,
    )


def _summary(options: ReportOptions, summary: Values, fail_on: frozenset[Verdict] | None) -> ExitCode:
    """Build (or stream) and write the report; name what --fail-on matched; return the exit code."""
    if summary["fmt"].value in stream.STREAMED:
        return _summary_streamed(options, summary, fail_on)
    with open_store() as store:
        report = build_report(store, options)
    return _write_summary(report, summary, fail_on)


def _write_summary(report: Report, summary: Values, fail_on: frozenset[Verdict] | None) -> ExitCode:
    """Write the report built; name what --fail-on matched; return the exit code."""
    fmt, output, excel, max_length = (
        summary["fmt"],
        summary["output"],
        summary["excel"],
        summary["max_length"],
    )
    for path in report.unmatched_documents:
        err.print(f"linkcheck: {path}: {_not_a_document(path)}", markup=False)
    if output is None:
        text = render(
            report, fmt, color=out.is_terminal and not out.no_color, width=out.width, excel=excel,
            max_length=max_length,
        )  # fmt: skip
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            write_atomic(output, render(report, fmt, width=120, excel=excel, max_length=max_length))
        except OSError as e:
            raise fail(f"cannot write {output}: {e.strerror or e}") from None
    code = ExitCode.USAGE if report.unmatched_documents else ExitCode.OK
    matched = report.matching(str(v) for v in fail_on or ())
    return max(code, _fail_on_matched(len(matched), sorted({link.verdict for link in matched})))


def _summary_streamed(
    options: ReportOptions, summary: Values, fail_on: frozenset[Verdict] | None
) -> ExitCode:
    """:func:`_summary` for JSON, CSV and Markdown: written in chunks (memory bounded whatever the size)."""
    fmt, output = summary["fmt"], summary["output"]
    with open_store() as store:
        streamer = stream.Streamer(store, options)
        for path in streamer.unmatched_documents:
            err.print(f"linkcheck: {path}: {_not_a_document(path)}", markup=False)

        def write(f: IO[str]) -> None:
            stream.write(streamer, fmt.value, f, excel=summary["excel"], max_length=summary["max_length"])

        if output is None:
            write(sys.stdout)
            sys.stdout.flush()
        else:
            try:
                write_atomic_with(output, write)
            except OSError as e:
                raise fail(f"cannot write {output}: {e.strerror or e}") from None
    code = ExitCode.USAGE if streamer.unmatched_documents else ExitCode.OK
    count, verdicts = streamer.tally.matching({str(v) for v in fail_on or ()})
    return max(code, _fail_on_matched(count, verdicts))


def _fail_on_matched(count: int, verdicts: Sequence[str]) -> ExitCode:
    """Name how many reported links --fail-on matched; the exit code that earns (1, or 0)."""
    if not count:
        return ExitCode.OK
    names = verdict_names(verdicts)
    many = "1 link is" if count == 1 else f"{count} links are"
    err.print(f"linkcheck: {many} {names} (--fail-on)", markup=False)
    return ExitCode.FAIL_ON


@app.command("summary")
@with_summary_options
def summary_command(
    summary: Values = NO_VALUES,
    documents: SummaryDocumentOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Report every link with its verdict: table, json, csv, markdown, html, junit or github.

    Per document and line: which citation broke, since when, why, and what to cite instead
    (the archived copy nearest the accessed-on date, or a moved page's new address).
    Exit 1 when --fail-on matches a reported link.
    """
    fail_verdicts = _verdicts("--fail-on", summary["fail_on"])
    code = _summary(_report_options(summary, documents, config), summary, fail_verdicts)
    if code:
        raise typer.Exit(int(code))


# -- fix ----------------------------------------------------------------------------------------


class FixFormat(StrEnum):
    """What `linkcheck fix` writes."""

    DIFF = "diff"
    CSV = "csv"


FixPathsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Seeded documents, or folders holding them, to fix (default: every seeded document).",
        show_default=False,
    ),
]


@app.command("fix")
def fix_command(
    paths: FixPathsArg = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="VERDICT[,VERDICT...]",
            show_default=False,
            help="Fix only links with these verdicts: dead, moved, changed (default: all three).",
        ),
    ] = None,
    write: Annotated[
        bool,
        typer.Option(
            "--write/--diff",
            help="Edit the documents in place (each must be byte-identical to what was seeded), "
            "or print a unified diff for patch or git apply (the default).",
        ),
    ] = False,
    fmt: Annotated[
        FixFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="diff (a unified diff) or csv (one row per replacement to make: the fix of PDF and DOCX "
            "documents, which are never edited).",
        ),
    ] = FixFormat.DIFF,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            show_default=False,
            help="Write the diff or the CSV to FILE instead of standard output.",
        ),
    ] = None,
    bibtex_field: Annotated[
        str,
        typer.Option(
            "--bibtex-field",
            metavar="FIELD",
            help="BibTeX field for the archived copy: note (\\url and date, appended to a note) or another "
            "field that receives the URL alone.",
        ),
    ] = "note",
    ris_tag: Annotated[
        str,
        typer.Option("--ris-tag", metavar="TAG", help="RIS tag for the archived copy: N1 (a note) or LK."),
    ] = "N1",
    csl_field: Annotated[
        str,
        typer.Option(
            "--csl-field",
            metavar="FIELD",
            help="CSL-JSON field for the archived copy: note (appended) or another field that receives "
            "the URL alone.",
        ),
    ] = "note",
) -> None:
    """Write the fixes for confirmed problems into the documents: the archived copy nearest each
    citation's accessed-on date after a dead or changed link, a moved page's new address in place
    of its old one.

    Prints a unified diff to review and apply (patch -p1, git apply) unless --write edits the
    files in place. A document changed since it was seeded is refused (exit 2): seed it again.
    """
    from linkcheck import fix

    verdicts = _verdicts("--only", only) or fix.FIXABLE
    if not verdicts <= fix.FIXABLE:
        raise fail("--only: fix mends dead, moved and changed links only")
    if write and (output is not None or fmt is FixFormat.CSV):
        raise fail("--write edits the documents: it takes neither --output nor --format csv")
    if ris_tag.upper() not in ("N1", "LK"):
        raise fail(f"--ris-tag {ris_tag!r}: expected N1 or LK")
    for option, name in (("--bibtex-field", bibtex_field), ("--csl-field", csl_field)):
        if not re.fullmatch(r"[A-Za-z][\w-]*", name):
            raise fail(f"{option} {name!r}: not a field name")
    options = fix.FixOptions(verdicts, bibtex_field, ris_tag.upper(), csl_field)
    with open_store() as store:
        run = fix.fix_documents(store, [display_path(Path(p)) for p in paths] if paths else None, options)
    done = fix.deliver(run, write=write, as_csv=fmt is FixFormat.CSV)
    for message in done.messages:
        err.print(f"linkcheck: {message}", markup=False)
    if not write:
        try:
            if output is not None:
                fix.write_output(output, done.data)
            else:
                sys.stdout.flush()
                sys.stdout.buffer.write(done.data)
                sys.stdout.buffer.flush()
        except OSError as e:
            raise fail(f"cannot write {output}: {e.strerror or e}") from None
    err.print(done.summary, markup=False)
    if done.failed:
        raise typer.Exit(int(ExitCode.USAGE))


@app.command("run")
@with_summary_options
@with_check_options()
@with_seed_options
def run_command(
    ctx: typer.Context,
    paths: PathsArg,
    seed: Values = NO_VALUES,
    check: CheckValues = NO_VALUES,
    config: ConfigOpt = None,
    summary: Values = NO_VALUES,
) -> None:
    """Seed, then check, then summarise, in one command: the quick way for one file.

    Checks the links the given documents cite that are due (all links with --all, or those
    named by --url or --document), then reports on the links those documents cite (the
    --document ones when given), like summary.
    """
    options = _check_options(check, config, ctx)
    fail_verdicts = _verdicts("--fail-on", summary["fail_on"])
    report_options = _report_options(summary, check["document"], config)
    # A report on standard output in a machine format must be all there is on it.
    notes = err if summary["fmt"] is not Format.TABLE and summary["output"] is None else out
    checker = _Checker(notes)
    with open_store(writes=True) as store:
        result = run_pipeline(
            store, paths, options,
            # Without a selection, the quick way for one file: check what it cites, not the rest
            # of the database; and report on what it cites unless --document says otherwise.
            scope=Scope(seeded=True, selected=bool(check["all"] or check["url"] or check["document"])),
            report=report_options, build=False,  # summary's own: built whole, or streamed
            seeder=_seeder(**seed, notes=notes),
            checker=checker,
        )  # fmt: skip
    assert result.seed is not None  # there is always a path: typer requires one
    code: int = ExitCode.OK if result.check is None else checker.exit_code(result.check)
    if result.interrupted:
        raise typer.Exit(code)  # stopped: no report of a half-done check
    assert result.report_options is not None
    code = max(code, _summary(result.report_options, summary, fail_verdicts))
    if result.seed.errors or result.seed.problems():
        code = max(code, ExitCode.USAGE)
    if code:
        raise typer.Exit(int(code))


# -- ack, unack, note, config show ---------------------------------------------------------------

UrlArg = Annotated[
    str, typer.Argument(help="The link, as cited or in any equivalent form.", show_default=False)
]


def _link(store: Store, url: str) -> tuple[int, str, str]:
    found = workflow.link_id(store, url)
    if found is None:
        raise fail(f"{url}: not in the database (seed a document that cites it)")
    return found


@app.command("ack")
def ack_command(
    url: Annotated[
        str | None,
        typer.Argument(help="The link, as cited or in any equivalent form.", show_default=False),
    ] = None,
    for_: Annotated[
        str, typer.Option("--for", metavar="DURATION", help="How long it holds: 90d, 12w, 6h.")
    ] = ACK_FOR,
    note: Annotated[
        str | None,
        typer.Option("--note", metavar="TEXT", help="Why: shown in every report.", show_default=False),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="List the acknowledgements and whether each holds.")
    ] = False,
) -> None:
    """Mark a link reviewed: still checked, but not reported as a problem for a while.

    It holds until --for has passed or the link's verdict changes (a paywall that now says
    404 is news again). An acknowledged link is not counted by --fail-on and not listed by
    --only unless --include-acknowledged.
    """
    if list_:
        if url is not None:
            raise fail("ack --list takes no URL")
        with open_store() as store:
            found = workflow.acks(store)
        for a in found:
            why = f"; {a.note}" if a.note else ""
            out.print(f"{a.url}: {a.verdict} until {a.until} ({a.state()}){why}", markup=False)
        if not found:
            err.print("No acknowledged links.", markup=False)
        return
    if url is None:
        raise fail("ack: give the URL to acknowledge (or --list)")
    try:
        span = parse_duration(for_)
    except ValueError as e:
        raise fail(f"--for: {e}") from None
    until = dt.datetime.now(dt.UTC) + span
    with open_store() as store:
        link_id, stored, _ = _link(store, url)
        verdict = workflow.acknowledge(store, link_id, until, note)
    out.print(
        f"Acknowledged {stored} ({verdict}) until {until.strftime('%Y-%m-%dT%H:%M:%SZ')}, "
        "or until its verdict changes.",
        markup=False,
    )


@app.command("unack")
def unack_command(url: UrlArg) -> None:
    """Remove a link's acknowledgement: it is reported as a problem again if it is one."""
    with open_store() as store:
        link_id, stored, _ = _link(store, url)
        removed = workflow.unacknowledge(store, link_id)
    if not removed:
        raise fail(f"{url}: not acknowledged")
    out.print(f"{stored}: no longer acknowledged.", markup=False)


@app.command("note")
def note_command(
    url: UrlArg,
    text: Annotated[str, typer.Argument(help='The note; "" removes the link\'s note.', show_default=False)],
) -> None:
    """Attach a note to a link, shown in every report (without acknowledging it)."""
    with open_store() as store:
        link_id, stored, _ = _link(store, url)
        workflow.set_note(store, link_id, text)
    out.print(f"{stored}: {'note saved' if text.strip() else 'note removed'}.", markup=False)


@app.command("prune")
def prune_command(
    keep: Annotated[
        str,
        typer.Option(
            "--keep",
            metavar="DURATION",
            show_default=False,
            help="Keep every check younger than this (e.g. 90d, 26w); older ones go unless needed.",
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be deleted; change nothing.")
    ] = False,
    vacuum: Annotated[
        bool,
        typer.Option(
            "--vacuum", help="Then rewrite the file to give the space back (needs as much free disk again)."
        ),
    ] = False,
) -> None:
    """Delete old checks (opt-in retention): keeps every verdict change, each link's first and last
    check, the drift baselines and all checks younger than --keep; verdicts are unchanged."""
    from linkcheck.store.prune import prune

    try:
        span = parse_duration(keep)
    except ValueError as e:
        raise fail(f"--keep: {e}") from None
    with open_store(writes=not dry_run) as store:
        result = prune(store, span, dry_run=dry_run, vacuum=vacuum)
    verb = "Would delete" if dry_run else "Deleted"
    line = (
        f"{verb} {result.deleted:,} of {result.checks:,} checks "
        f"(of {result.old:,} started before {result.cutoff}, {result.kept_old:,} kept: verdict changes, "
        f"first and last checks, drift baselines)"
    )
    if not dry_run:
        line += (
            f" and {result.texts_deleted:,} main texts; data {result.bytes_before / 1e6:,.1f} MB -> "
            f"{result.bytes_after / 1e6:,.1f} MB"
        )
    out.print(line + ".", markup=False)


config_app = typer.Typer(
    name="config",
    help="The settings in force: linkcheck.toml, pyproject.toml, the environment.",
    no_args_is_help=True,
)
app.add_typer(config_app, name="config")


@config_app.command("show")
@with_check_options(selection=False)
def config_show_command(
    ctx: typer.Context,
    check: CheckValues = NO_VALUES,
    config: ConfigOpt = None,
) -> None:
    """Print the effective settings, as TOML, and where each came from.

    Takes the options of check: what `linkcheck check` would use with them. Sources, highest
    first: the command line, the environment, the settings file (linkcheck.toml, [tool.linkcheck]
    in pyproject.toml, or --config), .linkcheckignore for exclusions, the defaults.
    """
    found = _settings(config)
    try:
        eff = settings_file.effective(check, _given(ctx), found)
    except OptionError as e:
        raise fail(f"--{e.key.replace('_', '-')}: {e}") from None
    for line in settings_file.describe(eff, found):
        out.print(line, markup=False)


# -- schedule ---------------------------------------------------------------------------------

schedule_app = typer.Typer(
    name="schedule",
    help="Scheduled checks: run the jobs defined in schedules/*.toml, or list them.",
    invoke_without_command=True,
)
app.add_typer(schedule_app, name="schedule")


@schedule_app.callback()
def schedule_options(ctx: typer.Context) -> None:
    """Scheduled checks: run the jobs defined in schedules/*.toml, or list them."""
    _show_help(ctx)


SchedulesOpt = Annotated[
    str,
    typer.Option(
        "--schedules", metavar="DIR",
        help="Folder of schedule files (*.toml), one job each; paths in them are relative to the working "
        "directory.",
    ),
]  # fmt: skip


def _schedules(folder: str) -> list[ScheduleConfig]:
    """Every schedule in ``folder`` over the settings file, or exit 2 with one line per problem."""
    try:
        configs = load_schedules(folder)
    except ScheduleError as e:
        for line in e.problems:
            err.print(f"linkcheck: {line}", markup=False)
        raise typer.Exit(int(ExitCode.USAGE)) from None
    # The settings file (linkcheck.toml) is under every schedule, as under the command line.
    found = _settings(None)
    return [settings_file.apply_to_schedule(c, found) for c in configs]  # each part was checked


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
    open_store(writes=True).close()  # created, checked and migrated here: a bad database is one line, exit 2
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
        raise fail(str(e), e.exit_code) from None
    if result.status == "interrupted":
        raise typer.Exit(int(ExitCode.INTERRUPTED))
    if result.status == "outage":
        err.print(
            "linkcheck: the network seems unavailable: requests were sent and no host answered, "
            "so nothing was recorded as dead.",
            markup=False,
        )
        raise typer.Exit(int(ExitCode.NETWORK))
    if result.errors:
        raise typer.Exit(int(ExitCode.USAGE))


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
        last = "never run"
        if info.last_run:
            started, status, why = info.last_run
            # A failed or partial run says why: a report not written, news not delivered (yet).
            reason = f": {why}" if why and status in ("failed", "partial") else ""
            last = f"latest run {started} ({status}{reason})"
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
        # every other bad input, instead of a usage banner and a boxed message. (A group called
        # without a command shows its help and exits through typer.Exit: see _show_help.)
        code = getattr(e, "exit_code", int(ExitCode.USAGE))
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        ctx = getattr(e, "ctx", None)
        command = ctx.command_path.removeprefix("linkcheck").strip() if ctx is not None else ""
        err.print(f"linkcheck: {command + ': ' if command else ''}{message} (see --help)", markup=False)
        sys.exit(code)
    except KeyboardInterrupt:
        err.print("linkcheck: interrupted; what was stored so far is kept.", markup=False)
        sys.exit(int(ExitCode.INTERRUPTED))
    except LinkcheckError as e:
        # Named errors raised past a command's own handling: a component that failed mid-run.
        err.print(f"linkcheck: {e}", markup=False)
        sys.exit(int(e.exit_code))
    except ImportError as e:
        # A component imported late (a document format's reader, the scheduler) that is missing.
        err.print(f"linkcheck: {components.failure(e.name or 'a component', e)}", markup=False)
        sys.exit(int(ExitCode.ENVIRONMENT))
    except sqlite3.Error as e:
        # Raised by a query past opening: a damaged page (exit 2), a full or failing disk (exit 4).
        # Every finished transaction is kept; the one under way is rolled back by SQLite.
        failure = database_failure(state.db, e)
        err.print(f"linkcheck: {failure}", markup=False)
        sys.exit(int(failure.exit_code))
    except BrokenPipeError:
        # Output piped into a command that stopped reading (head): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    sys.exit(code if isinstance(code, int) else 0)
