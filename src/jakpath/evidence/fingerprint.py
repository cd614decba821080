"""A fingerprint of an evidence store's content, read with the standard library only.

The ranking and its explanation are cached on disk (:mod:`jakpath.kb.cache`) under the data and
code versions *and* this fingerprint, so any record added, changed or removed (by jakpath or by
hand) gives a new key. It is a SHA-256 over every row and column of the record table, the
store's key-value table (the seeded knowledge-base version) and the schema revision, in id
order, read from the SQLite file with :mod:`sqlite3` (no SQLAlchemy import: a cache hit answers
without it). Other databases (PostgreSQL), an in-memory database, a URL with options, or a file
that is missing or not yet migrated have no fingerprint (``None``): their callers compute.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from urllib.parse import quote

from jakpath.evidence.urls import default_url, normalise_url

FINGERPRINT_TABLES = {
    "evidence_cases": "id",
    "evidence_meta": "key",
    "alembic_version": "version_num",
}
"""The tables hashed (every column), each with the column it is read in order of."""

SQLITE_PREFIX = "sqlite:///"


def sqlite_path(store=None) -> Path | None:
    """The SQLite file of a store (an open store, a URL or None: the default), else None."""
    url = getattr(store, "url", store) if store is not None else default_url()
    if not isinstance(url, str):
        return None
    url = normalise_url(url)
    if not url.startswith(SQLITE_PREFIX) or "?" in url:
        return None  # another database, a driver variant (sqlite+pysqlite://) or options
    path = url[len(SQLITE_PREFIX) :]
    if path in ("", ":memory:"):
        return None
    return Path(path).expanduser()


def store_fingerprint(store=None) -> str | None:
    """SHA-256 of a SQLite store's content, or None where there is none to read (see above)."""
    path = sqlite_path(store)
    if path is None or not path.is_file():
        return None
    h = hashlib.sha256()
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=60)
    except sqlite3.Error:
        return None
    try:
        for table, order in FINGERPRINT_TABLES.items():
            # table and column names are the constants above, never input
            cur = conn.execute(f"SELECT * FROM {table} ORDER BY {order}")
            h.update(f"\0table {table}: {[d[0] for d in cur.description]}\n".encode())
            for row in cur:
                h.update(repr(row).encode())
                h.update(b"\n")
    except sqlite3.Error:  # not migrated yet, locked past the timeout, not a database
        return None
    finally:
        conn.close()
    return h.hexdigest()
