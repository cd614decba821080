"""``python -m jakpath``: the command-line interface."""

from jakpath.cli.main import main

main()
