"""Disease matching on three axes - mechanism, evidence, safety - kept apart and combined by rule.

For a disease with driver weights ``w`` (rank-derived by written rules, summing to 1; see
``kb.weights`` and ``data/RULES.md``):

- **mechanism** (coverage, 0..1) ``= direct + indirect``: direct ``= sum_{JAK drivers d} w_d I_d``
  with ``I_d`` the regimen's mean daily inhibition of pathway ``d`` at steady state
  (``metric="trough"`` uses the trough); indirect ``= sum_{non-JAK drivers n} w_n
  min(1, sum_u a_{n,u} I_u)`` through the curated upstream drivers ``u``;
- **evidence** (0..1): the strongest design in the evidence registry for the drug in this
  disease (``EVIDENCE_POINTS``: approved for the disease > randomised trial > open-label trial
  > cohort > case series > case report > mechanism only, equal steps), with record and patient
  counts;
- **safety** (0..1, lower is better): pathway burden by safety class weighted by clinical
  consequence, and the drug's label facts (boxed warnings, dose-limiting toxicities); see
  :mod:`jakpath.matching.safety`;
- **combined score** ``= AXIS_WEIGHTS["mechanism"] x mechanism + AXIS_WEIGHTS["evidence"] x
  evidence - AXIS_WEIGHTS["safety"] x safety`` (the three axes count equally: a written rule,
  nothing is fitted to outcomes). ``order`` shows each view alone.

Candidates are the label doses for chronic use (:mod:`jakpath.matching.candidates`). Every
component is a column; the score is never shown alone.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from jakpath.exposure.regimen import Regimen
from jakpath.inhibition.pathways import DAY_H, pathway_inhibition_course
from jakpath.inhibition.potency import potency_map
from jakpath.kb import KnowledgeBase, load_kb
from jakpath.matching.candidates import Candidate, candidates
from jakpath.matching.evidence_level import StoreLike, cached_with_evidence, evidence_summary
from jakpath.matching.safety import class_pathways, label_burden, pathway_burden

if TYPE_CHECKING:
    from jakpath.exposure.patient import Patient

EVIDENCE_POINTS = {
    "approved": 1.0,
    "randomised trial": 5 / 6,
    "open-label trial": 4 / 6,
    "cohort": 3 / 6,
    "case series": 2 / 6,
    "case report": 1 / 6,
    "mechanism only": 0.0,
}
"""Evidence axis value of each level: equal steps down the design brief's hierarchy (a written
rule; an approval for the disease is worth as much as full coverage of its drivers)."""

AXIS_WEIGHTS = {"mechanism": 1.0, "evidence": 1.0, "safety": 1.0}
"""Weights of the three axes in the combined score (equal: a written rule, not fitted)."""

ORDERS = ("combined", "mechanism", "evidence", "safety")
"""Views of the ranking (``order=``)."""

BURDEN_PENALTY = AXIS_WEIGHTS["safety"]
"""Kept for callers of the first build: the weight of the safety axis in the score."""

SUMMARY_COLUMNS = (
    "rank",
    "drug",
    "regimen",
    "score",
    "coverage",
    "evidence_level",
    "evidence_records",
    "evidence_patients",
    "safety",
    "burden",
    "label_burden",
    "approved_for_disease",
    "flags",
)
"""The ranking's columns shown in tables and reports (the full frame has every term)."""

STABILITY_SAMPLES = 200
"""Monte Carlo draws for the rank-stability figure."""

DRIVER_WEIGHT_LOG_SD = 0.35
"""Log-normal spread (natural log) applied to each driver weight in the stability analysis
(about x/1.4: the ordinal ranks do not fix weights more precisely)."""

STABILITY_STEP_H = 0.25
"""Time step (h) of the grid used by the stability analysis."""


class NoDriverDataError(LookupError):
    """The disease has no driver data; the message lists diseases that have."""


