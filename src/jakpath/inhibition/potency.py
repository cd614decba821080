"""Pathway potency per drug: measured values by tier, and the enzyme-to-pathway prediction.

Order of preference for a drug x cytokine pathway (the tier is shown in every output):

1. ``measured_whole_blood``: cytokine-stimulated pSTAT IC50 in human whole blood (in vitro),
   pooled (geometric mean) with ex vivo whole-blood EC50s of the same drug and pathway where
   both exist: both are total drug in blood, and pooling keeps within-drug pathway ratios
   that one protocol measured (e.g. Mohamed 2020's IL-6 vs IL-7) from being lost to another
   protocol's single value; compared with total plasma (blood:plasma taken as 1).
2. ``measured_other``: PBMC, primary cells, then cell lines, in medium; the medium IC50 is
   an unbound concentration, compared with unbound plasma (``C_total * fu``).
3. ``ex_vivo``: whole-blood EC50 from dosed subjects, in plasma concentration (alone only
   where no in vitro whole-blood or other measured value exists).

The same measurement deposited several times (under several ChEMBL targets or assays) counts
once: records with the same drug, pathway and value are collapsed, keeping the whole-blood
copy.
4. ``predicted``: from enzyme potencies (below).

Prediction. Each enzyme value is put on a Ki basis: binding Kd (ATP-free) and reported Ki as
they are; IC50s with a stated ATP concentration by Cheng-Prusoff, ``Ki = IC50 / (1 + ATP/Km)``
with each JAK's cited ATP Km; IC50s of unknown ATP are kept only when nothing else exists and
flagged. Replicates combine by geometric mean. A JAK's cellular potency is
``Ki * (1 + CELL_ATP_uM / Km) * 10**b`` (ATP shift to cellular ATP plus an empirical offset
``b`` fitted on every measured cellular value, leave-one-drug-out in the check). A receptor
signals only when all its JAKs are active, so the pathway is inhibited when either JAK is:
``1 - I = prod_j 1 / (1 + C/K_j)``; its IC50 solves that at 50%.
Allosteric TYK2 (JH2) inhibitors use their JH2 constant with no ATP shift and do not reach
JAK1/2/3 pathways unless measured; covalent JAK3 inhibitors are flagged (their effect outlasts
plasma exposure, so plasma-driven inhibition is a lower bound).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jakpath.kb import KnowledgeBase, load_kb

CELL_ATP_uM = 1000.0
"""Intracellular ATP used for the enzyme-to-cell shift (1 mM; cells hold millimolar ATP, and
1 mM is the high-ATP condition of the enzyme assays in the knowledge base)."""

HILL_DEFAULT = 1.0
"""Hill coefficient of pathway inhibition (assumption: pSTAT concentration-response curves of
JAK inhibitors are near 1; no per-pathway slopes are curated yet)."""

MEASURED_LOG10_SD_FLOOR = 0.15
"""Smallest uncertainty (log10 units, ~1.4-fold) given to a measured potency (assay noise)."""

BLOOD_BASIS = "whole-blood IC50 vs total plasma concentration (blood:plasma assumed 1)"

MATRIX_ORDER = {"pbmc": 0, "primary_cells": 1, "cell_line": 2}

TIERS = ("measured_whole_blood", "measured_other", "ex_vivo", "predicted")


@dataclass(frozen=True)
class Potency:
    """The potency used for one drug and pathway, with its tier, basis and provenance."""

    drug_id: str
    cytokine_id: str
    ic50_total_nM: float  # on the total-plasma scale (inhibition uses C_total / this)
    ic50_assay_nM: float  # as measured or predicted, on its own basis
    tier: str
    basis: str
    n_values: int
    log10_sd: float
    sources: str
    detail: str
    flags: str = ""


def _gmean(values) -> float:
    v = np.asarray(values, dtype=float)
    return float(np.exp(np.mean(np.log(v))))


def _log_sd(values) -> float:
    v = np.log10(np.asarray(values, dtype=float))
    return float(np.std(v, ddof=1)) if v.size > 1 else 0.0


def is_ex_vivo(note: str) -> bool:
    """True for records of drug dosed to subjects, blood stimulated ex vivo."""
    return "ex vivo" in (note or "").lower()


KM_GRID_uM = np.logspace(-1, np.log10(5000.0), 400)
"""Candidate ATP Km values (0.1 uM .. 5 mM) searched when fitting Km from the enzyme data."""


@functools.lru_cache(maxsize=4)
def fitted_atp_km(kb: KnowledgeBase) -> dict[str, dict]:
    """ATP Km per JAK fitted to the knowledge base's IC50s at different ATP (derived).

    For one JAK, every exact IC50 with a stated ATP concentration obeys
    ``log IC50 = log Ki_drug + log(1 + ATP/Km)`` (Cheng-Prusoff). With one Ki per drug free,
    only drugs measured at two or more ATP levels inform Km; Km is the grid value that
    minimises the squared log residuals. Used when no cited Km is in ``atp_km.csv``.
    """
    e = kb.enzyme_potency
    e = e[
        (e.measure == "IC50")
        & e.relation.isin(["=", ""])
        & e.atp_uM.notna()
        & (e.quality != "derived")
        & e.target.isin(["JAK1", "JAK2", "JAK3", "TYK2"])
    ]
    out = {}
    for jak, g in e.groupby("target"):
        levels = g.groupby("drug_id").atp_uM.nunique()
        informative = g[g.drug_id.isin(levels[levels >= 2].index)]
        if informative.empty:
            continue
        log_ic50 = np.log10(informative.value_nM.to_numpy())
        atp = informative.atp_uM.to_numpy()
        codes, _ = pd.factorize(informative.drug_id)
        counts = np.bincount(codes)
        # residual sum of squares for every candidate Km at once: (grid, records)
        y = log_ic50[None, :] - np.log10(1.0 + atp[None, :] / KM_GRID_uM[:, None])
        means = np.stack([np.bincount(codes, weights=row) / counts for row in y])
        resid = y - means[:, codes]
        sse = np.einsum("ij,ij->i", resid, resid)
        i_best = int(np.argmin(sse))
        best = (float(sse[i_best]), float(KM_GRID_uM[i_best]))
        out[jak] = {
            "km_uM": float(best[1]),
            "n_records": len(informative),
            "n_drugs": int(informative.drug_id.nunique()),
            "atp_levels_uM": sorted(set(atp.tolist())),
            "rms_log10": float(np.sqrt(best[0] / len(informative))),
        }
    return out


@functools.lru_cache(maxsize=4)
def atp_km(kb: KnowledgeBase) -> dict[str, float]:
    """ATP Km (uM) per JAK: cited values (geometric mean) where present, else fitted (derived)."""
    km = kb.atp_km
    cited = {j: _gmean(g.atp_km_uM) for j, g in km.groupby("jak_id")} if len(km) else {}
    fitted = {j: v["km_uM"] for j, v in fitted_atp_km(kb).items()}
    return {**fitted, **cited}


def enzyme_ki(kb: KnowledgeBase) -> pd.DataFrame:
    """Every exact enzyme value with its Ki-basis value and how it was obtained."""
    e = kb.enzyme_potency
    e = e[e.relation.isin(["=", ""]) & e.value_nM.notna()].copy()
    km = atp_km(kb)
    basis, ki = [], []
    for r in e.itertuples():
        jak = r.target.replace("_JH2", "")
        if r.measure in ("Kd", "Ki"):
            basis.append("binding Kd" if r.measure == "Kd" else "reported Ki")
            ki.append(r.value_nM)
        elif r.target == "TYK2_JH2":
            basis.append("JH2 probe displacement IC50")
            ki.append(r.value_nM)
        elif not math.isnan(r.atp_uM) and jak in km:
            basis.append(f"Cheng-Prusoff (ATP {r.atp_uM:g} uM, Km {km[jak]:.3g} uM)")
            ki.append(r.value_nM / (1.0 + r.atp_uM / km[jak]))
        else:
            basis.append("IC50, ATP unknown (not normalised)")
            ki.append(r.value_nM)
    e["ki_nM"] = ki
    e["ki_basis"] = basis
    e["normalised"] = ~e.ki_basis.str.startswith("IC50, ATP unknown")
    return e


@functools.lru_cache(maxsize=4)
def enzyme_summary(kb: KnowledgeBase) -> pd.DataFrame:
    """Per drug x target: geometric-mean Ki (normalised values preferred), spread and count."""
    e = enzyme_ki(kb)
    rows = []
    for (drug, target), g in e.groupby(["drug_id", "target"]):
        primary = g[g.normalised & (g.quality != "derived")]
        fallback = g[g.quality != "derived"]
        use, how = (
            (primary, "normalised")
            if len(primary)
            else (fallback, "ATP unknown")
            if len(fallback)
            else (g, "derived median")
        )
        rows.append(
            {
                "drug_id": drug,
                "target": target,
                "ki_nM": _gmean(use.ki_nM),
                "log10_sd": _log_sd(use.ki_nM),
                "n": len(use),
                "basis": how,
                "sources": ";".join(sorted(set(";".join(use.source_ids).split(";")))),
            }
        )
    return pd.DataFrame(rows)


def combine_jaks(k_nM: list[float]) -> float:
    """Pathway IC50 when signalling stops if either JAK is inhibited (Hill 1 per JAK).

    Solves ``prod_j (1 + c/K_j) = 2`` for ``c``; one JAK gives ``K``, two give the root of
    ``c^2/(Ka Kb) + c (1/Ka + 1/Kb) - 1 = 0``.
    """
    ks = [k for k in k_nM if k is not None and np.isfinite(k)]
    if not ks:
        return math.inf
    if len(ks) == 1:
        return ks[0]
    lo, hi = 0.0, min(ks)
    for _ in range(200):  # bisection on a monotone product; exact enough in 200 halvings
        mid = 0.5 * (lo + hi)
        if np.prod([1.0 + mid / k for k in ks]) < 2.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@functools.lru_cache(maxsize=4)
def _pathway_jaks(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Established JAKs of each JAK-signalling cytokine's canonical receptor."""
    chains = kb.canonical_chains()
    est = chains[chains.certainty == "established"]
    out = {c: sorted(set(g.jak_id)) for c, g in est.groupby("cytokine_id")}
    for c, g in chains.groupby("cytokine_id"):  # all-uncertain receptors keep their JAKs
        out.setdefault(c, sorted(set(g.jak_id)))
    return out


