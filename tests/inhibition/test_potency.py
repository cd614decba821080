"""Potency: normalisation, tiers, the cross-validated study and literature relations."""

import numpy as np
import pytest

import jakpath
from jakpath.inhibition.potency import (
    calibration_set,
    distinct_cellular,
    enzyme_ki,
    fitted_atp_km,
    potency_table,
)
from jakpath.inhibition.potency_study import potency_study


@pytest.fixture(scope="module")
def kb():
    return jakpath.load_kb()


def test_cheng_prusoff_applied_where_atp_known(kb):
    e = enzyme_ki(kb)
    km = {j: v["km_uM"] for j, v in fitted_atp_km(kb).items()}
    row = e[e.ki_basis.str.startswith("Cheng-Prusoff") & (e.target == "JAK1")].iloc[0]
    assert row.ki_nM == pytest.approx(row.value_nM / (1 + row.atp_uM / km["JAK1"]))
    kd = e[e.measure == "Kd"].iloc[0]
    assert kd.ki_nM == kd.value_nM


def test_fitted_km_explains_atp_dependence(kb):
    # the fitted Km must reduce the spread of log IC50 within drugs versus ignoring ATP
    fits = fitted_atp_km(kb)
    assert set(fits) == {"JAK1", "JAK2", "JAK3", "TYK2"}
    for jak, f in fits.items():
        assert 0.1 <= f["km_uM"] <= 5000 and f["n_drugs"] >= 2, jak


def test_same_measurement_counts_once(kb):
    c = distinct_cellular(kb)
    assert not c.duplicated(["drug_id", "cytokine_id", "value_nM"]).any()
    assert len(c) < len(kb.cellular_potency)


def test_every_drug_pathway_has_a_tier_and_uncertainty(kb):
    t = potency_table(kb)
    n_jak = (kb.cytokines.jak_signalling == "yes").sum()
    assert len(t) == n_jak * len(kb.drugs)
    measured = t[t.tier != "predicted"]
    assert (measured.log10_sd >= 0.15).all()
    predicted = t[t.tier == "predicted"]
    # predicted values are at least as uncertain as the measured ones' floor
    assert (predicted.log10_sd >= 0.15).all()


def test_study_normalised_beats_printed(kb):
    pred, summary = potency_study(kb)
    overall = summary[summary.by == "all"].set_index("alternative")
    assert (
        overall.loc["b_normalised", "median_fold_error"]
        < overall.loc["a_printed", "median_fold_error"]
    )
    assert set(overall.index) == {"a_printed", "b_normalised", "c_same_assay"}
    # leave-one-drug-out: no alternative may use the drug's own cellular values
    assert len(pred) == len(calibration_set(kb))


def _measured_unbound(kb, drug, cytokine):
    cal = calibration_set(kb)
    v = cal[(cal.drug_id == drug) & (cal.cytokine_id == cytokine)].unbound_nM
    assert len(v), (drug, cytokine)
    return float(np.exp(np.log(v).mean()))


def test_baricitinib_inhibits_jak1_and_jak2_pathways_about_equally(kb):
    # literature: baricitinib is JAK1/JAK2 balanced; data: IL-6 (JAK1-led) vs EPO (JAK2)
    ratio = _measured_unbound(kb, "baricitinib", "EPO") / _measured_unbound(
        kb, "baricitinib", "IL6"
    )
    assert 1 / 3 < ratio < 3


def test_abrocitinib_is_jak1_selective_over_jak2(kb):
    ratio = _measured_unbound(kb, "abrocitinib", "EPO") / _measured_unbound(
        kb, "abrocitinib", "IL4"
    )
    assert ratio > 5


def test_tofacitinib_prefers_jak1_jak3_over_jak2_pathways(kb):
    assert _measured_unbound(kb, "tofacitinib", "EPO") > 3 * _measured_unbound(
        kb, "tofacitinib", "IL15"
    )
