"""The shipped evidence base: corrections, responder coding, pooled outcomes, map, migration.

Expected values come from the sources' own words (the seed text, the Zeiser 2015 and Ding 2021
abstracts), not from the code's output.
"""

import json

import pytest
from alembic import command
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from jakpath import evidence
from jakpath.cli.cases import app
from jakpath.evidence.store import alembic_config, make_engine
from jakpath.evidence.validate import validate_record
from jakpath.kb import load_kb

KB = load_kb()
CASES = KB.cases.set_index("case_id")
runner = CliRunner()

BASE = {
    "disease_id": "vitiligo",
    "drug_id": "tofacitinib",
    "study_type": "case_series",
    "source_ids": "doe2024",
    "doi": "10.1000/example.2",
}


def _drugs(drug_id: str) -> set[str]:
    return set(drug_id.split(";"))


# -- corrections ---------------------------------------------------------------------------
def test_seed_dermatomyositis_cases_name_both_drugs_as_the_seed_text_does():
    seed = KB.cases[KB.cases.source_ids.str.contains("agarwal2023")]
    dm = seed[seed.disease_id == "dermatomyositis"]
    # the seed says its patients were treated "with upadacitinib or tofacitinib"
    assert len(dm) == 1
    row = dm.iloc[0]
    assert _drugs(row.drug_id) == {"upadacitinib", "tofacitinib"}
    assert int(row.n_patients) == 3
    assert set(seed.disease_id) >= {
        "dermatomyositis",
        "hidradenitis_suppurativa",
        "cutaneous_lupus",
        "cutaneous_crohns",
    }


def test_seed_case_is_listed_as_upadacitinib_or_tofacitinib(tmp_path):
    r = runner.invoke(
        app,
        [
            "list",
            "--disease",
            "dermatomyositis",
            "--format",
            "json",
            "--db",
            str(tmp_path / "e.db"),
        ],
    )
    assert r.exit_code == 0, r.output
    rows = {x["case_id"]: x for x in json.loads(r.output)["rows"]}
    assert rows["kb:case001"]["drug"] == "upadacitinib or tofacitinib"
    assert rows["kb:case001"]["responders"] != "not reported"


def test_zeiser_2015_is_two_records_with_the_published_response_rates():
    z = KB.cases[KB.cases.source_ids == "zeiser2015"].set_index("disease_id")
    assert set(z.index) == {"gvhd_acute", "gvhd_chronic"}
    acute, chronic = z.loc["gvhd_acute"], z.loc["gvhd_chronic"]
    assert (int(acute.n_patients), int(chronic.n_patients)) == (54, 41)
    # abstract: aGVHD ORR 81.5%, CR 46.3%; cGVHD ORR 85.4%
    responders = int(acute.n_complete) + int(acute.n_partial)
    assert responders / 54 == pytest.approx(0.815, abs=0.005)
    assert int(acute.n_complete) / 54 == pytest.approx(0.463, abs=0.005)
    assert (int(chronic.n_complete) + int(chronic.n_partial)) / 41 == pytest.approx(
        0.854, abs=0.005
    )
    for r in (acute, chronic):
        assert int(r.n_complete) + int(r.n_partial) + int(r.n_none) == int(r.n_patients)


def test_pooled_juvenile_dm_outcome_is_one_record_naming_both_drugs():
    ding = KB.cases[KB.cases.source_ids == "ding2021_jdm_jaki"]
    assert len(ding) == 1 and "case010" not in CASES.index
    row = ding.iloc[0]
    assert _drugs(row.drug_id) == {"tofacitinib", "ruxolitinib"}
    # letter: 24/25 had rash, all 24 improved, 16/24 complete resolution
    assert (int(row.n_complete), int(row.n_partial), int(row.n_none)) == (16, 8, 0)
    assert int(row.n_patients) == 25


