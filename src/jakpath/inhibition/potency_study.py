"""Which enzyme-to-pathway prediction deserves trust: three alternatives, leave-one-drug-out.

Every alternative predicts a drug's unbound cellular IC50 for a pathway without using any of
that drug's cellular values, and is scored against every measured cellular or ex vivo value
in the knowledge base (the calibration set of ``potency.calibration_set``):

- ``a_printed``: printed enzyme values as they are (geometric mean of every exact IC50, Ki and
  Kd per drug and JAK, whatever the ATP), combined over the receptor's JAKs, no translation;
- ``b_normalised``: values on a Ki basis (Cheng-Prusoff with each JAK's ATP Km, binding Kd
  as is), shifted to cellular ATP, with an empirical offset fitted on the other drugs (the
  default model of ``potency.py``);
- ``c_same_assay``: relative potency within one assay: for each other drug with a measured
  value for the pathway, the ratio of the two drugs' values in every assay set that tested
  both on the pathway's JAK(s), applied to that drug's measured value; geometric mean over
  reference drugs.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from jakpath.inhibition.potency import (
    _pathway_jaks,
    calibration_set,
    combine_jaks,
    enzyme_ki,
    potency_check,
)
from jakpath.kb import KnowledgeBase, load_kb

ALTERNATIVES = ("a_printed", "b_normalised", "c_same_assay")


@functools.lru_cache(maxsize=4)
def _printed(kb: KnowledgeBase) -> dict[tuple[str, str], float]:
    e = kb.enzyme_potency
    e = e[e.relation.isin(["=", ""]) & (e.quality != "derived")]
    return {
        k: float(np.exp(np.log(g.value_nM).mean())) for k, g in e.groupby(["drug_id", "target"])
    }


def predict_printed(kb: KnowledgeBase, drug: str, cytokine: str) -> float:
    """Alternative (a): printed values combined over the pathway's JAKs, no translation."""
    printed = _printed(kb)
    ks = [printed.get((drug, j)) for j in _pathway_jaks(kb).get(cytokine, [])]
    return combine_jaks([k for k in ks if k is not None])


@functools.lru_cache(maxsize=4)
def _assay_values(kb: KnowledgeBase) -> pd.DataFrame:
    e = enzyme_ki(kb)
    e = e[(e.quality != "derived") & e.assay_set.astype(bool)]
    return e.groupby(["assay_set", "target", "drug_id"], as_index=False).agg(
        value_nM=("value_nM", lambda v: float(np.exp(np.log(v).mean())))
    )


def _same_assay_ratio(kb: KnowledgeBase, drug: str, ref: str, jak: str) -> float | None:
    """Geometric mean over assay sets of value(drug)/value(ref) at one JAK, or None."""
    a = _assay_values(kb)
    a = a[(a.target == jak) & a.drug_id.isin([drug, ref])]
    piv = a.pivot_table(index="assay_set", columns="drug_id", values="value_nM")
    if drug not in piv or ref not in piv:
        return None
    both = piv[[drug, ref]].dropna()
    if both.empty:
        return None
    return float(np.exp(np.log(both[drug] / both[ref]).mean()))


def predict_same_assay(
    kb: KnowledgeBase, drug: str, cytokine: str, measured: pd.DataFrame
) -> tuple[float, int]:
    """Alternative (c): anchored on other drugs' measured values via same-assay ratios."""
    jaks = _pathway_jaks(kb).get(cytokine, [])
    refs = measured[(measured.cytokine_id == cytokine) & (measured.drug_id != drug)]
    preds = []
    for r in refs.groupby("drug_id").unbound_nM.apply(lambda v: np.exp(np.log(v).mean())).items():
        ref, value = r
        ratios = [_same_assay_ratio(kb, drug, ref, j) for j in jaks]
        ratios = [x for x in ratios if x is not None]
        if ratios:
            # the pathway follows the most potent JAK; with ratios per JAK the combined shift
            # is the one of the JAK whose ratio is smallest (either-JAK rule, equal K_ref)
            preds.append(value * min(ratios))
    if not preds:
        return math.nan, 0
    return float(np.exp(np.mean(np.log(preds)))), len(preds)


