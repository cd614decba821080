"""The closed-form kernels agree with an ODE solver and with long superposition."""

import numpy as np
import pytest

from jakpath.exposure.kernels import (
    PKParams,
    concentration,
    metabolite_terms,
    single_dose_terms,
    superpose,
)

from .ode_reference import ode_concentration

MAX_REL_ERROR = 1e-6

CASES = {
    "one_cmt_first_order": dict(cl=20.0, v=100.0, ka=2.0),
    "one_cmt_lag": dict(cl=20.0, v=100.0, ka=2.0, tlag=0.4),
    "one_cmt_ka_equals_k": dict(cl=20.0, v=100.0, ka=0.2),
    "flip_flop": dict(cl=40.0, v=100.0, ka=0.05),
    "two_cmt_first_order": dict(cl=13.0, v=80.0, q=45.2, v2=1460.0, ka=1.57, tlag=0.265),
    "zero_order": dict(cl=9.7, v=92.6, q=5.0, v2=25.6, f0=1.0, d1=0.457, tlag=0.147),
    "mixed_zero_first": dict(cl=53.7, v=200.0, q=10.0, v2=94.0, f0=0.745, d1=3.29, ka=0.0523),
    "bolus_limit": dict(cl=20.0, v=100.0, f0=1.0, d1=0.0),
}


def params(p: dict, n: int = 1) -> PKParams:
    return PKParams(
        cl_L_per_h=np.full(n, p["cl"]),
        v_L=np.full(n, p["v"]),
        q_L_per_h=np.full(n, p.get("q", 0.0)),
        v2_L=np.full(n, p.get("v2", 1.0)),
        ka_per_h=np.full(n, p.get("ka", 1.0)),
        tlag_h=np.full(n, p.get("tlag", 0.0)),
        d1_h=np.full(n, p.get("d1", 0.0)),
        frac_zero_order=np.full(n, p.get("f0", 0.0)),
    )


def rel_error(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("n_doses", [1, 7])
def test_closed_form_matches_ode(name, n_doses):
    p = CASES[name]
    t = np.linspace(0.0, 24.0 * 7, 1500)
    tau, dose = 12.0, 1000.0
    closed = concentration(
        params(p), np.array([dose]), t, np.array([tau]), np.array([float(n_doses)])
    )[0]
    ode, _ = ode_concentration(p, dose, tau, n_doses, t)
    assert rel_error(closed, ode) < MAX_REL_ERROR


@pytest.mark.parametrize("name", CASES)
def test_steady_state_equals_long_superposition(name):
    p = CASES[name]
    tau = 24.0
    # [0, tau): at t = tau the steady state already holds the next dose, the last of a
    # finite series does not (a bolus makes that a jump)
    t = np.linspace(0.0, tau, 200, endpoint=False)
    ss = concentration(params(p), np.array([500.0]), t, np.array([tau]), None)[0]
    # 1000 doses later the profile is at steady state to machine precision for these rates
    n = 1000
    later = concentration(
        params(p), np.array([500.0]), t + (n - 1) * tau, np.array([tau]), np.array([float(n)])
    )[0]
    assert rel_error(ss, later) < MAX_REL_ERROR


@pytest.mark.parametrize(
    "name",
    ["one_cmt_first_order", "two_cmt_first_order", "mixed_zero_first", "one_cmt_ka_equals_k"],
)
def test_metabolite_matches_ode(name):
    p = CASES[name]
    met = dict(cl=8.0, v=60.0)
    t = np.linspace(0.0, 24.0 * 5, 1200)
    pk = params(p)
    terms = single_dose_terms(pk, np.array([1000.0]))
    mterms = metabolite_terms(*terms, pk.cl_L_per_h, np.array([met["cl"]]), np.array([met["v"]]))
    closed = superpose(*mterms, t, np.array([24.0]), np.array([5.0]))[0]
    _, ode_met = ode_concentration(p, 1000.0, 24.0, 5, t, metabolite=met)
    assert rel_error(closed, ode_met) < MAX_REL_ERROR


def test_vectorised_over_subjects_equals_one_at_a_time():
    rng = np.random.default_rng(1)
    n = 50
    p = params(CASES["two_cmt_first_order"], n)
    p = PKParams(**{**p.__dict__, "cl_L_per_h": p.cl_L_per_h * rng.lognormal(0, 0.3, n)})
    t = np.linspace(0, 24, 97)
    dose = rng.uniform(100, 1000, n)
    tau = np.full(n, 12.0)
    together = concentration(p, dose, t, tau)
    for i in (0, 17, 49):
        one = PKParams(**{k: v[i : i + 1] for k, v in p.__dict__.items()})
        alone = concentration(one, dose[i : i + 1], t, tau[i : i + 1])[0]
        assert np.allclose(together[i], alone, rtol=1e-12)


def test_accumulation_ratio_matches_theory():
    # one compartment, fast absorption: trough ratio ss / single = 1 / (1 - exp(-k tau))
    p = dict(cl=20.0, v=100.0, ka=50.0)
    k, tau = 0.2, 12.0
    t = np.array([tau - 1e-9])
    single = concentration(params(p), np.array([1.0]), t, np.array([tau]), np.array([1.0]))[0, 0]
    ss = concentration(params(p), np.array([1.0]), t, np.array([tau]), None)[0, 0]
    assert ss / single == pytest.approx(1 / (1 - np.exp(-k * tau)), rel=1e-6)