def test_summary_never_counts_a_pooled_outcome_twice(store):
    df = evidence.summary("dermatomyositis", store).set_index("drug_id")
    pooled = df.loc["tofacitinib;ruxolitinib"]
    assert (pooled.complete_responders, pooled.evaluable_patients) == (16, 24)
    # the pooled 16 complete responders are in no single-drug row
    dm = KB.cases[KB.cases.disease_id == "dermatomyositis"]
    tofa_only = dm[dm.drug_id == "tofacitinib"]
    assert df.loc["tofacitinib"].complete_responders == int(tofa_only.n_complete.fillna(0).sum())
    assert "ruxolitinib" not in set(dm.drug_id)  # ruxolitinib only appears in the pooled row
    # every counted patient of the disease appears in exactly one row
    counted = dm[["n_complete", "n_partial", "n_none"]].fillna(0).to_numpy().sum()
    assert df.evaluable_patients.sum() == counted


def test_a_mixed_series_without_counts_is_not_read_as_non_responders(store):
    before = evidence.summary("vitiligo", store).set_index("drug_id").loc["tofacitinib"]
    evidence.add_case(
        {**BASE, "outcome": "mixed", "n_patients": 10, "outcome_text": "some repigmented"},
        store,
        added_by="alice",
    )
    after = evidence.summary("vitiligo", store).set_index("drug_id").loc["tofacitinib"]
    assert after.evaluable_patients == before.evaluable_patients
    assert after.non_responders == before.non_responders
    assert after.records_without_counts == before.records_without_counts + 1
    # the shipped vitiligo series: 5 of 10 repigmented (the old coding gave 1/11)
    assert before.responders >= 5 and before.non_responders >= 5


def test_responder_counts_count_partial_responders_as_responders(store):
    evidence.add_case(
        {
            **BASE,
            "disease_id": "morphea",
            "n_patients": 6,
            "n_complete": 1,
            "n_partial": 3,
            "n_none": 2,
        },
        store,
        added_by="alice",
    )
    df = evidence.summary("morphea", store).set_index("drug_id")
    tofa = df.loc["tofacitinib"]
    kb = KB.cases[(KB.cases.disease_id == "morphea") & (KB.cases.drug_id == "tofacitinib")]
    kb_c, kb_p, kb_n = (int(kb[c].fillna(0).sum()) for c in ("n_complete", "n_partial", "n_none"))
    assert tofa.complete_responders == kb_c + 1
    assert tofa.partial_responders == kb_p + 3
    assert tofa.responders == kb_c + kb_p + 4
    assert tofa.non_responders == kb_n + 2
    assert (tofa.response_ci_low, tofa.response_ci_high) == pytest.approx(
        evidence.clopper_pearson(tofa.responders, tofa.evaluable_patients)
    )


# -- responder coding on input --------------------------------------------------------------
def test_outcome_is_derived_from_counts_when_omitted():
    rec = validate_record(
        {**BASE, "n_patients": 5, "n_complete": 1, "n_partial": 2, "n_none": 2}, KB
    )
    assert rec.outcome == "mixed"
    rec = validate_record(
        {**BASE, "n_patients": 2, "n_complete": 2, "n_partial": 0, "n_none": 0}, KB
    )
    assert rec.outcome == "complete"


@pytest.mark.parametrize(
    "extra,field,words",
    [
        ({"n_complete": 4, "n_partial": 4, "n_none": 4}, "n_complete", "more than n_patients"),
        ({"n_complete": 1, "n_partial": 1}, "n_none", "all three responder counts"),
        (
            {"n_complete": 0, "n_partial": 0, "n_none": 3, "outcome": "complete"},
            "outcome",
            "contradicts",
        ),
        ({"n_complete": -1, "n_partial": 0, "n_none": 0}, "n_complete", ">= 0"),
        (
            {"counts_basis": "guessed", "n_complete": 1, "n_partial": 0, "n_none": 0},
            "counts_basis",
            "not one of",
        ),
    ],
)
def test_impossible_responder_counts_are_refused_naming_the_field(extra, field, words):
    with pytest.raises(evidence.InvalidRecordError) as exc:
        validate_record({**BASE, "n_patients": 5, "outcome": "mixed", **extra}, KB)
    assert any(p.field == field and words in p.message for p in exc.value.problems), str(exc.value)


