"""``python -m linkcheck``: the same as the ``linkcheck`` command."""

from linkcheck.launch import main

main()
