"""A fused population kernel (Numba): one pass over subjects x times x pathways.

The array kernel (:func:`jakpath.population.kernel.subject_metrics` on NumPy) makes about eight
passes over (subjects x times x pathways) temporaries. This loop computes, per subject and
time point, the concentration from the live exponential terms (the closed forms of
:func:`jakpath.exposure.kernels.superpose_decaying`, term by term, in the same order), then per
pathway the inhibition ``x / (1 + x)``, and accumulates the weighted mean, the time at or above
50% and the lowest concentration in registers: no temporaries larger than one subject's terms.

Numba is optional (``pip install 'jakpath[fast]'``); without it the NumPy path is used. Both
give the same numbers up to rounding (sums in a different order: about 1e-15 relative).
The loop releases the GIL, so the NumPy backend's chunk threads run it in parallel.
"""

from __future__ import annotations

import functools
import math

import numpy as np


def _loop(coef, rate, start, zcoef, zstart, t, w, tau, n_doses, steady, inv_ic50, span_h):
    """Per subject s, time i, pathway p (plain Python: compiled by Numba, never run as is)."""
    n_s, n_m = coef.shape
    n_z = zcoef.shape[1]
    n_t = t.shape[0]
    n_p = inv_ic50.shape[1]
    mean = np.zeros((n_s, n_p))
    hours = np.zeros((n_s, n_p))
    trough = np.empty((n_s, n_p))
    scale = np.empty(n_m)
    acc_m = np.empty(n_p)
    acc_h = np.empty(n_p)
    for s in range(n_s):
        ta = tau[s]
        for m in range(n_m):
            scale[m] = coef[s, m] / -math.expm1(-rate[s, m] * ta)
        for p in range(n_p):
            acc_m[p] = 0.0
            acc_h[p] = 0.0
        c_min = math.inf
        for i in range(n_t):
            c = 0.0
            for m in range(n_m):
                r = rate[s, m]
                elapsed = t[i] - start[s, m]
                k_last = math.floor(elapsed / ta)
                if steady:
                    c += scale[m] * math.exp(-r * (elapsed - k_last * ta))
                else:
                    doses = min(max(k_last + 1.0, 0.0), n_doses[s])
                    u = elapsed - (doses - 1.0) * ta
                    c += scale[m] * (math.exp(-r * u) - math.exp(-r * (elapsed + ta)))
            if n_z:  # zero-order input: constant pairs, summed first as the array kernel does
                zsum = 0.0
                for z in range(n_z):
                    k_last = math.floor((t[i] - zstart[s, z]) / ta)
                    count = k_last if steady else min(max(k_last + 1.0, 0.0), n_doses[s])
                    zsum += zcoef[s, z] * count
                c += zsum
            if c < c_min:
                c_min = c
            wi = w[i]
            for p in range(n_p):
                x = c * inv_ic50[s, p]
                acc_m[p] += wi * (x / (1.0 + x))
                if x >= 1.0:
                    acc_h[p] += wi
        for p in range(n_p):
            mean[s, p] = acc_m[p]
            hours[s, p] = acc_h[p] * span_h
            x = c_min * inv_ic50[s, p]
            trough[s, p] = x / (1.0 + x)
    return mean, hours, trough


@functools.lru_cache(maxsize=1)
def compiled():
    """The Numba-compiled loop, or None when Numba is not installed."""
    try:
        import numba
    except ImportError:
        return None
    try:  # the on-disk cache saves the ~1 s compilation in later processes
        return numba.njit(nogil=True, cache=True)(_loop)
    except Exception:  # no writable cache location: compile per process
        return numba.njit(nogil=True)(_loop)


def available() -> bool:
    """True when the fused kernel can run (Numba installed)."""
    return compiled() is not None


def subject_metrics_fused(coef, rate, start, zcoef, zstart, t, weights, span_h, tau, ic50, n_doses):
    """Mean inhibition, hours at >= 50% and trough, each (S, P), in one fused pass.

    Args:
        coef, rate, start: (S, M) live decaying terms of one dose.
        zcoef, zstart: (S, Z) zero-order (rate 0) terms.
        t, weights: (T,) times and trapezoid weights; span_h: hours the weights span.
        tau: (S,) dosing interval; ic50: (S, P) potencies (nM, total plasma).
        n_doses: (S,) doses, or None for steady state.
    """
    fn = compiled()
    if fn is None:
        raise RuntimeError("the fused kernel needs Numba: pip install 'jakpath[fast]'")
    s = coef.shape[0]
    steady = n_doses is None
    n = np.zeros(s) if steady else np.ascontiguousarray(n_doses, dtype=float)
    f64 = functools.partial(np.ascontiguousarray, dtype=float)
    return fn(
        f64(coef),
        f64(rate),
        f64(start),
        f64(zcoef),
        f64(zstart),
        f64(t),
        f64(weights),
        f64(tau),
        n,
        steady,
        f64(1.0 / np.asarray(ic50, dtype=float)),
        float(span_h),
    )
