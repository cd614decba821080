"""The evidence store: engine, migrations, knowledge-base seeding and adding records.

SQLite by default (``evidence.db`` in the user's data directory, WAL journal, every
transaction ``BEGIN IMMEDIATE`` so it is atomic and writers queue); PostgreSQL (or any
SQLAlchemy URL) when ``JAKPATH_DATABASE_URL`` or the ``url`` argument names one.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from jakpath.extras import require

require("sqlalchemy", "db", "The evidence store")

# ruff: noqa: E402
from sqlalchemy import Engine, create_engine, delete, event, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from jakpath.evidence.models import CaseRecord, StoreMeta
from jakpath.evidence.shipped import KB_ORIGIN_PREFIX, kb_records
from jakpath.evidence.urls import (  # noqa: F401  (part of this module's interface)
    ENV_DATA_DIR,
    ENV_DATABASE_URL,
    data_dir,
    default_url,
    normalise_url,
)
from jakpath.evidence.validate import (
    CaseInput,
    FieldProblem,
    InvalidRecordError,
    check_account,
    validate_record,
)
from jakpath.kb import KnowledgeBase, load_kb

ENV_USER = "JAKPATH_USER"
"""Environment variable overriding the account name recorded in ``added_by``."""

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
"""Prefix of the case ids of shipped records (``kb:case001``); reserved for them."""

_PG_LOCK_KEY = 7_243_011  # pg_advisory_xact_lock key serialising migrations and seeding


class StoreError(RuntimeError):
    """The store cannot be opened or used (unreachable server, failed migration, ...)."""


class DatabaseURLError(StoreError, ValueError):
    """The database URL is malformed or names a backend without an installed driver."""


class NotADatabaseError(StoreError, ValueError):
    """The file named as the store exists but is not a SQLite database (never overwritten)."""


SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file (sqlite.org/fileformat.html, 1.3)."""


def check_sqlite_file(url: str) -> None:
    """Raise :class:`NotADatabaseError` if ``url`` names a non-empty non-SQLite file.

    An empty or missing file becomes a new database; anything else that is not a SQLite
    database is refused, so a file given by mistake is never overwritten.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        return  # a malformed URL is reported by make_engine
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database).expanduser()
    if path.is_dir():
        raise NotADatabaseError(f"{path} is a directory, not a SQLite database file")
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
        if head != SQLITE_HEADER:
            raise NotADatabaseError(
                f"{path} is not a SQLite database ({path.stat().st_size} bytes without the "
                "SQLite header); give a database file, a new path, or a database URL"
            )


def current_account() -> str:
    """The account name recorded in ``added_by`` (``$JAKPATH_USER`` or the login name)."""
    name = os.environ.get(ENV_USER)
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name in some containers
            name = "unknown"
    return name


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    memory = parsed.database in (None, "", ":memory:")
    if not memory:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"timeout": 60, "check_same_thread": False},
        **({"poolclass": StaticPool} if memory else {}),
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # the driver stays out; we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (normalised), with SQLite set up for WAL and atomic DDL."""
    url = normalise_url(url)
    try:
        if make_url(url).get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseURLError(f"cannot use database URL {url!r}: {exc}") from exc
    except ImportError as exc:
        raise DatabaseURLError(f"no driver for database URL {url!r}: {exc}") from exc


