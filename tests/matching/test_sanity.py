"""The ranking read as a dermatologist would (issue 13): plausible candidates first.

Each rule states what a clinician knows from approvals and trials, independent of the model:
no myeloproliferative-neoplasm-only drug leads an inflammatory skin disease; a drug approved
for the disease sits in the top third; the drugs with the strongest evidence are in the top
five unless a stated safety rule pushes them down; no duplicates; induction doses are not
candidates by default.
"""

import pandas as pd
import pytest

import jakpath
from jakpath.kb.load import default_data_dir
from jakpath.matching import rank
from jakpath.matching.scoring import EVIDENCE_POINTS

SKIN = [
    "hidradenitis suppurativa",
    "dermatomyositis",
    "alopecia areata",
    "atopic dermatitis",
    "vitiligo",
]


@pytest.fixture(scope="module")
def kb():
    return jakpath.load_kb()


@pytest.fixture(scope="module")
def tables(kb):
    return {d: rank(d, kb=kb, stability=False) for d in SKIN}


def _mpn_only(kb):
    a = kb.approvals
    uses = a.groupby("drug_id").use.agg(set)
    return {d for d, u in uses.items() if u == {"mpn"}}


@pytest.mark.parametrize("disease", SKIN)
def test_no_mpn_only_drug_in_top_five(kb, tables, disease):
    top = set(tables[disease].head(5).drug)
    assert not top & _mpn_only(kb), top
    assert {"fedratinib", "pacritinib", "momelotinib"} <= _mpn_only(kb)


