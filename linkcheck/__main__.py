"""``python -m linkcheck``: the same as the ``linkcheck`` command."""

from linkcheck.cli import main

main()
