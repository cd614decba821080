"""``python -m jakpath``: the command-line interface."""

from jakpath.cli.main import main

if __name__ == "__main__":
    main()
