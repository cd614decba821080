"""Pathway potency per drug: one curated, human potency per drug and pathway, with its tier.

Only records that pass the screen of :mod:`jakpath.inhibition.screen` (human, not excluded by
a curator, consistent with their assay set and peers) enter a potency. Order of preference for
a drug x cytokine pathway (``TIERS``; the tier is shown in every output):

1. ``measured_whole_blood``: cytokine-stimulated pSTAT IC50 in human whole blood (in vitro),
   pooled (geometric mean) with ex vivo whole-blood EC50s of the same drug and pathway; both are
   total drug in blood, compared with total plasma (blood:plasma taken as 1).
2. ``measured_other``: PBMC, then primary cells, then cell lines, in medium; the medium IC50 is
   an unbound concentration, compared with unbound plasma (``C_total * fu``).
3. ``ex_vivo``: whole-blood EC50 from dosed subjects alone.
4. ``same_jaks``: no value for this pathway, but the drug was measured on another pathway
   whose receptor uses exactly the same established JAKs (e.g. deucravacitinib's IFN-beta from
   its IFN-alpha: one receptor); the measured unbound value is carried over with a wider
   uncertainty (``SAME_JAKS_LOG10_SD``, measured by leaving one pathway out).
5. ``predicted``: from enzyme potencies, for ATP-competitive drugs only (below).
6. ``bound``: only censored values exist (``>10000 nM``): the bound is shown as a bound
   (``relation`` ">"); inhibition computed with it is an upper bound.
7. ``unknown``: no measured value and no valid prediction. The central value is the geometric
   mean of the drug's own measured values on pathways sharing a JAK (an assumption, said so),
   with a wide interval (``UNKNOWN_LOG10_SD``) that rank stability and populations propagate;
   never 0% inhibition.

Mechanism classes (``drugs.csv`` ``mechanism``): ``atp_competitive`` (JH1) drugs get enzyme
predictions; ``allosteric_tyk2_jh2`` (deucravacitinib) and ``covalent_jak3`` (ritlecitinib)
do not: no translation has been fitted on their class (one drug each), so only their cellular
data (and same-receptor transfer) are used.

Prediction (ATP-competitive). Each exact enzyme value is put on a Ki basis: binding Kd and
reported Ki as they are; IC50s with a stated ATP by Cheng-Prusoff ``Ki = IC50 / (1 + ATP/Km)``
with each JAK's ATP Km (cited if the knowledge base has one, else fitted within assay sets that
tested one drug at several ATP levels, marked derived); IC50s of unknown ATP only when nothing
else exists. A JAK's cellular potency is ``Ki * (1 + CELL_ATP_uM / Km)``; a receptor signals only
when all its established JAKs are active, so the pathway is inhibited when either JAK is:
``1 - I = prod_j 1 / (1 + C/K_j)``. The result is translated to the measured scale by an
offset ``b`` per JAK dependency class (JAK1/JAK3, JAK1/JAK2, JAK1/TYK2, JAK1, JAK2/TYK2,
JAK2/JAK2), fitted on human measured unbound values of ATP-competitive drugs and shrunk towards
the overall offset (``CLASS_PRIOR_N``); its leave-one-drug-out error per class sets the
predicted potency's uncertainty.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

from jakpath.inhibition.screen import screened_cellular, screened_enzyme
from jakpath.kb import KnowledgeBase, load_kb
from jakpath.kb.cache import derived

CELL_ATP_uM = 1000.0
"""Intracellular ATP used for the enzyme-to-cell shift (1 mM; cells hold millimolar ATP, and
1 mM is the high-ATP condition of the enzyme assays in the knowledge base)."""

HILL_DEFAULT = 1.0
"""Hill coefficient of pathway inhibition (assumption: pSTAT concentration-response curves of
JAK inhibitors are near 1; no per-pathway slopes are curated yet)."""

MEASURED_LOG10_SD_FLOOR = 0.15
"""Smallest uncertainty (log10 units, ~1.4-fold) given to a measured potency (assay noise)."""

SAME_JAKS_LOG10_SD_FLOOR = 0.35
"""Smallest uncertainty (log10) of a value carried over from another pathway of the same drug
with the same JAKs; the value used is the leave-one-pathway-out RMS error of that transfer
(:func:`transfer_check`) when larger."""

UNKNOWN_LOG10_SD = 1.0
"""Uncertainty (log10, 10-fold each way at one SD) of an unknown pathway's assumed central value
(ASSUMPTION: no source; chosen wide so that rank stability and populations show the ignorance)."""

CLASS_PRIOR_N = 3.0
"""Shrinkage of a dependency class's translation offset towards the overall offset: a class with
this many calibration values sits halfway between its own median and the overall median
(ASSUMPTION: set before the leave-one-drug-out check, not tuned on it)."""

INTERVAL_Z = 1.645
"""Normal quantile of the reported interval (90%: 5th to 95th percentile on the log scale)."""

BLOOD_BASIS = "whole-blood IC50 vs total plasma concentration (blood:plasma assumed 1)"

MATRIX_ORDER = {"pbmc": 0, "primary_cells": 1, "cell_line": 2}

TIERS = (
    "measured_whole_blood",
    "measured_other",
    "ex_vivo",
    "same_jaks",
    "predicted",
    "bound",
    "unknown",
)

MEASURED_TIERS = ("measured_whole_blood", "measured_other", "ex_vivo")

MECHANISM_CLASSES = {
    "atp_competitive": "ATP-competitive (JH1): enzyme-to-pathway translation fitted on this class",
    "allosteric_tyk2_jh2": "allosteric TYK2 pseudokinase (JH2): cellular data only",
    "covalent_jak3": "covalent JAK3: cellular data only; effect outlasts plasma exposure",
}


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
    species: str = "human"
    relation: str = "="  # ">" for a bound (only censored values known)
    jak_class: str = ""
    mechanism: str = ""
    fu_assumed: bool = False

    @property
    def n_records(self) -> int:
        """Number of records pooled into this potency (0 for predictions and unknowns)."""
        return self.n_values

    @property
    def low_nM(self) -> float:
        """Lower end of the 90% interval on the total-plasma scale."""
        return self.ic50_total_nM / 10 ** (INTERVAL_Z * self.log10_sd)

    @property
    def high_nM(self) -> float:
        """Upper end of the 90% interval (infinite for a bound: only its lower end is known)."""
        if self.relation == ">":
            return math.inf
        return self.ic50_total_nM * 10 ** (INTERVAL_Z * self.log10_sd)

    def as_row(self) -> dict:
        """A flat dict for tables, with the interval and record count."""
        return {
            **asdict(self),
            "n_records": self.n_records,
            "low_nM": self.low_nM,
            "high_nM": self.high_nM,
        }


def _gmean(values) -> float:
    v = np.asarray(values, dtype=float)
    return float(np.exp(np.mean(np.log(v))))


def _log_sd(values) -> float:
    v = np.log10(np.asarray(values, dtype=float))
    return float(np.std(v, ddof=1)) if v.size > 1 else 0.0


# -- JAK dependency of each pathway ----------------------------------------------------------
@functools.lru_cache(maxsize=4)
def pathway_jaks(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """Established JAKs of each JAK-signalling cytokine's canonical receptor.

    A receptor whose chains are all uncertain keeps every JAK reported for it (and its class
    says so by its JAKs).
    """
    chains = kb.canonical_chains()
    est = chains[chains.certainty == "established"]
    out = {c: tuple(sorted(set(g.jak_id))) for c, g in est.groupby("cytokine_id")}
    for c, g in chains.groupby("cytokine_id"):
        out.setdefault(c, tuple(sorted(set(g.jak_id))))
    return out


def jak_class(jaks) -> str:
    """The dependency class of a JAK set (JAK1/JAK3, JAK1/JAK2, JAK1/TYK2, JAK1, JAK2/TYK2, ...).

    gp130 receptors (JAK1, JAK2, TYK2) and IFN-gamma (JAK1, JAK2) are JAK1/JAK2; a pathway with
    JAK1 only (G-CSF, IL-13, IL-31 after curation) is its own class.
    """
    s = set(jaks)
    if not s:
        return "none"
    if "JAK3" in s:
        return "JAK1/JAK3" if "JAK1" in s else "JAK3"
    if "JAK1" in s:
        if "JAK2" in s:
            return "JAK1/JAK2"
        return "JAK1/TYK2" if "TYK2" in s else "JAK1"
    if "TYK2" in s:
        return "JAK2/TYK2" if "JAK2" in s else "TYK2"
    return "JAK2/JAK2"


# -- enzyme side -----------------------------------------------------------------------------
KM_GRID_uM = np.logspace(0, np.log10(2000.0), 31)
"""Candidate ATP Km values (1 uM .. 2 mM) profiled when fitting the enzyme model."""

SET_LOG10_SD = 0.5
"""Prior SD (log10) of an assay set's offset: protocols differ by ~3-fold for the same drug
(construct, substrate, enzyme lot), so one set's values are shrunk towards the others'
(ASSUMPTION: a round figure, not fitted; not tuned on the cellular check)."""

RECORD_LOG10_SD = 0.2
"""Residual SD (log10) of one record within its assay set (replicate noise, ~1.6-fold;
ASSUMPTION: a round figure, not fitted)."""


@dataclass(frozen=True)
class EnzymeFit:
    """Per JAK: the fitted ATP Km and each drug's potency on the ATP-free (Ki) scale."""

    jak: str
    km_uM: float
    log10_ki: dict[str, float]
    se_log10: dict[str, float]
    n_records: dict[str, int]
    unknown_atp_shift: float
    n_sets: int
    rms_log10: float


