"""Optional dependencies in one place: which install extra provides which package.

The core install (``pip install jakpath``) runs the numerical model, the knowledge base, the
ranking on the shipped evidence and the CLI. Everything else is an extra; code that needs one
calls :func:`require`, which imports the module or raises :class:`MissingExtraError` (an
``ImportError``; the CLI shows its message and exits 1) naming the extra to install::

    >>> from jakpath.extras import EXTRAS, require
    >>> require("math", "core").sqrt(4.0)
    2.0
    >>> sorted(EXTRAS)
    ['dask', 'db', 'export', 'fast', 'gpu', 'plot', 'sbml', 'web']
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

EXTRAS: dict[str, tuple[str, ...]] = {
    "web": ("fastapi", "fastapi_offline", "uvicorn", "jinja2", "plotly"),
    "db": ("sqlalchemy", "alembic", "psycopg"),
    "sbml": ("libsbml",),
    "plot": ("matplotlib",),
    "gpu": ("jax",),
    "dask": ("dask", "distributed"),
    "fast": ("numba",),
    "export": ("pyarrow",),
}
"""Install extra -> the importable modules it provides (pyproject's optional-dependencies)."""

DISTRIBUTION = {
    "fastapi_offline": "fastapi-offline",
    "libsbml": "python-libsbml",
    "psycopg": "psycopg[binary]",
    "sqlalchemy": "SQLAlchemy",
}
"""Module name -> pip distribution name, where the two differ."""


class MissingExtraError(ImportError):
    """An optional package is not installed; the message names the extra that provides it."""


def install_hint(extra: str) -> str:
    """The pip command that installs an extra (from a source checkout)."""
    return f"pip install 'jakpath[{extra}]'  (from a checkout: pip install -e '.[{extra}]')"


def available(module: str) -> bool:
    """True if ``module`` can be imported (without importing it when it is absent)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or poisoned in sys.modules
        return False


def require(module: str, extra: str, purpose: str | None = None) -> ModuleType:
    """Import and return ``module``, or raise :class:`MissingExtraError` naming ``extra``.

    Args:
        module: the module to import (``"sqlalchemy"``, ``"matplotlib.figure"``).
        extra: the install extra that provides it (a key of :data:`EXTRAS`), or ``"core"``.
        purpose: what needs it, for the message (default: the extra's name).
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        dist = DISTRIBUTION.get(top, top)
        what = purpose or f"the [{extra}] feature"
        raise MissingExtraError(
            f"{what} needs the '{dist}' package, which is not installed "
            f"(it comes with the [{extra}] extra): {install_hint(extra)}"
        ) from exc