@functools.lru_cache(maxsize=8)
def approved_regimens(kb: KnowledgeBase) -> tuple[tuple[str, Regimen], ...]:
    """Every label regimen for chronic use with PK data (the default candidates)."""
    cands, _ = candidates(kb, "")
    return tuple((c.drug_id, c.regimen) for c in cands)


def _patient_models(kb, cands, patient) -> tuple[dict, dict[str, list[str]]]:
    """Per (drug, formulation): the PK model adjusted for the patient, and flags per drug.

    A covariate a drug's model cannot use leaves that drug at typical exposure, flagged (the
    ranking compares drugs; it does not refuse the ones whose labels say nothing).
    """
    from jakpath.exposure.model import pk_model
    from jakpath.exposure.patient import PatientError, apply_patient, label_recommendations

    models: dict = {}
    flags: dict[str, list[str]] = {}
    if patient is None:
        return models, flags
    for c in cands:
        key = (c.drug_id, c.regimen.formulation)
        if key in models:
            continue
        base = pk_model(c.drug_id, c.regimen.formulation, kb)
        notes = []
        try:
            models[key], _ = apply_patient(base, patient, kb)
            if models[key].patient_note:
                notes.append(models[key].patient_note)
        except PatientError as exc:
            models[key] = base
            notes.append(f"patient not applied ({exc}); typical exposure")
        notes += label_recommendations(c.drug_id, patient, kb)
        flags[c.drug_id] = notes
    return models, flags


def _inhibition_matrix(kb, cands, cytokines, step_h=0.05, metric="mean", models=None):
    """(candidates, pathways) daily metric and the concentration courses, per candidate."""
    t = np.linspace(0.0, DAY_H, int(round(DAY_H / step_h)) + 1)
    w = np.full(t.size, 1.0)
    w[0] = w[-1] = 0.5
    w /= w.sum()
    out = np.zeros((len(cands), len(cytokines)))
    by_drug: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(cands):
        by_drug.setdefault((c.drug_id, c.regimen.formulation), []).append(i)
    for (drug, form), idx in by_drug.items():
        regs = [cands[i].regimen for i in idx]
        model = (models or {}).get((drug, form))
        inh, _, _ = pathway_inhibition_course(kb, drug, regs, cytokines, t, model)
        out[idx] = inh.min(axis=1) if metric == "trough" else np.einsum("stp,t->sp", inh, w)
    return out


def _disease_setup(kb: KnowledgeBase, disease: str):
    did = kb.disease_names.resolve(disease)
    drivers = kb.driver_weights(did)
    if drivers.empty:
        have = sorted(kb.disease_drivers.disease_id.unique())
        raise NoDriverDataError(
            f"no driver data for {did}; diseases with drivers: {', '.join(have)}"
        )
    jak = set(kb.cytokines[kb.cytokines.jak_signalling == "yes"].cytokine_id)
    return did, drivers, jak


