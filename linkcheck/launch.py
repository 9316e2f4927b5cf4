"""The ``linkcheck`` command's entry point: the command line, or one line if it cannot even load.

The command line imports most of the tool (and the packages it needs) at start; a component
missing from the install would end in an ImportError traceback there. Here it is one line
naming the component and the fix, exit 4 (README.md, "Exit codes"), as for any other broken component.

A command that checks links has its content workers started here, first, so that they import
their parsers while this process imports the command line (linkcheck/check/worker.py, prestart),
and ends without the interpreter's teardown once the command is done (:func:`_exit_now`).
"""

from __future__ import annotations

import contextlib
import os
import sys

# Imports nothing but the standard library, so it loads when a dependency is missing.
from linkcheck.errors import ExitCode

CHECKING = frozenset({"check", "run"})
"""Commands that check links, with content workers."""


def command_of(argv: list[str]) -> str | None:
    """The command ``argv`` (the arguments after the program) names, read as the command line does:
    the first word that is neither an option before it nor ``--db``'s value. None for help."""
    words = iter(argv)
    for word in words:
        if word in ("--help", "--version", "-V"):
            return None
        if word == "--db":
            next(words, None)
        elif not word.startswith("-"):
            return None if "--help" in argv else word
    return None


def main() -> None:
    """Run the command line (linkcheck.cli.main)."""
    started = False
    if command_of(sys.argv[1:]) in CHECKING:
        # Standard library only, like this module: a broken install still ends in one line below.
        from linkcheck.check import pool, worker

        worker.prestart([worker.PAGE_SIGNALS] + [worker.MAIN_TEXT] * pool.text_workers())
        started = True
    try:
        try:
            from linkcheck.cli import main as cli_main
        except ImportError as e:
            from linkcheck.components import failure

            sys.stderr.write(f"linkcheck: {failure(e.name or 'linkcheck', e)}\n")
            sys.exit(int(ExitCode.ENVIRONMENT))
        if started:
            # This process does one check and exits: its imports are frozen for the collector
            # here, in the process's own entry point, never in a library call that a long-lived
            # process (the scheduler, a test run) makes again and again.
            from linkcheck import tuning

            tuning.for_one_run()
        cli_main()
    except SystemExit as done:
        if not started:
            raise
        worker.discard_spares()
        _exit_now(done.code)
    finally:
        if started:
            worker.discard_spares()


def _exit_now(code: object) -> None:
    """Exit with ``code`` (as SystemExit reads it) without tearing down the interpreter.

    A check's command has closed its database (every check committed, the WAL checkpointed)
    and its workers by then; what is left is freeing every object of a large heap one by one
    and unloading a few hundred modules, about 0.1 s of CPU for nothing. Output is flushed first.
    """
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        sys.stderr.write(f"{code}\n")
        status = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError):  # a reader that stopped early (| head)
            stream.flush()
    os._exit(status)