def test_a_record_may_name_several_drugs_and_unknown_ones_get_suggestions():
    rec = validate_record({**BASE, "drug_id": "Rinvoq or Xeljanz", "outcome": "partial"}, KB)
    assert rec.drug_id == "upadacitinib;tofacitinib"
    with pytest.raises(evidence.InvalidRecordError) as exc:
        validate_record({**BASE, "drug_id": "upadacitinib or tofacitnib", "outcome": "partial"}, KB)
    assert "Tofacitinib" in str(exc.value)


def test_content_hash_of_a_record_without_the_new_fields_is_unchanged():
    """Records stored before migration 0002 keep their de-duplication key."""
    import hashlib
    from dataclasses import asdict

    from jakpath.evidence.models import NEW_IN_0002

    rec = validate_record({**BASE, "outcome": "partial", "n_patients": 1}, KB)
    old = {k: v for k, v in asdict(rec).items() if k != "case_id" and k not in NEW_IN_0002}
    expected = hashlib.sha256(
        json.dumps(old, sort_keys=True, ensure_ascii=True, default=repr).encode()
    ).hexdigest()
    assert rec.content_hash() == expected


# -- shipped records ----------------------------------------------------------------------
def test_every_shipped_record_has_design_n_drug_and_counts_or_not_reported():
    assert set(KB.cases.study_type) <= set(evidence.STUDY_TYPES)
    assert KB.cases.n_patients.notna().all()
    drugs = set(KB.drugs.drug_id)
    for d in KB.cases.drug_id:
        assert _drugs(d) <= drugs
    counts = KB.cases[["n_complete", "n_partial", "n_none"]]
    # all three counts or none ("not reported")
    assert (counts.notna().all(axis=1) | counts.isna().all(axis=1)).all()
    full = KB.cases[counts.notna().all(axis=1)]
    assert (full[["n_complete", "n_partial", "n_none"]].sum(axis=1) <= full.n_patients).all()
    assert KB.cases.outcome.ne("mixed").sum() > 0


def test_shipped_records_cite_sources_with_doi_or_pmid_except_the_listed_ones():
    """Records whose source has neither are listed here; the list may only shrink."""
    known_without = {
        "case001", "case002", "case003", "case004", "case008", "case011", "case013",
        "case016", "case024", "case025", "case030", "case031", "case034", "case036",
        "case037", "case039",
    }  # fmt: skip
    sources = KB.sources.set_index("source_id")
    without = set()
    for r in KB.cases.itertuples():
        ids = [s for s in r.source_ids.split(";") if s in sources.index]
        if not any(sources.loc[s].doi or sources.loc[s].pmid for s in ids):
            without.add(r.case_id)
    assert without <= known_without, sorted(without - known_without)


def test_the_evidence_base_spans_the_listed_skin_diseases():
    listed = {
        "dermatomyositis", "cutaneous_lupus", "hidradenitis_suppurativa", "cutaneous_crohns",
        "alopecia_areata", "vitiligo", "lichen_planus", "morphea", "granuloma_annulare",
        "sarcoidosis", "pyoderma_gangrenosum", "sapho_syndrome", "prurigo_nodularis",
        "chronic_hand_eczema", "gvhd_acute", "gvhd_chronic", "behcets_disease",
        "palmoplantar_pustulosis", "generalized_pustular_psoriasis", "eosinophilic_fasciitis",
        "necrobiosis_lipoidica", "sweet_syndrome", "chronic_urticaria", "bullous_pemphigoid",
        "erythema_multiforme", "atopic_dermatitis", "psoriasis",
    }  # fmt: skip
    assert listed <= set(KB.cases.disease_id)
    assert KB.cases.disease_id.nunique() >= 29


# -- overviews ----------------------------------------------------------------------------
def test_map_json_has_the_documented_row_keys(tmp_path):
    r = runner.invoke(app, ["map", "--format", "json", "--db", str(tmp_path / "m.db")])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)["rows"]
    assert {"disease", "drug", "records", "patients", "best_design"} <= set(rows[0])
    cell = next(x for x in rows if x["disease"] == "gvhd_acute" and x["drug"] == "ruxolitinib")
    acute = KB.cases[(KB.cases.disease_id == "gvhd_acute") & (KB.cases.drug_id == "ruxolitinib")]
    assert cell["records"] == len(acute)
    assert cell["patients"] == int(acute.n_patients.sum())
    assert cell["best_design"] == "open_label_trial"
    assert len({x["disease"] for x in rows}) >= 29


