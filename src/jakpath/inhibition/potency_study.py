"""Which enzyme-to-pathway prediction deserves trust: four models, leave one drug out.

Every model predicts a drug's unbound IC50 for a pathway without using any of that drug's
cellular values, and is scored against the human measured values of the knowledge base that
pass the record screen (``potency.calibration_values``: one value per drug x pathway x matrix
group; whole-blood values converted to unbound with the drug's fraction unbound):

- ``a_printed``: printed enzyme values as they are (geometric mean of every exact IC50, Ki and
  Kd per drug and JAK, whatever the ATP), combined over the receptor's JAKs, no translation;
- ``b_global_offset``: the assay-set enzyme model (Ki basis), shifted to cellular ATP, with one
  empirical offset for every pathway fitted on the other drugs (the first build's structure);
- ``c_same_assay``: relative potency within one assay: for each other drug with a measured
  value for the pathway, the ratio of the two drugs' values in every assay set that tested
  both on the pathway's JAK(s), applied to that drug's measured value;
- ``d_class_translation`` (default): as b, with one offset per JAK dependency class (shrunk to
  the overall offset) and per matrix group (whole blood = 0), fitted on the other drugs.

The headline summary scores the whole-blood values: predicted potencies are used on the
whole-blood scale (unbound plasma equivalent), and in-medium values of one drug vary with the
cell type far beyond what any enzyme model can know (see ``summary_all_human``). The
``same_jaks`` transfer (a drug's measured value carried to a pathway with the same JAKs) is
checked by leaving one pathway out.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from jakpath.inhibition.potency import (
    CELL_ATP_uM,
    _gmean,
    atp_km,
    calibration_values,
    combine_jaks,
    enzyme_ki,
    enzyme_summary,
    global_offset,
    pathway_jaks,
    potency_check,
    transfer_check,
    transfer_error,
)
from jakpath.kb import KnowledgeBase, load_kb

ALTERNATIVES = ("a_printed", "b_global_offset", "c_same_assay", "d_class_translation")
DEFAULT_MODEL = "d_class_translation"


@functools.lru_cache(maxsize=4)
def _printed(kb: KnowledgeBase) -> dict[tuple[str, str], float]:
    e = enzyme_ki(kb)
    e = e[e.quality != "derived"]
    return {
        k: float(np.exp(np.log(g.value_nM).mean())) for k, g in e.groupby(["drug_id", "target"])
    }


def predict_printed(kb: KnowledgeBase, drug: str, cytokine: str) -> float:
    """Alternative (a): printed values combined over the pathway's JAKs, no translation."""
    printed = _printed(kb)
    ks = [printed.get((drug, j)) for j in pathway_jaks(kb).get(cytokine, ())]
    known = [k for k in ks if k is not None]
    if len(known) < len(ks):
        return math.nan
    return combine_jaks(known)


def predict_global(kb: KnowledgeBase, drug: str, cytokine: str) -> float:
    """Alternative (b): assay-set Ki x ATP shift x one global offset (leave the drug out)."""
    enz = enzyme_summary(kb).set_index(["drug_id", "target"]).ki_nM
    km = atp_km(kb)
    ks = []
    for j in pathway_jaks(kb).get(cytokine, ()):
        if (drug, j) not in enz.index:
            return math.nan
        ks.append(enz[(drug, j)] * (1.0 + CELL_ATP_uM / km.get(j, math.inf)))
    return combine_jaks(ks) * 10 ** global_offset(kb, exclude_drug=drug)


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
    kb: KnowledgeBase, drug: str, cytokine: str, group: str, measured: pd.DataFrame
) -> tuple[float, int]:
    """Alternative (c): anchored on other drugs' measured values via same-assay ratios."""
    jaks = pathway_jaks(kb).get(cytokine, ())
    refs = measured[
        (measured.cytokine_id == cytokine) & (measured.drug_id != drug) & (measured.group == group)
    ]
    preds = []
    for ref, value in refs.groupby("drug_id").unbound_nM.apply(_gmean).items():
        found = [_same_assay_ratio(kb, drug, ref, j) for j in jaks]
        ratios = [x for x in found if x is not None]
        if ratios:
            preds.append(value * min(ratios))
    if not preds:
        return math.nan, 0
    return float(np.exp(np.mean(np.log(preds)))), len(preds)


