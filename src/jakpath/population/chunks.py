"""What one chunk of a virtual population needs, shared by the runner and every backend.

The population specification (host arrays), the counter-based draw of subjects' random
effects, the kernel call for a chunk and the fixed-bin histograms the chunks add to. Both
``population.simulate`` (which builds specs and reads percentiles) and
``population.backends`` (which runs chunks) import from here; neither imports the other's
internals, so there is no import cycle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jakpath.population.kernel import subject_metrics
from jakpath.population.random import normals

INHIBITION_BIN = 1e-3
"""Histogram bin width of fractional inhibition (percentiles are nearest-rank values rounded
to this width)."""

HOURS_BIN = 0.05
"""Histogram bin width of hours at or above 50% inhibition."""

PK_FIELDS = (
    "cl_L_per_h",
    "v_L",
    "q_L_per_h",
    "v2_L",
    "ka_per_h",
    "tlag_h",
    "d1_h",
    "frac_zero_order",
)
OMEGA_FIELDS = {"omega_CL": "cl_L_per_h", "omega_V": "v_L", "omega_ka": "ka_per_h"}


@dataclass(frozen=True)
class PopulationSpec:
    """Everything a chunk needs, on the host: typical values, variabilities, potencies."""

    typical: dict[str, float]
    cv: dict[str, float]  # field -> coefficient of variation (log-normal)
    dose_nmol: float
    tau_h: float
    ic50_nM: np.ndarray  # (P,)
    ic50_log10_sd: np.ndarray  # (P,) 0 without uncertainty
    t_h: np.ndarray
    weights: np.ndarray
    span_h: float
    n_doses: float | None
    live: np.ndarray
    cohort: dict[str, np.ndarray] | None = None
    """Covariate multipliers per patient type (``PK_FIELDS`` and ``dose``), each (K,);
    subject ``i`` is of type ``i % K`` (same assignment on every backend and chunking)."""


def _cohort_type(spec: PopulationSpec, offset: int, size: int, xp: Any) -> Any:
    k = next(iter((spec.cohort or {}).values())).size
    index = xp.arange(size, dtype=xp.int64) + xp.asarray(offset, dtype=xp.int64)
    return index % k


def cohort_dose(spec: PopulationSpec, offset: int, size: int, xp: Any = np) -> Any:
    """Dose (size,) of each subject: the regimen's, times its patient type's dose factor."""
    if not spec.cohort:
        return xp.full(size, spec.dose_nmol)
    kind = _cohort_type(spec, offset, size, xp)
    return spec.dose_nmol * xp.asarray(spec.cohort["dose"])[kind]


def draw(
    spec: PopulationSpec, offset: int, size: int, seed: Any, xp: Any = np
) -> tuple[dict[str, Any], Any]:
    """PK parameters (size,) and potencies (size, P) of subjects ``offset .. offset+size-1``.

    Log-normal random effects are median-preserving: the typical value is the median. With a
    cohort, each subject's typical values are those of its patient type.
    """
    index = xp.arange(size, dtype=xp.uint64) + xp.asarray(offset, dtype=xp.uint64)
    cohort = spec.cohort or {}
    kind = _cohort_type(spec, offset, size, xp) if cohort else None
    params = {}
    for k, f in enumerate(PK_FIELDS):
        cv = spec.cv.get(f, 0.0)
        typical = spec.typical[f]
        if kind is not None and f in cohort:
            typical = typical * xp.asarray(cohort[f])[kind]
        if cv > 0:
            s = math.sqrt(math.log(1.0 + cv * cv))
            params[f] = typical * xp.exp(s * normals(seed, index, k, xp))
        else:
            params[f] = xp.full(size, 1.0) * typical
    base = len(PK_FIELDS)
    z = xp.stack([normals(seed, index, base + j, xp) for j in range(spec.ic50_nM.size)], axis=1)
    ic50 = xp.asarray(spec.ic50_nM)[None, :] * 10.0 ** (z * xp.asarray(spec.ic50_log10_sd)[None, :])
    return params, ic50


def centred_edges(top: float, width: float) -> np.ndarray:
    """Bin edges centred on 0, width, 2 width, ..., top (so 0 and top are bin centres)."""
    n = int(round(top / width))
    return (np.arange(n + 2) - 0.5) * width


class Histograms:
    """Fixed-bin counts per pathway; percentiles by nearest rank, reported as bin centres."""

    def __init__(self, n_pathways: int, span_h: float) -> None:
        self.inh_edges = centred_edges(1.0, INHIBITION_BIN)
        self.hour_edges = centred_edges(span_h, HOURS_BIN)
        self.counts = {
            "mean_inhibition": np.zeros((n_pathways, self.inh_edges.size - 1), np.int64),
            "trough_inhibition": np.zeros((n_pathways, self.inh_edges.size - 1), np.int64),
            "hours_ge_50": np.zeros((n_pathways, self.hour_edges.size - 1), np.int64),
        }

    def edges(self, metric: str) -> np.ndarray:
        """Bin edges of a metric."""
        return self.hour_edges if metric == "hours_ge_50" else self.inh_edges

    def percentiles(self, metric: str, qs: Sequence[float]) -> np.ndarray:
        """Nearest-rank percentiles ``qs`` (P, len(qs)) of a metric, as bin centres."""
        edges = self.edges(metric)
        centres = 0.5 * (edges[:-1] + edges[1:])
        out = []
        for row in self.counts[metric]:
            cum = np.cumsum(row)
            ranks = [max(1, math.ceil(q / 100.0 * cum[-1])) for q in qs]
            out.append([float(centres[np.searchsorted(cum, k)]) for k in ranks])
        return np.array(out)


def bin_counts_device(values: Any, edges: np.ndarray, xp: Any = np) -> Any:
    """Histogram counts (P, bins) of (S, P) values in fixed uniform bins, as an ``xp`` array.

    Stays on the device that holds ``values`` (traceable by JAX). Out-of-range values go to
    the end bins.
    """
    nb = edges.size - 1
    width = (edges[-1] - edges[0]) / nb
    idx = xp.clip(xp.floor((values - edges[0]) / width), 0, nb - 1).astype(xp.int64)
    p = values.shape[1]
    flat = (idx + (xp.arange(p, dtype=xp.int64) * nb)[None, :]).ravel()
    if xp.__name__.startswith("jax"):  # JAX needs a static length to trace
        counts = xp.bincount(flat, length=p * nb)
    else:
        counts = xp.bincount(flat, minlength=p * nb)
    return counts.reshape(p, nb)


def bin_counts(values: Any, edges: np.ndarray, xp: Any = np) -> np.ndarray:
    """Counts (P, bins) of (S, P) values in fixed uniform bins, as a host NumPy array.

    Computed with ``xp`` on the device that holds ``values``; only the counts come back to the
    host. Out-of-range values go to the end bins.

    >>> edges = np.array([-0.5, 0.5, 1.5])
    >>> bin_counts(np.array([[0.0], [1.0], [7.0]]), edges).tolist()
    [[1, 2]]
    """
    return to_host(bin_counts_device(values, edges, xp))


def to_host(array: Any) -> np.ndarray:
    """A NumPy copy of a NumPy, CuPy or JAX array."""
    return np.asarray(array.get() if hasattr(array, "get") else array)


METRICS = ("mean_inhibition", "hours_ge_50", "trough_inhibition")
"""The population metrics, in the order the kernel returns them."""


def chunk_metrics(spec: PopulationSpec, offset: int, size: int, seed: Any, xp: Any) -> tuple:
    """(mean, hours_ge_50, trough), each (size, P), of subjects ``offset .. offset+size-1``."""
    params, ic50 = draw(spec, offset, size, seed, xp)
    n_doses = None if spec.n_doses is None else xp.full(size, spec.n_doses)
    return subject_metrics(
        params,
        cohort_dose(spec, offset, size, xp),
        xp.full(size, spec.tau_h),
        ic50,
        xp.asarray(spec.t_h),
        xp.asarray(spec.weights),
        spec.span_h,
        spec.live,
        n_doses,
        xp,
    )


def bin_metrics(hist: Histograms, mean: Any, hours: Any, trough: Any, xp: Any) -> dict:
    """Host counts per metric of one chunk's per-subject metrics."""
    return {
        "mean_inhibition": bin_counts(mean, hist.inh_edges, xp),
        "hours_ge_50": bin_counts(hours, hist.hour_edges, xp),
        "trough_inhibition": bin_counts(trough, hist.inh_edges, xp),
    }
