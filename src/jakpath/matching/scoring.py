"""Disease matching: coverage of driving pathways, indirect coverage, burden, evidence, rank.

For a disease with driver weights ``w`` (rank-derived, summing to 1; see ``kb.weights``):

- direct coverage ``= sum_{JAK drivers d} w_d * I_d`` with ``I_d`` the regimen's mean daily
  inhibition of pathway ``d`` at steady state (``metric="trough"`` uses the trough instead);
- indirect coverage ``= sum_{non-JAK drivers n} w_n * min(1, sum_u a_{n,u} * I_u)`` where
  ``a_{n,u}`` is the curated dependency weight of ``n`` on its JAK-dependent upstream driver
  ``u`` (``upstream_drivers.csv``): blocking the upstream cytokine removes that share;
- coverage ``= direct + indirect`` (at most 1: every driver fully covered);
- burden per safety class ``= mean I`` over the class's JAK pathways that do not drive this
  disease (a pathway that drives the disease is a target, not a side effect);
- score ``= coverage - BURDEN_PENALTY * mean burden over classes``.

Every component is a column; the score is never shown alone.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from jakpath.exposure.model import MissingDataError, pk_model
from jakpath.exposure.regimen import Regimen, parse_regimen
from jakpath.inhibition.pathways import DAY_H, pathway_inhibition_course
from jakpath.inhibition.potency import potency_map
from jakpath.kb import KnowledgeBase, load_kb
from jakpath.matching.evidence_level import evidence_summary

BURDEN_PENALTY = 0.5
"""Weight of the mean off-target burden against coverage in the score (assumption: a unit of
average off-target inhibition costs half a unit of driver coverage; the components are shown
so users can rank by their own trade-off)."""

SAFETY_CLASSES = ("haematopoiesis", "lymphocyte_nk", "antiviral", "metabolic_endocrine")
"""Safety classes reported as burden columns (from ``cytokines.safety_class``)."""

SUMMARY_COLUMNS = (
    "rank",
    "drug",
    "regimen",
    "score",
    "direct_coverage",
    "indirect_coverage",
    "burden_haematopoiesis",
    "burden_lymphocyte_nk",
    "burden_antiviral",
    "burden_metabolic_endocrine",
    "evidence_level",
    "evidence_records",
    "pareto",
)
"""The ranking's columns shown in tables and reports (the full frame has every driver term)."""

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
    """Every distinct approved regimen (drug, dose, interval, formulation) with PK data."""
    a = kb.approvals[kb.approvals.dose_mg.notna() & kb.approvals.interval_h.notna()]
    out = []
    seen = set()
    for r in a.itertuples():
        form = r.formulation or "IR"
        key = (r.drug_id, float(r.dose_mg), float(r.interval_h), form)
        if key in seen:
            continue
        seen.add(key)
        try:
            pk_model(r.drug_id, form, kb)
        except MissingDataError:
            continue
        out.append((r.drug_id, Regimen(float(r.dose_mg), float(r.interval_h), form)))
    return tuple(sorted(out, key=lambda x: (x[0], x[1].formulation, x[1].daily_dose_mg)))


def _candidates(kb, regimens) -> list[tuple[str, Regimen, bool]]:
    cands = [(d, r, False) for d, r in approved_regimens(kb)]
    for drug, regimen in regimens or []:
        drug_id = kb.drug_names.resolve(drug)
        reg = parse_regimen(regimen).with_doses(None)
        pk_model(drug_id, reg.formulation, kb)  # a clear error if PK data are missing
        if not any(d == drug_id and r == reg for d, r, _ in cands):
            cands.append((drug_id, reg, True))
    return cands