def potency_study(kb: KnowledgeBase | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave-one-drug-out predictions of every model and their summary statistics.

    Returns ``(predictions, summary)``: one row per measured drug x pathway x matrix group with
    each model's prediction and log10 error, and per model, evaluation set (``whole_blood`` or
    ``all_human``) and grouping the number predicted, median and 90th-percentile fold error and
    Spearman correlation.
    """
    kb = kb or load_kb()
    cal = calibration_values(kb)
    d = potency_check(kb).set_index(["drug_id", "cytokine_id", "matrix_group"])
    rows = []
    for r in cal.itertuples():
        if (r.drug_id, r.cytokine_id, r.group) not in d.index:
            continue  # metabolites are not predicted from their own enzyme data
        chk = d.loc[(r.drug_id, r.cytokine_id, r.group)]
        c_pred, n_ref = predict_same_assay(kb, r.drug_id, r.cytokine_id, r.group, cal)
        row = {
            "drug_id": r.drug_id,
            "cytokine_id": r.cytokine_id,
            "matrix_group": r.group,
            "mechanism": chk.mechanism,
            "jak_class": chk.jak_class,
            "measured_unbound_nM": r.unbound_nM,
            "a_printed": predict_printed(kb, r.drug_id, r.cytokine_id),
            "b_global_offset": predict_global(kb, r.drug_id, r.cytokine_id),
            "c_same_assay": c_pred,
            "d_class_translation": chk.predicted_unbound_nM,
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
    ok = ok[np.isfinite(ok[alt])]
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
        "spearman": float(rho),
    }


def summarise(pred: pd.DataFrame) -> pd.DataFrame:
    """Fold-error and rank statistics per model and evaluation set, overall, by drug, by pathway."""
    rows = []
    sets = {"whole_blood": pred[pred.matrix_group == "whole_blood"], "all_human": pred}
    for evaluation, p in sets.items():
        for alt in ALTERNATIVES:
            rows.append(
                {
                    "model": alt,
                    "evaluation": evaluation,
                    "by": "all",
                    "group": "all",
                    **_stats(p, alt),
                }
            )
            for by in ("drug_id", "cytokine_id"):
                for key, g in p.groupby(by):
                    rows.append(
                        {
                            "model": alt,
                            "evaluation": evaluation,
                            "by": by,
                            "group": key,
                            **_stats(g, alt),
                        }
                    )
    return pd.DataFrame(rows)


def headline(summary: pd.DataFrame, evaluation: str = "whole_blood") -> list[dict]:
    """One object per model: model, default, n, median/p90 fold error, Spearman (JSON summary)."""
    s = summary[(summary.by == "all") & (summary.evaluation == evaluation)]
    return [
        {
            "model": r.model,
            "default": r.model == DEFAULT_MODEL,
            "evaluation": evaluation,
            "n": int(r.n),
            "median_fold_error": float(r.median_fold_error),
            "p90_fold_error": float(r.p90_fold_error),
            "spearman": float(r.spearman),
            "within_3fold": float(r.within_3fold),
        }
        for r in s.itertuples()
    ]


def transfer_summary(kb: KnowledgeBase | None = None) -> dict:
    """Median and 90th-percentile fold error of the same-JAKs transfer, and its RMS log error."""
    t = transfer_check(kb)
    if t.empty:
        return {"n": 0}
    return {
        "n": len(t),
        "median_fold_error": float(t.fold_error.median()),
        "p90_fold_error": float(np.percentile(t.fold_error, 90)),
        "rms_log10_error": float(np.sqrt(np.mean(t.log10_error**2))),
        "log10_sd_used": transfer_error(kb or load_kb()),
    }


def plot_study(pred: pd.DataFrame, path) -> None:
    """Predicted vs measured unbound IC50 for each alternative (log-log, 3-fold band)."""
    from jakpath.extras import require

    require("matplotlib", "plot", "Drawing figures").use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(ALTERNATIVES), figsize=(17, 4.5), sharex=True, sharey=True)
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
    wb = overall[overall.evaluation == "whole_blood"]
    best = wb.sort_values("median_fold_error").model.iloc[0]
    lines = [
        "# Potency study: enzyme -> pathway prediction, leave one drug out",
        "",
        f"Data version {version}. Generated by "
        "`jakpath potency study --docs docs/potency_study.md`.",
        "",
        "Each model predicts a drug's unbound IC50 for a pathway without that drug's cellular "
        "data and is compared with every human measured value that passes the record screen "
        "(`jakpath potency audit`); whole-blood values are converted to unbound with the drug's "
        "fraction unbound. `whole_blood` scores the scale predicted potencies are used on; "
        "`all_human` adds values measured in medium (PBMC, primary cells, cell lines).",
        "",
        _md_table(overall),
        "",
        f"Lowest median fold error on whole blood: **{best}**. The default is "
        f"`{DEFAULT_MODEL}`; its leave-one-drug-out RMS log10 error per JAK dependency class "
        "sets the width of predicted potencies' intervals.",
        "",
        f"![predicted vs measured]({figure})",
        "",
        "## By pathway (whole blood)",
        "",
        _md_table(
            summary[(summary.by == "cytokine_id") & (summary.evaluation == "whole_blood")].drop(
                columns=["by", "evaluation"]
            )
        ),
        "",
        "## By drug (all human values)",
        "",
        _md_table(
            summary[(summary.by == "drug_id") & (summary.evaluation == "all_human")].drop(
                columns=["by", "evaluation"]
            )
        ),
        "",
    ]
    return "\n".join(lines)
