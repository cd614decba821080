"""Approved regimens carry their use and route as the labels state them (issue 13, item 1).

Expected tags come from the labels, not the code: upadacitinib 45 mg is a UC (8 weeks) and Crohn's
induction dose; tofacitinib 10 mg bid is UC induction; ruxolitinib oral is approved for
myelofibrosis and polycythaemia vera (MPN dosing), the 1.5% cream for atopic dermatitis and
vitiligo; deucravacitinib 6 mg qd for plaque psoriasis.
"""

import csv
import shutil

import pytest

from jakpath.kb import load_kb
from jakpath.kb.load import default_data_dir
from jakpath.kb.validate import errors, validate


@pytest.fixture(scope="module")
def appr():
    return load_kb().approvals


def _uses(appr, drug, disease, dose=None):
    a = appr[(appr.drug_id == drug) & (appr.disease_id == disease)]
    if dose is not None:
        a = a[a.dose_mg == dose]
    return set(a.use)


def test_induction_doses_are_flagged(appr):
    assert _uses(appr, "upadacitinib", "ulcerative_colitis", 45) == {"induction"}
    assert _uses(appr, "upadacitinib", "crohns_disease", 45) == {"induction"}
    assert _uses(appr, "tofacitinib", "ulcerative_colitis", 10) == {"induction"}
    assert _uses(appr, "tofacitinib", "ulcerative_colitis", 5) == {"chronic"}
    # 45 mg is never a chronic dose of upadacitinib
    upa45 = appr[(appr.drug_id == "upadacitinib") & (appr.dose_mg == 45)]
    assert set(upa45.use) == {"induction"}


def test_mpn_doses_are_flagged(appr):
    for drug in ("ruxolitinib", "fedratinib", "pacritinib", "momelotinib"):
        assert _uses(appr, drug, "myelofibrosis") == {"mpn"}, drug
    assert _uses(appr, "ruxolitinib", "polycythemia_vera") == {"mpn"}


def test_vitiligo_approval_is_the_cream_only(appr):
    v = appr[(appr.drug_id == "ruxolitinib") & (appr.disease_id == "vitiligo")]
    assert len(v) >= 1
    assert set(v.route) == {"topical"} and set(v.use) == {"topical"}


@pytest.mark.parametrize(
    "drug,disease,dose,interval",
    [
        ("deuruxolitinib", "alopecia_areata", 8, 12),
        ("ritlecitinib", "alopecia_areata", 50, 24),
        ("baricitinib", "alopecia_areata", 2, 24),
        ("baricitinib", "alopecia_areata", 4, 24),
        ("abrocitinib", "atopic_dermatitis", 100, 24),
        ("abrocitinib", "atopic_dermatitis", 200, 24),
        ("upadacitinib", "atopic_dermatitis", 15, 24),
        ("upadacitinib", "atopic_dermatitis", 30, 24),
        ("deucravacitinib", "psoriasis", 6, 24),
    ],
)
def test_chronic_label_doses(appr, drug, disease, dose, interval):
    a = appr[(appr.drug_id == drug) & (appr.disease_id == disease) & (appr.dose_mg == dose)]
    assert len(a) >= 1
    assert set(a.use) == {"chronic"} and set(a.route) == {"oral"}
    assert set(a.interval_h) == {interval}


def test_validator_catches_an_oral_row_tagged_topical(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(default_data_dir(), data)
    path = data / "approvals.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    h = rows[0]
    rows[1][h.index("use")] = "topical"  # tofacitinib 5 mg bid, an oral tablet
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    assert any("must all be topical" in p.message for p in errors(validate(data)))