def rank(
    disease: str,
    regimens: Sequence[tuple[str, str | Regimen]] | None = None,
    *,
    kb: KnowledgeBase | None = None,
    metric: str = "mean",
    order: str = "combined",
    include: Sequence[str] | None = None,
    uncertainty: bool = False,
    stability: bool = True,
    seed: int = 0,
    store: StoreLike = None,
    patient: Patient | None = None,
) -> pd.DataFrame:
    """Rank JAK-inhibitor regimens for a disease on mechanism, evidence and safety.

    Args:
        disease: disease name or synonym.
        regimens: extra candidates as ``[(drug, regimen), ...]`` (flagged off-label where no
            label approves them).
        include: label uses left out by default to add back, flagged (``"induction"``,
            ``"loading"``, ``"mpn"``, ``"acute"``, ``"all"``).
        metric: ``"mean"`` (mean daily inhibition) or ``"trough"``.
        order: ``"combined"`` (default), ``"mechanism"``, ``"evidence"`` or ``"safety"``.
        stability: add rank-stability columns (driver weights and potencies varied).
        uncertainty: alias of ``stability`` kept for the population API.
        store: evidence store (or URL) the evidence levels are read from; default the
            user's store.
        patient: a :class:`jakpath.exposure.patient.Patient` (kidney and liver function,
            interacting drugs, CYP2C19, body size): exposure of every candidate is adjusted
            where its model or label has the covariate (flagged where not), and the label's
            dose recommendation for the patient is listed in the row's flags.

    Returns:
        One row per candidate: rank, drug, regimen, score and its three axes (coverage,
        evidence, safety) with every term (per-driver inhibition, burden per safety class,
        label burden, evidence level and counts), what the regimen is approved for, flags,
        Pareto membership and, with stability, P(first), P(top 3) and the 90% rank interval.
        ``attrs["notes"]`` says which label doses were left out and why.
    """
    if metric not in ("mean", "trough"):
        raise ValueError(f"metric must be 'mean' or 'trough', got {metric!r}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    kb = kb or load_kb()
    did = kb.disease_names.resolve(disease)
    regs, uses, stab = list(regimens or []), list(include or []), bool(stability or uncertainty)
    params = repr((did, regs, metric, order, uses, stab, seed, patient))

    def compute() -> pd.DataFrame:
        return _rank(kb, did, regs, metric, order, uses, stab, seed, patient, store)

    if " at 0x" in params:  # an argument without a faithful text form: not cached
        return compute()
    return cached_with_evidence(kb, "rank", params, store, compute)


def _rank(kb, disease, regimens, metric, order, include, stability, seed, patient, store):
    did, drivers, jak = _disease_setup(kb, disease)
    cands, notes = candidates(kb, did, [*(include or []), *(regimens or [])])
    if not cands:
        raise LookupError(f"no candidate regimens with PK data for {did}")
    models, patient_flags = _patient_models(kb, cands, patient)
    table = _components(kb, did, drivers, jak, cands, metric, store, models, patient_flags)
    if stability:
        table = table.join(_stability(kb, did, drivers, jak, cands, table, seed, models))
    table = _order(table, order)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table = table.reset_index(drop=True)
    table.attrs.update(
        disease_id=did,
        data_version=kb.version,
        burden_penalty=BURDEN_PENALTY,
        order=order,
        notes=notes,
        axis_weights=dict(AXIS_WEIGHTS),
        patient=patient.describe() if patient is not None else "",
    )
    return table


def _order(table: pd.DataFrame, order: str) -> pd.DataFrame:
    keys = {
        "combined": (["score", "coverage"], [False, False]),
        "mechanism": (["coverage", "safety"], [False, True]),
        "evidence": (["evidence", "evidence_patients", "coverage"], [False, False, False]),
        "safety": (["safety", "coverage"], [True, False]),
    }[order]
    return table.sort_values(keys[0], ascending=keys[1], kind="stable")


def _pathway_sets(kb, did, drivers, jak):
    driver_ids = set(drivers.cytokine_id)
    ups = kb.upstream_drivers[kb.upstream_drivers.cytokine_id.isin(driver_ids - jak)]
    direct = [c for c in drivers.cytokine_id if c in jak]
    upstream = sorted(set(ups.driver_cytokine_id) & jak)
    classes = class_pathways(kb, driver_ids)
    needed = sorted(set(direct) | set(upstream) | {c for v in classes.values() for c, _ in v})
    return direct, ups, classes, needed


def _terms(inh, idx, jak, drivers, ups):
    """Per-driver coverage terms from an inhibition array (..., pathways).

    Returns the per-driver term (inhibition of a JAK driver, or the upstream reach of a non-JAK
    driver) stacked on the last axis in ``drivers`` order, and the reach per non-JAK driver.
    """
    reach = {}
    for n, g in ups.groupby("cytokine_id"):
        total = sum(
            a * inh[..., idx[u]]
            for u, a in zip(g.driver_cytokine_id, g.dependency_weight, strict=True)
            if u in idx
        )
        reach[n] = np.minimum(1.0, total) if not np.isscalar(total) else np.zeros(inh.shape[:-1])
    cols = [
        inh[..., idx[c]] if c in jak else reach.get(c, np.zeros(inh.shape[:-1]))
        for c in drivers.cytokine_id
    ]
    return np.stack(cols, axis=-1), reach


def _score(coverage, evidence, safety):
    """Combined score from the three axes (arrays broadcast)."""
    return (
        AXIS_WEIGHTS["mechanism"] * coverage
        + AXIS_WEIGHTS["evidence"] * evidence
        - AXIS_WEIGHTS["safety"] * safety
    )


OTHER_DOSE_LEVEL = "randomised trial"
"""Evidence level of a dose of a drug that is approved for the disease at another dose (a
written rule, RULES.md section 5): an approval rests on randomised trials of the drug in the
disease, not on this dose; a stronger level from the drug's own records still counts."""


def _evidence_of(ev: dict, drug: str, approved_dose: bool = True) -> dict:
    e = ev.get(drug, {})
    level = e.get("evidence_level", "mechanism only")
    detail = e.get("evidence_detail", "")
    if level == "approved" and not approved_dose:
        record = e.get("record_level", "mechanism only")
        level = max((record, OTHER_DOSE_LEVEL), key=lambda lv: EVIDENCE_POINTS.get(lv, 0.0))
        detail = detail.replace(
            "approved for this disease:", "approved for this disease at another dose:"
        )
    return {
        "evidence_level": level,
        "evidence": EVIDENCE_POINTS.get(level, 0.0),
        "evidence_records": int(e.get("evidence_records", 0)),
        "evidence_patients": int(e.get("evidence_patients", 0)),
        "evidence_detail": detail,
    }


def _components(
    kb,
    did,
    drivers,
    jak,
    cands: list[Candidate],
    metric,
    store=None,
    models=None,
    patient_flags=None,
):
    direct_ids, ups, classes, needed = _pathway_sets(kb, did, drivers, jak)
    inh = _inhibition_matrix(kb, cands, needed, metric=metric, models=models)
    idx = {c: i for i, c in enumerate(needed)}
    terms, per_nonjak = _terms(inh, idx, jak, drivers, ups)
    per_class, burden = pathway_burden(kb, inh, idx, classes)
    w = drivers.weight.to_numpy()
    is_jak = drivers.cytokine_id.isin(jak).to_numpy()
    direct = terms[:, is_jak] @ w[is_jak]
    indirect = terms[:, ~is_jak] @ w[~is_jak]
    ev = evidence_summary(kb, did, store)
    pots = potency_map(kb)
    rows = []
    for i, c in enumerate(cands):
        e = _evidence_of(ev, c.drug_id, c.approved_for_disease)
        lab, lab_flags = label_burden(kb, c.drug_id)
        safety = 0.5 * (burden[i] + lab)
        coverage = direct[i] + indirect[i]
        unknown = [d for d in direct_ids if pots[(c.drug_id, d)].tier == "unknown"]
        flags = [*c.flags, *lab_flags, *(patient_flags or {}).get(c.drug_id, [])]
        if unknown:
            flags.append("potency unknown for driver(s): " + ", ".join(unknown))
        if pots[(c.drug_id, direct_ids[0])].fu_assumed if direct_ids else False:
            flags.append("unbound fraction assumed")
        row = {
            "drug": c.drug_id,
            "regimen": c.regimen.label(),
            "user_regimen": c.user,
            "score": float(_score(coverage, e["evidence"], safety)),
            "coverage": coverage,
            "direct_coverage": direct[i],
            "indirect_coverage": indirect[i],
            **e,
            "safety": safety,
            "burden": burden[i],
            "label_burden": lab,
            "approved_for_disease": bool(c.approved_for_disease),
            "approved_for": "; ".join(c.approved_for) or "not approved at this dose",
            "uses": ", ".join(sorted(c.uses)) or "off-label",
            "flags": flags,
        }
        for d in direct_ids:
            row[f"inh_{d}"] = inh[i, idx[d]]
        for n, reach in per_nonjak.items():
            row[f"indirect_{n}"] = reach[i]
        for cls in classes:
            row[f"burden_{cls}"] = per_class[cls][i]
        row["burden_total"] = burden[i]
        row["potency_tiers"] = ", ".join(sorted({pots[(c.drug_id, d)].tier for d in direct_ids}))
        rows.append(row)
    df = pd.DataFrame(rows)
    df["pareto"] = _pareto(df.coverage.to_numpy(), df.safety.to_numpy())
    return df


def _pareto(coverage, burden) -> np.ndarray:
    """Pareto membership: no other candidate is at least as good on both and better on one."""
    better_or_equal = (coverage[None, :] >= coverage[:, None]) & (
        burden[None, :] <= burden[:, None]
    )
    strictly = (coverage[None, :] > coverage[:, None]) | (burden[None, :] < burden[:, None])
    return ~np.any(better_or_equal & strictly, axis=1)


def _stability(kb, did, drivers, jak, cands, table, seed, models=None) -> pd.DataFrame:
    """Rank distribution when driver weights and potencies vary within their stated bounds.

    Potencies vary by their tier's uncertainty (unknown pathways by a wide interval); the
    evidence axis and the label burden are fixed facts.
    """
    rng = np.random.default_rng(seed)
    direct_ids, ups, classes, needed = _pathway_sets(kb, did, drivers, jak)
    idx = {c: i for i, c in enumerate(needed)}
    pots = potency_map(kb)
    t = np.linspace(0.0, DAY_H, int(round(DAY_H / STABILITY_STEP_H)) + 1)
    tw = np.full(t.size, 1.0)
    tw[0] = tw[-1] = 0.5
    tw /= tw.sum()
    n, k = len(cands), STABILITY_SAMPLES
    inh = np.zeros((k, n, len(needed)))
    by_drug: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(cands):
        by_drug.setdefault((c.drug_id, c.regimen.formulation), []).append(i)
    for (drug, form), ids in by_drug.items():
        # x = C / IC50 at the typical potencies; a potency factor f divides x
        regs = [cands[i].regimen for i in ids]
        model = (models or {}).get((drug, form))
        base, _, _ = pathway_inhibition_course(kb, drug, regs, needed, t, model)
        x = base / np.clip(1.0 - base, 1e-12, None)
        sd = np.array([pots[(drug, c)].log10_sd for c in needed])
        f = 10.0 ** (rng.standard_normal((k, len(needed))) * sd)
        xs = x[None] / f[:, None, None, :]
        inh[:, ids, :] = np.einsum("kstp,t->ksp", xs / (1.0 + xs), tw)
    w = drivers.weight.to_numpy() * np.exp(rng.normal(0, DRIVER_WEIGHT_LOG_SD, (k, len(drivers))))
    w /= w.sum(axis=1, keepdims=True)
    terms, _ = _terms(inh, idx, jak, drivers, ups)  # (k, n, drivers)
    _, burden = pathway_burden(kb, inh, idx, classes)  # (k, n)
    coverage = np.sum(terms * w[:, None, :], axis=-1)
    safety = 0.5 * (burden + table.label_burden.to_numpy()[None, :])
    scores = _score(coverage, table.evidence.to_numpy()[None, :], safety)
    ranks = (-scores).argsort(axis=1).argsort(axis=1) + 1
    return pd.DataFrame(
        {
            "p_first": (ranks == 1).mean(axis=0),
            "p_top3": (ranks <= 3).mean(axis=0),
            "rank_p05": np.percentile(ranks, 5, axis=0),
            "rank_p95": np.percentile(ranks, 95, axis=0),
        },
        index=table.index,
    )