@functools.lru_cache(maxsize=4)
def _enzyme_by_drug(kb: KnowledgeBase) -> dict[str, pd.DataFrame]:
    return {d: g.set_index("target") for d, g in enzyme_summary(kb).groupby("drug_id")}


@functools.lru_cache(maxsize=4096)
def raw_prediction(kb: KnowledgeBase, drug_id: str, cytokine_id: str) -> tuple[float, str]:
    """Unbound cellular IC50 predicted from enzyme data before the empirical offset."""
    mechanism = kb.drugs.loc[kb.drugs.drug_id == drug_id, "mechanism"].iloc[0]
    km = atp_km(kb)
    jaks = _pathway_jaks(kb).get(cytokine_id, [])
    mine = _enzyme_by_drug(kb).get(drug_id, pd.DataFrame(columns=["ki_nM"]))
    ks, parts = [], []
    for jak in jaks:
        if mechanism == "allosteric_tyk2_jh2":
            if jak == "TYK2" and "TYK2_JH2" in mine.index:
                k = mine.loc["TYK2_JH2", "ki_nM"]
                ks.append(k)
                parts.append(f"TYK2 JH2 {k:.3g} nM (allosteric, no ATP shift)")
            continue
        if jak not in mine.index:
            parts.append(f"{jak}: no enzyme data")
            continue
        shift = 1.0 + CELL_ATP_uM / km[jak] if jak in km else 1.0
        k = mine.loc[jak, "ki_nM"] * shift
        ks.append(k)
        parts.append(f"{jak} Ki {mine.loc[jak, 'ki_nM']:.3g} nM x ATP shift {shift:.3g}")
    return combine_jaks(ks), "; ".join(parts) or "no JAK data"