def _enzyme_records(kb: KnowledgeBase, jak: str) -> pd.DataFrame:
    e = screened_enzyme(kb)
    return e[
        e.used
        & e.exact
        & (e.target == jak)
        & e.measure.isin(["IC50", "Kd", "Ki"])
        & (e.quality != "derived")
    ].copy()


def _fit_jak(
    recs: pd.DataFrame, km_uM: float, with_se: bool = False
) -> tuple[float, np.ndarray, list, list]:
    """Generalised least squares of one JAK's records for one Km, set offsets integrated out.

    With ``s ~ N(0, tau^2)`` per assay set and ``e ~ N(0, sigma^2)`` per record, each set's
    covariance is ``sigma^2 I + tau^2 11'``, whose inverse is ``(I - w 11') / sigma^2`` with
    ``w = tau^2 / (sigma^2 + n tau^2)``; the normal equations need only per-set sums.
    Returns the GLS objective ``r' V^-1 r`` (times sigma^2), the coefficients (drugs, then the
    unknown-ATP shift), the drug ids and, on request, the drugs' standard errors.
    """
    drugs = sorted(recs.drug_id.unique())
    sets = recs.assay_set.where(recs.assay_set.astype(bool), recs.record_id)
    s_idx = pd.factorize(sets)[0]
    n, nd = len(recs), len(drugs)
    d_idx = recs.drug_id.map({d: i for i, d in enumerate(drugs)}).to_numpy()
    atp = recs.atp_uM.to_numpy(dtype=float)
    is_ic50 = (recs.measure == "IC50").to_numpy()
    unknown = is_ic50 & np.isnan(atp)
    y = np.log10(recs.value_nM.to_numpy(dtype=float))
    y = y - np.where(is_ic50 & ~unknown, np.log10(1.0 + np.nan_to_num(atp) / km_uM), 0.0)
    x = np.zeros((n, nd + 1))
    x[np.arange(n), d_idx] = 1.0
    x[:, nd] = unknown.astype(float)
    sig2, tau2 = RECORD_LOG10_SD**2, SET_LOG10_SD**2
    n_k = np.bincount(s_idx)
    w = tau2 / (sig2 + n_k * tau2)
    xs = np.zeros((len(n_k), nd + 1))
    np.add.at(xs, s_idx, x)
    ys = np.bincount(s_idx, weights=y)
    xtx = x.T @ x - (xs * w[:, None]).T @ xs
    xty = x.T @ y - (xs * w[:, None]).T @ ys
    if not unknown.any():  # no unknown-ATP records: the shift is not identifiable
        xtx[nd, nd] = 1.0
    beta = np.linalg.solve(xtx, xty)
    r = y - x @ beta
    rs = np.bincount(s_idx, weights=r)
    objective = float(r @ r - np.sum(w * rs**2))
    if not with_se:
        return objective, beta, drugs, []
    cov = np.linalg.inv(xtx) * sig2
    return objective, beta, drugs, [float(np.sqrt(max(cov[i, i], 0))) for i in range(nd)]