def test_map_plot_writes_a_figure_and_refuses_other_suffixes(tmp_path):
    db = str(tmp_path / "p.db")
    r = runner.invoke(app, ["map", "--plot", str(tmp_path / "map.svg"), "--db", db])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "map.svg").read_text().lstrip().startswith("<?xml")
    r = runner.invoke(app, ["map", "--plot", str(tmp_path / "map.gif"), "--db", db])
    assert r.exit_code == 2 and ".png or .svg" in r.output


def test_summary_by_drug_gives_level_design_and_responders(store):
    df = evidence.evidence_summary_by_drug("atopic_dermatitis", store).set_index("drug_id")
    assert list(df.reset_index().columns) == list(evidence.BY_DRUG_COLUMNS)
    approved = set(KB.approvals[KB.approvals.disease_id == "atopic_dermatitis"].drug_id)
    assert {d for d in df.index if df.loc[d].evidence_level == "approved"} == approved
    abro = df.loc["abrocitinib"]
    assert abro.best_design == "randomised_trial" and abro.records >= 2
    gvhd = evidence.evidence_summary_by_drug("gvhd_chronic", store).set_index("drug_id")
    assert gvhd.loc["ruxolitinib"].best_design == "randomised_trial"


def test_ranking_levels_follow_the_design_order(store):
    counts = evidence.evidence_counts("prurigo_nodularis", store)
    assert counts["abrocitinib"]["evidence_level"] == "open-label trial"
    assert "8/10 evaluable responded" in counts["abrocitinib"]["evidence_detail"]
    assert evidence.EVIDENCE_LEVELS.index("open-label trial") < evidence.EVIDENCE_LEVELS.index(
        "case series"
    )


def test_add_command_takes_responder_counts(tmp_path):
    db = str(tmp_path / "a.db")
    args = ["add", "--disease", "vitiligo", "--drug", "tofacitinib", "--study-type",
            "case_series", "--source", "doe2024", "--doi", "10.1000/x.3", "--n-patients", "4",
            "--n-complete", "1", "--n-partial", "2", "--n-none", "1", "--no-prompt",
            "--added-by", "alice", "--db", db]  # fmt: skip
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["list", "--disease", "vitiligo", "--format", "json", "--db", db])
    row = next(x for x in json.loads(r.output)["rows"] if x["origin"] == "user")
    assert row["outcome"] == "mixed"
    assert row["responders"] == "1 complete, 2 partial, 1 none"
    bad = [a if a != "4" else "3" for a in args]
    bad[bad.index("--n-none") + 1] = "2"
    r = runner.invoke(app, bad)
    assert r.exit_code == 2 and "more than n_patients" in r.output


# -- migration 0002 -----------------------------------------------------------------------
def test_migration_0002_keeps_rows_stored_under_0001_and_downgrades(db_url):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.execute(
            text(
                "INSERT INTO evidence_cases (case_id, content_hash, origin, disease_id, drug_id,"
                " outcome, study_type, source_ids, added_by, added_at) VALUES ('u-old', 'h1',"
                " 'user', 'vitiligo', 'tofacitinib', 'mixed', 'case_series', 'x', 'alice',"
                " CURRENT_TIMESTAMP)"
            )
        )
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with engine.connect() as conn:
        cols = {c["name"] for c in inspect(conn).get_columns("evidence_cases")}
        row = conn.execute(
            text("SELECT outcome, n_complete FROM evidence_cases WHERE case_id = 'u-old'")
        ).one()
    assert {"n_complete", "n_partial", "n_none", "outcome_measure", "duration"} <= cols
    assert tuple(row) == ("mixed", None)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    with engine.connect() as conn:
        cols = {c["name"] for c in inspect(conn).get_columns("evidence_cases")}
        n = conn.execute(text("SELECT count(*) FROM evidence_cases")).scalar()
    engine.dispose()
    assert "n_complete" not in cols and n == 1


def test_the_database_refuses_negative_counts(store):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(text("UPDATE evidence_cases SET n_complete = -1"))