def _fu(kb: KnowledgeBase, drug_id: str) -> tuple[float, str]:
    fu = kb.chosen_property(drug_id, "fraction_unbound")
    if fu is not None:
        return fu, f"fu {fu:.3g}"
    ppb = kb.chosen_property(drug_id, "plasma_protein_binding")
    if ppb is not None:
        return 1.0 - ppb / 100.0, f"fu {1 - ppb / 100:.3g} (from PPB {ppb:g}%)"
    return 1.0, "fu unknown: unbound taken as total (overstates inhibition)"


@functools.lru_cache(maxsize=4)
def distinct_cellular(kb: KnowledgeBase) -> pd.DataFrame:
    """Exact cellular/ex vivo records, one per distinct measurement (whole-blood copy kept)."""
    c = kb.cellular_potency
    c = c[c.relation.isin(["=", ""]) & c.value_nM.notna()].copy()
    order = {"whole_blood": 0, **{k: v + 1 for k, v in MATRIX_ORDER.items()}}
    c["_order"] = c.matrix.map(order)
    c = c.sort_values(["_order", "record_id"], kind="stable")
    c = c.drop_duplicates(["drug_id", "cytokine_id", "value_nM"], keep="first")
    return c.drop(columns="_order").sort_values("record_id").reset_index(drop=True)


