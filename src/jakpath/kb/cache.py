"""On-disk cache of tables derived from the knowledge base (once per data and code version).

A derived table (the potency map, for example) is a pure function of the knowledge-base files and
of the code that computes it. It is stored in the user cache folder under a key made of

* the data version (``data/VERSION``) and a SHA-256 of every file in the knowledge-base folder
  (names and bytes), so any edit of a CSV, even without a version bump, gives a new key;
* the jakpath version and a SHA-256 of every ``.py`` file of the installed ``jakpath`` package,
  so a code change (in any module, including ones the table depends on indirectly) gives a new
  key;
* the Python version and pickle protocol.

Folder: ``$JAKPATH_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/jakpath`` or ``~/.cache/jakpath``.
``JAKPATH_NO_CACHE=1`` (or ``JAKPATH_CACHE_DIR`` set to an empty string) turns the cache off.
A folder that cannot be read or written is not an error: the table is then simply computed.
Entries are pickles written by this package only (atomic rename, checked key); a damaged or
unreadable entry is recomputed and replaced.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

CACHE_ENV = "JAKPATH_CACHE_DIR"
"""Environment variable: the cache folder (empty string: no cache)."""

NO_CACHE_ENV = "JAKPATH_NO_CACHE"
"""Environment variable: any non-empty value other than ``0`` turns the cache off."""

_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def cache_dir() -> Path | None:
    """The folder derived tables are cached in, or ``None`` when caching is turned off."""
    if os.environ.get(NO_CACHE_ENV, "") not in ("", "0"):
        return None
    if CACHE_ENV in os.environ:
        value = os.environ[CACHE_ENV]
        return Path(value).expanduser() if value else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jakpath"


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over the jakpath version and the bytes of every ``.py`` file of the package."""
    from jakpath import __version__

    h = hashlib.sha256(f"jakpath {__version__}; python {sys.version_info[:2]}".encode())
    h.update(f"pickle {pickle.HIGHEST_PROTOCOL}".encode())
    for path in sorted(_PACKAGE_DIR.rglob("*.py")):
        h.update(str(path.relative_to(_PACKAGE_DIR)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=16)
def data_fingerprint(kb) -> str:
    """SHA-256 over the data version and every file (name and bytes) of a knowledge base's folder.

    Cached per knowledge-base object (a knowledge base is loaded once per folder and process, and
    a new load hashes its files again).
    """
    h = hashlib.sha256(f"data {kb.version}".encode())
    for path in sorted(p for p in Path(kb.data_dir).iterdir() if p.is_file()):
        h.update(path.name.encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def cache_key(kb, name: str, extra: str = "") -> str:
    """The file name of table ``name`` for this knowledge base, this code and ``extra``."""
    h = hashlib.sha256()
    h.update(data_fingerprint(kb).encode())
    h.update(code_fingerprint().encode())
    if extra:
        h.update(b"\0extra " + extra.encode())
    return f"{name}-{h.hexdigest()[:32]}.pkl"


def _read(path: Path, key: str):
    with open(path, "rb") as f:
        stored_key, value = pickle.load(f)
    if stored_key != key:
        raise ValueError("cache key mismatch")
    return value


def _write(folder: Path, name: str, key: str, value) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump((key, value), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / key)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    for old in folder.glob(f"{name}-*.pkl"):  # entries of older data or code versions
        if old.name != key:
            try:
                old.unlink()
            except OSError:
                pass


MISSING = object()
"""What :func:`lookup` returns when nothing is cached (``None`` can be a cached value)."""


def lookup(kb, name: str, *, extra: str = ""):
    """The cached value of table ``name`` for this data, code and ``extra``, else ``MISSING``.

    ``MISSING`` also when caching is off or the entry is unreadable (it is then recomputed).
    """
    folder = cache_dir()
    if folder is None:
        return MISSING
    try:
        key = cache_key(kb, name, extra)
        return _read(folder / key, key)
    except Exception:  # missing, unreadable, damaged or foreign
        return MISSING


def put(kb, name: str, value, *, extra: str = "", keep: tuple[str, int] | None = None) -> None:
    """Store ``value`` as table ``name`` for this data, code and ``extra``.

    Quietly nothing where caching is off or the folder cannot be written. ``keep=(prefix, n)``
    then removes the oldest entries whose names start with ``prefix`` beyond the newest ``n``
    (for results cached per argument, e.g. one ranking per disease and patient).
    """
    folder = cache_dir()
    if folder is None:
        return
    try:
        _write(folder, name, cache_key(kb, name, extra), value)
    except OSError:  # read-only or full disk: the answer is still right, only not reused
        return
    if keep is not None:
        _prune(folder, *keep)


def _prune(folder: Path, prefix: str, n: int) -> None:
    entries = []
    for path in folder.glob(f"{prefix}*.pkl"):
        try:
            entries.append((path.stat().st_mtime, path))
        except OSError:  # removed meanwhile by another process
            pass
    for _, path in sorted(entries, reverse=True)[n:]:
        try:
            path.unlink()
        except OSError:
            pass


def derived(kb, name: str, compute: Callable[[], T], *, extra: str = "") -> T:
    """``compute()``, read from the disk cache when this data and code computed it before.

    Args:
        kb: the knowledge base the table is derived from (its folder and version form the key).
        name: the table's name (a file-name stem).
        compute: builds the table; its result must pickle.
        extra: more the table depends on, as text (e.g. a fingerprint of the evidence store's
            content): part of the key. Entries of the same ``name`` under other keys are
            removed when a new one is written, so a name holds one entry.
    """
    value = lookup(kb, name, extra=extra)
    if value is not MISSING:
        return value
    value = compute()
    put(kb, name, value, extra=extra)
    return value
