"""Virtual populations: between-subject variability, potency uncertainty, summary outputs.

Subjects are simulated in chunks, on the backend's device. Subject ``i``'s random effects
come from a counter-based generator keyed by ``(seed, i)`` (``population.random``), so a
seed gives the same subjects on every backend and for any chunk size. Each chunk adds to
fixed-bin histograms of the metrics (computed where the chunk ran; only the counts travel),
so memory does not grow with the number of subjects; percentiles are nearest-rank values
read from the histograms (resolution: ``INHIBITION_BIN`` and ``HOURS_BIN``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

import numpy as np
import pandas as pd

from jakpath.exposure.model import PKModel, pk_model, resolve_formulations
from jakpath.exposure.regimen import Regimen, parse_regimen
from jakpath.inhibition.hill import trapezoid_weights
from jakpath.inhibition.pathways import DAY_H, resolve_pathways
from jakpath.inhibition.potency import potency_map
from jakpath.kb import KnowledgeBase, load_kb
from jakpath.population.backends import get_backend
from jakpath.population.chunks import (
    HOURS_BIN,
    INHIBITION_BIN,
    METRICS,
    OMEGA_FIELDS,
    PK_FIELDS,
    Histograms,
    PopulationSpec,
    bin_counts,
    cohort_dose,
    draw,
)
from jakpath.population.kernel import live_terms

if TYPE_CHECKING:
    from jakpath.exposure.patient import Patient

__all__ = [
    "HOURS_BIN",
    "INHIBITION_BIN",
    "PERCENTILES",
    "PopulationResult",
    "PopulationSpec",
    "SubjectMetrics",
    "bin_counts",
    "build_spec",
    "cohort_dose",
    "cohort_patients",
    "draw",
    "population",
    "run_population",
]

Cohort: TypeAlias = "Iterable[Patient] | Mapping[str, Any]"
"""A list of Patients, or a dict of patient field -> values (their combinations are the types)."""

logger = logging.getLogger(__name__)

DEFAULT_CHUNK = 20_000
"""Subjects per chunk (NumPy: about 150 MB of temporaries at 97 times x 10 pathways)."""

MAX_SUBJECTS = 10**9
"""Largest population accepted in one call."""

STEP_H = 0.25
"""Time step (h) over the last dosing day."""

PERCENTILES = (5, 50, 95)
"""Percentiles reported per pathway and metric."""


def build_spec(
    kb: KnowledgeBase,
    model: PKModel,
    drug_id: str,
    regimen: Regimen,
    cytokines: Sequence[str],
    uncertainty: bool,
    days: float | None,
) -> tuple[PopulationSpec, list[str]]:
    """Population specification from the knowledge base; notes list what varies and why."""
    notes = []
    p = model.pk_params(1)
    typical = {f: float(getattr(p, f)[0]) for f in PK_FIELDS}
    par = kb.pk_parameters[kb.pk_parameters.model_id == model.model_id].set_index("parameter")
    cv = {}
    for omega, name in OMEGA_FIELDS.items():
        if omega in par.index:
            cv[name] = float(par.loc[omega, "value"])
            notes.append(f"BSV {name}: CV {cv[name]:.2f} ({par.loc[omega, 'source_ids']})")
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


def cohort_patients(cohort: Cohort) -> list[Patient]:
    """The patient types of a cohort spec (a list of Patients, or field -> values)."""
    import itertools

    from jakpath.exposure.patient import Patient

    if isinstance(cohort, Mapping):
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


def _with_cohort(
    spec: PopulationSpec, model: PKModel, cohort: Cohort, kb: KnowledgeBase
) -> tuple[PopulationSpec, list[str]]:
    """Spec with per-type multipliers on CL, V, Q, V2 and dose (from cited covariate effects)."""
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
    return replace(spec, cohort=mult), notes


class SubjectMetrics(NamedTuple):
    """Per-subject metrics, each (n, P) with pathways in ``PopulationResult.cytokines`` order."""

    mean_inhibition: np.ndarray
    hours_ge_50: np.ndarray
    trough_inhibition: np.ndarray


@dataclass(frozen=True)
class PopulationResult:
    """A population run: the percentile table plus what pandas ``attrs`` cannot carry safely.

    ``table`` has one row per pathway and metric (p5, p50, p95). The run's provenance lives in
    typed fields here, so it survives ``pd.concat`` and ``merge`` (which drop ``attrs``).
    """

    table: pd.DataFrame = field(repr=False)
    drug_id: str
    regimen: str
    cytokines: tuple[str, ...]
    n: int
    backend: str
    seed: int
    seconds: float
    subject_days_per_s: float
    data_version: str
    notes: tuple[str, ...] = ()
    subjects: SubjectMetrics | None = field(default=None, repr=False)

    def provenance(self) -> dict[str, Any]:
        """The run's provenance as plain values (what ``population()`` puts in ``attrs``)."""
        return {
            "n": self.n,
            "backend": self.backend,
            "seconds": self.seconds,
            "seed": self.seed,
            "subject_days_per_s": self.subject_days_per_s,
            "notes": list(self.notes),
            "data_version": self.data_version,
        }

    def to_frame(self) -> pd.DataFrame:
        """The percentile table with the provenance (and subjects, if kept) in ``attrs``."""
        out = self.table.copy()
        out.attrs.update(self.provenance())
        if self.subjects is not None:
            out.attrs["subjects"] = tuple(self.subjects)
        return out