@functools.lru_cache(maxsize=4)
def calibration_set(kb: KnowledgeBase) -> pd.DataFrame:
    """Measured cellular/ex vivo values on the unbound basis, one row per drug x pathway x tier."""
    c = distinct_cellular(kb)
    rows = []
    for r in c.itertuples():
        fu, _ = _fu(kb, r.drug_id)
        ex = is_ex_vivo(r.note)
        tier = (
            "ex_vivo"
            if ex
            else ("measured_whole_blood" if r.matrix == "whole_blood" else "measured_other")
        )
        unbound = r.value_nM * fu if r.concentration_basis == "total_blood" else r.value_nM
        rows.append(
            {
                "drug_id": r.drug_id,
                "cytokine_id": r.cytokine_id,
                "tier": tier,
                "matrix": r.matrix,
                "value_nM": r.value_nM,
                "unbound_nM": unbound,
                "record_id": r.record_id,
            }
        )
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    return df.groupby(["drug_id", "cytokine_id", "tier"], as_index=False).agg(
        unbound_nM=("unbound_nM", _gmean), n=("unbound_nM", "size"), records=("record_id", ";".join)
    )


@functools.lru_cache(maxsize=256)
def fit_offset(kb: KnowledgeBase, exclude_drug: str | None = None) -> float:
    """Empirical log10 offset b between measured unbound cellular IC50s and the raw prediction."""
    cal = calibration_set(kb)
    atp_comp = set(kb.drugs[kb.drugs.mechanism == "atp_competitive"].drug_id)
    resid = []
    for r in cal.itertuples():
        if r.drug_id == exclude_drug or r.drug_id not in atp_comp:
            continue
        pred, _ = raw_prediction(kb, r.drug_id, r.cytokine_id)
        if np.isfinite(pred) and pred > 0:
            resid.append(math.log10(r.unbound_nM / pred))
    return float(np.median(resid)) if resid else 0.0


@functools.lru_cache(maxsize=4)
def _prediction_error(kb: KnowledgeBase) -> float:
    """RMS log10 fold error of the leave-one-drug-out prediction (sets predicted uncertainty)."""
    check = potency_check(kb)
    err = check.log10_error.dropna()
    return float(np.sqrt(np.mean(err**2))) if len(err) else 1.0


