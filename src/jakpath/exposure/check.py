"""Check PK models against the label and paper figures in the knowledge base."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from jakpath.exposure.kernels import disposition
from jakpath.exposure.model import (
    MissingDataError,
    PKModel,
    concentrations_nM,
    metabolite_concentrations,
    metabolites_of,
    pk_model,
)
from jakpath.exposure.regimen import Regimen
from jakpath.kb import KnowledgeBase, load_kb

CHECK_STEP_H = 0.01
"""Time step (h) of the grid Cmax/Tmax/AUC are read from."""

TOLERANCE = 0.25
"""Relative agreement the issue asks for (predicted within 25% of observed)."""

SINGLE_DOSE_SPAN_HALF_LIVES = 12.0
"""A single-dose profile is simulated for this many terminal half-lives (AUC to ~infinity)."""


def terminal_half_life_h(model) -> float:
    """Terminal half-life: the slowest of the disposition and absorption rates."""
    p = model.pk_params(1)
    _, lam = disposition(p, np)
    rates = [float(r) for r in lam[0] if r > 0]
    if model.absorption in (None, "", "first_order", "mixed"):
        rates.append(float(p.ka_per_h[0]))
    return math.log(2) / min(rates)


def effective_half_life_h(model, interval_h: float, dose_mg: float = 1.0) -> float:
    """Effective half-life from accumulation: tau ln2 / ln(R / (R - 1)).

    R is the accumulation ratio AUCtau at steady state / AUC over the first interval
    (Boxenbaum & Battle 1995, J Clin Pharmacol 35:763): the half-life a one-compartment drug
    with the same accumulation would have, which is what NCA half-lives over a dosing interval
    and labels' "effective half-life" report for multi-phasic drugs.
    """
    t = np.arange(0.0, interval_h + CHECK_STEP_H / 2, CHECK_STEP_H)
    first = concentrations_nM(model, [Regimen(dose_mg, interval_h, model.formulation, 1)], t, None)
    steady = concentrations_nM(model, [Regimen(dose_mg, interval_h, model.formulation)], t, None)
    ratio = float(np.trapezoid(steady[0], t) / np.trapezoid(first[0], t))
    return interval_h * math.log(2) / math.log(ratio / (ratio - 1.0))


def _metabolite_effective_half_life_h(kb, model, met_model, interval_h: float) -> float:
    """Effective half-life of a metabolite from its accumulation after parent doses."""
    t = np.arange(0.0, interval_h + CHECK_STEP_H / 2, CHECK_STEP_H)
    first, _ = metabolite_concentrations(
        model, met_model, [Regimen(1.0, interval_h, model.formulation, 1)], t, kb
    )
    steady, _ = metabolite_concentrations(
        model, met_model, [Regimen(1.0, interval_h, model.formulation)], t, kb
    )
    ratio = float(np.trapezoid(steady[0], t) / np.trapezoid(first[0], t))
    return interval_h * math.log(2) / math.log(ratio / (ratio - 1.0))


def _mw(model: PKModel) -> float:
    """The analyte's molecular weight (g/mol), or MissingDataError."""
    if model.mw_g_per_mol is None:
        raise MissingDataError(f"no molecular weight for {model.drug_id}")
    return model.mw_g_per_mol


