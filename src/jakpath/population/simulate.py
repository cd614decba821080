"""Virtual populations: between-subject variability, potency uncertainty, summary outputs.

Subjects are simulated in chunks, on the backend's device. Subject ``i``'s random effects
come from a counter-based generator keyed by ``(seed, i)`` (``population.random``), so a
seed gives the same subjects on every backend and for any chunk size. Each chunk adds to
fixed-bin histograms of the metrics (computed where the chunk ran; only the counts travel),
so memory does not grow with the number of subjects; percentiles are nearest-rank values
read from the histograms (resolution: ``INHIBITION_BIN`` and ``HOURS_BIN``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jakpath.exposure.model import PKModel, pk_model, resolve_formulations
from jakpath.exposure.regimen import parse_regimen
from jakpath.inhibition.pathways import DAY_H, resolve_pathways
from jakpath.inhibition.potency import potency_map
from jakpath.kb import KnowledgeBase, load_kb
from jakpath.population.backends import get_backend
from jakpath.population.kernel import live_terms, trapezoid_weights
from jakpath.population.random import normals

INHIBITION_BIN = 1e-3
"""Histogram bin width of fractional inhibition (percentiles are nearest-rank values rounded
to this width)."""

HOURS_BIN = 0.05
"""Histogram bin width of hours at or above 50% inhibition."""

DEFAULT_CHUNK = 20_000
"""Subjects per chunk (NumPy: about 150 MB of temporaries at 97 times x 10 pathways)."""

MAX_SUBJECTS = 10**9
"""Largest population accepted in one call."""

STEP_H = 0.25
"""Time step (h) over the last dosing day."""

PERCENTILES = (5, 50, 95)

_PK_FIELDS = (
    "cl_L_per_h",
    "v_L",
    "q_L_per_h",
    "v2_L",
    "ka_per_h",
    "tlag_h",
    "d1_h",
    "frac_zero_order",
)
_OMEGA = {"omega_CL": "cl_L_per_h", "omega_V": "v_L", "omega_ka": "ka_per_h"}


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
    """Covariate multipliers per patient type (``_PK_FIELDS`` and ``dose``), each (K,);
    subject ``i`` is of type ``i % K`` (same assignment on every backend and chunking)."""


def _cohort_type(spec: PopulationSpec, offset: int, size: int, xp):
    k = next(iter(spec.cohort.values())).size
    index = xp.arange(size, dtype=xp.int64) + xp.asarray(offset, dtype=xp.int64)
    return index % k


def cohort_dose(spec: PopulationSpec, offset: int, size: int, xp=np):
    """Dose (size,) of each subject: the regimen's, times its patient type's dose factor."""
    if not spec.cohort:
        return xp.full(size, spec.dose_nmol)
    kind = _cohort_type(spec, offset, size, xp)
    return spec.dose_nmol * xp.asarray(spec.cohort["dose"])[kind]


def draw(spec: PopulationSpec, offset: int, size: int, seed: int, xp=np):
    """PK parameters (size,) and potencies (size, P) of subjects ``offset .. offset+size-1``.

    Log-normal random effects are median-preserving: the typical value is the median. With a
    cohort, each subject's typical values are those of its patient type.
    """
    index = xp.arange(size, dtype=xp.uint64) + xp.asarray(offset, dtype=xp.uint64)
    kind = _cohort_type(spec, offset, size, xp) if spec.cohort else None
    params = {}
    for k, f in enumerate(_PK_FIELDS):
        cv = spec.cv.get(f, 0.0)
        typical = spec.typical[f]
        if kind is not None and f in spec.cohort:
            typical = typical * xp.asarray(spec.cohort[f])[kind]
        if cv > 0:
            s = math.sqrt(math.log(1.0 + cv * cv))
            params[f] = typical * xp.exp(s * normals(seed, index, k, xp))
        else:
            params[f] = xp.full(size, 1.0) * typical
    base = len(_PK_FIELDS)
    z = xp.stack([normals(seed, index, base + j, xp) for j in range(spec.ic50_nM.size)], axis=1)
    ic50 = xp.asarray(spec.ic50_nM)[None, :] * 10.0 ** (z * xp.asarray(spec.ic50_log10_sd)[None, :])
    return params, ic50


def build_spec(
    kb: KnowledgeBase,
    model: PKModel,
    drug_id: str,
    regimen,
    cytokines,
    uncertainty: bool,
    days: float | None,
) -> tuple[PopulationSpec, list[str]]:
    """Population specification from the knowledge base; notes list what varies and why."""
    notes = []
    p = model.pk_params(1)
    typical = {f: float(getattr(p, f)[0]) for f in _PK_FIELDS}
    par = kb.pk_parameters[kb.pk_parameters.model_id == model.model_id].set_index("parameter")
    cv = {}
    for omega, field in _OMEGA.items():
        if omega in par.index:
            cv[field] = float(par.loc[omega, "value"])
            notes.append(f"BSV {field}: CV {cv[field]:.2f} ({par.loc[omega, 'source_ids']})")
    if not cv:
        notes.append(f"no between-subject variability in {model.model_id}: typical subject only")
    pots = [potency_map(kb)[(drug_id, c)] for c in cytokines]
    ic50 = np.array([pt.ic50_total_nM for pt in pots])
    sd = np.array([pt.log10_sd for pt in pots]) if uncertainty else np.zeros(len(pots))
    if uncertainty:
        notes.append(
            "potency uncertainty by tier (log10 SD per pathway: measured replicate "
            "spread, floor 0.15; predicted: leave-one-drug-out RMS error)"
        )
    if days is None:  # steady state, one dosing day
        t = np.linspace(0.0, DAY_H, int(round(DAY_H / STEP_H)) + 1)
        n_doses = None
    else:
        t = np.linspace((days - 1) * DAY_H, days * DAY_H, int(round(DAY_H / STEP_H)) + 1)
        n_doses = float(math.ceil(days * DAY_H / regimen.interval_h))
    spec = PopulationSpec(
        typical,
        cv,
        float(model.dose_amount(regimen.dose_mg)),  # nmol, x relative bioavailability
        regimen.interval_h,
        ic50,
        sd,
        t,
        trapezoid_weights(t),
        float(t[-1] - t[0]),
        n_doses,
        live_terms(model.pk_params(1)),
    )
    return spec, notes


_FIELD_OF_PARAMETER = {"CL_F": "cl_L_per_h", "V_F": "v_L", "Q_F": "q_L_per_h", "V2_F": "v2_L"}


def cohort_patients(cohort) -> list:
    """The patient types of a cohort spec (a list of Patients, or field -> values)."""
    import itertools

    from jakpath.exposure.patient import Patient

    if isinstance(cohort, dict):
        fields = list(cohort)
        values = [v if isinstance(v, list | tuple) else [v] for v in cohort.values()]
        out = [
            Patient(**dict(zip(fields, combo, strict=True))) for combo in itertools.product(*values)
        ]
    else:
        out = list(cohort)
    if not out:
        raise ValueError("empty cohort: give at least one patient type")
    if not all(isinstance(p, Patient) for p in out):
        raise ValueError("a cohort is a list of Patient, or a dict of patient field -> values")
    return out


def _with_cohort(spec: PopulationSpec, model: PKModel, cohort, kb: KnowledgeBase):
    """Spec with per-type multipliers on CL, V, Q, V2 and dose (from cited covariate effects)."""
    from dataclasses import replace as _replace

    from jakpath.exposure.patient import covariate_effects

    types = cohort_patients(cohort)
    mult = {f: np.ones(len(types)) for f in ("cl_L_per_h", "v_L", "q_L_per_h", "v2_L", "dose")}
    flags = set()
    for i, p in enumerate(types):
        factors, f_factor, table = covariate_effects(model.drug_id, p, kb)
        for param, factor in factors.items():
            if param in _FIELD_OF_PARAMETER:
                mult[_FIELD_OF_PARAMETER[param]][i] = factor
        mult["dose"][i] = f_factor
        flags |= {f for f in table.flag if f}
    notes = [
        f"cohort of {len(types)} patient types in equal shares (subject i is type i % "
        f"{len(types)}): "
        + "; ".join(p.describe() for p in types[:6])
        + (" ..." if len(types) > 6 else "")
    ]
    notes += sorted(flags)
    return _replace(spec, cohort=mult), notes


def _centred_edges(top: float, width: float) -> np.ndarray:
    """Bin edges centred on 0, width, 2 width, ..., top (so 0 and top are bin centres)."""
    n = int(round(top / width))
    return (np.arange(n + 2) - 0.5) * width


class _Histograms:
    """Fixed-bin counts per pathway; percentiles by nearest rank, reported as bin centres."""

    def __init__(self, n_pathways: int, span_h: float):
        self.inh_edges = _centred_edges(1.0, INHIBITION_BIN)
        self.hour_edges = _centred_edges(span_h, HOURS_BIN)
        self.counts = {
            "mean_inhibition": np.zeros((n_pathways, self.inh_edges.size - 1), np.int64),
            "trough_inhibition": np.zeros((n_pathways, self.inh_edges.size - 1), np.int64),
            "hours_ge_50": np.zeros((n_pathways, self.hour_edges.size - 1), np.int64),
        }

    def edges(self, metric):
        return self.hour_edges if metric == "hours_ge_50" else self.inh_edges

    def percentiles(self, metric, qs):
        edges = self.edges(metric)
        centres = 0.5 * (edges[:-1] + edges[1:])
        out = []
        for row in self.counts[metric]:
            cum = np.cumsum(row)
            ranks = [max(1, math.ceil(q / 100.0 * cum[-1])) for q in qs]
            out.append([float(centres[np.searchsorted(cum, k)]) for k in ranks])
        return np.array(out)


def bin_counts(values, edges: np.ndarray, xp=np) -> np.ndarray:
    """Counts (P, bins) of (S, P) values in fixed uniform bins.

    Computed with ``xp`` on the device that holds ``values``; only the counts come back to the
    host. Out-of-range values go to the end bins.
    """
    nb = edges.size - 1
    width = (edges[-1] - edges[0]) / nb
    idx = xp.clip(xp.floor((values - edges[0]) / width), 0, nb - 1).astype(xp.int64)
    p = values.shape[1]
    flat = (idx + (xp.arange(p, dtype=xp.int64) * nb)[None, :]).ravel()
    if xp.__name__.startswith("jax"):
        counts = xp.bincount(flat, length=p * nb)
    else:
        counts = xp.bincount(flat, minlength=p * nb)
    return np.asarray(counts.get() if hasattr(counts, "get") else counts).reshape(p, nb)


def population(
    drug: str,
    regimen,
    n: int = 10_000,
    *,
    pathways=None,
    uncertainty: bool = True,
    backend: str = "numpy",
    seed: int = 0,
    chunk: int = DEFAULT_CHUNK,
    days: float | None = None,
    kb: KnowledgeBase | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    return_subjects: bool = False,
    patient=None,
    cohort=None,
) -> pd.DataFrame:
    """Percentiles (5th/50th/95th) of daily inhibition metrics over a virtual population.

    Args:
        drug, regimen: as for :func:`jakpath.inhibition`.
        n: number of virtual subjects.
        pathways: cytokines (default: every JAK-signalling cytokine).
        uncertainty: also draw each subject's potencies from their tier's uncertainty.
        backend: ``numpy``, ``jax``, ``cupy`` or ``dask``.
        seed: one seed gives the same subjects on every backend.
        chunk: subjects per chunk (bounded memory).
        days: evaluate day ``days`` after a first dose (default: steady state).
        scheduler: Dask scheduler address (``backend="dask"``; default a local cluster).
        progress: called with (subjects done, n) after each chunk.
        return_subjects: also return per-subject metrics (memory grows with n; tests only).
        patient: a :class:`jakpath.exposure.patient.Patient` every subject shares (covariate
            effects move the typical values; variability is drawn around them).
        cohort: a covariate distribution: a list of Patients (patient types in equal shares;
            repeat a Patient to weight it), or a dict of field -> values whose combinations
            form the types (``{"egfr": [20, 35, 50], "weight_kg": [60, 90]}``). Subject ``i``
            is of type ``i % K`` on every backend.

    Returns:
        One row per pathway and metric with p5, p50, p95; ``attrs`` hold n, backend, seconds,
        throughput and the notes on what varies.
    """
    if not isinstance(n, int | np.integer) or n <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if n > MAX_SUBJECTS:
        raise ValueError(f"n={n} exceeds the maximum of {MAX_SUBJECTS} subjects per call")
    if chunk <= 0:
        raise ValueError("chunk must be positive")
    kb = kb or load_kb()
    drug_id = kb.drug_names.resolve(drug)
    (reg,), _ = resolve_formulations(drug, [parse_regimen(regimen).with_doses(None)], kb)
    model = pk_model(drug_id, reg.formulation, kb)
    if model.observed:
        raise ValueError(
            f"{drug_id} {reg.formulation} is modelled by an observed plasma level; "
            "no population PK model"
        )
    cytokines = resolve_pathways(kb, pathways)
    if patient is not None and cohort is not None:
        raise ValueError("give either patient or cohort, not both")
    extra_notes = []
    if patient is not None:
        from jakpath.exposure.patient import apply_patient

        model, effects = apply_patient(model, patient, kb)
        extra_notes.append(model.patient_note)
    spec, notes = build_spec(kb, model, drug_id, reg, cytokines, uncertainty, days)
    notes = [*notes, *extra_notes]
    if cohort is not None:
        spec, cohort_notes = _with_cohort(spec, model, cohort, kb)
        notes += cohort_notes
    run_chunks = get_backend(backend, scheduler)
    chunks = [(lo, min(chunk, n - lo)) for lo in range(0, n, chunk)]
    hist = _Histograms(len(cytokines), spec.span_h)
    subjects = []
    t0 = time.perf_counter()
    done = 0
    for counts, per_subject, size in run_chunks(spec, chunks, seed, hist, return_subjects):
        for metric, c in counts.items():
            hist.counts[metric] += c
        if return_subjects:
            subjects.append(per_subject)
        done += size
        if progress:
            progress(done, n)
    seconds = time.perf_counter() - t0
    rows = []
    for metric in ("mean_inhibition", "hours_ge_50", "trough_inhibition"):
        pct = hist.percentiles(metric, PERCENTILES)
        for j, c in enumerate(cytokines):
            rows.append(
                {
                    "drug": drug_id,
                    "regimen": reg.label(),
                    "cytokine": c,
                    "metric": metric,
                    **{f"p{q}": pct[j, k] for k, q in enumerate(PERCENTILES)},
                }
            )
    out = pd.DataFrame(rows)
    out.attrs.update(
        n=n,
        backend=backend,
        seconds=seconds,
        seed=seed,
        subject_days_per_s=n * (days or 1.0) / seconds if seconds > 0 else math.inf,
        notes=notes,
        data_version=kb.version,
    )
    if return_subjects:
        out.attrs["subjects"] = tuple(np.concatenate(x) for x in zip(*subjects, strict=True))
    return out
