"""The store on SQLite and PostgreSQL: migrations, seeding, adding, queries, evidence levels."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from jakpath import evidence
from jakpath.evidence.levels import EVIDENCE_LEVELS, evidence_levels
from jakpath.evidence.models import Base, CaseRecord, StoreMeta
from jakpath.evidence.store import alembic_config, default_url, make_engine, normalise_url
from jakpath.kb import UnknownNameError, load_kb
from jakpath.matching.evidence_level import evidence_summary

KB = load_kb()
NEW = {
    "disease_id": "morphea",
    "drug_id": "baricitinib",
    "regimen_text": "4 mg once daily",
    "dose_mg": 4,
    "interval_h": 24,
    "n_patients": 3,
    "outcome": "partial",
    "outcome_text": "softening of plaques in all three",
    "study_type": "case_series",
    "source_ids": "doe2024",
    "doi": "10.1000/example.1",
}


# -- schema and migrations -------------------------------------------------------------------
def test_alembic_upgrade_head_creates_exactly_the_models_schema(db_url):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == []
    assert tables == {"evidence_cases", "evidence_meta", "alembic_version"}


def test_alembic_command_line_upgrade_head_then_downgrade_and_upgrade(db_url, tmp_path):
    ini = tmp_path / "alembic.ini"
    location = alembic_config().get_main_option("script_location")
    url = db_url.replace("%", "%%")
    ini.write_text(f"[alembic]\nscript_location = {location}\nsqlalchemy.url = {url}\n")
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ini), "upgrade", "head"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


def test_sqlite_store_uses_wal_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("JAKPATH_DATABASE_URL", raising=False)
    monkeypatch.setenv("JAKPATH_DATA_DIR", str(tmp_path / "data"))
    assert default_url() == f"sqlite:///{tmp_path / 'data' / 'evidence.db'}"
    store = evidence.open_store()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()
    assert (tmp_path / "data" / "evidence.db").exists()
    monkeypatch.setenv("JAKPATH_DATABASE_URL", "postgresql://u@h/db")
    assert default_url() == "postgresql://u@h/db"
    assert normalise_url(default_url()) == "postgresql+psycopg://u@h/db"


def test_a_malformed_url_is_a_clear_error():
    with pytest.raises(evidence.StoreError, match="cannot use database URL"):
        evidence.open_store("nosuchdialect://x/y")


# -- shipped records ----------------------------------------------------------------------------
def test_shipped_records_are_loaded_once(db_url):
    first = evidence.open_store(db_url)
    assert first.count() == len(KB.cases)
    first.close()
    again = evidence.open_store(db_url)
    assert again.count() == len(KB.cases)
    df = evidence.list_cases(origin="kb", store=again)
    assert sorted(df.case_id) == sorted("kb:" + KB.cases.case_id)
    row = df.set_index("case_id").loc["kb:case005"]  # beckett2024 has a DOI and a PMID
    assert (row.doi, row.pmid) == ("10.1136/rmdopen-2023-003837", "38242552")
    assert df.added_by.isna().all()
    again.close()


def test_shipped_records_follow_the_kb_version(store):
    with store.transaction() as s:
        s.execute(CaseRecord.__table__.delete().where(CaseRecord.case_id == "kb:case001"))
        s.get(StoreMeta, "kb_seeded_version").value = "older"
    assert store.count() == len(KB.cases) - 1
    assert store.seed_kb() == 1
    assert store.count() == len(KB.cases)
    assert store.seed_kb() == 0


# -- adding -----------------------------------------------------------------------------------
def test_added_records_carry_account_and_utc_time(store):
    before = datetime.now(UTC)
    result = evidence.add_case(NEW, store, added_by="alice")
    assert result.added and result.case_id.startswith("u-")
    row = evidence.list_cases(origin="user", store=store).iloc[0]
    assert row.added_by == "alice"
    assert row.added_at.tzinfo is not None
    assert before - timedelta(seconds=1) <= row.added_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert (row.disease_id, row.drug_id, row.dose_mg, row.n_patients) == (
        "morphea",
        "baricitinib",
        4.0,
        3.0,
    )


def test_adding_the_same_content_twice_adds_one_record(store):
    first = evidence.add_case(NEW, store, added_by="alice")
    second = evidence.add_case({**NEW, "case_id": "mine-1"}, store, added_by="bob")
    assert (second.case_id, second.added) == (first.case_id, False)
    assert store.count() == len(KB.cases) + 1


def test_case_id_conflicts_and_reserved_ids_are_refused(store):
    evidence.add_case({**NEW, "case_id": "mine-1"}, store, added_by="alice")
    with pytest.raises(evidence.InvalidRecordError, match="used by a different record"):
        evidence.add_case({**NEW, "case_id": "mine-1", "n_patients": 9}, store, added_by="a")
    with pytest.raises(evidence.InvalidRecordError, match="shipped records"):
        evidence.add_case({**NEW, "case_id": "kb:case999"}, store, added_by="alice")
    assert store.count() == len(KB.cases) + 1


@pytest.mark.parametrize("account", ["jane@example.org", "a/b", "12345678", "a b"])
def test_added_by_must_be_an_account_name(store, account):
    with pytest.raises(evidence.InvalidRecordError, match="added_by"):
        evidence.add_case(NEW, store, added_by=account)
    assert store.count() == len(KB.cases)


def test_the_database_refuses_impossible_values_even_past_the_checks(store):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), store.transaction() as s:
        s.execute(
            text(
                "INSERT INTO evidence_cases (case_id, content_hash, origin, disease_id, drug_id,"
                " outcome, study_type, source_ids, added_by, added_at, n_patients) VALUES"
                " ('x', 'h', 'user', 'd', 'x', 'partial', 'cohort', 's', 'a', :t, -1)"
            ),
            {"t": datetime.now(UTC)},
        )
    assert store.count() == len(KB.cases)


# -- queries ------------------------------------------------------------------------------------
def test_list_cases_filters_by_disease_drug_study_type_and_outcome(store):
    evidence.add_case(NEW, store, added_by="alice")
    dm = evidence.list_cases(disease="Dermatomyositis", store=store)
    assert set(dm.disease_id) == {"dermatomyositis"}
    assert len(dm) == (KB.cases.disease_id == "dermatomyositis").sum()
    upa = evidence.list_cases(drug="Rinvoq", store=store)
    # a record naming several drugs ("upadacitinib or tofacitinib") matches each of them
    names_upa = KB.cases.drug_id.str.split(";").apply(lambda ds: "upadacitinib" in ds)
    assert len(upa) == names_upa.sum() > (KB.cases.drug_id == "upadacitinib").sum()
    rct = evidence.list_cases(study_type="randomised_trial", store=store)
    assert len(rct) == (KB.cases.study_type == "randomised_trial").sum()
    complete = evidence.list_cases(outcome="complete", store=store)
    assert set(complete.outcome) == {"complete"}
    both = evidence.list_cases(disease="morphea", drug="baricitinib", store=store)
    assert list(both.origin) == ["user"]
    assert list(dm.columns) == list(evidence.OUTPUT_FIELDS)


def test_list_cases_rejects_unknown_names_and_categories(store):
    with pytest.raises(UnknownNameError) as err:
        evidence.list_cases(drug="tofacitnib", store=store)
    assert "Tofacitinib" in err.value.suggestions
    with pytest.raises(ValueError, match="one of"):
        evidence.list_cases(study_type="anecdote", store=store)


def kb_levels(disease_id):
    """Evidence levels computed straight from the knowledge base's shipped tables."""
    return evidence_levels(
        KB.approvals[KB.approvals.disease_id == disease_id],
        KB.cases[KB.cases.disease_id == disease_id],
    )


