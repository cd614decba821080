"""Marketed formulation by default, relative bioavailability applied, every analyte converted.

Expected values are the papers' and labels' own figures, not the code's output.
"""

import numpy as np
import pytest

from jakpath import simulate
from jakpath.exposure.regimen import parse_regimen
from jakpath.inhibition.pathways import inhibition
from jakpath.kb import load_kb


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def _auc_tau(df):
    return float(np.trapezoid(df.conc_total_ng_per_mL, df.time_h))


@pytest.mark.parametrize("drug, regimen", [("upadacitinib", "15 mg qd"), ("Rinvoq", "15 mg")])
def test_generic_or_brand_without_formulation_means_the_marketed_xr_tablet(kb, drug, regimen):
    df = simulate(drug, regimen, step_h=0.01, kb=kb)
    assert set(df.formulation) == {"XR"}
    assert set(df.pk_model) == {"upadacitinib_er_klunder2019"}
    assert "XR" in df.note.iloc[0]
    assert df.attrs["pk_models"] == {
        "upadacitinib XR": "upadacitinib_er_klunder2019 (XR, F_rel 0.762 applied)"
    }
    # Klunder 2019 abstract: ER-basis CL/F of a healthy volunteer 53.7 L/h, so the AUCtau of
    # 15 mg is 15 mg / 53.7 L/h = 279 ng*h/mL (relative bioavailability applied)
    assert _auc_tau(df) == pytest.approx(15e3 / 53.7, rel=0.01)


def test_ir_on_request(kb):
    df = simulate("upadacitinib", "15 mg qd IR", step_h=0.01, kb=kb)
    assert set(df.formulation) == {"IR"} and set(df.pk_model) == {"upadacitinib_ir_klunder2019"}
    # IR basis: Table 3 CL/F 40.9 L/h
    assert _auc_tau(df) == pytest.approx(15e3 / 40.9, rel=0.01)
    assert not parse_regimen("15 mg qd").formulation_given
    assert parse_regimen("15 mg qd IR").formulation_given


def test_tofacitinib_brands_keep_their_formulations(kb):
    assert set(simulate("Xeljanz XR", "11 mg", kb=kb).formulation) == {"XR"}
    assert set(simulate("tofacitinib", "5 mg bid", kb=kb).formulation) == {"IR"}


def test_inhibition_names_formulation_and_model(kb):
    df = inhibition("upadacitinib", "15 mg qd", ["IL6"], kb=kb)
    assert df.formulation.iloc[0] == "XR"
    assert df.pk_model.iloc[0].startswith("upadacitinib_er_klunder2019 (XR")


def test_gs829845_molecular_weight_from_its_formula(kb):
    # C17H19N5O2S with standard atomic weights (IUPAC conventional values)
    mw = 17 * 12.011 + 19 * 1.008 + 5 * 14.007 + 2 * 15.999 + 32.06
    assert kb.chosen_property("gs829845", "mw_free_base") == pytest.approx(mw, abs=0.01)
    df = simulate("filgotinib", "200 mg qd", kb=kb)
    met = df[df.analyte == "gs829845"]
    assert met.conc_total_nM.notna().all()
    assert np.allclose(met.conc_total_nM, met.conc_total_ng_per_mL * 1000.0 / mw, rtol=1e-4)


def test_no_drug_or_metabolite_gives_nan(kb):
    chosen = kb.pk_models[kb.pk_models.chosen == "yes"]
    parents = sorted(
        d for d in set(chosen.drug_id) if not kb.drugs.set_index("drug_id").loc[d, "parent_drug_id"]
    )
    assert len(parents) >= 12
    for drug in parents:
        app = kb.approvals[(kb.approvals.drug_id == drug) & kb.approvals.dose_mg.notna()]
        dose = float(app.dose_mg.iloc[0]) if len(app) else 10.0
        df = simulate(drug, f"{dose:g} mg qd", kb=kb)
        cols = ["conc_total_nM", "conc_unbound_nM", "conc_total_ng_per_mL"]
        assert df[cols].notna().all().all(), drug


def test_deuruxolitinib_8_mg_bid_reproduces_its_label_summary(kb):
    """Derived model: Tmax 1.5 h and t1/2 ~4 h (Pharmacy Times summary of the US PI)."""
    from typer.testing import CliRunner

    from jakpath.cli.main import app
    from jakpath.exposure.check import terminal_half_life_h
    from jakpath.exposure.model import pk_model

    result = CliRunner().invoke(app, ["simulate", "deuruxolitinib", "8 mg bid", "-f", "json"])
    assert result.exit_code == 0, result.output
    model = pk_model("deuruxolitinib", "IR", kb)
    assert terminal_half_life_h(model) == pytest.approx(4.0, rel=0.02)
    df = simulate("deuruxolitinib", parse_regimen("8 mg", n_doses=1), step_h=0.01, kb=kb)
    assert df.time_h[df.conc_total_nM.idxmax()] == pytest.approx(1.5, abs=0.05)
