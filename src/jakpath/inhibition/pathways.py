"""Pathway inhibition of a regimen over the day: time courses and daily metrics.

Metrics are taken at steady state over 24 h (mean inhibition, hours at or above 50% and
90%, trough and peak), the quantities of Traves 2021 (Ann Rheum Dis 80:865) and McInnes 2019
(Arthritis Res Ther 21:183).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from jakpath.exposure.model import (
    MissingDataError,
    PKModel,
    as_regimens,
    attach_patient,
    concentrations_nM,
    metabolite_concentrations,
    metabolites_of,
    pk_model,
    resolve_formulations,
)
from jakpath.inhibition.hill import daily_metrics, hill
from jakpath.inhibition.potency import HILL_DEFAULT, potency_map
from jakpath.kb import KnowledgeBase, load_kb

METRIC_STEP_H = 0.05
"""Time step (h) of the grid daily metrics are computed on (3 minutes; hours-above error < step)."""

DAY_H = 24.0


def resolve_pathways(kb: KnowledgeBase, pathways: str | Sequence[str] | None) -> list[str]:
    """JAK-signalling cytokine ids for names (all of them for ``None``); non-JAK names fail.

    Names, synonyms and ids are accepted; ids come back (the display name is in
    ``kb.cytokine_display_names()``).

    >>> from jakpath.kb import load_kb
    >>> resolve_pathways(load_kb(), ["IL-2", "interleukin-6"])
    ['IL2', 'IL6']
    """
    jak = kb.cytokines[kb.cytokines.jak_signalling == "yes"].cytokine_id.tolist()
    if pathways is None:
        return jak
    if isinstance(pathways, str):
        pathways = [pathways]
    out = []
    for p in pathways:
        cid = kb.cytokine_names.resolve(p)
        if cid not in jak:
            raise ValueError(f"{cid} does not signal through JAKs; JAK pathways: {', '.join(jak)}")
        out.append(cid)
    return out


def _off_label(kb: KnowledgeBase, drug_id: str, regimen) -> bool:
    app = kb.approvals[(kb.approvals.drug_id == drug_id) & kb.approvals.dose_mg.notna()]
    if app.empty:
        return False
    daily = app.dose_mg * DAY_H / app.interval_h.fillna(DAY_H)
    return not (daily.min() - 1e-9 <= regimen.daily_dose_mg <= daily.max() + 1e-9)


def pathway_inhibition_course(
    kb: KnowledgeBase,
    drug_id: str,
    regimens,
    pathways: list[str],
    t: np.ndarray,
    model: PKModel | None = None,
):
    """Inhibition (S, T, P) of each pathway, and the potencies used, for one drug.

    ``model`` is the PK model to use (e.g. adjusted for a patient); default the chosen one for
    the regimens' formulation.
    """
    table = potency_map(kb)
    formulation = regimens[0].formulation
    model = model or pk_model(drug_id, formulation, kb)
    analytes: list[tuple[str, str | None]] = [(drug_id, None)]
    if not model.observed:
        analytes += [(m, m) for m in metabolites_of(drug_id, kb)]
    x = np.zeros((len(regimens), t.size, len(pathways)))
    used = []
    for analyte, met in analytes:
        pots = [table[(analyte, c)] for c in pathways]
        ic50 = np.array([p.ic50_total_nM for p in pots])
        if met is None:
            conc = concentrations_nM(model, regimens, t, kb)
        else:
            met_model = pk_model(met, "IR", kb, dosed=False)
            conc, unit = metabolite_concentrations(model, met_model, regimens, t, kb)
            if unit == "ng/mL":
                if not met_model.mw_g_per_mol:
                    raise MissingDataError(
                        f"no molecular weight for metabolite {met}: its mass concentration "
                        "cannot be converted to nM"
                    )
                conc = conc * 1000.0 / met_model.mw_g_per_mol
        x += conc[:, :, None] / ic50[None, None, :]
        used.append(pots)
    return hill(x, HILL_DEFAULT), used, model


def inhibition(
    drug: str,
    regimen,
    pathways=None,
    *,
    kb: KnowledgeBase | None = None,
    patient=None,
) -> pd.DataFrame:
    """Steady-state daily inhibition metrics per regimen and pathway.

    Args:
        drug: name, brand or code (a brand selects its formulation).
        regimen: regimen text, :class:`Regimen`, or a list of either (one drug). Without a
            formulation word the marketed formulation is used.
        pathways: cytokine names (default: every JAK-signalling cytokine).
        patient: a :class:`jakpath.exposure.patient.Patient`; default the typical patient.

    Returns:
        One row per regimen x pathway (``cytokine`` the canonical id, ``cytokine_name`` its
        display name, whatever name was given): mean daily inhibition, hours at or above 50%
        and 90%, trough and peak (fractions 0..1), the IC50 used on the total-plasma scale, its
        tier, basis and sources, and caveats (off-label dose, covalent binding, model notes).
    """
    kb = kb or load_kb()
    drug_id = kb.drug_names.resolve(drug)
    regimens, form_notes = resolve_formulations(
        drug, [r.with_doses(None) for r in as_regimens(regimen)], kb
    )
    note_of = {id(r): n for r, n in zip(regimens, form_notes, strict=True)}
    cids = resolve_pathways(kb, pathways)
    display = kb.cytokine_display_names()
    effects = []
    t = np.linspace(0.0, DAY_H, int(round(DAY_H / METRIC_STEP_H)) + 1)
    frames = []
    for formulation in dict.fromkeys(r.formulation for r in regimens):
        regs = [r for r in regimens if r.formulation == formulation]
        model = pk_model(drug_id, formulation, kb)
        if patient is not None:
            from jakpath.exposure.patient import apply_patient

            model, eff = apply_patient(model, patient, kb, regimens=regs)
            effects.append(eff)
        inh, used, model = pathway_inhibition_course(kb, drug_id, regs, cids, t, model)
        m = daily_metrics(inh, t)
        # the potency's 90% interval moves every pathway's x = C/IC50 by one factor, so the
        # mean-inhibition interval is the Hill curve at x scaled by that factor (parent only)
        x = inh / np.clip(1.0 - inh, 1e-12, None)  # Hill 1 inverted: x = I / (1 - I)
        lo_f = np.array(
            [p.ic50_total_nM / p.high_nM if np.isfinite(p.high_nM) else 0.0 for p in used[0]]
        )
        hi_f = np.array([p.ic50_total_nM / p.low_nM if p.low_nM > 0 else 1.0 for p in used[0]])
        m_lo = daily_metrics(hill(x * lo_f[None, None, :], HILL_DEFAULT), t)
        m_hi = daily_metrics(hill(x * hi_f[None, None, :], HILL_DEFAULT), t)
        for i, r in enumerate(regs):
            flags_base = []
            if _off_label(kb, drug_id, r):
                flags_base.append("off-label dose")
            for text in (note_of[id(r)], model.note, model.patient_note):
                if text:
                    flags_base.append(text)
            if model.observed:
                flags_base.append("topical: systemic exposure from observed plasma level")
            for j, cid in enumerate(cids):
                parent = used[0][j]
                mets = [u[j] for u in used[1:]]
                flags = [*flags_base, *([parent.flags] if parent.flags else [])]
                if parent.tier == "unknown":
                    flags.append(
                        "potency UNKNOWN: no measured value and no valid prediction; the "
                        "central value is an assumption with a 90% interval of "
                        f"{parent.low_nM:.3g}-{parent.high_nM:.3g} nM"
                    )
                elif parent.tier == "bound":
                    flags.append(
                        f"IC50 > {parent.ic50_total_nM:.3g} nM (bound): inhibition shown is an "
                        "upper bound"
                    )
                frames.append(
                    {
                        "drug": drug_id,
                        "regimen": r.label(),
                        "formulation": r.formulation,
                        "pk_model": model.label,
                        "cytokine": cid,
                        "cytokine_name": display[cid],
                        "mean_inhibition": m["mean"][i, j],
                        "hours_ge_50": m["hours_ge_50"][i, j],
                        "hours_ge_90": m["hours_ge_90"][i, j],
                        "trough_inhibition": m["trough"][i, j],
                        "peak_inhibition": m["peak"][i, j],
                        "ic50_total_nM": parent.ic50_total_nM,
                        "ic50_relation": parent.relation,
                        "ic50_low_nM": parent.low_nM,
                        "ic50_high_nM": parent.high_nM,
                        "mean_inhibition_low": m_lo["mean"][i, j],
                        "mean_inhibition_high": m_hi["mean"][i, j],
                        "tier": parent.tier,
                        "species": parent.species,
                        "basis": parent.basis,
                        "potency_sources": parent.sources,
                        "metabolite_tiers": "; ".join(f"{p.drug_id}: {p.tier}" for p in mets),
                        "caveats": "; ".join(flags),
                    }
                )
    out = pd.DataFrame(frames)
    out.attrs["data_version"] = kb.version
    if effects:
        attach_patient(out, drug_id, patient, effects, kb)
    return out