@pytest.mark.parametrize("disease", SKIN)
def test_approved_drug_in_top_third(tables, disease):
    df = tables[disease]
    approved = df[df.approved_for_disease]
    if approved.empty:
        # no tablet is approved for these (labels: HS and DM none; vitiligo only a cream)
        assert disease in {"hidradenitis suppurativa", "dermatomyositis", "vitiligo"}
        return
    third = max(1, -(-len(df) // 3))
    assert approved["rank"].min() <= third, approved[["drug", "regimen", "rank"]]


def test_approved_skin_diseases_have_systemic_approvals(tables):
    for disease in ("alopecia areata", "atopic dermatitis"):
        assert tables[disease].approved_for_disease.any()


@pytest.mark.parametrize("disease", SKIN)
def test_strongest_evidence_in_top_five(tables, disease):
    df = tables[disease]
    best = df.evidence.max()
    strongest = set(df[df.evidence == best].drug)
    top = set(df.head(5).drug)
    assert strongest & top, (strongest, top)


@pytest.mark.parametrize("disease", SKIN)
def test_no_duplicate_rows(tables, disease):
    df = tables[disease]
    assert not df.duplicated(["drug", "regimen"]).any()


def test_approved_regimen_passed_as_text_is_not_duplicated(kb):
    df = rank("atopic dermatitis", [("upadacitinib", "15 mg qd")], kb=kb, stability=False)
    hits = df[(df.drug == "upadacitinib") & (df.regimen == "15 mg qd XR")]
    assert len(hits) == 1


def test_induction_and_mpn_doses_left_out_by_default_and_flagged_on_request(kb):
    df = rank("atopic dermatitis", kb=kb, stability=False)
    assert not ((df.drug == "upadacitinib") & (df.regimen == "45 mg qd XR")).any()
    assert "fedratinib" not in set(df.drug)
    both = rank("atopic dermatitis", include=["induction", "mpn"], kb=kb, stability=False)
    row = both[(both.drug == "upadacitinib") & (both.regimen == "45 mg qd XR")].iloc[0]
    assert any("induction" in f for f in row["flags"])
    fed = both[both.drug == "fedratinib"].iloc[0]
    assert any("myeloproliferative" in f for f in fed["flags"])
    assert any("boxed warning" in f and "ncephalopathy" in f for f in fed["flags"])


def test_topical_approval_does_not_make_the_tablet_approved(kb, tables):
    # Opzelura (ruxolitinib 1.5% cream) is approved for vitiligo; oral ruxolitinib is not
    df = tables["vitiligo"]
    rux = df[df.drug == "ruxolitinib"]
    assert not rux.approved_for_disease.any()
    assert (rux.evidence_level != "approved").all()
    assert any("topical" in n for n in df.attrs["notes"])


def test_evidence_levels_follow_the_hierarchy(tables):
    # an open-label trial is not a case series: tofacitinib in dermatomyositis (Paik 2021)
    dm = tables["dermatomyositis"]
    tofa = dm[dm.drug == "tofacitinib"].iloc[0]
    assert tofa.evidence_level == "open-label trial"
    assert tofa.evidence == pytest.approx(EVIDENCE_POINTS["open-label trial"])
    assert tofa.evidence_records >= 2 and tofa.evidence_patients >= 10


def test_orders(kb):
    for order, col, ascending in (
        ("mechanism", "coverage", False),
        ("safety", "safety", True),
        ("evidence", "evidence", False),
    ):
        df = rank("dermatomyositis", kb=kb, stability=False, order=order)
        values = df[col].to_numpy()
        pairs = zip(values, values[1:], strict=False)
        assert all((b >= a) if ascending else (b <= a) for a, b in pairs)
    with pytest.raises(ValueError, match="order must be one of"):
        rank("dermatomyositis", kb=kb, order="alphabetical")


def test_approved_is_a_property_of_the_dose_not_the_drug():
    """RULES.md 5: another dose of a drug approved for the disease reads 'randomised trial'."""
    raw = pd.read_csv(default_data_dir() / "approvals.csv")
    ra = raw[(raw.disease_id == "rheumatoid_arthritis") & (raw.drug_id == "upadacitinib")]
    assert set(ra.dose_mg) == {15}  # the label's RA dose; 30 mg is approved for AD and UC only
    t = rank("rheumatoid_arthritis", stability=False)
    upa = t[t.drug == "upadacitinib"].set_index("regimen")
    assert upa.loc["15 mg qd XR", "evidence_level"] == "approved"
    assert bool(upa.loc["15 mg qd XR", "approved_for_disease"])
    assert upa.loc["30 mg qd XR", "evidence_level"] == "randomised trial"
    assert not bool(upa.loc["30 mg qd XR", "approved_for_disease"])
    assert "at another dose" in upa.loc["30 mg qd XR", "evidence_detail"]


def test_a_drug_without_curated_label_safety_is_flagged_not_called_safe():
    raw = pd.read_csv(default_data_dir() / "label_safety.csv")
    t = rank("dermatomyositis", stability=False)
    for r in t.itertuples():
        has_rows = (raw.drug_id == r.drug).any()
        flagged = any("label safety not curated" in f for f in r.flags)
        assert flagged == (not has_rows), r.drug


def test_an_undosed_approval_does_not_approve_every_dose_when_another_row_gives_the_dose():
    raw = pd.read_csv(default_data_dir() / "approvals.csv")
    psa = raw[(raw.disease_id == "psoriatic_arthritis") & (raw.drug_id == "upadacitinib")]
    assert psa.dose_mg.isna().any() and set(psa.dose_mg.dropna()) == {15}
    t = rank("psoriatic_arthritis", stability=False)
    upa = t[t.drug == "upadacitinib"].set_index("regimen")
    assert bool(upa.loc["15 mg qd XR", "approved_for_disease"])
    assert not bool(upa.loc["30 mg qd XR", "approved_for_disease"])


def test_an_approval_derived_from_secondary_records_is_flagged():
    raw = pd.read_csv(default_data_dir() / "approvals.csv")
    derived = raw[raw.note.fillna("").str.startswith("DERIVED")]
    assert len(derived)
    for r in derived.itertuples():
        t = rank(r.disease_id, stability=False)
        rows = t[(t.drug == r.drug_id) & t.approved_for_disease.astype(bool)]
        assert len(rows), (r.drug_id, r.disease_id)
        assert all(any("derived from secondary records" in f for f in fl) for fl in rows["flags"])


def test_a_placebo_controlled_trial_in_trial_outcomes_is_randomised_evidence(kb):
    # EQUATOR (filgotinib, psoriatic arthritis) is stored as placebo-controlled arms in
    # trial_outcomes.csv and as no registry record: the ranking must not read "mechanism only".
    from jakpath.matching.evidence_level import evidence_summary

    t = kb.trial_outcomes
    equator = t[(t.drug_id == "filgotinib") & (t.disease_id == "psoriatic_arthritis")]
    assert (
        len(equator)
        and not (
            (kb.cases.drug_id == "filgotinib") & (kb.cases.disease_id == "psoriatic_arthritis")
        ).any()
    )
    s = evidence_summary(kb, "psoriatic_arthritis", store=None)["filgotinib"]
    assert s["evidence_level"] == "randomised trial"
    assert s["evidence_records"] == equator.trial.nunique()
    assert s["evidence_patients"] == int(equator.groupby(["trial", "dose_mg"]).n_active.max().sum())


def test_trials_already_in_the_registry_are_not_counted_twice(kb):
    # tofacitinib in psoriasis has randomised-trial records in cases.csv (and trial arms in
    # trial_outcomes.csv): its counts are the registry's alone.
    from jakpath.matching.evidence_level import evidence_summary

    c = kb.cases
    tofa = c[(c.drug_id == "tofacitinib") & (c.disease_id == "psoriasis")]
    assert "randomised_trial" in set(tofa.study_type)
    s = evidence_summary(kb, "psoriasis", store=None)["tofacitinib"]
    assert s["evidence_records"] == len(tofa)