def test_evidence_counts_match_the_ranking_format_for_every_disease(store):
    for disease_id in KB.diseases.disease_id:
        assert evidence.evidence_counts(disease_id, store) == kb_levels(disease_id)
        # the ranking counts systemic use only (a cream's approval or trials say nothing about
        # a tablet): never more records than the registry, never a level it does not support
        # ... except the placebo-controlled trials of trial_outcomes.csv (RULES.md section 5),
        # which may add their trials and raise the level to "randomised trial"
        ranking = evidence_summary(KB, disease_id, store)
        registry = kb_levels(disease_id)
        t = KB.trial_outcomes[KB.trial_outcomes.disease_id == disease_id]
        for drug, entry in ranking.items():
            trials = t[t.drug_id == drug].trial.nunique()
            registered = registry.get(drug, {}).get("evidence_records", 0)
            assert entry["evidence_records"] <= registered + trials
            floor = registry.get(drug, {"evidence_level": "mechanism only"})["evidence_level"]
            if trials and EVIDENCE_LEVELS.index(floor) > EVIDENCE_LEVELS.index("randomised trial"):
                floor = "randomised trial"
            assert EVIDENCE_LEVELS.index(entry["evidence_level"]) >= EVIDENCE_LEVELS.index(floor)


def test_evidence_counts_include_user_records(store):
    evidence.add_case(
        {**NEW, "study_type": "randomised_trial", "n_patients": 40}, store, added_by="alice"
    )
    counts = evidence.evidence_counts("morphea", store)
    assert counts["baricitinib"]["evidence_level"] == "randomised trial"
    assert counts["baricitinib"]["evidence_records"] == 1
    assert "40 patient(s)" in counts["baricitinib"]["evidence_detail"]
    assert counts["tofacitinib"] == kb_levels("morphea")["tofacitinib"]


