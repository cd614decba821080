"""Hill inhibition kernels and daily metrics, as pure array functions.

Shapes: concentrations ``(S, T)`` per analyte, potencies ``(P,)`` or ``(S, P)`` per analyte;
results ``(S, T, P)``. Several analytes acting on one pathway (a drug and its active
metabolite) add as competitive ligands: ``x = sum_a C_a / IC50_a`` and ``I = x^h / (1 + x^h)``,
which is the usual Hill form ``C^h / (C^h + IC50^h)`` for a single analyte.
"""

from __future__ import annotations

import numpy as np

from jakpath.exposure.kernels import array_namespace

THRESHOLDS = (0.5, 0.9)
"""Inhibition levels for 'hours at or above' metrics (50% and 90%)."""


def potency_ratio(conc_nM, ic50_nM, xp=None):
    """``C / IC50`` as (S, T, P) from concentrations (S, T) and IC50s (P,) or (S, P)."""
    xp = xp or array_namespace(conc_nM, ic50_nM)
    ic50 = xp.asarray(ic50_nM)
    ic50 = ic50[None, None, :] if ic50.ndim == 1 else ic50[:, None, :]
    return conc_nM[:, :, None] / ic50


def hill(x, hill_n=1.0, xp=None):
    """Fractional inhibition from the potency-normalised concentration ``x = C/IC50``."""
    xp = xp or array_namespace(x)
    xh = x**hill_n if not (np.isscalar(hill_n) and hill_n == 1.0) else x
    return xh / (1.0 + xh)


def inhibition(conc_nM, ic50_nM, hill_n=1.0, xp=None):
    """Fractional inhibition (S, T, P) of pathways with IC50s (P,) at concentrations (S, T)."""
    return hill(potency_ratio(conc_nM, ic50_nM, xp), hill_n, xp)


def trapezoid_weights(t_h, xp=None):
    """Trapezoid weights on a time grid, normalised to sum to 1 (the one implementation).

    ``sum(w * f(t))`` is then the trapezoid-rule time average of ``f`` over the grid.

    >>> trapezoid_weights(np.array([0.0, 1.0, 2.0, 4.0])).tolist()
    [0.125, 0.25, 0.375, 0.25]
    """
    xp = xp or array_namespace(t_h)
    dt = xp.diff(t_h)
    w = xp.concatenate([dt[:1] * 0.5, 0.5 * (dt[1:] + dt[:-1]), dt[-1:] * 0.5])
    return w / xp.sum(w)


def daily_metrics(inh, t_h, xp=None) -> dict:
    """Mean, trough, peak and hours at or above each threshold over the grid ``t_h``.

    Args:
        inh: (S, T, P) fractional inhibition over one dosing day (``t_h`` spans 24 h).
        t_h: (T,) times in h, increasing.

    Returns:
        dict of (S, P) arrays: ``mean``, ``trough``, ``peak``, ``hours_ge_50``, ``hours_ge_90``.
        Hours are the trapezoid-weighted share of the span above the level times its length.
    """
    xp = xp or array_namespace(inh, t_h)
    t_h = xp.asarray(t_h)
    w = trapezoid_weights(t_h, xp)[None, :, None]
    span = t_h[-1] - t_h[0]
    out = {
        "mean": xp.sum(inh * w, axis=1),
        "trough": xp.min(inh, axis=1),
        "peak": xp.max(inh, axis=1),
    }
    for level in THRESHOLDS:
        out[f"hours_ge_{int(level * 100)}"] = xp.sum((inh >= level) * w, axis=1) * span
    return out
