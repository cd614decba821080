"""Where the evidence store lives: its URL and the user's data directory (standard library only).

Kept apart from :mod:`jakpath.evidence.store` so that code which only needs to know *which*
database is meant (the ranking cache's fingerprint, :mod:`jakpath.evidence.fingerprint`) does
not import SQLAlchemy.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATABASE_URL = "JAKPATH_DATABASE_URL"
"""Environment variable naming the database (a SQLAlchemy URL or a SQLite file path)."""

ENV_DATA_DIR = "JAKPATH_DATA_DIR"
"""Environment variable overriding the directory of the default SQLite file."""


def data_dir() -> Path:
    """The user's jakpath data directory (``$JAKPATH_DATA_DIR`` or XDG data home)."""
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "jakpath"


def default_url() -> str:
    """``$JAKPATH_DATABASE_URL``, else SQLite ``evidence.db`` in :func:`data_dir`."""
    return os.environ.get(ENV_DATABASE_URL) or f"sqlite:///{data_dir() / 'evidence.db'}"


def normalise_url(url: str) -> str:
    """A SQLAlchemy URL: file paths become SQLite URLs, PostgreSQL uses psycopg 3."""
    url = url.strip()
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
