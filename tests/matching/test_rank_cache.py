"""The disk cache of rankings and explanations: equal to a fresh computation, invalidated by
any change of the evidence store, bypassed for databases it cannot fingerprint."""

import importlib
import json
import os
import sqlite3
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from jakpath.cli.main import app
from jakpath.evidence.fingerprint import store_fingerprint
from jakpath.kb import cache, load_kb
from jakpath.matching import scoring

explain_module = importlib.import_module("jakpath.matching.explain")  # the function hides it
runner = CliRunner()
DISEASE = "dermatomyositis"
ADD_RUXOLITINIB = [
    "cases",
    "add",
    "--disease",
    "dermatomyositis",
    "--drug",
    "ruxolitinib",
    "--outcome",
    "complete",
    "--study-type",
    "case_report",
    "--n-patients",
    "1",
    "--source",
    "doe2024",
    "--pmid",
    "31234567",
    "--added-by",
    "alice",
]


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A fresh cache folder and a fresh default SQLite store (data dir) for this test."""
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)
    monkeypatch.setenv("JAKPATH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("JAKPATH_DATABASE_URL", raising=False)
    return tmp_path


def _entries(folder, kind):
    return sorted(p.name for p in (folder / "cache").glob(f"{kind}-*.pkl"))


def _fresh(monkeypatch, fn):
    with monkeypatch.context() as m:
        m.setenv(cache.NO_CACHE_ENV, "1")
        return fn()


def _row(df, drug):
    return df[df.drug == drug].iloc[0]


def test_cached_ranking_equals_a_fresh_one_and_is_not_recomputed(env, monkeypatch):
    kb = load_kb()
    first = scoring.rank(DISEASE, kb=kb)  # computes and stores
    assert len(_entries(env, "rank")) == 1

    def no_compute(*_a, **_k):
        raise AssertionError("recomputed although the cache holds this ranking")

    with monkeypatch.context() as m:
        m.setattr(scoring, "_rank", no_compute)
        cached = scoring.rank(DISEASE.upper(), kb=kb, include=[], regimens=[])
    fresh = _fresh(monkeypatch, lambda: scoring.rank(DISEASE, kb=kb))
    pd.testing.assert_frame_equal(cached, fresh)
    pd.testing.assert_frame_equal(first, fresh)
    assert cached.attrs == fresh.attrs
    # other arguments are other entries, not the cached one
    trough = scoring.rank(DISEASE, kb=kb, metric="trough", stability=False)
    pd.testing.assert_frame_equal(
        trough,
        _fresh(monkeypatch, lambda: scoring.rank(DISEASE, kb=kb, metric="trough", stability=False)),
    )
    assert len(_entries(env, "rank")) == 2


def test_cached_explanation_equals_a_fresh_one(env, monkeypatch):
    kb = load_kb()
    first = explain_module.explain(DISEASE, "tofacitinib", "5 mg bid", kb=kb)
    with monkeypatch.context() as m:
        m.setattr(explain_module, "_explain", lambda *a: pytest.fail("recomputed"))
        cached = explain_module.explain(DISEASE, "Xeljanz", "5 mg bid", kb=kb)
    fresh = _fresh(
        monkeypatch, lambda: explain_module.explain(DISEASE, "tofacitinib", "5 mg bid", kb=kb)
    )
    assert cached["text"] == fresh["text"] == first["text"]
    assert json.dumps(cached["sections"], default=float) == json.dumps(
        fresh["sections"], default=float
    )
    assert json.dumps(cached["row"], default=str) == json.dumps(fresh["row"], default=str)
    assert set(cached) == set(fresh)


def test_adding_a_user_record_shows_in_the_next_ranking(env):
    def ruxolitinib():
        r = runner.invoke(app, ["rank", DISEASE, "--format", "json"])
        assert r.exit_code == 0, r.output
        rows = json.loads(r.output)["rows"]
        return next(x for x in rows if x["drug"] == "ruxolitinib")

    before = ruxolitinib()
    assert (before["evidence_level"], before["evidence_records"]) == ("mechanism only", 0)
    assert ruxolitinib() == before  # from the cache
    r = runner.invoke(app, ADD_RUXOLITINIB)
    assert r.exit_code == 0, r.output
    after = ruxolitinib()
    # one case report of one patient: the level the design brief's hierarchy gives it
    assert (after["evidence_level"], after["evidence_records"], after["evidence_patients"]) == (
        "case report",
        1,
        1,
    )
    assert after["score"] > before["score"]
    assert len(_entries(env, "rank")) == 1  # the stale entry was replaced


def test_any_change_of_a_stored_record_changes_the_fingerprint(env):
    kb = load_kb()
    scoring.rank(DISEASE, kb=kb, stability=False)  # creates and seeds the default store
    db = env / "data" / "evidence.db"
    fp = store_fingerprint()
    assert fp is not None and fp == store_fingerprint(f"sqlite:///{db}") == store_fingerprint(
        str(db)
    )
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE evidence_cases SET note = 'edited by hand' WHERE id = 1")
    edited = store_fingerprint()
    assert edited != fp
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM evidence_cases WHERE id = 1")
    assert store_fingerprint() not in (fp, edited)


def test_databases_without_a_fingerprint_are_always_computed(env, monkeypatch):
    calls = []

    def evidence(kb, did, store):
        calls.append(store)
        return {}

    monkeypatch.setattr(scoring, "evidence_summary", evidence)
    url = "postgresql://nobody@127.0.0.1:1/none"
    assert store_fingerprint(url) is None and store_fingerprint("sqlite://") is None
    kb = load_kb()
    for _ in range(2):
        scoring.rank(DISEASE, kb=kb, store=url, stability=False)
    assert calls == [url, url]
    assert _entries(env, "rank") == []


def test_a_cached_cli_ranking_does_not_import_the_database_stack(env):
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from jakpath.cli.main import app\n"
        f"r = CliRunner().invoke(app, ['rank', '{DISEASE}', '--top', '3'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic'}))\n"
    )
    environ = dict(os.environ)
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True
        ).stdout.splitlines()[-1]
        for _ in range(2)
    ]
    assert "sqlalchemy" in runs[0]  # the first computes (opens the store) ...
    assert runs[1] == "[]"  # ... the second reads the cached ranking
