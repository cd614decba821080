"""The fused population kernel (Numba) gives the array kernel's numbers on every model shape.

Three implementations of the same metrics side by side: the fused loop, the NumPy array passes
and JAX (float64); Numba and JAX are test dependencies, so a missing one fails here.
"""

import math

import numpy as np
import pytest

from jakpath.exposure.kernels import PKParams
from jakpath.population import kernel
from jakpath.population.fused import available
from jakpath.population.kernel import live_terms, subject_metrics, trapezoid_weights

SHAPES = {
    "one_cmt_oral": dict(cl_L_per_h=40.0, v_L=200.0, ka_per_h=1.5),
    "two_cmt_oral_lag": dict(
        cl_L_per_h=20.0, v_L=80.0, q_L_per_h=15.0, v2_L=150.0, ka_per_h=0.9, tlag_h=0.5
    ),
    "zero_order_then_first": dict(
        cl_L_per_h=30.0, v_L=120.0, ka_per_h=1.2, d1_h=2.0, frac_zero_order=0.4
    ),
    "zero_order_only_two_cmt": dict(
        cl_L_per_h=12.0,
        v_L=60.0,
        q_L_per_h=8.0,
        v2_L=90.0,
        ka_per_h=1.0,
        d1_h=3.0,
        frac_zero_order=1.0,
    ),
}
BASE = dict(
    cl_L_per_h=1.0,
    v_L=1.0,
    q_L_per_h=0.0,
    v2_L=1.0,
    ka_per_h=1.0,
    tlag_h=0.0,
    d1_h=0.0,
    frac_zero_order=0.0,
)


def _case(shape, n=300, seed=4):
    rng = np.random.default_rng(seed)
    typical = {**BASE, **SHAPES[shape]}
    params = {}
    for k, v in typical.items():
        jitter = (
            np.exp(0.3 * rng.standard_normal(n)) if k in ("cl_L_per_h", "v_L", "ka_per_h") else 1
        )
        params[k] = v * jitter * np.ones(n)
    live = live_terms(PKParams(**{k: np.array([v]) for k, v in typical.items()}))
    ic50 = 10 ** rng.uniform(0.5, 3.5, size=(n, 6))
    return params, live, ic50


def _run(shape, days, xp=np, fused=None):
    params, live, ic50 = _case(shape)
    n = ic50.shape[0]
    tau = 12.0
    if days is None:  # steady state over one interval
        t = np.linspace(0.0, tau, 49)
        n_doses = None
    else:
        t = np.linspace((days - 1) * 24.0, days * 24.0, 97)
        n_doses = np.full(n, days * 24.0 / tau)
    w = trapezoid_weights(t)
    span = float(t[-1] - t[0])
    args = [params, np.full(n, 5e4), np.full(n, tau), ic50, t, w, span, live, n_doses]
    if xp is not np:
        args = [{k: xp.asarray(v) for k, v in params.items()}] + [
            a if a is None or isinstance(a, float) or a is live else xp.asarray(a) for a in args[1:]
        ]
        return [np.asarray(x) for x in subject_metrics(*args, xp=xp)]
    return subject_metrics(*args, xp=np, fused=fused)


def test_numba_is_installed_for_the_tests():
    assert available(), "numba is a test dependency: pip install -e '.[test]'"


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("days", [None, 1, 3])
def test_fused_equals_array_kernel_and_jax(shape, days):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    fused = _run(shape, days, fused=True)
    array = _run(shape, days, fused=False)
    on_jax = _run(shape, days, xp=jnp)
    for f, a, j in zip(fused, array, on_jax, strict=True):
        assert f.shape == a.shape
        np.testing.assert_allclose(f, a, rtol=1e-12, atol=1e-12)  # exp() may differ by 1 ulp
        # XLA rounds the cancelling terms before the lag differently: ~1e-12 of a fraction
        np.testing.assert_allclose(f, j, rtol=1e-10, atol=1e-11)
    mean, hours, trough = fused
    assert np.all((mean > 0) & (mean < 1)) and np.all(trough <= mean + 1e-12)


def test_fused_mean_against_quadrature_of_the_closed_form():
    # one subject, one-compartment oral at steady state: the mean inhibition over the interval
    # by fine quadrature of the textbook steady-state concentration
    ka, cl, v, dose, tau, ic50 = 1.5, 40.0, 200.0, 5e4, 24.0, 30.0
    k = cl / v
    params = {
        **{f: np.array([x]) for f, x in BASE.items()},
        "cl_L_per_h": np.array([cl]),
        "v_L": np.array([v]),
        "ka_per_h": np.array([ka]),
    }
    live = live_terms(PKParams(**params))
    t = np.linspace(0.0, tau, 20001)
    mean, hours, trough = subject_metrics(
        params,
        np.array([dose]),
        np.array([tau]),
        np.array([[ic50]]),
        t,
        trapezoid_weights(t),
        tau,
        live,
        None,
        fused=True,
    )
    fine = np.linspace(0.0, tau, 200001)
    c = (
        dose
        * ka
        / (v * (ka - k))
        * (
            np.exp(-k * fine) / (1 - math.exp(-k * tau))
            - np.exp(-ka * fine) / (1 - math.exp(-ka * tau))
        )
    )
    inh = c / (c + ic50)
    assert mean[0, 0] == pytest.approx(np.trapezoid(inh, fine) / tau, rel=1e-6)
    assert trough[0, 0] == pytest.approx(inh.min(), rel=1e-6)
    assert hours[0, 0] == pytest.approx(np.sum(np.diff(fine)[c[:-1] >= ic50]), abs=0.02)


def test_kernel_choice_from_the_environment(monkeypatch):
    monkeypatch.setenv(kernel.KERNEL_ENV, "numpy")
    assert kernel.use_fused() is False
    monkeypatch.setenv(kernel.KERNEL_ENV, "numba")
    assert kernel.use_fused() is True
    monkeypatch.setenv(kernel.KERNEL_ENV, "auto")
    assert kernel.use_fused() is True
    monkeypatch.setenv(kernel.KERNEL_ENV, "fortran")
    with pytest.raises(ValueError, match="auto, numba or numpy"):
        kernel.use_fused()


def test_population_same_subjects_with_and_without_the_fused_kernel(monkeypatch):
    from jakpath.population import population

    kw = dict(n=500, pathways=["IL6", "EPO", "IL15"], seed=2, days=3.0, return_subjects=True)
    monkeypatch.setenv(kernel.KERNEL_ENV, "numba")
    fused = population("tofacitinib", "5 mg bid", **kw)
    monkeypatch.setenv(kernel.KERNEL_ENV, "numpy")
    array = population("tofacitinib", "5 mg bid", **kw)
    for f, a in zip(fused.attrs["subjects"], array.attrs["subjects"], strict=True):
        np.testing.assert_allclose(f, a, rtol=1e-12, atol=1e-12)
    cols = [c for c in fused.columns if fused[c].dtype.kind == "f"]
    np.testing.assert_allclose(fused[cols].to_numpy(), array[cols].to_numpy(), rtol=1e-9)
