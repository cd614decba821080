"""PK models added for issue 14 item 3: brepocitinib (Maleki 2024 popPK).

Expected values are independent of this code: the SAD/MAD study abstract (Banfield et al.,
PF-06700841 in healthy subjects and psoriasis), the popPK paper's abstract, and an independent
ODE solution of the same model (rxode2 + PKNCA in the nlmixr2lib vignette
``Maleki_2024_brepocitinib``, typical-value reference scenario, 14 daily 30 mg doses).
Pacritinib has no model: no human PK figure could be read in any stored source.
"""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from jakpath import simulate
from jakpath.cli.main import app
from jakpath.exposure.check import TOLERANCE, effective_half_life_h
from jakpath.exposure.model import pk_model
from jakpath.exposure.regimen import Regimen
from jakpath.kb import load_kb

DAILY_DOSES_IN_VIGNETTE = 14
"""The nlmixr2lib vignette doses at 0, 24, ..., 312 h and reads the 312-336 h interval."""


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.fixture(scope="module")
def model(kb):
    return pk_model("brepocitinib", "IR", kb)


def test_brepocitinib_model_is_the_chosen_popk_model(model):
    assert model.model_id == "brepocitinib_maleki2024"
    assert model.structure == "two_cmt"


def test_fourteenth_dose_matches_an_independent_ode_solution(kb):
    # nlmixr2lib vignette, PKNCA over 312-336 h of the rxode2 typical-value profile, 30 mg qd:
    # Cmax,ss 277.2 ng/mL, Tmax 1.3 h post-dose, Cmin,ss 3.92 ng/mL, AUCtau 1691 ng*h/mL
    t = np.round(np.arange(312.0, 336.0 + 1e-9, 0.1), 4)
    reg = Regimen(30.0, 24.0, "IR", n_doses=DAILY_DOSES_IN_VIGNETTE)
    c = simulate("brepocitinib", reg, times_h=t, kb=kb).conc_total_ng_per_mL.to_numpy()
    assert c.max() == pytest.approx(277.2, rel=0.01)
    assert t[c.argmax()] - 312.0 == pytest.approx(1.3, abs=0.1)
    assert c.min() == pytest.approx(3.92, rel=0.02)
    assert float(np.trapezoid(c, t)) == pytest.approx(1691, rel=0.01)


@pytest.mark.parametrize("dose_mg", [30.0, 60.0])
def test_steady_state_auc_is_dose_over_the_published_clearance(kb, dose_mg):
    # Maleki 2024 abstract: typical CL/F 17.5 L/h, so AUCtau = dose / 17.5 L/h at steady state
    df = simulate("brepocitinib", f"{dose_mg:g} mg qd", step_h=0.01, kb=kb)
    auc = float(np.trapezoid(df.conc_total_ng_per_mL, df.time_h))
    assert auc == pytest.approx(dose_mg * 1000.0 / 17.5, rel=0.01)


def _within(pred, low, high):
    """The PK check's rule: within TOLERANCE of the reported range."""
    return low / (1 + TOLERANCE) <= pred <= high * (1 + TOLERANCE)


def test_effective_half_life_within_the_reported_ranges(model):
    # SAD/MAD abstract: single doses mean t1/2 3.8-7.5 h; day 10 of 10-175 mg qd 4.9-10.7 h
    t_eff = effective_half_life_h(model, 24.0)
    assert _within(t_eff, 3.8, 7.5)
    assert _within(t_eff, 4.9, 10.7)


def test_steady_state_tmax_within_the_reported_ranges(kb):
    # SAD/MAD abstract: day 10 peak at <=1.5 h (healthy); day 28 peak at 1-2 h (psoriasis)
    df = simulate("brepocitinib", "30 mg qd", step_h=0.01, kb=kb)
    tmax = float(df.time_h[df.conc_total_nM.idxmax()])
    assert 1.0 <= tmax <= 1.5


def test_molecular_weight_from_the_iupac_name(kb):
    # C18H21F2N7O with IUPAC conventional atomic weights
    mw = 18 * 12.011 + 21 * 1.008 + 2 * 18.998 + 7 * 14.007 + 15.999
    assert kb.chosen_property("brepocitinib", "mw_free_base") == pytest.approx(mw, abs=0.01)


@pytest.mark.parametrize("regimen", ["30 mg qd", "60 mg qd"])
def test_simulate_and_inhibition_give_numbers_and_flag_unknown_binding(regimen):
    runner = CliRunner()
    res = runner.invoke(app, ["simulate", "brepocitinib", regimen, "-f", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["rows"]
    for key in ("conc_total_nM", "conc_unbound_nM", "conc_total_ng_per_mL"):
        assert all(isinstance(r[key], float) and math.isfinite(r[key]) for r in rows), key
    assert all("unknown: ASSUMED 1" in r["note"] for r in rows)
    res = runner.invoke(app, ["inhibition", "brepocitinib", regimen, "-f", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["rows"]
    assert rows and all(math.isfinite(r["mean_inhibition"]) for r in rows)


def test_pk_check_rows_are_independent_and_misses_explained():
    res = CliRunner().invoke(app, ["pk", "check", "-f", "json"])
    assert res.exit_code == 0, res.output
    rows = [r for r in json.loads(res.output)["rows"] if r["drug"] == "brepocitinib"]
    assert len(rows) >= 5
    assert all(r["independent"] for r in rows)
    for r in rows:
        assert r["within_25pct"] or "known miss" in r["note"], r


def test_brepocitinib_label_dose_ranked_other_doses_only_on_request():
    """LISRAYA 30 mg QD (approvals.csv) is a default candidate; 60 mg only with --include."""
    runner = CliRunner()
    res = runner.invoke(app, ["rank", "dermatomyositis", "-f", "json"])
    assert res.exit_code == 0, res.output
    rows = [r for r in json.loads(res.output)["rows"] if r["drug"] == "brepocitinib"]
    assert [r["regimen"] for r in rows] == ["30 mg qd"]
    assert "unbound fraction assumed" in rows[0]["flags"]
    res = runner.invoke(
        app, ["rank", "dermatomyositis", "--include", "brepocitinib 60 mg qd", "-f", "json"]
    )
    assert res.exit_code == 0, res.output
    extra = [r for r in json.loads(res.output)["rows"] if r["drug"] == "brepocitinib"]
    assert {r["regimen"] for r in extra} == {"30 mg qd", "60 mg qd"}
    off = [r for r in extra if r["regimen"] == "60 mg qd"][0]
    assert any("off-label dose" in f for f in off["flags"])
