"""The ``linkcheck`` command's entry point: the command line, or one line if it cannot even load.

The command line imports most of the tool (and the packages it needs) at start; a component
missing from the install would end in an ImportError traceback there. Here it is one line
naming the component and the fix, exit 4 (CONTRACT.md), as for any other broken component.
"""

from __future__ import annotations

import sys

ENVIRONMENT = 4
"""The exit code when the tool itself cannot work (cli.Exit.ENVIRONMENT, which may not load)."""


def main() -> None:
    """Run the command line (linkcheck.cli.main)."""
    try:
        from linkcheck.cli import main as cli_main
    except ImportError as e:
        from linkcheck.components import failure

        sys.stderr.write(f"linkcheck: {failure(e.name or 'linkcheck', e)}\n")
        sys.exit(ENVIRONMENT)
    cli_main()