def population(
    drug: str,
    regimen: str | Regimen,
    n: int = 10_000,
    *,
    pathways: str | Sequence[str] | None = None,
    uncertainty: bool = True,
    backend: str = "numpy",
    seed: int = 0,
    chunk: int = DEFAULT_CHUNK,
    days: float | None = None,
    kb: KnowledgeBase | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    return_subjects: bool = False,
    patient: Patient | None = None,
    cohort: Cohort | None = None,
) -> pd.DataFrame:
    """Percentiles (5th/50th/95th) of daily inhibition metrics over a virtual population.

    Args:
        drug, regimen: as for :func:`jakpath.inhibition`.
        n: number of virtual subjects.
        pathways: cytokines (default: every JAK-signalling cytokine).
        uncertainty: also draw each subject's potencies from their tier's uncertainty.
        backend: ``numpy``, ``jax``, ``cupy`` or ``dask`` (``population.backends.BACKENDS``).
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
        throughput and the notes on what varies (and ``subjects`` with ``return_subjects``).
        ``attrs`` do not survive ``pd.concat``/``merge``: use :func:`run_population` for the
        same answer as a typed :class:`PopulationResult`.
    """
    return run_population(
        drug,
        regimen,
        n,
        pathways=pathways,
        uncertainty=uncertainty,
        backend=backend,
        seed=seed,
        chunk=chunk,
        days=days,
        kb=kb,
        scheduler=scheduler,
        progress=progress,
        return_subjects=return_subjects,
        patient=patient,
        cohort=cohort,
    ).to_frame()


def run_population(
    drug: str,
    regimen: str | Regimen,
    n: int = 10_000,
    *,
    pathways: str | Sequence[str] | None = None,
    uncertainty: bool = True,
    backend: str = "numpy",
    seed: int = 0,
    chunk: int = DEFAULT_CHUNK,
    days: float | None = None,
    kb: KnowledgeBase | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    return_subjects: bool = False,
    patient: Patient | None = None,
    cohort: Cohort | None = None,
) -> PopulationResult:
    """:func:`population` as a typed :class:`PopulationResult` (same arguments)."""
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
    run_chunks = get_backend(backend, scheduler)  # an unknown backend fails before any work
    extra_notes = []
    if patient is not None:
        from jakpath.exposure.patient import apply_patient

        model, _ = apply_patient(model, patient, kb)
        extra_notes.append(model.patient_note)
    spec, notes = build_spec(kb, model, drug_id, reg, cytokines, uncertainty, days)
    notes = [*notes, *extra_notes]
    if cohort is not None:
        spec, cohort_notes = _with_cohort(spec, model, cohort, kb)
        notes += cohort_notes
    chunks = [(lo, min(chunk, n - lo)) for lo in range(0, n, chunk)]
    hist = Histograms(len(cytokines), spec.span_h)
    logger.info(
        "population %s %s: %d subjects in %d chunks on %s",
        drug_id,
        reg.label(),
        n,
        len(chunks),
        backend,
    )
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
    display = kb.cytokine_display_names()
    for metric in METRICS:
        pct = hist.percentiles(metric, PERCENTILES)
        for j, cyt in enumerate(cytokines):
            rows.append(
                {
                    "drug": drug_id,
                    "regimen": reg.label(),
                    "cytokine": cyt,
                    "cytokine_name": display[cyt],
                    "metric": metric,
                    **{f"p{q}": pct[j, k] for k, q in enumerate(PERCENTILES)},
                }
            )
    kept = None
    if return_subjects:
        kept = SubjectMetrics(*(np.concatenate(x) for x in zip(*subjects, strict=True)))
    rate = n * (days or 1.0) / seconds if seconds > 0 else math.inf
    logger.info("population done in %.3g s (%.3g subject-days/s)", seconds, rate)
    return PopulationResult(
        table=pd.DataFrame(rows),
        drug_id=drug_id,
        regimen=reg.label(),
        cytokines=tuple(cytokines),
        n=int(n),
        backend=backend,
        seed=seed,
        seconds=seconds,
        subject_days_per_s=rate,
        data_version=kb.version,
        notes=tuple(notes),
        subjects=kept,
    )