def alembic_config(connection=None, url: str | None = None):
    """An Alembic config for the shipped migration scripts (and a connection or URL)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _lock(conn) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})


@functools.lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest shipped migration's revision id, read from the scripts without Alembic.

    None when the scripts do not form one plain chain (then :func:`migrate` always asks
    Alembic).
    """
    assign = re.compile(
        r"^(revision|down_revision)\s*(?::[^=]+)?=\s*(None|[\"'][^\"']+[\"'])", re.M
    )
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(m.groups() for m in assign.finditer(path.read_text()))
        if "revision" not in found:  # not a migration script (e.g. __init__.py)
            continue
        revisions.add(found["revision"].strip("\"'"))
        if found.get("down_revision", "None") != "None":
            parents.add(found["down_revision"].strip("\"'"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    """True when the database already carries the newest shipped revision."""
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except Exception:  # no version table yet (a new database): migrate
        return False
    return [r[0] for r in rows] == [head]


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest schema (Alembic ``upgrade head``), atomically.

    A database already at the newest revision is left as it is without importing Alembic
    (about 0.25 s of every command that reads the evidence).
    """
    if _at_head(engine):
        return
    from alembic import command

    with engine.begin() as conn:
        _lock(conn)
        command.upgrade(alembic_config(conn), "head")


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def record_row(record: CaseInput, *, origin: str, added_by: str | None, added_at: datetime):
    """The column values of one stored record."""
    row = asdict(record)
    row.update(
        content_hash=record.content_hash(),
        origin=origin,
        added_by=added_by,
        added_at=added_at,
    )
    return row


@dataclass(frozen=True)
class AddResult:
    """The outcome of adding one record: its case id, and False if it was already stored."""

    case_id: str
    added: bool


class EvidenceStore:
    """An open evidence store: an engine on a migrated database and the knowledge base.

    Use :func:`open_store` to get one.
    """

    def __init__(self, url: str, engine: Engine, kb: KnowledgeBase):
        self.url = url
        self.engine = engine
        self.kb = kb
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"EvidenceStore({make_url(self.url).render_as_string(hide_password=True)!r})"

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql`` (or another SQLAlchemy dialect name)."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self._sessions.begin() as session:
            yield session

    def count(self) -> int:
        """Number of stored records."""
        with self.transaction() as s:
            return s.scalar(select(func.count()).select_from(CaseRecord))

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------
    def seed_kb(self) -> int:
        """Load the knowledge base's ``cases.csv`` rows (idempotent); returns rows changed.

        Shipped rows get case ids ``kb:<case_id>`` and follow the knowledge base: new rows
        are added, changed rows updated and withdrawn rows removed when its version or its
        case records change (the marker is the version plus a hash of the records, so an edit
        of ``cases.csv`` without a version bump still reaches existing stores).
        """
        kb = self.kb
        key = "kb_seeded_version"
        records = kb_records(kb)
        digest = hashlib.sha256("".join(r.content_hash() for r in records).encode()).hexdigest()
        marker = f"{kb.version}+{digest[:16]}"
        with self.transaction() as s:
            _lock(s.connection())
            meta = s.get(StoreMeta, key)
            if meta is not None and meta.value == marker:
                return 0
            existing = {
                r.case_id: (r.content_hash, r.origin)
                for r in s.execute(
                    select(CaseRecord.case_id, CaseRecord.content_hash, CaseRecord.origin)
                )
            }
            hashes = {h for h, _ in existing.values()}
            now = datetime.now(UTC)
            changed = 0
            for rec in records:
                h = rec.content_hash()
                old = existing.get(rec.case_id)
                if old is None:
                    if h in hashes:
                        continue  # the same content was added by a user already
                    s.add(CaseRecord(**record_row(rec, origin="kb", added_by=None, added_at=now)))
                    changed += 1
                elif old[0] != h:
                    values = record_row(rec, origin="kb", added_by=None, added_at=now)
                    s.execute(
                        update(CaseRecord).where(CaseRecord.case_id == rec.case_id).values(**values)
                    )
                    changed += 1
            current = {r.case_id for r in records}
            gone = [c for c, (_, o) in existing.items() if o == "kb" and c not in current]
            if gone:
                s.execute(delete(CaseRecord).where(CaseRecord.case_id.in_(gone)))
                changed += len(gone)
            if meta is None:
                s.add(StoreMeta(key=key, value=marker))
            else:
                meta.value = marker
            return changed

    def add(self, data: Mapping | CaseInput, *, added_by: str | None = None) -> AddResult:
        """Validate and add one user record; a record already stored is not added again.

        Raises:
            InvalidRecordError: a field fails a check (unknown ids carry suggestions).
        """
        record = data if isinstance(data, CaseInput) else validate_record(data, self.kb)
        record = record.with_case_id()
        account = added_by or current_account()
        check_account(account)
        reserved_case_id(record.case_id)
        h = record.content_hash()
        with self.transaction() as s:
            same = s.scalar(select(CaseRecord.case_id).where(CaseRecord.content_hash == h))
            if same is not None:
                return AddResult(same, False)
            if s.scalar(select(CaseRecord.id).where(CaseRecord.case_id == record.case_id)):
                raise InvalidRecordError(
                    [FieldProblem("case_id", f"{record.case_id!r} is used by a different record")]
                )
            now = datetime.now(UTC)
            s.add(CaseRecord(**record_row(record, origin="user", added_by=account, added_at=now)))
        return AddResult(record.case_id, True)

    def add_many(
        self, items: list[Mapping | CaseInput], *, added_by: str | None = None
    ) -> list[AddResult]:
        """Validate and add several user records in one transaction: all of them or none.

        Every record is checked first (fields, reserved ``kb:`` ids, a ``case_id`` used by
        a different stored record or by another record of the batch); any problem means
        nothing is written. Records already stored (same content) are reported, not added.

        Raises:
            InvalidRecordError: the problems of every failing record, fields prefixed
                ``record <index>.``.
        """
        account = added_by or current_account()
        check_account(account)
        problems: list[FieldProblem] = []
        records: list[CaseInput | None] = []
        for i, data in enumerate(items):
            try:
                rec = data if isinstance(data, CaseInput) else validate_record(data, self.kb)
                rec = rec.with_case_id()
                reserved_case_id(rec.case_id)
            except InvalidRecordError as exc:
                problems += [FieldProblem(f"record {i}.{p.field}", p.message) for p in exc.problems]
                rec = None
            records.append(rec)
        results: list[AddResult] = []
        with self.transaction() as s:
            seen: dict[str, str] = {}  # content hash -> case id, within the batch
            ids: dict[str, int] = {}
            rows = []
            now = datetime.now(UTC)
            for i, rec in enumerate(records):
                if rec is None:
                    continue
                h = rec.content_hash()
                same = seen.get(h) or s.scalar(
                    select(CaseRecord.case_id).where(CaseRecord.content_hash == h)
                )
                if same is not None:
                    results.append(AddResult(same, False))
                    continue
                if rec.case_id in ids or s.scalar(
                    select(CaseRecord.id).where(CaseRecord.case_id == rec.case_id)
                ):
                    where = f"record {ids[rec.case_id]}" if rec.case_id in ids else "stored"
                    problems.append(
                        FieldProblem(
                            f"record {i}.case_id",
                            f"{rec.case_id!r} is used by a different record ({where})",
                        )
                    )
                    continue
                seen[h] = rec.case_id
                ids[rec.case_id] = i
                rows.append(record_row(rec, origin="user", added_by=account, added_at=now))
                results.append(AddResult(rec.case_id, True))
            if problems:
                raise InvalidRecordError(problems)  # rolls the transaction back: nothing written
            for row in rows:
                s.add(CaseRecord(**row))
        return results


def reserved_case_id(case_id: str) -> None:
    """Raise :class:`InvalidRecordError` if a user record takes a shipped record's id."""
    if case_id.lower().startswith(KB_ORIGIN_PREFIX):
        raise InvalidRecordError(
            [FieldProblem("case_id", f"{case_id!r}: ids starting 'kb:' are for shipped records")]
        )


def open_store(
    url: str | None = None, *, kb: KnowledgeBase | None = None, seed: bool = True
) -> EvidenceStore:
    """Open (creating and migrating if needed) the evidence store.

    Args:
        url: a SQLAlchemy URL (``sqlite:///path``, ``postgresql://user@host/db``) or a SQLite
            file path; default ``$JAKPATH_DATABASE_URL`` or ``evidence.db`` in the data dir.
        kb: the knowledge base (default: the shipped one).
        seed: load the knowledge base's case records if this version is not loaded yet.

    Raises:
        StoreError: the URL is unusable or the database cannot be reached.
    """
    from sqlalchemy.exc import DatabaseError

    url = normalise_url(url or default_url())
    check_sqlite_file(url)
    engine = make_engine(url)
    store = EvidenceStore(url, engine, kb or load_kb())
    try:
        migrate(engine)
        if seed:
            store.seed_kb()
    except DatabaseError as exc:  # unreachable, locked, or not a database after all
        engine.dispose()
        shown = make_url(url).render_as_string(hide_password=True)
        if "not a database" in str(exc.orig):
            raise NotADatabaseError(f"{shown} is not a SQLite database: {exc.orig}") from exc
        raise StoreError(f"cannot open evidence store {shown}: {exc.orig}") from exc
    return store


_DEFAULT: dict[str, EvidenceStore] = {}
_DEFAULT_LOCK = threading.Lock()


def default_store(url: str | None = None) -> EvidenceStore:
    """The store at ``url`` (default :func:`default_url`), opened once per process and URL."""
    url = normalise_url(url or default_url())
    with _DEFAULT_LOCK:
        if url not in _DEFAULT:
            _DEFAULT[url] = open_store(url)
        return _DEFAULT[url]


def resolve_store(store: EvidenceStore | str | None) -> EvidenceStore:
    """An open store from a store, a URL, or None (the default store)."""
    if isinstance(store, EvidenceStore):
        return store
    return default_store(store)
