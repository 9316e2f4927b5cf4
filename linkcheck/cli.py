"""The command line: each command opens the database, calls one library function, prints.

Errors the library names are turned into one line on stderr and an exit code here,
and nowhere else (CONTRACT.md: 0 done, 1 --fail-on matched, 2 bad usage or an input
that could not be read, 3 the network was unavailable).
"""

from __future__ import annotations

import os
import sys
from enum import IntEnum
from typing import Annotated

import typer
from rich.console import Console

from linkcheck import __version__
from linkcheck.errors import LinkcheckError
from linkcheck.models import DateOrder, ExtractOptions
from linkcheck.seed import DEFAULT_MAX_BYTES, DocumentResult, SeedReport, seed
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


def _seed(
    paths: list[str], date_order: DateOrder, include_dois: bool, verbose: bool, max_size: int
) -> SeedReport:
    options = ExtractOptions(date_order=date_order, include_dois=include_dois)
    with open_store() as store:
        report = seed(
            store,
            paths,
            options,
            max_bytes=max_size,
            on_document=lambda r: _print_document(r, verbose),
        )
    out.print(report.summary_line(), markup=False)
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


@app.command("run")
def run_command(
    paths: PathsArg,
    date_order: DateOrderOpt = DateOrder.DMY,
    include_dois: DoisOpt = False,
    verbose: VerboseOpt = False,
    max_size: MaxSizeOpt = DEFAULT_MAX_BYTES,
) -> None:
    """Seed, then check, then summarise, in one command: the quick way for one file.

    Checking and the summary arrive with their own commands; for now this seeds.
    """
    report = _seed(paths, date_order, include_dois, verbose, max_size)
    if report.errors:
        raise typer.Exit(int(Exit.USAGE))


def main() -> None:
    """Entry point of the ``linkcheck`` script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("linkcheck: interrupted; what was stored so far is kept.", markup=False)
        sys.exit(130)
    except BrokenPipeError:
        # Output piped into a command that stopped reading (head): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
