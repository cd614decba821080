"""``python -m jakpath.cli``."""

from jakpath.cli.main import main

main()
