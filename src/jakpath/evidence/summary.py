"""Per-drug response summaries for one disease, with exact binomial confidence intervals.

A record reports one outcome for its ``n_patients``. Responders are the patients of records
with outcome ``complete`` or ``partial``; evaluable patients are those of records with any
reported outcome (``mixed``, ``none`` and ``worse`` count as evaluable non-responders, a
conservative reading of ``mixed``). Records without ``n_patients`` count one patient if they
are case reports and are otherwise left out of the proportions (``records_without_n``).
Published cases over-represent successes: these proportions describe the published record,
not how often a drug works.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jakpath.evidence.queries import list_cases
from jakpath.evidence.store import EvidenceStore, resolve_store

RESPONSE = ("complete", "partial")
EVALUABLE = ("complete", "partial", "none", "worse", "mixed")
CAVEAT = (
    "Proportions describe published and entered records (publication bias favours "
    "successes), not a drug's efficacy. mixed/none/worse count as non-response; records "
    "with outcome not_reported are left out."
)
PLOT_SUFFIXES = (".png", ".svg")

COLUMNS = (
    "drug_id",
    "records",
    "patients",
    "evaluable_patients",
    "responders",
    "response_fraction",
    "response_ci_low",
    "response_ci_high",
    "complete_responders",
    "complete_fraction",
    "complete_ci_low",
    "complete_ci_high",
    "records_without_n",
    "study_types",
)


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) binomial confidence interval for ``k`` of ``n``; NaN if n=0."""
    if n <= 0:
        return float("nan"), float("nan")
    from scipy import stats  # imported on use: keeps `import jakpath.evidence` light

    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="exact")
    return float(ci.low), float(ci.high)


def summary(
    disease: str, store: EvidenceStore | str | None = None, *, level: float = 0.95
) -> pd.DataFrame:
    """Counts and response proportions per drug for one disease, with exact CIs.

    Args:
        disease: a disease id or name.
        store: an open store, a database URL, or None for the default store.
        level: confidence level of the intervals.

    Returns:
        One row per drug (most evaluable patients first), columns ``COLUMNS``; fractions in
        [0, 1]; ``attrs["caveat"]`` and ``attrs["disease_id"]`` describe it.
    """
    store = resolve_store(store)
    disease_id = store.kb.disease_names.resolve(disease)
    cases = list_cases(disease=disease_id, store=store)
    n = cases.n_patients.copy()
    n[n.isna() & (cases.study_type == "case_report")] = 1
    rows = []
    for drug, g in cases.assign(n_eff=n).groupby("drug_id", sort=True):
        known = g[g.n_eff.notna()]
        evaluable = int(known[known.outcome.isin(EVALUABLE)].n_eff.sum())
        responders = int(known[known.outcome.isin(RESPONSE)].n_eff.sum())
        complete = int(known[known.outcome == "complete"].n_eff.sum())
        r_lo, r_hi = clopper_pearson(responders, evaluable, level)
        c_lo, c_hi = clopper_pearson(complete, evaluable, level)
        rows.append(
            {
                "drug_id": drug,
                "records": len(g),
                "patients": int(known.n_eff.sum()),
                "evaluable_patients": evaluable,
                "responders": responders,
                "response_fraction": responders / evaluable if evaluable else np.nan,
                "response_ci_low": r_lo,
                "response_ci_high": r_hi,
                "complete_responders": complete,
                "complete_fraction": complete / evaluable if evaluable else np.nan,
                "complete_ci_low": c_lo,
                "complete_ci_high": c_hi,
                "records_without_n": int(g.n_eff.isna().sum()),
                "study_types": ";".join(sorted(set(g.study_type))),
            }
        )
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    if len(df):
        df = df.sort_values(["evaluable_patients", "drug_id"], ascending=[False, True])
    df = df.reset_index(drop=True)
    df.attrs.update(disease_id=disease_id, caveat=CAVEAT, level=level)
    return df


def plot_summary(df: pd.DataFrame, path: str | Path, *, title: str | None = None) -> Path:
    """A forest plot of response proportions with their intervals (PNG or SVG by suffix)."""
    path = Path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise ValueError(f"figure file must end in {', '.join(PLOT_SUFFIXES)}, got {path.name!r}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = df[df.evaluable_patients > 0].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.45 * max(len(shown), 1)))
    y = np.arange(len(shown))[::-1]
    if len(shown):
        low = shown.response_fraction - shown.response_ci_low
        high = shown.response_ci_high - shown.response_fraction
        ax.errorbar(shown.response_fraction, y, xerr=[low, high], fmt="s", color="C0", capsize=3)
        for yi, r in zip(y, shown.itertuples(), strict=True):
            ax.annotate(
                f"{r.responders}/{r.evaluable_patients}",
                (1.02, yi),
                xycoords=("axes fraction", "data"),
                va="center",
                fontsize=8,
            )
    else:
        ax.text(0.5, 0.5, "no evaluable records", ha="center", transform=ax.transAxes)
    ax.set_yticks(y, list(shown.drug_id))
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.7, max(len(shown), 1) - 0.3)
    level = df.attrs.get("level", 0.95)
    ax.set_xlabel(f"responders / evaluable patients ({level:.0%} Clopper-Pearson CI)")
    ax.set_title(title or f"Response by drug: {df.attrs.get('disease_id', '')}")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
