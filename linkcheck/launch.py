"""The ``linkcheck`` command's entry point: the command line, or one line if it cannot even load.

The command line imports most of the tool (and the packages it needs) at start; a component
missing from the install would end in an ImportError traceback there. Here it is one line
naming the component and the fix, exit 4 (README.md, "Exit codes"), as for any other broken component.
"""

from __future__ import annotations

import sys

# Imports nothing but the standard library, so it loads when a dependency is missing.
from linkcheck.errors import ExitCode


def main() -> None:
    """Run the command line (linkcheck.cli.main)."""
    try:
        from linkcheck.cli import main as cli_main
    except ImportError as e:
        from linkcheck.components import failure

        sys.stderr.write(f"linkcheck: {failure(e.name or 'linkcheck', e)}\n")
        sys.exit(int(ExitCode.ENVIRONMENT))
    cli_main()
