"""Closed-form concentration kernels: superposition of exponential terms, no time stepping.

A single oral dose of a linear one- or two-compartment model, with a lag time and a mix of
zero-order (duration ``D1``) and first-order (rate ``ka``) input, gives a plasma
concentration that is a sum of *terms* ``c * (t - s)**p * exp(-r * (t - s)) * H(t - s)``
(start time ``s``, rate ``r``, power ``p`` in {0, 1}; ``p = 1`` only for the ka == lambda
limit). Repeated doses every ``tau`` add geometric series per term, which have closed forms
for a finite number of doses and for steady state (doses at every multiple of ``tau``).

Arrays: parameters have shape ``(S,)`` (subjects or regimens), times ``(T,)``; results are
``(S, T)``. The functions only use operations shared by NumPy, CuPy and ``jax.numpy``
(``xp`` is picked from the inputs), so one kernel serves CPU, GPU and Dask chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

EQUAL_RATE_RTOL = 1e-7
"""Relative distance below which ka and a disposition rate are treated as equal (limit form)."""


def array_namespace(*arrays: Any):
    """The array module (numpy, cupy or jax.numpy) the inputs belong to."""
    for a in arrays:
        mod = type(a).__module__
        if mod.startswith("cupy"):
            import cupy

            return cupy
        if mod.startswith("jax") or mod.startswith("jaxlib"):
            import jax.numpy as jnp

            return jnp
    return np


@dataclass(frozen=True)
class PKParams:
    """Typical or per-subject PK parameters as arrays of shape ``(S,)`` (apparent, i.e. /F).

    Attributes:
        cl_L_per_h: apparent clearance CL/F.
        v_L: apparent central volume V/F.
        q_L_per_h: apparent inter-compartmental clearance Q/F (0 for one compartment).
        v2_L: apparent peripheral volume V2/F (any positive value when ``q`` is 0).
        ka_per_h: first-order absorption rate constant.
        tlag_h: absorption lag time.
        d1_h: duration of the zero-order input.
        frac_zero_order: fraction of the dose entering by zero-order input (0..1).
    """

    cl_L_per_h: Any
    v_L: Any
    q_L_per_h: Any
    v2_L: Any
    ka_per_h: Any
    tlag_h: Any
    d1_h: Any
    frac_zero_order: Any

    @property
    def n(self) -> int:
        """Number of parameter sets."""
        return int(self.cl_L_per_h.shape[0])


def disposition(p: PKParams, xp=np):
    """Unit-bolus disposition ``sum_i A_i exp(-lambda_i t)``: returns (A, lam), each (S, 2)."""
    k10 = p.cl_L_per_h / p.v_L
    k12 = p.q_L_per_h / p.v_L
    k21 = p.q_L_per_h / p.v2_L
    a = k10 + k12 + k21
    disc = xp.sqrt(xp.maximum(a * a - 4.0 * k10 * k21, 0.0))
    alpha = 0.5 * (a + disc)
    beta = (2.0 * k10 * k21) / (a + disc)  # = 0.5*(a - disc) without cancellation
    span = alpha - beta
    big_a = (alpha - k21) / (p.v_L * span)
    big_b = (k21 - beta) / (p.v_L * span)
    return xp.stack([big_a, big_b], axis=-1), xp.stack([alpha, beta], axis=-1)


def _ratio(num_rate, den_rate, xp):
    """``num_rate / (num_rate - den_rate)``-style factor, safe where the rates are equal."""
    diff = num_rate - den_rate
    equal = xp.abs(diff) <= EQUAL_RATE_RTOL * xp.maximum(xp.abs(num_rate), 1e-300)
    return xp.where(equal, 1.0, diff), equal


def single_dose_terms(p: PKParams, dose: Any, xp=np):
    """Exponential terms of one dose: coefficient, rate, start, power, each (S, M).

    ``dose`` is in the amount unit of the result (nmol gives nM with volumes in L).
    """
    amps, lams = disposition(p, xp)  # (S, 2)
    dose = xp.asarray(dose)[..., None] * xp.ones_like(amps)
    lag = p.tlag_h[:, None] * xp.ones_like(amps)
    f0 = p.frac_zero_order[:, None]
    f1 = 1.0 - f0
    ka = p.ka_per_h[:, None] * xp.ones_like(amps)
    d1 = p.d1_h[:, None] * xp.ones_like(amps)

    # first-order input: A ka/(ka-lam) [e^{-lam u} - e^{-ka u}]; limit A ka u e^{-ka u}
    diff, equal = _ratio(ka, lams, xp)
    c_fo = xp.where(equal, 0.0, f1 * dose * amps * ka / diff)
    c_lim = xp.where(equal, f1 * dose * amps * ka, 0.0)
    zero = xp.zeros_like(amps)

    # zero-order input at rate f0*D/D1: K (1 - e^{-lam u}) minus the same shifted by D1,
    # K = f0 D A / (D1 lam).
    safe_d1 = xp.where(d1 > 0, d1, 1.0)
    safe_lam = xp.where(lams > 0, lams, 1.0)  # lam = 0 only with A = 0 (no second compartment)
    k_zo = xp.where((d1 > 0) & (f0 > 0) & (lams > 0), f0 * dose * amps / (safe_d1 * safe_lam), 0.0)
    # a zero-length zero-order input is a bolus at the lag time
    c_bolus = xp.where((d1 <= 0) & (f0 > 0), f0 * dose * amps, 0.0)

    coef = xp.concatenate([c_fo, -c_fo, c_lim, k_zo, -k_zo, -k_zo, k_zo, c_bolus], axis=-1)
    rate = xp.concatenate([lams, ka, ka, zero, lams, zero, lams, lams], axis=-1)
    start = xp.concatenate([lag, lag, lag, lag, lag, lag + d1, lag + d1, lag], axis=-1)
    power = xp.concatenate([zero, zero, zero + 1.0, zero, zero, zero, zero, zero], axis=-1)
    return coef, rate, start, power


def superpose(coef, rate, start, power, t, tau, n_doses=None, xp=None):
    """Sum of the terms over doses at ``0, tau, 2 tau, ...`` evaluated at times ``t``.

    With NumPy arrays, terms whose coefficient is zero for every subject are dropped and
    plain decaying terms (``p = 0``, ``r > 0``, the common case) take a fast path with one
    exponential per element (steady state) or two (finite doses); other array libraries run
    the general form, which has no data-dependent shapes (so it can be traced by JAX).

    Args:
        coef, rate, start, power: (S, M) terms of one dose.
        t: (T,) or (S, T) times in h after the first dose (steady state: after any dose).
        tau: (S,) dosing interval in h.
        n_doses: (S,) number of doses, or ``None`` for steady state (a dose at every
            multiple of ``tau``, past and future).

    Returns:
        (S, T) concentrations.
    """
    xp = xp or array_namespace(coef, t)
    if xp is np:
        return _superpose_numpy(coef, rate, start, power, t, tau, n_doses)
    return _superpose_general(coef, rate, start, power, t, tau, n_doses, xp)


def _superpose_numpy(coef, rate, start, power, t, tau, n_doses):
    """NumPy path: prune all-zero terms, fast path for plain decaying terms."""
    t = np.asarray(t, dtype=float)
    live = np.any(coef != 0, axis=0)
    simple = live & np.all((power == 0) & (rate > 0), axis=0)
    special = live & ~simple
    out = None
    if simple.any():
        out = _superpose_simple(coef[:, simple], rate[:, simple], start[:, simple], t, tau, n_doses)
    if special.any():
        extra = _superpose_general(
            coef[:, special],
            rate[:, special],
            start[:, special],
            power[:, special],
            t,
            tau,
            n_doses,
            np,
        )
        out = extra if out is None else out + extra
    if out is None:
        shape = (coef.shape[0], t.shape[-1])
        return np.zeros(shape)
    return out


def _superpose_simple(coef, rate, start, t, tau, n_doses):
    """Terms ``c e^{-r u}`` with r > 0: closed-form geometric sums, few temporaries."""
    t3 = t[None, :, None] if t.ndim == 1 else t[:, :, None]
    r = rate[:, None, :]
    tau3 = tau[:, None, None]
    scale = (coef / -np.expm1(-rate * tau[:, None]))[:, None, :]  # c / (1 - q)
    elapsed = t3 - start[:, None, :]
    k_last = np.floor(elapsed / tau3)
    if n_doses is None:
        u = elapsed - k_last * tau3
        np.multiply(u, -r, out=u)
        np.exp(u, out=u)
        u *= scale
        return u.sum(axis=-1)
    n3 = np.asarray(n_doses, dtype=float)[:, None, None]
    m = np.clip(k_last + 1.0, 0.0, n3)
    # sum_{n<m} e^{-r(elapsed - n tau)} = (e^{-r u} - e^{-r (elapsed + tau)}) / (1 - q),
    # u = elapsed - (m - 1) tau; both exponentials coincide when m = 0
    u = elapsed - (m - 1.0) * tau3
    np.multiply(u, -r, out=u)
    np.exp(u, out=u)
    elapsed += tau3
    np.multiply(elapsed, -r, out=elapsed)
    np.exp(elapsed, out=elapsed)
    u -= elapsed
    u *= scale
    return u.sum(axis=-1)


def superpose_decaying(coef, rate, start, t, tau, n_doses=None, xp=np):
    """Terms ``c e^{-r u}`` (r > 0, p = 0) summed over doses; any array library.

    The same closed forms as the NumPy fast path, written without in-place operations so it
    runs (and fuses under ``jax.jit``) on NumPy, CuPy and JAX arrays alike.
    """
    t3 = t[None, :, None] if t.ndim == 1 else t[:, :, None]
    r = rate[:, None, :]
    tau3 = tau[:, None, None]
    scale = (coef / -xp.expm1(-rate * tau[:, None]))[:, None, :]
    elapsed = t3 - start[:, None, :]
    k_last = xp.floor(elapsed / tau3)
    if n_doses is None:
        return xp.sum(scale * xp.exp(-r * (elapsed - k_last * tau3)), axis=-1)
    m = xp.clip(k_last + 1.0, 0.0, n_doses[:, None, None])
    u = elapsed - (m - 1.0) * tau3
    return xp.sum(scale * (xp.exp(-r * u) - xp.exp(-r * (elapsed + tau3))), axis=-1)


def _superpose_general(coef, rate, start, power, t, tau, n_doses, xp):
    """Any terms (rate 0, power 1), any array library; no data-dependent shapes."""
    t = xp.asarray(t)
    t3 = t[None, :, None] if t.ndim == 1 else t[:, :, None]  # (S|1, T, 1)
    c = coef[:, None, :]
    r = rate[:, None, :]
    s = start[:, None, :]
    pw = power[:, None, :]
    tau3 = tau[:, None, None]
    elapsed = t3 - s
    k_last = xp.floor(elapsed / tau3)  # index of the latest dose whose term has started
    u = elapsed - k_last * tau3  # time since that dose's term started, in [0, tau)
    q = xp.exp(-r * tau3)
    if n_doses is None:
        m = None
        one_minus_q = -xp.expm1(-r * tau3)
        zero_rate = r <= 0
        safe = xp.where(zero_rate, 1.0, one_minus_q)
        s0 = xp.where(zero_rate, k_last, 1.0 / safe)  # rate-0 terms: pairs cancel constants
        s1 = xp.where(zero_rate, 0.0, q / (safe * safe))
    else:
        n3 = xp.asarray(n_doses)[:, None, None]
        m = xp.clip(k_last + 1.0, 0.0, n3)  # doses whose term has started
        # when all doses have started, the latest is dose n-1: shift u accordingly
        u = xp.where(k_last + 1.0 > n3, elapsed - (n3 - 1.0) * tau3, u)
        zero_rate = r <= 0
        one_minus_q = -xp.expm1(-r * tau3)
        safe = xp.where(zero_rate, 1.0, one_minus_q)
        qm = xp.exp(-r * tau3 * m)
        s0 = xp.where(zero_rate, m, -xp.expm1(-r * tau3 * m) / safe)
        # sum_{n<m} n q^n
        s1 = xp.where(
            zero_rate,
            0.0,
            (q - m * qm + (m - 1.0) * qm * q) / (safe * safe),
        )
    decay = xp.exp(-r * u)
    # p = 0: sum_n e^{-r(u + n tau)} = e^{-ru} S0 ; p = 1: e^{-ru} (u S0 + tau S1)
    series = xp.where(pw > 0, u * s0 + tau3 * s1, s0)
    term = c * decay * series
    if m is not None:
        term = xp.where(m > 0, term, 0.0)
    return xp.sum(term, axis=-1)


def concentration(p: PKParams, dose, t, tau, n_doses=None, xp=None):
    """Plasma concentration (S, T) of a regimen; dose in nmol gives nM (volumes in L)."""
    xp = xp or array_namespace(p.cl_L_per_h, t)
    coef, rate, start, power = single_dose_terms(p, dose, xp)
    return superpose(coef, rate, start, power, t, tau, n_doses, xp)


def metabolite_terms(coef, rate, start, power, parent_cl_L_per_h, met_cl_L_per_h, met_v_L, xp=np):
    """Terms of a metabolite formed from the parent's elimination (apparent parameters).

    The metabolite has one compartment with apparent clearance and volume
    ``CLm/(fm F)`` and ``Vm/(fm F)``; its formation rate is ``CL_F * C_parent``. Each parent
    term ``c e^{-r u}`` yields ``c' (e^{-r u} - e^{-km u})`` with
    ``c' = CL_F c / (Vm (km - r))``; the rate-0 and power-1 terms are handled exactly.
    """
    km = (met_cl_L_per_h / met_v_L)[:, None]
    gain = (parent_cl_L_per_h / met_v_L)[:, None]
    diff, equal = _ratio(km, rate, xp)
    is_p1 = power > 0
    # p=0: c gain/(km-r) [e^{-ru} - e^{-km u}]  (equal rates: c gain u e^{-km u})
    c0 = xp.where(is_p1 | equal, 0.0, coef * gain / diff)
    c0_lim = xp.where(~is_p1 & equal, coef * gain, 0.0)
    # p=1: input c u e^{-ru}: conv = c gain [u e^{-ru}/(km-r) - (e^{-ru}-e^{-km u})/(km-r)^2]
    c1 = xp.where(is_p1 & ~equal, coef * gain / diff, 0.0)
    c1b = xp.where(is_p1 & ~equal, coef * gain / (diff * diff), 0.0)
    km_full = km * xp.ones_like(rate)
    zero = xp.zeros_like(rate)
    one = zero + 1.0
    new_coef = xp.concatenate([c0, -c0, c0_lim, c1, -c1b, c1b], axis=-1)
    new_rate = xp.concatenate([rate, km_full, km_full, rate, rate, km_full], axis=-1)
    new_start = xp.concatenate([start] * 6, axis=-1)
    new_power = xp.concatenate([zero, zero, one, one, zero, zero], axis=-1)
    return new_coef, new_rate, new_start, new_power
