"""Pathway inhibition: the Hill model, daily metrics against independent integration, and
relations the knowledge base's own measurements imply."""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

import jakpath
from jakpath.exposure.kernels import PKParams, concentration
from jakpath.inhibition.hill import daily_metrics, inhibition
from jakpath.inhibition.potency import combine_jaks
from jakpath.inhibition.screen import is_ex_vivo, screened_cellular


@pytest.fixture(scope="module")
def kb():
    return jakpath.load_kb()


def test_half_inhibition_at_ic50_and_monotone():
    c = np.array([[1.0, 10.0, 100.0]])
    inh = inhibition(c, np.array([10.0]))[0, :, 0]
    assert inh[1] == pytest.approx(0.5)
    assert np.all(np.diff(inh) > 0)


def test_daily_metrics_match_quadrature_and_root_finding():
    p = PKParams(*(np.array([v]) for v in (20.0, 100.0, 0.0, 1.0, 1.5, 0.3, 0.0, 0.0)))

    def conc(t):
        return concentration(p, np.array([2000.0]), np.atleast_1d(t), np.array([24.0]))[0]

    grid = conc(np.linspace(0, 24, 2001))
    ic50 = float(np.sqrt(grid.min() * grid.max()))  # crossed twice a day

    def inh(t):
        c = conc(t)[0]
        return c / (c + ic50)

    t = np.linspace(0, 24, 24 * 200 + 1)
    m = daily_metrics(inhibition(conc(t)[None, :], np.array([ic50])), t)
    mean_quad = quad(inh, 0, 24, points=[0.3], limit=200, epsabs=1e-12)[0] / 24
    assert m["mean"][0, 0] == pytest.approx(mean_quad, rel=1e-4)
    # hours with C >= IC50 from the two crossings of the closed-form curve
    peak_t = t[np.argmax(conc(t))]
    up = brentq(lambda s: conc(s)[0] - ic50, 0.31, peak_t)
    down = brentq(lambda s: conc(s)[0] - ic50, peak_t, 24)
    assert m["hours_ge_50"][0, 0] == pytest.approx(down - up, abs=2 * (t[1] - t[0]))
    # with a lag the concentration keeps falling until absorption starts at t = tlag
    assert m["trough"][0, 0] == pytest.approx(inh(0.3), rel=1e-6)


def test_either_jak_combination_rule():
    # one JAK: its own constant; two equal JAKs K: prod(1 + c/K) = 2 -> c = K (sqrt2 - 1)
    assert combine_jaks([7.0]) == pytest.approx(7.0)
    assert combine_jaks([10.0, 10.0]) == pytest.approx(10 * (np.sqrt(2) - 1), rel=1e-9)
    assert combine_jaks([10.0, 1e9]) == pytest.approx(10.0, rel=1e-6)


def _ex_vivo(kb, drug, cytokine):
    c = screened_cellular(kb)
    c = c[c.used]
    rows = c[(c.drug_id == drug) & (c.cytokine_id == cytokine) & c.note.map(is_ex_vivo)]
    assert len(rows), f"no ex vivo {drug} {cytokine}"
    return rows.value_nM.iloc[0]


def test_ex_vivo_relations_reproduced_by_inhibition(kb):
    # the data: upadacitinib more potent on IL-6 than IL-7 ex vivo, tofacitinib the reverse
    upa_il6_more_potent = _ex_vivo(kb, "upadacitinib", "IL6") < _ex_vivo(kb, "upadacitinib", "IL7")
    tofa_il7_more_potent = _ex_vivo(kb, "tofacitinib", "IL7") < _ex_vivo(kb, "tofacitinib", "IL6")
    upa = (
        jakpath.inhibition("upadacitinib", "15 mg qd", ["IL6", "IL7"], kb=kb)
        .set_index("cytokine")
        .mean_inhibition
    )
    tofa = (
        jakpath.inhibition("tofacitinib", "5 mg bid", ["IL6", "IL7"], kb=kb)
        .set_index("cytokine")
        .mean_inhibition
    )
    assert (upa["IL6"] > upa["IL7"]) == upa_il6_more_potent
    assert (tofa["IL7"] > tofa["IL6"]) == tofa_il7_more_potent


@pytest.mark.parametrize(
    "drug,low,high",
    [
        ("tofacitinib", "5 mg bid", "10 mg bid"),
        ("upadacitinib", "15 mg qd", "30 mg qd"),
        ("baricitinib", "2 mg qd", "4 mg qd"),
        ("abrocitinib", "100 mg qd", "200 mg qd"),
    ],
)
def test_higher_dose_never_lowers_any_metric(kb, drug, low, high):
    a = jakpath.inhibition(drug, low, kb=kb).set_index("cytokine")
    b = jakpath.inhibition(drug, high, kb=kb).set_index("cytokine")
    for col in ("mean_inhibition", "hours_ge_50", "trough_inhibition", "peak_inhibition"):
        assert (b[col] >= a[col] - 1e-12).all(), col


def test_every_row_shows_tier_and_basis(kb):
    df = jakpath.inhibition("ruxolitinib", "10 mg bid", kb=kb)
    assert df.tier.isin(["measured_whole_blood", "measured_other", "ex_vivo", "predicted"]).all()
    assert df.basis.str.len().gt(0).all()
    assert len(df) == (kb.cytokines.jak_signalling == "yes").sum()


def test_off_label_dose_is_computed_and_flagged(kb):
    df = jakpath.inhibition("tofacitinib", "30 mg bid", ["IL6"], kb=kb)
    assert "off-label dose" in df.caveats.iloc[0]
    ok = jakpath.inhibition("tofacitinib", "5 mg bid", ["IL6"], kb=kb)
    assert "off-label dose" not in ok.caveats.iloc[0]


def test_filgotinib_metabolite_adds_inhibition(kb):
    with_met = jakpath.inhibition("filgotinib", "200 mg qd", ["IL6"], kb=kb)
    assert "gs829845" in with_met.metabolite_tiers.iloc[0]
    sim = jakpath.simulate("filgotinib", "200 mg qd", kb=kb)
    assert set(sim.analyte) == {"filgotinib", "gs829845"}


def test_topical_uses_observed_level(kb):
    df = jakpath.inhibition("ruxolitinib", "1 mg bid cream", ["IL6"], kb=kb)
    assert "topical" in df.caveats.iloc[0]
    assert df.peak_inhibition.iloc[0] == pytest.approx(df.trough_inhibition.iloc[0])


def test_ritlecitinib_covalent_flag(kb):
    df = jakpath.inhibition("ritlecitinib", "50 mg qd", ["IL15"], kb=kb)
    assert "covalent" in df.caveats.iloc[0]