def potency_check(kb: KnowledgeBase | None = None) -> pd.DataFrame:
    """Leave-one-drug-out prediction of every measured value; fold errors per drug x pathway."""
    kb = kb or load_kb()
    cal = calibration_set(kb)
    offsets = {d: fit_offset(kb, exclude_drug=d) for d in cal.drug_id.unique()}
    rows = []
    for r in cal.itertuples():
        raw, detail = raw_prediction(kb, r.drug_id, r.cytokine_id)
        pred = raw * 10 ** offsets[r.drug_id]
        ok = np.isfinite(pred) and pred > 0
        err = math.log10(pred / r.unbound_nM) if ok else np.nan
        rows.append(
            {
                "drug_id": r.drug_id,
                "cytokine_id": r.cytokine_id,
                "tier": r.tier,
                "measured_unbound_nM": r.unbound_nM,
                "n_records": r.n,
                "predicted_unbound_nM": pred if ok else np.nan,
                "fold_error": 10 ** abs(err) if ok else np.nan,
                "log10_error": err,
                "offset_log10": offsets[r.drug_id],
                "prediction_inputs": detail,
            }
        )
    return pd.DataFrame(rows)


def _from_parent(kb: KnowledgeBase, drug_id: str) -> tuple[str, float, str] | None:
    drug = kb.drugs.set_index("drug_id").loc[drug_id]
    if drug.status != "metabolite" or not drug.parent_drug_id:
        return None
    rel = kb.chosen_property(drug_id, "relative_potency_to_parent")
    if rel is None or rel <= 0:
        return None
    p = kb.drug_properties
    src = p[
        (p.drug_id == drug_id) & (p.property == "relative_potency_to_parent") & (p.chosen == "yes")
    ].iloc[0]
    return drug.parent_drug_id, rel, f"{src.source_ids} @ {src.location}"


def pathway_potency(kb: KnowledgeBase, drug: str, cytokine: str) -> Potency:
    """The potency used for one drug and JAK-signalling cytokine (see module docstring)."""
    drug_id = kb.drug_names.resolve(drug)
    cid = kb.cytokine_names.resolve(cytokine)
    return _potency_table(kb).loc[(drug_id, cid)].potency


def potency_table(kb: KnowledgeBase | None = None, drug: str | None = None) -> pd.DataFrame:
    """Potency used for every drug x JAK-signalling cytokine (or one drug's), as a DataFrame."""
    kb = kb or load_kb()
    table = _potency_table(kb)
    df = pd.DataFrame([p.__dict__ for p in table.potency])
    if drug is not None:
        df = df[df.drug_id == kb.drug_names.resolve(drug)]
    return df.reset_index(drop=True)