def _predict(
    kb: KnowledgeBase,
    drug_id: str,
    formulation: str,
    dose_mg: float,
    interval_h: float,
    state: str,
    metric: str,
    unit: str,
) -> tuple[float, str]:
    parent_id = drug_id
    met = None
    drug = kb.drugs.set_index("drug_id").loc[drug_id]
    if drug.status == "metabolite" and drug.parent_drug_id:
        parent_id, met = drug.parent_drug_id, drug_id
    model = pk_model(parent_id, formulation, kb)
    if met is not None and met not in metabolites_of(parent_id, kb):
        raise MissingDataError(f"no formation model for metabolite {met}")
    analyte_model = pk_model(met, "IR", kb, dosed=False) if met else model
    if metric in ("t_half", "t_half_eff"):
        if model.observed:
            raise MissingDataError("topical model is an observed plasma level: no half-life")
        if metric == "t_half_eff":
            tau = interval_h if interval_h and interval_h > 0 else 24.0
            if met is not None:
                return _metabolite_effective_half_life_h(
                    kb, model, analyte_model, tau
                ), model.model_id
            return effective_half_life_h(model, tau), model.model_id
        return terminal_half_life_h(analyte_model), model.model_id
    if model.observed:
        return model.params["css_nM"] * (
            1.0 if unit.startswith("nM") else _mw(analyte_model) / 1000.0
        ), model.model_id
    interval = interval_h if interval_h and interval_h > 0 else 24.0
    if state == "steady":
        reg = Regimen(dose_mg, interval, formulation)
        t = np.arange(0.0, interval + CHECK_STEP_H / 2, CHECK_STEP_H)
    else:
        reg = Regimen(dose_mg, interval, formulation, n_doses=1)
        span = SINGLE_DOSE_SPAN_HALF_LIVES * terminal_half_life_h(model)
        if met is not None:
            span = max(span, SINGLE_DOSE_SPAN_HALF_LIVES * terminal_half_life_h(analyte_model))
        t = np.arange(0.0, span, CHECK_STEP_H)
    if met is None:
        c, c_unit = concentrations_nM(model, [reg], t, kb)[0], "nM"
    else:
        c, c_unit = metabolite_concentrations(model, analyte_model, [reg], t, kb)
        c = c[0]
    mw = analyte_model.mw_g_per_mol
    if metric == "tmax":
        return float(t[np.argmax(c)]), model.model_id
    if c_unit == unit.replace("*h", ""):
        to_unit = 1.0
    elif c_unit == "nM":
        to_unit = _mw(analyte_model) / 1000.0
    elif mw:
        to_unit = 1000.0 / mw
    else:
        raise MissingDataError(f"no molecular weight for {analyte_model.drug_id} to give {unit}")
    if metric == "cmax":
        return float(c.max()) * to_unit, model.model_id
    if metric == "tmax":
        return float(t[np.argmax(c)]), model.model_id
    if metric == "ctrough":
        return float(c[-1] if state == "steady" else c.min()) * to_unit, model.model_id
    if metric == "css":
        return float(np.trapezoid(c, t) / (t[-1] - t[0])) * to_unit, model.model_id
    if metric in ("auc_tau", "auc_inf"):
        if metric == "auc_inf" and met is None and state == "single":
            auc = float(model.dose_amount(dose_mg)) / model.params["CL_F"]  # exact F D/(CL/F)
        else:
            auc = float(np.trapezoid(c, t))
        return auc * to_unit, model.model_id
    raise ValueError(f"unknown metric {metric}")


def _derivation_sources(kb: KnowledgeBase, model_id: str) -> set[str]:
    """Sources of the model's derived parameters (figures reused to build the model)."""
    par = kb.pk_parameters[
        (kb.pk_parameters.model_id == model_id) & (kb.pk_parameters.quality == "derived")
    ]
    return {x for ids in par.source_ids for x in ids.split(";") if x}


PAEDIATRIC_WORDS = ("pediatric", "paediatric", "child", "juvenile", "6-<12", "infant")
"""Words marking a paediatric population (a figure not comparable with an adult model)."""


def _population_differs(observed: str, model: str) -> bool:
    """True when one population is paediatric and the other is not."""

    def paediatric(text):
        return any(w in str(text).lower() for w in PAEDIATRIC_WORDS)

    return paediatric(observed) != paediatric(model)


def _reason(metric: str, structure: str, ratio: float) -> str:
    """Known reasons a figure can disagree with the model, for the report."""
    if metric == "t_half" and structure == "two_cmt" and ratio > 1:
        return (
            "terminal half-life of the 2-compartment model vs a reported (often effective "
            "or shorter-sampled) half-life"
        )
    if metric == "tmax":
        return "Tmax is a coarse observed median (sampling grid); small absolute differences"
    return ""


DOSE_FREE_METRICS = ("tmax", "t_half", "t_half_eff")
"""Metrics a linear model predicts independently of the dose (a figure without a dose uses the
drug's approved dose, or 10 mg)."""

NOMINAL_DOSE_MG = 10.0
"""Dose used for dose-independent metrics when neither the figure nor an approval gives one."""


