"""A fused population kernel (Numba): subjects x times x pathways in cache-sized blocks.

The array kernel (:func:`jakpath.population.kernel.subject_metrics` on NumPy) makes about eight
passes over (subjects x times x pathways) temporaries in memory. Here, per block of
``BLOCK_SUBJECTS`` subjects (everything stays in the CPU cache):

1. one compiled loop writes the exponents of the closed form of
   :func:`jakpath.exposure.kernels.superpose_decaying` (the same operations, so the same values);
2. NumPy's vectorised ``exp`` evaluates them in place (compiled loops cannot vectorise ``exp``
   without Intel's SVML, which pip's llvmlite lacks);
3. one compiled loop sums the terms into the concentration and, per pathway, accumulates the
   weighted mean of ``x / (1 + x)``, the time at or above 50% and the trough (vectorised
   divisions: ``error_model="numpy"`` drops Python's zero-division check).

Numba is optional (``pip install 'jakpath[fast]'``); without it the NumPy path is used. Both
give the same numbers up to rounding (weighted sums in a different order: about 1e-16).
The loops release the GIL, so the NumPy backend's chunk threads run them in parallel.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

BLOCK_SUBJECTS = 32
"""Subjects per block: 32 x 673 times x 2 terms x 2 exponents x 8 bytes = 0.7 MB (L2 cache)."""


def _exponents(rate, start, t, tau, n_doses, steady, out):
    """Exponents of the live decaying terms: out[0] = -r u, out[1] = -r (elapsed + tau)."""
    n_s, n_m = rate.shape
    for s in range(n_s):
        ta = tau[s]
        for m in range(n_m):
            r = rate[s, m]
            st = start[s, m]
            for i in range(t.shape[0]):
                elapsed = t[i] - st
                k_last = math.floor(elapsed / ta)
                if steady:
                    out[0, s, m, i] = -r * (elapsed - k_last * ta)
                else:
                    doses = min(max(k_last + 1.0, 0.0), n_doses[s])
                    out[0, s, m, i] = -r * (elapsed - (doses - 1.0) * ta)
                    out[1, s, m, i] = -r * (elapsed + ta)


def _metrics(scale, e, zcoef, zstart, t, tau, n_doses, steady, inv_ic50, w, span_h, out, lo):
    """Concentrations from the exponentials, then per pathway mean, hours >= 50%, trough."""
    mean, hours, trough = out
    n_s, n_m = scale.shape
    n_z = zcoef.shape[1]
    n_t = t.shape[0]
    n_p = inv_ic50.shape[1]
    c = np.empty(n_t)
    for s in range(n_s):
        for i in range(n_t):
            c[i] = 0.0
        for m in range(n_m):
            sc = scale[s, m]
            if steady:
                for i in range(n_t):
                    c[i] += sc * e[0, s, m, i]
            else:
                for i in range(n_t):
                    c[i] += sc * (e[0, s, m, i] - e[1, s, m, i])
        if n_z:  # zero-order input: constant pairs, summed first as the array kernel does
            ta = tau[s]
            for i in range(n_t):
                zsum = 0.0
                for z in range(n_z):
                    k_last = math.floor((t[i] - zstart[s, z]) / ta)
                    count = k_last if steady else min(max(k_last + 1.0, 0.0), n_doses[s])
                    zsum += zcoef[s, z] * count
                c[i] += zsum
        c_min = c[0]
        for i in range(1, n_t):
            c_min = min(c_min, c[i])
        for p in range(n_p):
            inv = inv_ic50[s, p]
            acc_m = 0.0
            acc_h = 0.0
            for i in range(n_t):
                x = c[i] * inv
                acc_m += w[i] * (x / (1.0 + x))
                acc_h += w[i] * (x >= 1.0)
            mean[lo + s, p] = acc_m
            hours[lo + s, p] = acc_h * span_h
            x = c_min * inv
            trough[lo + s, p] = x / (1.0 + x)


@functools.lru_cache(maxsize=1)
def compiled() -> tuple[Any, Any] | None:
    """The two compiled loops, or None when Numba is not installed."""
    try:
        import numba
    except ImportError:
        return None
    plain: dict[str, Any] = dict(
        nogil=True, error_model="numpy"
    )  # exponents exactly as the array kernel
    summed: dict[str, Any] = dict(
        plain, fastmath={"reassoc"}
    )  # vectorised sums (order differs by rounding)
    try:  # the on-disk cache saves the compilation in later processes
        return numba.njit(cache=True, **plain)(_exponents), numba.njit(cache=True, **summed)(
            _metrics
        )
    except Exception:  # no writable cache location: compile per process
        return numba.njit(**plain)(_exponents), numba.njit(**summed)(_metrics)


def available() -> bool:
    """True when the fused kernel can run (Numba installed)."""
    return compiled() is not None


def subject_metrics_fused(
    coef: np.ndarray,
    rate: np.ndarray,
    start: np.ndarray,
    zcoef: np.ndarray,
    zstart: np.ndarray,
    t: np.ndarray,
    weights: np.ndarray,
    span_h: float,
    tau: np.ndarray,
    ic50: np.ndarray,
    n_doses: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean inhibition, hours at >= 50% and trough, each (S, P), block by block.

    Args:
        coef, rate, start: (S, M) live decaying terms of one dose.
        zcoef, zstart: (S, Z) zero-order (rate 0) terms.
        t, weights: (T,) times and trapezoid weights; span_h: hours the weights span.
        tau: (S,) dosing interval; ic50: (S, P) potencies (nM, total plasma).
        n_doses: (S,) doses, or None for steady state.
    """
    fns = compiled()
    if fns is None:
        raise RuntimeError("the fused kernel needs Numba: pip install 'jakpath[fast]'")
    exponents, metrics = fns
    f64 = functools.partial(np.ascontiguousarray, dtype=float)
    rate, start, zcoef, zstart, t, w, tau = map(f64, (rate, start, zcoef, zstart, t, weights, tau))
    scale = f64(coef / -np.expm1(-rate * tau[:, None]))  # as superpose_decaying computes it
    inv_ic50 = f64(1.0 / np.asarray(ic50, dtype=float))
    n_s, n_m = rate.shape
    steady = n_doses is None
    n_doses = np.zeros(n_s) if steady else f64(n_doses)
    shape = (n_s, inv_ic50.shape[1])
    out = (np.empty(shape), np.empty(shape), np.empty(shape))
    buf = np.empty((1 if steady else 2, min(BLOCK_SUBJECTS, n_s), n_m, t.size))
    for lo in range(0, n_s, BLOCK_SUBJECTS):
        hi = min(n_s, lo + BLOCK_SUBJECTS)
        e = buf[:, : hi - lo]
        exponents(rate[lo:hi], start[lo:hi], t, tau[lo:hi], n_doses[lo:hi], steady, e)
        np.exp(e, out=e)
        metrics(
            scale[lo:hi],
            e,
            zcoef[lo:hi],
            zstart[lo:hi],
            t,
            tau[lo:hi],
            n_doses[lo:hi],
            steady,
            inv_ic50[lo:hi],
            w,
            float(span_h),
            out,
            lo,
        )
    return out
