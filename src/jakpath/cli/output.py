"""Shared CLI output: tables (rich), JSON and CSV; errors with exit code 2."""

from __future__ import annotations

import functools
import json
import math
import re
import sys
from enum import StrEnum

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jakpath.formats import csv_text, json_records, json_safe
from jakpath.notice import DISCLAIMER

console = Console(width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True)


class Backend(StrEnum):
    """Population backends (the built-in ones of ``jakpath.population.backends.BACKENDS``)."""

    numpy = "numpy"
    jax = "jax"
    cupy = "cupy"
    dask = "dask"


_LIST_COMMA = re.compile(r",(?![^()]*\))")
"""A comma that separates list items (not one inside parentheses)."""


def split_names(values: list[str] | None) -> list[str] | None:
    """Repeated and comma-separated option values as one list (``None`` when none given).

    Commas inside parentheses are part of a name (``Interleukin-36 (alpha, beta, gamma)``).

    >>> split_names(["IL-2, IL6", "IFNG"])
    ['IL-2', 'IL6', 'IFNG']
    >>> split_names(["Interleukin-36 (alpha, beta, gamma),IL6"])
    ['Interleukin-36 (alpha, beta, gamma)', 'IL6']
    >>> split_names([]) is None
    True
    """
    parts = (v.strip() for value in values or () for v in _LIST_COMMA.split(value))
    out = [v for v in parts if v]
    return out or None


class Format(StrEnum):
    """Output formats of data commands."""

    table = "table"
    json = "json"
    csv = "csv"


def handles_errors(func):
    """Known failures become a message and an exit code instead of a traceback.

    Exit 2 for bad input (unknown names with suggestions, impossible regimens, missing data,
    unreadable or unwritable paths); exit 1 for a knowledge base that does not validate or an
    optional package that is not installed.
    """
    from jakpath.kb import KnowledgeBaseError

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KnowledgeBaseError as exc:  # a ValueError, but the data's fault: exit 1
            fail(escape(str(exc)), code=1)
        except ImportError as exc:
            fail(escape(str(exc)), code=1)
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            fail(escape(f"cannot access{where}: {exc.strerror or exc}"))
        except (LookupError, ValueError) as exc:
            fail(escape(str(exc)))
        except OverflowError as exc:  # a number too large for a float, from any input
            fail(escape(f"number too large: {exc}"))
        except RecursionError:
            fail("input nested too deeply to read")

    return wrapper


def warn(messages: list[str]) -> None:
    """Print each warning (e.g. an unusual regimen's flags) to stderr; output is unchanged."""
    for message in messages:
        err_console.print(f"[bold yellow]warning:[/] {escape(message)}", highlight=False)


def fail(message: str, code: int = 2) -> None:
    """Print an error and exit with ``code`` (2: bad input)."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def emit(
    df: pd.DataFrame,
    fmt: Format,
    title: str = "",
    version: str = "",
    float_fmt: str = "{:.4g}",
    max_width: int | None = 60,
    extra: dict | None = None,
) -> None:
    """Write a DataFrame as a rich table, JSON records or CSV to stdout.

    ``extra`` adds top-level keys to the JSON object (e.g. a study's summary). CSV carries the
    data version in a ``data_version`` column and floats to six significant digits
    (``jakpath.formats``); JSON keeps full precision.
    """
    if fmt == Format.json:
        doc = {"data_version": version, **(extra or {}), "rows": json_records(df)}
        json.dump(json_safe(doc), sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
        return
    if fmt == Format.csv:  # readable without options: the data version is a column
        sys.stdout.write(csv_text(df, version or None))
        return
    table = Table(title=title or None, show_lines=False)
    for col in df.columns:
        table.add_column(str(col), overflow="fold", max_width=max_width)
    for row in df.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append("" if math.isnan(v) else float_fmt.format(v))
            else:
                cells.append("" if v is None else str(v))
        table.add_row(*cells)
    console.print(table)
    if version:
        console.print(f"[dim]data version {version} - {DISCLAIMER}[/]", highlight=False)