def _nominal_dose(kb: KnowledgeBase, drug_id: str) -> float:
    drug = kb.drugs.set_index("drug_id").loc[drug_id]
    parent = drug.parent_drug_id or drug_id
    app = kb.approvals[(kb.approvals.drug_id == parent) & kb.approvals.dose_mg.notna()]
    return float(app.dose_mg.iloc[0]) if len(app) else NOMINAL_DOSE_MG


def _within(pred: float, value: float, low: float, high: float) -> bool:
    """Within TOLERANCE of the figure, or of any value of its reported range."""
    if low == low and high == high and high > 0:
        return low / (1 + TOLERANCE) <= pred <= high * (1 + TOLERANCE)
    return bool(abs(pred / value - 1) <= TOLERANCE)


def _observation_reason(note: str) -> str:
    """A curator's explanation of a known miss, written in the figure's note."""
    text = str(note or "")
    key = "known miss:"
    i = text.lower().find(key)
    return text[i:].strip() if i >= 0 else ""


def pk_check(kb: KnowledgeBase | None = None) -> pd.DataFrame:
    """Predicted / observed for every PK figure of the knowledge base.

    Returns one row per observation with the model used, predicted and observed values, their
    ratio, whether it lies within ``TOLERANCE`` (of the value, or of its reported range), and
    whether the figure is ``independent`` of the model (not used to derive it); rows the model
    cannot address (no model, unit) carry the reason in ``note``, and so does every miss.
    Label interaction and impairment statements follow as ``metric == "auc_ratio"`` rows (see
    :func:`jakpath.exposure.patient.auc_ratio_check`).
    """
    kb = kb or load_kb()
    rows = []
    obs = kb.pk_observations
    for r in obs.itertuples():
        low = getattr(r, "range_low", np.nan)
        high = getattr(r, "range_high", np.nan)
        base = {
            "drug": r.drug_id,
            "formulation": r.formulation,
            "dose_mg": r.dose_mg,
            "interval_h": r.interval_h,
            "state": r.state,
            "metric": r.metric,
            "unit": r.unit,
            "observed": r.value,
            "observed_range": f"{low:g}-{high:g}" if low == low and high == high else "",
            "population": r.population,
            "source": f"{r.source_ids} @ {r.location}",
        }
        try:
            dose = r.dose_mg
            dose_note = ""
            if dose != dose:
                if r.metric not in DOSE_FREE_METRICS:
                    raise MissingDataError("observation has no dose")
                dose = _nominal_dose(kb, r.drug_id)
                dose_note = (
                    f"no dose given: {r.metric} of a linear model is dose-free ({dose:g} mg)"
                )
            pred, model_id = _predict(
                kb, r.drug_id, r.formulation, dose, r.interval_h, r.state, r.metric, r.unit
            )
            ratio = pred / r.value if r.value else np.nan
            used = set(r.source_ids.split(";")) & _derivation_sources(kb, model_id)
            within = _within(pred, r.value, low, high)
            structure = kb.pk_models.set_index("model_id").loc[model_id, "structure"]
            note = "" if within else _reason(r.metric, structure, ratio)
            model_population = kb.pk_models.set_index("model_id").loc[model_id, "population"]
            if not within and _population_differs(r.population, model_population):
                note = "; ".join(
                    filter(
                        None,
                        [
                            note,
                            f"figure from another population "
                            f"({r.population}) than the model's "
                            f"({model_population})",
                        ],
                    )
                )
            if not within:
                note = "; ".join(filter(None, [note, _observation_reason(r.note)]))
            if used:
                note = "; ".join(
                    filter(
                        None, [note, "figure used to derive the model (not an independent check)"]
                    )
                )
            rows.append(
                {
                    **base,
                    "model": model_id,
                    "predicted": pred,
                    "ratio": ratio,
                    "within_25pct": within,
                    "independent": not used,
                    "note": "; ".join(filter(None, [note, dose_note])),
                }
            )
        except (MissingDataError, KeyError, ValueError) as exc:
            rows.append(
                {
                    **base,
                    "model": "",
                    "predicted": np.nan,
                    "ratio": np.nan,
                    "within_25pct": False,
                    "independent": False,
                    "note": str(exc),
                }
            )
    out = pd.DataFrame(rows)
    try:
        from jakpath.exposure.patient import auc_ratio_check
    except ImportError:  # patient module not present
        return out
    ratios = auc_ratio_check(kb)
    return pd.concat([out, ratios], ignore_index=True) if len(ratios) else out