def potency_study(kb: KnowledgeBase | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave-one-drug-out predictions of every alternative and their summary statistics.

    Returns ``(predictions, summary)``: one row per measured drug x pathway x tier with each
    alternative's prediction and log10 error, and per alternative (and per drug, per pathway)
    the number predicted, median and 90th-percentile fold error and Spearman correlation.
    """
    kb = kb or load_kb()
    cal = calibration_set(kb)
    atp_comp = set(kb.drugs[kb.drugs.mechanism == "atp_competitive"].drug_id)
    b = potency_check(kb).set_index(["drug_id", "cytokine_id", "tier"]).predicted_unbound_nM
    rows = []
    for r in cal.itertuples():
        a_pred = predict_printed(kb, r.drug_id, r.cytokine_id)
        c_pred, n_ref = predict_same_assay(kb, r.drug_id, r.cytokine_id, cal)
        row = {
            "drug_id": r.drug_id,
            "cytokine_id": r.cytokine_id,
            "tier": r.tier,
            "atp_competitive": r.drug_id in atp_comp,
            "measured_unbound_nM": r.unbound_nM,
            "a_printed": a_pred,
            "b_normalised": b.get((r.drug_id, r.cytokine_id, r.tier)),
            "c_same_assay": c_pred,
            "c_references": n_ref,
        }
        for alt in ALTERNATIVES:
            v = row[alt]
            row[f"{alt}_log10_error"] = (
                math.log10(v / r.unbound_nM)
                if v is not None and np.isfinite(v) and v > 0
                else math.nan
            )
        rows.append(row)
    pred = pd.DataFrame(rows)
    return pred, summarise(pred)


def _stats(group: pd.DataFrame, alt: str) -> dict:
    err = group[f"{alt}_log10_error"].dropna()
    fold = 10 ** err.abs()
    ok = group[[alt, "measured_unbound_nM"]].dropna()
    rho = (
        spearmanr(ok[alt], ok.measured_unbound_nM).statistic
        if len(ok) >= 3 and ok[alt].nunique() > 1
        else math.nan
    )
    return {
        "n": len(err),
        "coverage": len(err) / max(len(group), 1),
        "median_fold_error": float(fold.median()) if len(fold) else math.nan,
        "p90_fold_error": float(np.percentile(fold, 90)) if len(fold) else math.nan,
        "within_3fold": float((fold <= 3).mean()) if len(fold) else math.nan,
        "spearman": rho,
    }


def summarise(pred: pd.DataFrame) -> pd.DataFrame:
    """Fold-error and rank statistics per alternative, overall, per drug and per pathway."""
    rows = []
    for alt in ALTERNATIVES:
        rows.append({"alternative": alt, "by": "all", "group": "all", **_stats(pred, alt)})
        for by in ("drug_id", "cytokine_id"):
            for key, g in pred.groupby(by):
                rows.append({"alternative": alt, "by": by, "group": key, **_stats(g, alt)})
    return pd.DataFrame(rows)


def plot_study(pred: pd.DataFrame, path) -> None:
    """Predicted vs measured unbound IC50 for each alternative (log-log, 3-fold band)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4.5), sharex=True, sharey=True)
    lo, hi = 0.1, 1e5
    for ax, alt in zip(axes, ALTERNATIVES, strict=True):
        ok = pred[[alt, "measured_unbound_nM"]].dropna()
        ok = ok[np.isfinite(ok[alt])]
        ax.loglog(ok.measured_unbound_nM, ok[alt], "o", ms=4, alpha=0.7)
        x = np.array([lo, hi])
        ax.plot(x, x, "k-", lw=0.8)
        ax.fill_between(x, x / 3, x * 3, color="grey", alpha=0.2, label="3-fold")
        err = pred[f"{alt}_log10_error"].dropna()
        ax.set_title(f"{alt}: n={len(err)}, median fold {10 ** err.abs().median():.2f}")
        ax.set_xlabel("measured unbound IC50 (nM)")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
    axes[0].set_ylabel("predicted, leave one drug out (nM)")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _md_table(df: pd.DataFrame) -> str:
    """A DataFrame as a GitHub Markdown table (numbers to 3 significant digits)."""

    def cell(v):
        return f"{v:.3g}" if isinstance(v, float) else str(v)

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def study_markdown(pred: pd.DataFrame, summary: pd.DataFrame, figure: str, version: str) -> str:
    """The study's result as a Markdown page for the docs."""
    overall = summary[summary.by == "all"].drop(columns=["by", "group"])
    best = overall.sort_values("median_fold_error").alternative.iloc[0]
    lines = [
        "# Potency study: enzyme -> pathway prediction, leave one drug out",
        "",
        f"Data version {version}. Generated by "
        "`jakpath potency study --docs docs/potency_study.md`.",
        "",
        "Each alternative predicts a drug's unbound cellular IC50 for a pathway without that "
        "drug's cellular data and is compared with every measured cellular or ex vivo value "
        "(whole-blood values converted to unbound with the drug's fraction unbound).",
        "",
        _md_table(overall),
        "",
        f"Lowest median fold error: **{best}** (the default for pathways without a measured "
        "value is `b_normalised`; its leave-one-drug-out RMS log10 error sets the width of "
        "predicted potencies' uncertainty).",
        "",
        f"![predicted vs measured]({figure})",
        "",
        "## By pathway",
        "",
        _md_table(summary[summary.by == "cytokine_id"].drop(columns=["by"])),
        "",
        "## By drug",
        "",
        _md_table(summary[summary.by == "drug_id"].drop(columns=["by"])),
        "",
    ]
    return "\n".join(lines)