def test_summary_counts_responders_with_exact_intervals(store):
    # morphea + tofacitinib in the KB: complete (n=1), partial (n=1), partial (n=2)
    evidence.add_case(
        {**NEW, "drug_id": "tofacitinib", "outcome": "none", "n_patients": 2},
        store,
        added_by="alice",
    )
    evidence.add_case(
        {**NEW, "drug_id": "tofacitinib", "outcome": "not_reported", "n_patients": 7},
        store,
        added_by="alice",
    )
    df = evidence.summary("morphea", store).set_index("drug_id")
    tofa = df.loc["tofacitinib"]
    assert (tofa.records, tofa.patients, tofa.evaluable_patients) == (5, 13, 6)
    assert (tofa.responders, tofa.complete_responders) == (4, 1)
    assert tofa.response_fraction == pytest.approx(4 / 6)
    assert (tofa.response_ci_low, tofa.response_ci_high) == pytest.approx(
        evidence.clopper_pearson(4, 6)
    )
    assert df.attrs["disease_id"] == "morphea"


def test_clopper_pearson_matches_the_beta_quantiles():
    from scipy.stats import beta

    low, high = evidence.clopper_pearson(4, 6, 0.95)
    assert low == pytest.approx(beta.ppf(0.025, 4, 3))
    assert high == pytest.approx(beta.ppf(0.975, 5, 2))
    assert evidence.clopper_pearson(0, 5)[0] == 0.0
    assert evidence.clopper_pearson(5, 5)[1] == 1.0
    assert all(x != x for x in evidence.clopper_pearson(0, 0))


def test_store_reads_only_committed_rows(store):
    with pytest.raises(RuntimeError), store.transaction() as s:
        s.add(
            CaseRecord(
                case_id="tmp",
                content_hash="h",
                origin="user",
                disease_id="morphea",
                drug_id="baricitinib",
                outcome="partial",
                study_type="cohort",
                source_ids="s",
                added_by="a",
                added_at=datetime.now(UTC),
            )
        )
        s.flush()
        raise RuntimeError("abort")
    with store.transaction() as s:
        assert s.scalar(select(CaseRecord.id).where(CaseRecord.case_id == "tmp")) is None


def test_clopper_pearson_equals_scipy_binomtest_exact_interval():
    # an independent implementation: SciPy's exact binomial test interval
    from scipy import stats

    from jakpath.evidence import clopper_pearson

    cases = [(k, n) for n in (1, 2, 5, 13, 40) for k in range(n + 1)]
    cases += [(0, 1000), (1, 1000), (333, 1000), (999, 1000), (4000, 20000)]
    for k, n in cases:
        for level in (0.9, 0.95, 0.99):
            ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
            low, high = clopper_pearson(k, n, level)
            assert low == pytest.approx(ci.low, abs=1e-11)
            assert high == pytest.approx(ci.high, abs=1e-11)
