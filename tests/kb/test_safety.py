"""Safety classes, pathway links and per-drug label facts (issue 13, item 2).

Expected facts come from the labels: fedratinib's boxed warning is encephalopathy including
Wernicke's; the JAK-inhibitor class boxed warning (serious infections, mortality, malignancy, MACE,
thrombosis) is on tofacitinib, baricitinib, upadacitinib, abrocitinib, ritlecitinib and
deuruxolitinib; deucravacitinib (Sotyktu) has none; Jakafi manages thrombocytopenia, anaemia and
neutropenia by dose reduction or interruption.
"""

import csv
import shutil

import pytest

from jakpath.kb import load_kb
from jakpath.kb.load import default_data_dir
from jakpath.kb.validate import errors, validate


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def test_class_weights_follow_label_grade(kb):
    sc = kb.safety_classes.set_index("safety_class")
    assert sc.loc["serious_infections", "weight"] == 3  # boxed warning
    assert sc.loc["thrombosis", "weight"] == 3
    assert sc.loc["thrombocytopenia", "weight"] == 2  # Warnings and Precautions (Jakafi 5.1)
    assert sc.loc["lipids", "weight"] == 2


def test_haematopoietic_pathways_map_to_cytopenias(kb):
    p = kb.safety_class_pathways
    link = {(r.cytokine_id, r.safety_class): r.link for r in p.itertuples()}
    assert link[("EPO", "anaemia")] == "primary"
    assert link[("TPO", "thrombocytopenia")] == "primary"
    assert link[("GCSF", "neutropenia")] == "primary"
    assert link[("IL15", "lymphopenia_nk")] == "primary"
    assert link[("IL6", "lipids")] == "primary"
    assert ("IFNA", "herpes_zoster") in link


def _kinds(kb, drug):
    ls = kb.label_safety[kb.label_safety.drug_id == drug]
    return ls


def test_fedratinib_boxed_warning_is_encephalopathy(kb):
    b = _kinds(kb, "fedratinib")
    boxed = b[b.kind == "boxed_warning"]
    assert set(boxed.safety_class) == {"encephalopathy"}
    assert boxed.text.str.contains("Wernicke").all()


@pytest.mark.parametrize(
    "drug",
    ["tofacitinib", "baricitinib", "upadacitinib", "abrocitinib", "ritlecitinib", "deuruxolitinib"],
)
def test_jaki_class_boxed_warning(kb, drug):
    b = _kinds(kb, drug)
    classes = set(b[b.kind == "boxed_warning"].safety_class)
    assert {"serious_infections", "mortality", "malignancy", "mace", "thrombosis"} <= classes


def test_deucravacitinib_and_oral_ruxolitinib_have_no_boxed_warning(kb):
    assert not (_kinds(kb, "deucravacitinib").kind == "boxed_warning").any()
    rux = _kinds(kb, "ruxolitinib")
    assert set(rux[rux.kind == "boxed_warning"]["product"]) == {"Opzelura (1.5% cream)"}


def test_ruxolitinib_dose_limiting_cytopenias(kb):
    r = _kinds(kb, "ruxolitinib")
    dlt = set(r[r.kind == "dose_limiting_toxicity"].safety_class)
    assert {"thrombocytopenia", "anaemia", "neutropenia"} <= dlt


def test_validator_catches_a_weight_off_its_grade(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(default_data_dir(), data)
    path = data / "safety_classes.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index("weight")] = "1"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    assert any("section 4" in p.message for p in errors(validate(data)))