@functools.lru_cache(maxsize=4)
def enzyme_fits(kb: KnowledgeBase) -> dict[str, EnzymeFit]:
    """Assay-set model of every JAK's enzyme records (derived; see below).

    For one JAK, ``log10 v = log10 Ki[drug] + log10(1 + ATP/Km) [IC50 at stated ATP]
    + u [IC50 at unknown ATP] + s[assay set] + e``, with set offsets ``s ~ N(0, SET_LOG10_SD)``
    and record noise ``e ~ N(0, RECORD_LOG10_SD)``: drugs tested in one protocol are compared
    within it (relative potencies within one assay are far more reliable than absolute values
    across assays), single-drug sets are shrunk towards the rest, and Km is the grid value that
    minimises the penalised residual (profile likelihood). A cited Km in ``atp_km.csv``
    replaces the fitted one.

    Computed once per data and code version and then read from the disk cache
    (:mod:`jakpath.kb.cache`).
    """
    return derived(kb, "enzyme_fits", lambda: build_enzyme_fits(kb))


def build_enzyme_fits(kb: KnowledgeBase) -> dict[str, EnzymeFit]:
    """Compute :func:`enzyme_fits` from the knowledge base (no cache)."""
    cited = kb.atp_km
    out = {}
    for jak in ("JAK1", "JAK2", "JAK3", "TYK2"):
        recs = _enzyme_records(kb, jak)
        if recs.empty:
            continue
        c = cited[cited.jak_id == jak] if len(cited) else cited
        grid = [_gmean(c.atp_km_uM)] if len(c) else KM_GRID_uM
        objective = [_fit_jak(recs, km)[0] for km in grid]
        km = float(grid[int(np.argmin(objective))])
        obj, beta, drugs, se = _fit_jak(recs, km, with_se=True)
        nd = len(drugs)
        out[jak] = EnzymeFit(
            jak=jak,
            km_uM=float(km),
            log10_ki={d: float(beta[i]) for i, d in enumerate(drugs)},
            se_log10={d: se[i] for i, d in enumerate(drugs)},
            n_records=recs.groupby("drug_id").size().to_dict(),
            unknown_atp_shift=float(beta[nd]),
            n_sets=int(recs.assay_set.nunique()),
            rms_log10=float(np.sqrt(obj / len(recs))),
        )
    return out


def fitted_atp_km(kb: KnowledgeBase) -> dict[str, dict]:
    """ATP Km per JAK from the assay-set model (derived), with what it was fitted on."""
    return {
        j: {
            "km_uM": f.km_uM,
            "n_records": sum(f.n_records.values()),
            "n_sets": f.n_sets,
            "rms_log10": f.rms_log10,
        }
        for j, f in enzyme_fits(kb).items()
    }


@functools.lru_cache(maxsize=4)
def atp_km(kb: KnowledgeBase) -> dict[str, float]:
    """ATP Km (uM) per JAK: cited values (geometric mean) where present, else fitted (derived)."""
    return {j: f.km_uM for j, f in enzyme_fits(kb).items()}


@functools.lru_cache(maxsize=4)
def enzyme_ki(kb: KnowledgeBase) -> pd.DataFrame:
    """Every screened, exact enzyme value with its Ki-basis value and how it was obtained."""
    e = screened_enzyme(kb)
    e = e[e.used & e.exact].copy()
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
    """Per drug x JAK: the assay-set model's Ki (derived), its standard error and record count.

    Targets the model does not cover (TYK2 JH2) and drugs with only derived medians keep the
    geometric mean of their values, marked as such in ``basis``. Computed once per data and
    code version and then read from the disk cache (:mod:`jakpath.kb.cache`).
    """
    return derived(kb, "enzyme_summary", lambda: build_enzyme_summary(kb))


