"""Fixtures: every store test runs against SQLite and against a real PostgreSQL server.

PostgreSQL comes from ``JAKPATH_TEST_PG_URL`` (``eval "$(.ci/postgres.sh)"`` starts one).
When it is unset the PostgreSQL variants FAIL under ``CI=true`` and are skipped elsewhere,
with a banner at the end of the run. Each PostgreSQL test gets its own schema.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from jakpath.evidence import open_store
from jakpath.evidence.store import normalise_url

PG_ENV = "JAKPATH_TEST_PG_URL"
BACKENDS = ("sqlite", "postgresql")
_SKIPPED_PG: list[str] = []


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def postgres_url(node_name: str, environ=os.environ) -> str:
    """The test server's URL; without one: fail under CI, else skip (and flag the banner)."""
    base = environ.get(PG_ENV)
    if base:
        return base
    message = (
        f"{PG_ENV} is not set: the PostgreSQL variant of {node_name} cannot run. "
        'Start a server with: eval "$(.ci/postgres.sh)"'
    )
    if environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        pytest.fail(message + " (CI=true: PostgreSQL tests are required)")
    _SKIPPED_PG.append(node_name)
    pytest.skip("NOT TESTED ON POSTGRESQL - " + message)


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A URL of an empty database: a SQLite file, or a fresh schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'evidence.db'}"
        return
    base = postgres_url(request.node.nodeid)
    base = normalise_url(base)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _with_search_path(base, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def store(db_url):
    """An open, migrated and seeded store on ``db_url``."""
    s = open_store(db_url)
    yield s
    s.close()


def pytest_terminal_summary(terminalreporter):
    """A loud banner when PostgreSQL variants were skipped."""
    if not _SKIPPED_PG:
        return
    tr = terminalreporter
    tr.write_sep("!", "POSTGRESQL NOT TESTED", red=True, bold=True)
    tr.write_line(
        f"{len(_SKIPPED_PG)} evidence-store test(s) were SKIPPED on PostgreSQL because "
        f"{PG_ENV} is unset. Under CI=true they fail instead. To run them:",
        red=True,
    )
    tr.write_line('    eval "$(.ci/postgres.sh)" && python3 -m pytest tests/evidence', red=True)
    tr.write_sep("!", red=True, bold=True)