def _inhibition_matrix(kb, cands, cytokines, step_h=0.05, metric="mean"):
    """(candidates, pathways) daily metric and the concentration courses, per candidate."""
    t = np.linspace(0.0, DAY_H, int(round(DAY_H / step_h)) + 1)
    w = np.full(t.size, 1.0)
    w[0] = w[-1] = 0.5
    w /= w.sum()
    out = np.zeros((len(cands), len(cytokines)))
    by_drug: dict[tuple[str, str], list[int]] = {}
    for i, (d, r, _) in enumerate(cands):
        by_drug.setdefault((d, r.formulation), []).append(i)
    for (drug, _form), idx in by_drug.items():
        inh, _, _ = pathway_inhibition_course(kb, drug, [cands[i][1] for i in idx], cytokines, t)
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
    regimens=None,
    *,
    kb: KnowledgeBase | None = None,
    metric: str = "mean",
    uncertainty: bool = False,
    stability: bool = True,
    seed: int = 0,
    store=None,
) -> pd.DataFrame:
    """Rank JAK-inhibitor regimens for a disease, keeping every component of the score.

    Args:
        disease: disease name or synonym.
        regimens: extra candidates as ``[(drug, regimen), ...]``; every approved regimen of
            every drug with PK data is always included.
        metric: ``"mean"`` (mean daily inhibition) or ``"trough"``.
        stability: add rank-stability columns (driver weights and potencies varied).
        uncertainty: alias of ``stability`` kept for the population API.
        store: evidence store (or URL) the evidence levels are read from; default the
            user's store.

    Returns:
        One row per candidate: rank, drug, regimen, score, direct and indirect coverage,
        per-driver inhibition, burden per safety class, evidence level and counts, Pareto
        membership, and (with stability) P(first), P(top 3) and the 90% rank interval.
    """
    if metric not in ("mean", "trough"):
        raise ValueError(f"metric must be 'mean' or 'trough', got {metric!r}")
    kb = kb or load_kb()
    did, drivers, jak = _disease_setup(kb, disease)
    cands = _candidates(kb, regimens)
    table = _components(kb, did, drivers, jak, cands, metric, store)
    if stability or uncertainty:
        table = table.join(_stability(kb, did, drivers, jak, cands, table, seed))
    table = table.sort_values(["score", "direct_coverage"], ascending=False, kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table = table.reset_index(drop=True)
    table.attrs.update(disease_id=did, data_version=kb.version, burden_penalty=BURDEN_PENALTY)
    return table


def _pathway_sets(kb, did, drivers, jak):
    driver_ids = set(drivers.cytokine_id)
    ups = kb.upstream_drivers[kb.upstream_drivers.cytokine_id.isin(driver_ids - jak)]
    direct = [c for c in drivers.cytokine_id if c in jak]
    upstream = sorted(set(ups.driver_cytokine_id) & jak)
    cyt = kb.cytokines.set_index("cytokine_id")
    classes = {
        c: sorted(
            x
            for x in cyt.index[(cyt.safety_class == c) & (cyt.jak_signalling == "yes")]
            if x not in driver_ids
        )
        for c in SAFETY_CLASSES
    }
    needed = sorted(set(direct) | set(upstream) | {x for v in classes.values() for x in v})
    return direct, ups, classes, needed


def _terms(inh, idx, jak, drivers, ups, classes):
    """Weight-free score terms from an inhibition array (..., pathways).

    Returns the per-driver coverage term (inhibition of a JAK driver, or the upstream reach of
    a non-JAK driver) stacked on the last axis in ``drivers`` order, and the burden per class.
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
    burden = {
        c: (np.mean([inh[..., idx[p]] for p in ps], axis=0) if ps else np.zeros(inh.shape[:-1]))
        for c, ps in classes.items()
    }
    return np.stack(cols, axis=-1), reach, burden


def _score(terms, weights, burden):
    """Score from driver terms (..., drivers), weights (..., drivers) and burden per class."""
    mean_burden = np.mean(list(burden.values()), axis=0)
    return np.sum(terms * weights, axis=-1) - BURDEN_PENALTY * mean_burden


def _components(kb, did, drivers, jak, cands, metric, store=None):
    direct_ids, ups, classes, needed = _pathway_sets(kb, did, drivers, jak)
    inh = _inhibition_matrix(kb, cands, needed, metric=metric)
    idx = {c: i for i, c in enumerate(needed)}
    terms, per_nonjak, burden = _terms(inh, idx, jak, drivers, ups, classes)
    w = drivers.weight.to_numpy()
    is_jak = drivers.cytokine_id.isin(jak).to_numpy()
    direct = terms[:, is_jak] @ w[is_jak]
    indirect = terms[:, ~is_jak] @ w[~is_jak]
    score = _score(terms, w, burden)
    ev = evidence_summary(kb, did, store)
    pots = potency_map(kb)
    rows = []
    for i, (drug, reg, user) in enumerate(cands):
        e = ev.get(
            drug, {"evidence_level": "mechanism only", "evidence_records": 0, "evidence_detail": ""}
        )
        row = {
            "drug": drug,
            "regimen": reg.label(),
            "user_regimen": user,
            "score": score[i],
            "direct_coverage": direct[i],
            "indirect_coverage": indirect[i],
            "coverage": direct[i] + indirect[i],
        }
        for c in direct_ids:
            row[f"inh_{c}"] = inh[i, idx[c]]
        for n, reach in per_nonjak.items():
            row[f"indirect_{n}"] = reach[i]
        for c in classes:
            row[f"burden_{c}"] = burden[c][i] if classes[c] else 0.0
        row["burden_total"] = float(np.mean([row[f"burden_{c}"] for c in classes]))
        tiers = sorted({pots[(drug, c)].tier for c in direct_ids})
        row["potency_tiers"] = ", ".join(tiers)
        row.update(e)
        rows.append(row)
    df = pd.DataFrame(rows)
    df["pareto"] = _pareto(df.coverage.to_numpy(), df.burden_total.to_numpy())
    return df


def _pareto(coverage, burden) -> np.ndarray:
    """Pareto membership: no other candidate is at least as good on both and better on one."""
    better_or_equal = (coverage[None, :] >= coverage[:, None]) & (
        burden[None, :] <= burden[:, None]
    )
    strictly = (coverage[None, :] > coverage[:, None]) | (burden[None, :] < burden[:, None])
    return ~np.any(better_or_equal & strictly, axis=1)


def _stability(kb, did, drivers, jak, cands, table, seed) -> pd.DataFrame:
    """Rank distribution when driver weights and potencies vary within their stated bounds."""
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
    for i, (d, r, _) in enumerate(cands):
        by_drug.setdefault((d, r.formulation), []).append(i)
    for (drug, _form), ids in by_drug.items():
        # x = C / IC50 at the typical potencies; a potency factor f divides x
        base, _, _ = pathway_inhibition_course(kb, drug, [cands[i][1] for i in ids], needed, t)
        x = base / (1.0 - base)
        sd = np.array([pots[(drug, c)].log10_sd for c in needed])
        f = 10.0 ** (rng.standard_normal((k, len(needed))) * sd)
        xs = x[None] / f[:, None, None, :]
        inh[:, ids, :] = np.einsum("kstp,t->ksp", xs / (1.0 + xs), tw)
    w = drivers.weight.to_numpy() * np.exp(rng.normal(0, DRIVER_WEIGHT_LOG_SD, (k, len(drivers))))
    w /= w.sum(axis=1, keepdims=True)
    terms, _, burden = _terms(inh, idx, jak, drivers, ups, classes)  # (k, n, drivers)
    scores = _score(terms, w[:, None, :], burden)
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
