"""The population kernel: per subject PK parameters and potencies -> daily inhibition metrics.

One pure array function (``subject_metrics``) serves every backend: NumPy, CuPy and JAX
arrays go through the same code (``xp`` is the array module). Only the terms that are live
for the model's structure are kept (decided once on the host), so a one-compartment oral
model costs two exponentials per time point and subject.

On NumPy, when Numba is installed (``pip install 'jakpath[fast]'``), the same metrics come from
a fused loop (:mod:`jakpath.population.fused`) instead of array passes; ``JAKPATH_KERNEL=numpy``
(or ``fused=False``) forces the array code, ``JAKPATH_KERNEL=numba`` requires the fused loop.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from jakpath.exposure.kernels import PKParams, single_dose_terms, superpose_decaying
from jakpath.inhibition.hill import trapezoid_weights

__all__ = ["live_terms", "subject_metrics", "trapezoid_weights"]


def live_terms(p_typical: PKParams) -> np.ndarray:
    """Live columns of ``single_dose_terms``: 0 dead, 1 decaying, 2 rate 0 (zero-order input).

    Decided on the typical subject: the structure (which terms exist) does not change with
    the random effects. The ka == k limit (power 1) has probability zero and is not handled.
    """
    coef, rate, _, power = single_dose_terms(p_typical, np.ones(p_typical.n), np)
    live = np.any(coef != 0, axis=0)
    kind = np.where(live, np.where(np.all(rate <= 0, axis=0), 2, 1), 0)
    if np.any(live & np.any(power != 0, axis=0)):
        raise ValueError("population kernel: the typical subject has ka == k exactly")
    return kind


KERNEL_ENV = "JAKPATH_KERNEL"
"""Environment variable: ``auto`` (default: fused if Numba is installed), ``numba`` or ``numpy``."""


def use_fused(fused: bool | None = None) -> bool:
    """Whether NumPy-array calls of :func:`subject_metrics` run the fused (Numba) loop."""
    from jakpath.population.fused import available

    if fused is None:
        choice = os.environ.get(KERNEL_ENV, "auto").strip().lower() or "auto"
        if choice not in ("auto", "numba", "numpy"):
            raise ValueError(f"{KERNEL_ENV}={choice!r}: choose auto, numba or numpy")
        if choice == "numpy":
            return False
        fused = True if choice == "numba" else available()
    if fused and not available():
        raise RuntimeError("the fused kernel needs Numba: pip install 'jakpath[fast]'")
    return bool(fused)


def subject_metrics(
    params: dict[str, Any],
    dose: Any,
    tau: Any,
    ic50: Any,
    t: Any,
    weights: Any,
    span_h: float,
    live: np.ndarray,
    n_doses: Any | None = None,
    xp: Any = np,
    fused: bool | None = None,
) -> tuple[Any, Any, Any]:
    """Mean inhibition, hours at >= 50% and trough per subject and pathway.

    Args:
        params: arrays (S,) for ``PKParams`` fields.
        dose: (S,) amount (nmol); tau: (S,) interval (h).
        ic50: (S, P) potency on the total-plasma scale (nM).
        t: (T,) evaluation times; weights: (T,) trapezoid weights summing to 1.
        live: host array of live-term kinds (``live_terms``).
        n_doses: (S,) or None (steady state).
        fused: NumPy arrays only: True for the fused loop, False for array passes, None for
            the ``JAKPATH_KERNEL`` choice (default: fused when Numba is installed).

    Returns:
        (mean, hours_ge_50, trough), each (S, P).
    """
    p = PKParams(**params)
    coef, rate, start, _ = single_dose_terms(p, dose, xp)
    idx = np.flatnonzero(live == 1)
    zero = np.flatnonzero(live == 2)
    if xp is np and use_fused(fused):
        from jakpath.population.fused import subject_metrics_fused

        tau = np.broadcast_to(np.asarray(tau, dtype=float), (coef.shape[0],))
        return subject_metrics_fused(
            coef[:, idx],
            rate[:, idx],
            start[:, idx],
            coef[:, zero],
            start[:, zero],
            t,
            weights,
            span_h,
            tau,
            ic50,
            n_doses,
        )
    conc = superpose_decaying(coef[:, idx], rate[:, idx], start[:, idx], t, tau, n_doses, xp)
    if zero.size:  # zero-order input: constant pairs, +K from the lag, -K after D1
        elapsed = t[None, :, None] - start[:, None, zero]
        k_last = xp.floor(elapsed / tau[:, None, None])
        count = k_last if n_doses is None else xp.clip(k_last + 1.0, 0.0, n_doses[:, None, None])
        conc = conc + xp.sum(coef[:, None, zero] * count, axis=-1)
    inv_ic50 = 1.0 / ic50
    x = conc[:, :, None] * inv_ic50[:, None, :]  # (S, T, P)
    mean = xp.einsum("stp,t->sp", x / (1.0 + x), weights)
    hours = xp.einsum("stp,t->sp", (x >= 1.0).astype(x.dtype), weights) * span_h
    # inhibition is monotone in concentration: the trough is at the lowest concentration
    c_min = xp.min(conc, axis=1)[:, None] * inv_ic50
    trough = c_min / (1.0 + c_min)
    return mean, hours, trough