@functools.lru_cache(maxsize=4)
def _potency_table(kb: KnowledgeBase) -> pd.DataFrame:
    cal_records = distinct_cellular(kb)
    offset = fit_offset(kb)
    pred_sd = None
    jak_cytokines = kb.cytokines[kb.cytokines.jak_signalling == "yes"].cytokine_id
    out = []
    for drug in kb.drugs.itertuples():
        fu, fu_text = _fu(kb, drug.drug_id)
        mine = cal_records[cal_records.drug_id == drug.drug_id]
        for cid in jak_cytokines:
            recs = mine[mine.cytokine_id == cid]
            ex = recs.note.map(is_ex_vivo).astype(bool)
            wb = recs[(recs.matrix == "whole_blood") & ~ex]
            other = recs[(recs.matrix != "whole_blood") & ~ex]
            exv = recs[ex]
            flags = []
            if drug.mechanism == "covalent_jak3":
                flags.append(
                    "covalent JAK3 binding: effect outlasts plasma exposure; "
                    "plasma-driven inhibition is a lower bound"
                )
            if len(wb):
                wb = pd.concat([wb, exv])  # ex vivo whole blood pooled with in vitro
                # free-concentration whole-blood values go to the total scale through fu
                totals = np.where(
                    wb.concentration_basis == "unbound_blood", wb.value_nM / fu, wb.value_nM
                )
                value = _gmean(totals)
                basis = BLOOD_BASIS + (
                    f"; free-drug values / {fu_text}"
                    if (wb.concentration_basis == "unbound_blood").any()
                    else ""
                )
                pot = Potency(
                    drug.drug_id,
                    cid,
                    value,
                    value,
                    "measured_whole_blood",
                    basis,
                    len(wb),
                    max(_log_sd(wb.value_nM), MEASURED_LOG10_SD_FLOOR),
                    ";".join(sorted(set(wb.source_ids))),
                    f"{len(wb)} whole-blood value(s): {', '.join(wb.record_id)}",
                )
            elif len(other):
                best = min(other.matrix.map(MATRIX_ORDER))
                use = other[other.matrix.map(MATRIX_ORDER) == best]
                value = _gmean(use.value_nM)
                pot = Potency(
                    drug.drug_id,
                    cid,
                    value / fu,
                    value,
                    "measured_other",
                    f"IC50 in medium ({use.matrix.iloc[0]}) vs unbound plasma; {fu_text}",
                    len(use),
                    max(_log_sd(use.value_nM), MEASURED_LOG10_SD_FLOOR),
                    ";".join(sorted(set(use.source_ids))),
                    f"{len(use)} value(s): {', '.join(use.record_id)}",
                )
            elif len(exv):
                value = _gmean(exv.value_nM)
                pot = Potency(
                    drug.drug_id,
                    cid,
                    value,
                    value,
                    "ex_vivo",
                    "ex vivo whole-blood EC50 vs total plasma concentration",
                    len(exv),
                    max(_log_sd(exv.value_nM), MEASURED_LOG10_SD_FLOOR),
                    ";".join(sorted(set(exv.source_ids))),
                    f"{len(exv)} value(s): {', '.join(exv.record_id)}",
                )
            else:
                parent = _from_parent(kb, drug.drug_id)
                if pred_sd is None:
                    pred_sd = _prediction_error(kb)
                raw, detail = raw_prediction(kb, drug.drug_id, cid)
                if parent is not None and not np.isfinite(raw):
                    pot = None  # filled after the parent (second pass)
                    out.append((drug.drug_id, cid, ("parent", parent, fu, fu_text, flags)))
                    continue
                value = raw * 10**offset if np.isfinite(raw) else math.inf
                pot = Potency(
                    drug.drug_id,
                    cid,
                    value / fu,
                    value,
                    "predicted",
                    f"predicted unbound cellular IC50 vs unbound plasma; {fu_text}",
                    0,
                    pred_sd,
                    "enzyme_potency",
                    f"{detail}; empirical offset 10^{offset:.2f}",
                )
            if flags:
                pot = Potency(**{**pot.__dict__, "flags": "; ".join(flags)})
            out.append((drug.drug_id, cid, pot))
    table = {(d, c): p for d, c, p in out}
    for (d, c), p in list(table.items()):
        if isinstance(p, tuple):
            _, (parent_id, rel, src), fu, fu_text, flags = p
            pp = table[(parent_id, c)]
            fu_parent, _ = _fu(kb, parent_id)
            unbound = pp.ic50_total_nM * fu_parent / rel
            table[(d, c)] = Potency(
                d,
                c,
                unbound / fu,
                unbound,
                "predicted",
                f"parent {parent_id} unbound potency / relative potency {rel:g}; {fu_text}",
                0,
                pp.log10_sd,
                src,
                f"from {parent_id} ({pp.tier}) divided by {rel:g}",
                "; ".join(flags),
            )
    idx = pd.MultiIndex.from_tuples(table.keys(), names=["drug_id", "cytokine_id"])
    return pd.DataFrame({"potency": list(table.values())}, index=idx)