def build_enzyme_summary(kb: KnowledgeBase) -> pd.DataFrame:
    """Compute :func:`enzyme_summary` from the knowledge base (no cache)."""
    fits = enzyme_fits(kb)
    rows = []
    e = enzyme_ki(kb)
    for (drug, target), g in e.groupby(["drug_id", "target"]):
        fit = fits.get(target)
        if fit is not None and drug in fit.log10_ki:
            rows.append(
                {
                    "drug_id": drug,
                    "target": target,
                    "ki_nM": 10 ** fit.log10_ki[drug],
                    "log10_sd": fit.se_log10[drug],
                    "n": fit.n_records[drug],
                    "basis": f"assay-set model (Km {fit.km_uM:.3g} uM, derived)",
                    "sources": ";".join(sorted(set(";".join(g.source_ids).split(";")))),
                }
            )
            continue
        use = g[g.quality != "derived"] if (g.quality != "derived").any() else g
        rows.append(
            {
                "drug_id": drug,
                "target": target,
                "ki_nM": _gmean(use.ki_nM),
                "log10_sd": _log_sd(use.ki_nM),
                "n": len(use),
                "basis": "geometric mean" if (use.quality != "derived").all() else "derived median",
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
        if mid in (lo, hi):  # lo and hi are adjacent floats: later halvings change nothing
            break
        if math.prod([1.0 + mid / k for k in ks]) < 2.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@functools.lru_cache(maxsize=4)
def _enzyme_by_drug(kb: KnowledgeBase) -> dict[str, pd.DataFrame]:
    return {d: g.set_index("target") for d, g in enzyme_summary(kb).groupby("drug_id")}


@functools.lru_cache(maxsize=4)
def _enzyme_ki_by_drug(kb: KnowledgeBase) -> dict[str, dict[str, float]]:
    """Per drug, the summary Ki (nM) per JAK (plain dicts: looked up ~1000 times per build)."""
    return {d: g.ki_nM.to_dict() for d, g in _enzyme_by_drug(kb).items()}


@functools.lru_cache(maxsize=8192)
def raw_prediction(kb: KnowledgeBase, drug_id: str, cytokine_id: str) -> tuple[float, str]:
    """Unbound cellular IC50 predicted from enzyme data before the class offset.

    Only ATP-competitive drugs are predicted; a pathway is predicted only when the drug has
    enzyme data for every established JAK of it (a missing JAK would be read as uninhibited).
    """
    mechanism = _mechanism(kb, drug_id)
    if mechanism != "atp_competitive":
        return math.inf, f"no enzyme translation for the {mechanism} class"
    km = atp_km(kb)
    jaks = pathway_jaks(kb).get(cytokine_id, ())
    mine = _enzyme_ki_by_drug(kb).get(drug_id)
    if mine is None:
        return math.inf, "no enzyme data"
    ks, parts = [], []
    for jak in jaks:
        if jak not in mine:
            return math.inf, f"{jak}: no enzyme data"
        shift = 1.0 + CELL_ATP_uM / km[jak] if jak in km else 1.0
        k = mine[jak] * shift
        ks.append(k)
        parts.append(f"{jak} Ki {mine[jak]:.3g} nM x ATP shift {shift:.3g}")
    return combine_jaks(ks), "; ".join(parts) or "no JAK data"


@functools.lru_cache(maxsize=64)
def _mechanism(kb: KnowledgeBase, drug_id: str) -> str:
    return str(kb.drugs.loc[kb.drugs.drug_id == drug_id, "mechanism"].iloc[0])


def fraction_unbound(kb: KnowledgeBase, drug_id: str) -> tuple[float, str, bool]:
    """The drug's plasma unbound fraction, how it was obtained, and whether it is assumed.

    From the chosen ``fraction_unbound`` or ``plasma_protein_binding`` property; without either
    the unbound concentration is taken as total (assumed, flagged: overstates inhibition).
    """
    fu = kb.chosen_property(drug_id, "fraction_unbound")
    if fu is not None:
        return fu, f"fu {fu:.3g}", False
    ppb = kb.chosen_property(drug_id, "plasma_protein_binding")
    if ppb is not None:
        return 1.0 - ppb / 100.0, f"fu {1 - ppb / 100:.3g} (from PPB {ppb:g}%)", False
    return 1.0, "fu unknown: ASSUMED 1, unbound taken as total (overstates inhibition)", True


# -- measured values -------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def measured_values(kb: KnowledgeBase) -> pd.DataFrame:
    """One measured value per drug x pathway: the best tier's pooled value, total and unbound.

    Columns: drug_id, cytokine_id, tier, total_nM (total-plasma scale), unbound_nM, n,
    log10_sd, records, sources, matrix, basis.
    """
    c = screened_cellular(kb)
    c = c[c.used & c.exact]
    rows = []
    for (drug, cid), recs in c.groupby(["drug_id", "cytokine_id"]):
        fu, fu_text, _ = fraction_unbound(kb, drug)
        wb = recs[recs.tier == "measured_whole_blood"]
        exv = recs[recs.tier == "ex_vivo"]
        other = recs[recs.tier == "measured_other"]
        if len(wb):
            use = pd.concat([wb, exv])
            totals = np.where(
                use.concentration_basis == "unbound_blood", use.value_nM / fu, use.value_nM
            )
            tier, matrix = "measured_whole_blood", "whole_blood"
            basis = BLOOD_BASIS + (
                f"; free-drug values / {fu_text}"
                if (use.concentration_basis == "unbound_blood").any()
                else ""
            )
        elif len(other):
            best = min(other.matrix.map(MATRIX_ORDER))
            use = other[other.matrix.map(MATRIX_ORDER) == best]
            totals = use.value_nM.to_numpy(dtype=float) / fu
            tier, matrix = "measured_other", use.matrix.iloc[0]
            basis = f"IC50 in medium ({matrix}) vs unbound plasma; {fu_text}"
        elif len(exv):
            use = exv
            totals = use.value_nM.to_numpy(dtype=float)
            tier, matrix = "ex_vivo", "whole_blood"
            basis = "ex vivo whole-blood EC50 vs total plasma concentration"
        else:  # pragma: no cover - every group has one of the three tiers
            continue
        total = _gmean(totals)
        rows.append(
            {
                "drug_id": drug,
                "cytokine_id": cid,
                "tier": tier,
                "total_nM": total,
                "unbound_nM": total * fu,
                "assay_nM": _gmean(use.value_nM),
                "n": len(use),
                "log10_sd": max(_log_sd(totals), MEASURED_LOG10_SD_FLOOR),
                "records": ";".join(use.record_id),
                "sources": ";".join(sorted(set(use.source_ids))),
                "matrix": matrix,
                "basis": basis,
            }
        )
    return pd.DataFrame(rows)


@functools.lru_cache(maxsize=4)
def bounds(kb: KnowledgeBase) -> pd.DataFrame:
    """Per drug x pathway, the tightest lower bound on the unbound IC50 from censored records."""
    c = screened_cellular(kb)
    c = c[c.used & ~c.exact & c.relation.isin([">", ">="])]
    rows = []
    for (drug, cid), g in c.groupby(["drug_id", "cytokine_id"]):
        fu, _, _ = fraction_unbound(kb, drug)
        unbound = np.where(g.concentration_basis == "total_blood", g.value_nM * fu, g.value_nM)
        i = int(np.argmax(unbound))
        rows.append(
            {
                "drug_id": drug,
                "cytokine_id": cid,
                "unbound_nM": float(unbound[i]),
                "record_id": g.record_id.iloc[i],
                "records": ";".join(g.record_id),
                "sources": ";".join(sorted(set(g.source_ids))),
                "assay_nM": float(g.value_nM.iloc[i]),
                "matrix": g.matrix.iloc[i],
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "drug_id",
            "cytokine_id",
            "unbound_nM",
            "record_id",
            "records",
            "sources",
            "assay_nM",
            "matrix",
        ],
    )


# -- translation per dependency class ---------------------------------------------------------
MATRIX_GROUP = {
    "whole_blood": "whole_blood",
    "pbmc": "primary",
    "primary_cells": "primary",
    "cell_line": "cell_line",
}
"""Matrix groups of the translation: whole blood (in vitro and ex vivo; the reference scale that
predicted potencies target), primary human cells in medium, cell lines in medium."""


@functools.lru_cache(maxsize=4)
def calibration_values(kb: KnowledgeBase) -> pd.DataFrame:
    """Measured unbound IC50s per drug x pathway x matrix group (every used human record).

    Whole-blood values are converted to unbound with the drug's fraction unbound; values in
    medium are unbound as measured. These are the targets of the translation fit and of the
    leave-one-drug-out check.
    """
    c = screened_cellular(kb)
    c = c[c.used & c.exact].copy()
    c["group"] = c.matrix.map(MATRIX_GROUP)
    rows = []
    for (drug, cid, group), g in c.groupby(["drug_id", "cytokine_id", "group"]):
        fu, _, _ = fraction_unbound(kb, drug)
        unbound = np.where(g.concentration_basis == "total_blood", g.value_nM * fu, g.value_nM)
        rows.append(
            {
                "drug_id": drug,
                "cytokine_id": cid,
                "group": group,
                "unbound_nM": _gmean(unbound),
                "n": len(g),
                "records": ";".join(g.record_id),
            }
        )
    return pd.DataFrame(rows)


@functools.lru_cache(maxsize=256)
def _residuals(kb: KnowledgeBase, exclude_drug: str | None) -> pd.DataFrame:
    """log10(measured unbound / raw prediction) for ATP-competitive parent drugs."""
    cal = calibration_values(kb)
    rows = []
    for r in cal.itertuples():
        if r.drug_id == exclude_drug or _mechanism(kb, r.drug_id) != "atp_competitive":
            continue
        if _is_metabolite(kb, r.drug_id):
            continue
        raw, _ = raw_prediction(kb, r.drug_id, r.cytokine_id)
        if np.isfinite(raw) and raw > 0:
            cls = jak_class(pathway_jaks(kb).get(r.cytokine_id, ()))
            rows.append((r.drug_id, r.cytokine_id, cls, r.group, math.log10(r.unbound_nM / raw)))
    return pd.DataFrame(rows, columns=["drug_id", "cytokine_id", "jak_class", "group", "resid"])


def _shrunk_medians(values: pd.Series, keys: pd.Series, prior: float) -> dict[str, float]:
    out = {}
    for k, v in values.groupby(keys):
        out[k] = (len(v) * float(np.median(v)) + CLASS_PRIOR_N * prior) / (len(v) + CLASS_PRIOR_N)
    return out


@functools.lru_cache(maxsize=256)
def translation(kb: KnowledgeBase, exclude_drug: str | None = None) -> dict[str, dict[str, float]]:
    """Translation offsets (log10): ``{"class": {jak_class: b}, "matrix": {group: m}}``.

    ``log10(measured unbound / raw prediction) = b[class] + m[matrix group]`` with
    ``m["whole_blood"] = 0`` (the scale predicted potencies target). Fitted by alternating
    medians (three rounds); class offsets are shrunk towards the overall offset with
    ``CLASS_PRIOR_N`` pseudo-values, matrix offsets towards zero likewise. ``class["all"]`` is
    the overall offset for classes without calibration values.
    """
    res = _residuals(kb, exclude_drug)
    if res.empty:
        return {"class": {"all": 0.0}, "matrix": {"whole_blood": 0.0}}
    m = {g: 0.0 for g in res.group.unique()}
    b: dict[str, float] = {}
    for _ in range(3):
        r1 = res.resid - res.group.map(m)
        overall = float(np.median(r1))
        b = {"all": overall, **_shrunk_medians(r1, res.jak_class, overall)}
        r2 = res.resid - res.jak_class.map(b)
        m = _shrunk_medians(r2, res.group, 0.0)
        ref = m.get("whole_blood", 0.0)
        m = {g: v - ref for g, v in m.items()}
        b = {k: v + ref for k, v in b.items()}
    m.setdefault("whole_blood", 0.0)
    return {"class": b, "matrix": m}


def class_offsets(kb: KnowledgeBase, exclude_drug: str | None = None) -> dict[str, float]:
    """Translation offset (log10) per JAK dependency class on the whole-blood scale."""
    return translation(kb, exclude_drug)["class"]


def global_offset(kb: KnowledgeBase, exclude_drug: str | None = None) -> float:
    """One offset for every pathway (the first build's model, kept for the potency study)."""
    res = _residuals(kb, exclude_drug)
    return float(np.median(res.resid)) if len(res) else 0.0


def _is_metabolite(kb: KnowledgeBase, drug_id: str) -> bool:
    return drug_id in _metabolites(kb)


@functools.lru_cache(maxsize=4)
def _metabolites(kb: KnowledgeBase) -> frozenset[str]:
    return frozenset(kb.drugs.loc[kb.drugs.status == "metabolite", "drug_id"])


def predict_unbound(
    kb: KnowledgeBase,
    drug_id: str,
    cytokine_id: str,
    exclude_drug: str | None = None,
    group: str = "whole_blood",
) -> tuple[float, str, str]:
    """Predicted unbound IC50 on a matrix group's scale (per-class translation).

    Returns the value (inf when no valid prediction), the inputs in words, and the class.
    """
    raw, detail = raw_prediction(kb, drug_id, cytokine_id)
    cls = jak_class(pathway_jaks(kb).get(cytokine_id, ()))
    if not np.isfinite(raw):
        return math.inf, detail, cls
    tr = translation(kb, exclude_drug)
    b = tr["class"].get(cls, tr["class"]["all"])
    mg = tr["matrix"].get(group, 0.0)
    extra = f" + {group} 10^{mg:.2f}" if group != "whole_blood" else ""
    return raw * 10 ** (b + mg), f"{detail}; {cls} translation 10^{b:.2f}{extra}", cls


def potency_check(kb: KnowledgeBase | None = None) -> pd.DataFrame:
    """Leave-one-drug-out prediction of every measured human value (per-class translation).

    One row per measured drug x pathway x matrix group; the drug's own values are left out of
    the translation fit before it is predicted (its enzyme data are what predicts it).
    """
    kb = kb or load_kb()
    cal = calibration_values(kb)
    rows = []
    for r in cal.itertuples():
        if _is_metabolite(kb, r.drug_id):
            continue
        pred, detail, cls = predict_unbound(
            kb, r.drug_id, r.cytokine_id, exclude_drug=r.drug_id, group=r.group
        )
        ok = np.isfinite(pred) and pred > 0
        err = math.log10(pred / r.unbound_nM) if ok else np.nan
        rows.append(
            {
                "drug_id": r.drug_id,
                "cytokine_id": r.cytokine_id,
                "tier": "measured_whole_blood" if r.group == "whole_blood" else "measured_other",
                "matrix_group": r.group,
                "jak_class": cls,
                "mechanism": _mechanism(kb, r.drug_id),
                "measured_unbound_nM": r.unbound_nM,
                "n_records": r.n,
                "predicted_unbound_nM": pred if ok else np.nan,
                "fold_error": 10 ** abs(err) if ok else np.nan,
                "log10_error": err,
                "prediction_inputs": detail,
            }
        )
    return pd.DataFrame(rows)


@functools.lru_cache(maxsize=4)
def prediction_error(kb: KnowledgeBase) -> dict[str, float]:
    """RMS log10 leave-one-drug-out error per dependency class (``"all"`` overall).

    Computed on whole-blood values, the scale predicted potencies are used on; a class with
    fewer than ``CLASS_PRIOR_N`` checked values takes the overall error.
    """
    check = potency_check(kb).dropna(subset=["log10_error"])
    check = check[check.matrix_group == "whole_blood"]  # the scale predictions are used on
    if check.empty:
        return {"all": UNKNOWN_LOG10_SD}
    overall = float(np.sqrt(np.mean(check.log10_error**2)))
    out = {"all": overall}
    for cls, g in check.groupby("jak_class"):
        if len(g) >= CLASS_PRIOR_N:
            out[cls] = max(float(np.sqrt(np.mean(g.log10_error**2))), MEASURED_LOG10_SD_FLOOR)
    return out


def transfer_check(kb: KnowledgeBase | None = None) -> pd.DataFrame:
    """The ``same_jaks`` rule checked by leaving one pathway out.

    Each measured value is predicted from the same drug's measured values on other pathways
    with exactly the same established JAKs.
    """
    kb = kb or load_kb()
    m = measured_values(kb)
    jaks = pathway_jaks(kb)
    rows = []
    for r in m.itertuples():
        mine = jaks.get(r.cytokine_id, ())
        same = m[
            (m.drug_id == r.drug_id)
            & (m.cytokine_id != r.cytokine_id)
            & m.cytokine_id.map(lambda c, j=mine: jaks.get(c, ()) == j)
        ]
        if same.empty:
            continue
        pred = _gmean(same.unbound_nM)
        err = math.log10(pred / r.unbound_nM)
        rows.append(
            {
                "drug_id": r.drug_id,
                "cytokine_id": r.cytokine_id,
                "from": ";".join(same.cytokine_id),
                "measured_unbound_nM": r.unbound_nM,
                "transferred_unbound_nM": pred,
                "fold_error": 10 ** abs(err),
                "log10_error": err,
            }
        )
    return pd.DataFrame(rows)


@functools.lru_cache(maxsize=4)
def transfer_error(kb: KnowledgeBase) -> float:
    """Uncertainty (log10) of the same-JAKs transfer: its leave-one-pathway-out RMS error."""
    t = transfer_check(kb)
    if t.empty:
        return UNKNOWN_LOG10_SD
    return max(float(np.sqrt(np.mean(t.log10_error**2))), SAME_JAKS_LOG10_SD_FLOOR)


# -- the table -------------------------------------------------------------------------------
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


def _drug_potencies(kb: KnowledgeBase, drug, cids: list[str]) -> dict[str, Potency]:
    """Every pathway potency of one drug (parent-derived metabolites are filled afterwards)."""
    fu, fu_text, fu_assumed = fraction_unbound(kb, drug.drug_id)
    mech = drug.mechanism
    meas = measured_values(kb)
    meas = meas[meas.drug_id == drug.drug_id].set_index("cytokine_id")
    bnd = bounds(kb)
    bnd = bnd[bnd.drug_id == drug.drug_id].set_index("cytokine_id")
    jaks_of = pathway_jaks(kb)
    pred_sd = prediction_error(kb)
    flags = []
    if mech == "covalent_jak3":
        flags.append(
            "covalent JAK3 binding: effect outlasts plasma exposure; "
            "plasma-driven inhibition is a lower bound"
        )
    if fu_assumed:
        flags.append("unbound fraction unknown: assumed 1")
    common = dict(species="human", mechanism=mech, fu_assumed=fu_assumed, flags="; ".join(flags))
    out: dict[str, Potency] = {}
    for cid in cids:
        jaks = jaks_of.get(cid, ())
        cls = jak_class(jaks)
        if cid in meas.index:
            r = meas.loc[cid]
            out[cid] = Potency(
                drug.drug_id,
                cid,
                r.total_nM,
                r.assay_nM,
                r.tier,
                r.basis,
                int(r.n),
                float(r.log10_sd),
                r.sources,
                f"{r.n} value(s): {r.records.replace(';', ', ')}",
                jak_class=cls,
                **common,
            )
            continue
        same = [c for c in meas.index if jaks and jaks_of.get(c, ()) == jaks and c != cid]
        bound = bnd.loc[cid] if cid in bnd.index else None
        pred, detail, _ = (
            predict_unbound(kb, drug.drug_id, cid)
            if not _is_metabolite(kb, drug.drug_id)
            else (math.inf, "metabolite", cls)
        )
        transfer = _gmean(meas.loc[same].unbound_nM) if same else math.inf
        if same and (bound is None or transfer >= bound.unbound_nM):
            vals = meas.loc[same]
            t_sd = transfer_error(kb)
            sources = ";".join(sorted(set(";".join(vals.sources).split(";"))))
            carried = ", ".join(f"{c} {v:.3g} nM" for c, v in vals.unbound_nM.items())
            if np.isfinite(pred):
                p_sd = pred_sd.get(cls, pred_sd["all"])
                w_t, w_p = 1 / t_sd**2, 1 / p_sd**2
                unbound = 10 ** (
                    (w_t * math.log10(transfer) + w_p * math.log10(pred)) / (w_t + w_p)
                )
                out[cid] = Potency(
                    drug.drug_id,
                    cid,
                    unbound / fu,
                    unbound,
                    "predicted",
                    "inverse-variance combination of the enzyme prediction and the drug's "
                    f"measured value on pathways with the same JAKs ({'+'.join(jaks)}) vs "
                    f"unbound plasma; {fu_text}",
                    0,
                    float((w_t + w_p) ** -0.5),
                    f"enzyme_potency;{sources}",
                    f"prediction {pred:.3g} nM (sd {p_sd:.2f}): {detail} | carried over "
                    f"{transfer:.3g} nM (sd {t_sd:.2f}) from measured {carried} (unbound)",
                    jak_class=cls,
                    **common,
                )
                continue
            out[cid] = Potency(
                drug.drug_id,
                cid,
                transfer / fu,
                transfer,
                "same_jaks",
                f"unbound IC50 carried over from {', '.join(same)} (same JAKs: "
                f"{'+'.join(jaks)}) vs unbound plasma; {fu_text}",
                0,
                t_sd,
                sources,
                f"measured {carried} (unbound)",
                jak_class=cls,
                **common,
            )
            continue
        if np.isfinite(pred) and (bound is None or pred >= bound.unbound_nM):
            note = (
                f"; consistent with measured bound > {bound.assay_nM:g} nM ({bound.record_id})"
                if bound is not None
                else ""
            )
            out[cid] = Potency(
                drug.drug_id,
                cid,
                pred / fu,
                pred,
                "predicted",
                f"predicted unbound cellular IC50 vs unbound plasma; {fu_text}",
                0,
                pred_sd.get(cls, pred_sd["all"]),
                "enzyme_potency",
                detail + note,
                jak_class=cls,
                **common,
            )
            continue
        if bound is not None:
            why = (
                f"enzyme prediction {pred:.3g} nM is below the measured bound"
                if np.isfinite(pred)
                else "only censored values measured"
            )
            out[cid] = Potency(
                drug.drug_id,
                cid,
                bound.unbound_nM / fu,
                bound.assay_nM,
                "bound",
                f"IC50 > {bound.assay_nM:g} nM ({bound.matrix}); inhibition computed at the "
                f"bound is an upper bound; {fu_text}",
                len(bound.records.split(";")),
                MEASURED_LOG10_SD_FLOOR,
                bound.sources,
                f"{why}: {bound.records.replace(';', ', ')}",
                relation=">",
                jak_class=cls,
                **common,
            )
            continue
        out[cid] = _unknown(kb, drug.drug_id, cid, jaks, meas, fu, fu_text, detail, cls, common)
    return out


@functools.lru_cache(maxsize=4096)
def enzyme_floor(kb: KnowledgeBase, drug_id: str, jaks: tuple[str, ...]) -> float:
    """Lowest IC50 the drug's enzyme records allow for a pathway (printed values, no translation).

    Per JAK the lowest exact value or, with none, the highest censored bound (``>10000 nM``);
    combined with the either-JAK rule. Cellular IC50s of ATP-competitive drugs sit at or above
    enzyme IC50s (cellular ATP), so this is a floor, used for unknown pathways only. ``inf``
    when a JAK of the pathway has no enzyme record.
    """
    e = screened_enzyme(kb)
    e = e[(e.drug_id == drug_id) & e.used & (e.quality != "derived")]
    ks = []
    for jak in jaks:
        g = e[e.target == jak]
        exact = g[g.exact]
        if len(exact):
            ks.append(float(exact.value_nM.min()))
        elif len(g[g.relation.isin([">", ">="])]):
            ks.append(float(g[g.relation.isin([">", ">="])].value_nM.max()))
        else:
            return math.inf
    return combine_jaks(ks)


def _unknown(kb, drug_id, cid, jaks, meas, fu, fu_text, why, cls, common) -> Potency:
    """An unknown pathway: an assumed central value with a wide interval (rule in order).

    1. The geometric mean of the drug's measured unbound IC50s on pathways sharing a JAK, raised
       to the drug's enzyme floor (:func:`enzyme_floor`) when that is higher (a JAK-selective
       drug is not assumed to inhibit a pathway its enzyme data say it spares);
    2. without such pathways, the enzyme floor;
    3. without enzyme data, the mechanism class's typical value (:func:`_class_prior`).
    """
    jaks_of = pathway_jaks(kb)
    share = [c for c in meas.index if set(jaks_of.get(c, ())) & set(jaks)]
    floor = enzyme_floor(kb, drug_id, tuple(jaks)) if jaks else math.inf
    if share:
        base = meas.loc[share]
        unbound = _gmean(base.unbound_nM)
        how = (
            "ASSUMED: geometric mean of the drug's measured unbound IC50s on pathways sharing a "
            f"JAK ({', '.join(base.index)})"
        )
        sources = ";".join(sorted(set(";".join(base.sources).split(";"))))
        if np.isfinite(floor) and floor > unbound:
            unbound = floor
            how += f", raised to its enzyme floor {floor:.3g} nM"
            sources += ";enzyme_potency"
    elif np.isfinite(floor):
        unbound, sources = floor, "enzyme_potency"
        how = f"ASSUMED: the drug's enzyme floor for {'+'.join(jaks)} ({floor:.3g} nM)"
    else:
        unbound, how = _class_prior(kb, cid, common["mechanism"])
        sources = "enzyme_potency" if np.isfinite(unbound) else ""
    return Potency(
        drug_id,
        cid,
        unbound / fu,
        unbound,
        "unknown",
        f"unknown: no measured value and no valid prediction ({why}); {how}; {fu_text}",
        0,
        UNKNOWN_LOG10_SD,
        sources,
        how,
        jak_class=cls,
        **common,
    )


@functools.lru_cache(maxsize=512)
def _class_prior(kb: KnowledgeBase, cid: str, mechanism: str) -> tuple[float, str]:
    """Typical unbound IC50 of the drug's mechanism class on a pathway (no data for the drug).

    The geometric mean over parent drugs of that class with a measured or predicted value
    (an assumption for a drug with no potency data at all, shown as such).
    """
    vals = []
    for d in kb.drugs.itertuples():
        if d.mechanism != mechanism or d.status == "metabolite":
            continue
        meas = measured_values(kb)
        hit = meas[(meas.drug_id == d.drug_id) & (meas.cytokine_id == cid)]
        if len(hit):
            vals.append(float(hit.unbound_nM.iloc[0]))
            continue
        pred, _, _ = predict_unbound(kb, d.drug_id, cid)
        if np.isfinite(pred):
            vals.append(pred)
    if not vals:
        return math.inf, "no potency data for this drug or its class"
    return _gmean(vals), (
        f"ASSUMED: no potency data for this drug; geometric mean of {len(vals)} {mechanism} "
        "drugs' measured or predicted unbound IC50s on this pathway"
    )


@functools.lru_cache(maxsize=4)
def potency_map(kb: KnowledgeBase) -> dict[tuple[str, str], Potency]:
    """The potency used for every drug x JAK-signalling cytokine, by ``(drug_id, cytokine_id)``.

    Computed once per data and code version and then read from the disk cache
    (:mod:`jakpath.kb.cache`).
    """
    return derived(kb, "potency_map", lambda: build_potency_map(kb))


def build_potency_map(kb: KnowledgeBase) -> dict[tuple[str, str], Potency]:
    """Compute :func:`potency_map` from the knowledge base (no cache)."""
    cids = kb.cytokines[kb.cytokines.jak_signalling == "yes"].cytokine_id.tolist()
    table: dict[tuple[str, str], Potency] = {}
    for drug in kb.drugs.itertuples():
        for cid, pot in _drug_potencies(kb, drug, cids).items():
            table[(drug.drug_id, cid)] = pot
    # a metabolite without its own data: the parent's unbound potency / relative potency
    for drug in kb.drugs.itertuples():
        parent = _from_parent(kb, drug.drug_id)
        if parent is None:
            continue
        parent_id, rel, src = parent
        fu, fu_text, fu_assumed = fraction_unbound(kb, drug.drug_id)
        fu_parent, _, _ = fraction_unbound(kb, parent_id)
        for cid in cids:
            mine = table[(drug.drug_id, cid)]
            if mine.tier in MEASURED_TIERS or mine.tier == "same_jaks":
                continue
            pp = table[(parent_id, cid)]
            unbound = pp.ic50_total_nM * fu_parent / rel
            table[(drug.drug_id, cid)] = replace(
                mine,
                ic50_total_nM=unbound / fu,
                ic50_assay_nM=unbound,
                tier=pp.tier if pp.tier in ("unknown", "bound") else "predicted",
                basis=f"parent {parent_id} unbound potency / relative potency {rel:g}; {fu_text}",
                n_values=0,
                log10_sd=pp.log10_sd,
                sources=src,
                detail=f"from {parent_id} ({pp.tier}) divided by {rel:g}",
                relation=pp.relation,
            )
    return table


def pathway_potency(kb: KnowledgeBase, drug: str, cytokine: str) -> Potency:
    """The potency used for one drug and JAK-signalling cytokine (see module docstring)."""
    drug_id = kb.drug_names.resolve(drug)
    cid = kb.cytokine_names.resolve(cytokine)
    return potency_map(kb)[(drug_id, cid)]


def potency_table(kb: KnowledgeBase | None = None, drug: str | None = None) -> pd.DataFrame:
    """Potency used for every drug x JAK-signalling cytokine (or one drug's), as a DataFrame.

    Columns include ``tier``, ``species``, ``n_records``, ``relation`` and the 90% interval
    ``low_nM`` / ``high_nM`` on the total-plasma scale.
    """
    kb = kb or load_kb()
    table = potency_map(kb)
    if drug is not None:
        drug_id = kb.drug_names.resolve(drug)
        pots = [p for (d, _), p in table.items() if d == drug_id]
    else:
        pots = list(table.values())
    return pd.DataFrame([p.as_row() for p in pots]).reset_index(drop=True)


# -- audit -----------------------------------------------------------------------------------
def potency_audit(kb: KnowledgeBase | None = None, drug: str | None = None) -> pd.DataFrame:
    """Every potency record: whether it is used for which potency, and why not.

    Columns: record_id, table, drug_id, target (cytokine or JAK), species, matrix, relation,
    value_nM, used (bool), used_for (``drug/cytokine`` potency or "enzyme prediction"),
    reason.
    """
    kb = kb or load_kb()
    drug_id = kb.drug_names.resolve(drug) if drug else None
    pots = potency_map(kb)
    c = screened_cellular(kb)
    rows = []
    for r in c.itertuples():
        if drug_id and r.drug_id != drug_id:
            continue
        pot = pots.get((r.drug_id, r.cytokine_id))
        in_pot = pot is not None and (
            r.record_id in pot.detail.replace(",", " ").split()
            or (pot.tier == "bound" and r.record_id in pot.detail)
        )
        used = bool(r.used and in_pot)
        if used and pot is not None:
            reason = r.reason or f"pooled into the {pot.tier} potency"
        elif r.used and pot is not None:
            reason = r.reason or f"superseded: the potency uses tier {pot.tier}"
            if pot.tier in MEASURED_TIERS and r.tier != pot.tier:
                reason = f"superseded by {pot.tier} values" + (f"; {r.reason}" if r.reason else "")
            elif pot.tier == "measured_other" and r.tier == "measured_other":
                reason = "superseded by a more relevant matrix (PBMC > primary cells > cell lines)"
        elif pot is None:
            reason = r.reason or "cytokine does not signal through JAKs"
        else:
            reason = r.reason
        rows.append(
            {
                "record_id": r.record_id,
                "table": "cellular_potency",
                "drug_id": r.drug_id,
                "target": r.cytokine_id,
                "species": r.species,
                "matrix": r.matrix,
                "relation": r.relation or "=",
                "value_nM": r.value_nM,
                "used": used,
                "used_for": f"{r.drug_id}/{r.cytokine_id}" if used else "",
                "reason": reason,
            }
        )
    e = screened_enzyme(kb)
    summary_drugs = set(enzyme_summary(kb).drug_id)
    for r in e.itertuples():
        if drug_id and r.drug_id != drug_id:
            continue
        used = bool(r.used and r.exact)
        mech = _mechanism(kb, r.drug_id)
        if used and mech != "atp_competitive":
            reason = r.reason or f"not used for pathway potencies: {MECHANISM_CLASSES[mech]}"
            used_for = "enzyme summary only"
        elif used:
            reason = r.reason or "enters the drug's Ki for enzyme predictions"
            used_for = "enzyme prediction" if r.drug_id in summary_drugs else ""
        else:
            reason, used_for = r.reason, ""
        rows.append(
            {
                "record_id": r.record_id,
                "table": "enzyme_potency",
                "drug_id": r.drug_id,
                "target": r.target,
                "species": r.species,
                "matrix": "enzyme",
                "relation": r.relation or "=",
                "value_nM": r.value_nM,
                "used": used,
                "used_for": used_for,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows)
