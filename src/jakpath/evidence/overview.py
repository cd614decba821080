"""Overviews of the evidence store: per drug for one disease, and the disease x drug map.

The per-drug table is the ranking's evidence axis in table form.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jakpath.evidence.levels import EVIDENCE_LEVELS, STUDY_LEVEL
from jakpath.evidence.queries import list_cases
from jakpath.evidence.store import EvidenceStore, resolve_store
from jakpath.evidence.summary import CAVEAT, DESIGN_ORDER, summarise_records
from jakpath.kb import KnowledgeBase

BY_DRUG_COLUMNS = (
    "drug_id",
    "drug",
    "evidence_level",
    "approved_by",
    "best_design",
    "records",
    "patients",
    "evaluable_patients",
    "complete_responders",
    "partial_responders",
    "non_responders",
    "responders",
    "response_fraction",
    "response_ci_low",
    "response_ci_high",
    "complete_fraction",
    "complete_ci_low",
    "complete_ci_high",
    "records_without_counts",
    "case_ids",
)
"""Columns of :func:`evidence_summary_by_drug`."""

MAP_COLUMNS = (
    "disease",
    "disease_name",
    "drug",
    "drug_label",
    "records",
    "patients",
    "evaluable_patients",
    "complete_responders",
    "partial_responders",
    "non_responders",
    "responders",
    "response_fraction",
    "best_design",
    "case_ids",
)
"""Columns of :func:`evidence_map` (one row per disease x drug cell with records)."""


def evidence_summary_by_drug(
    disease: str,
    store: EvidenceStore | str | None = None,
    kb: KnowledgeBase | None = None,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per drug for one disease: evidence level, strongest design, records, patients, responders.

    The evidence axis of a ranking in table form. ``evidence_level`` is ``approved`` when the
    knowledge base has an approval for the disease, else the level of ``best_design``
    (``EVIDENCE_LEVELS``); responders follow the coding of :mod:`jakpath.evidence.summary`
    (counts where given; pooled outcomes counted once, under the combined drug id ``a;b``).
    Drugs with an approval and no records have a row with zero records.

    Returns:
        Columns ``BY_DRUG_COLUMNS``, strongest level first then most evaluable patients;
        ``attrs["disease_id"]``, ``attrs["caveat"]``.
    """
    store = resolve_store(store)
    kb = kb or store.kb
    disease_id = kb.disease_names.resolve(disease)
    cases = list_cases(disease=disease_id, store=store)
    per = summarise_records(cases, level).set_index("drug_id")
    approvals = kb.approvals[kb.approvals.disease_id == disease_id]
    approved = {
        drug: ", ".join(
            sorted(
                {
                    f"{r.agency} {int(r.year)}" if r.year == r.year else r.agency
                    for r in g.itertuples()
                }
            )
        )
        for drug, g in approvals.groupby("drug_id")
    }
    rows = []
    for drug in sorted(set(per.index) | set(approved)):
        s = per.loc[drug] if drug in per.index else None
        best = s.best_design if s is not None else None
        row = {
            "drug_id": drug,
            "drug": s.drug if s is not None else drug,
            "evidence_level": "approved"
            if drug in approved
            else (STUDY_LEVEL[best] if best else "mechanism only"),
            "approved_by": approved.get(drug, ""),
            "best_design": best,
            "case_ids": ";".join(cases[cases.drug_id == drug].case_id),
        }
        for col in BY_DRUG_COLUMNS:
            if col not in row:
                row[col] = (
                    s[col]
                    if s is not None
                    else (float("nan") if "fraction" in col or "ci_" in col else 0)
                )
        rows.append(row)
    df = pd.DataFrame(rows, columns=list(BY_DRUG_COLUMNS))
    if len(df):
        df["_lvl"] = df.evidence_level.map(EVIDENCE_LEVELS.index)
        df = df.sort_values(
            ["_lvl", "evaluable_patients", "drug_id"], ascending=[True, False, True]
        )
        df = df.drop(columns="_lvl")
    df = df.reset_index(drop=True)
    df.attrs.update(disease_id=disease_id, caveat=CAVEAT, level=level)
    return df


def evidence_map(
    store: EvidenceStore | str | None = None, *, origin: str | None = None
) -> pd.DataFrame:
    """The disease x drug evidence map: one row per cell that has records.

    Args:
        store: an open store, a database URL, or None for the default store.
        origin: only ``kb`` (shipped) or ``user`` records; default both.

    Returns:
        Columns ``MAP_COLUMNS``: ``disease`` and ``drug`` ids (``drug`` ``a;b`` for records
        whose source does not say which drug each patient had), patients, responders and the
        strongest design, and the ``case_ids`` behind the cell; sorted by disease then most
        patients.
    """
    store = resolve_store(store)
    cases = list_cases(origin=origin, store=store)
    names = store.kb.diseases.set_index("disease_id").name.to_dict()
    rows = []
    for disease_id, g in cases.groupby("disease_id", sort=True):
        per = summarise_records(g)
        for s in per.itertuples():
            ids = g[g.drug_id == s.drug_id].case_id
            rows.append(
                {
                    "disease": disease_id,
                    "disease_name": names.get(disease_id, disease_id),
                    "drug": s.drug_id,
                    "drug_label": s.drug,
                    "records": s.records,
                    "patients": s.patients,
                    "evaluable_patients": s.evaluable_patients,
                    "complete_responders": s.complete_responders,
                    "partial_responders": s.partial_responders,
                    "non_responders": s.non_responders,
                    "responders": s.responders,
                    "response_fraction": s.response_fraction,
                    "best_design": s.best_design,
                    "case_ids": ";".join(ids),
                }
            )
    df = pd.DataFrame(rows, columns=list(MAP_COLUMNS))
    if len(df):
        df = df.sort_values(["disease", "patients", "drug"], ascending=[True, False, True])
    df = df.reset_index(drop=True)
    df.attrs.update(caveat=CAVEAT)
    return df


def plot_map(df: pd.DataFrame, path: str | Path, *, title: str | None = None) -> Path:
    """The evidence map as a grid (PNG or SVG by suffix): diseases x drugs.

    Marker area grows with patients, colour shows the strongest design, counts are written in.
    """
    from jakpath.evidence.summary import PLOT_SUFFIXES

    path = Path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise ValueError(f"figure file must end in {', '.join(PLOT_SUFFIXES)}, got {path.name!r}")
    from jakpath.extras import require

    require("matplotlib", "plot", "Drawing figures").use("Agg")
    import matplotlib.pyplot as plt

    diseases = sorted(set(df.disease))
    drugs = sorted(set(df.drug))
    fig, ax = plt.subplots(
        figsize=(2.0 + 0.75 * max(len(drugs), 1), 1.5 + 0.32 * max(len(diseases), 1))
    )
    colours = {d: f"C{i}" for i, d in enumerate(DESIGN_ORDER)}
    for r in df.itertuples():
        x, y = drugs.index(r.drug), diseases.index(r.disease)
        size = 30 + 12 * min(r.patients, 400) ** 0.5 * 4
        ax.scatter(x, y, s=size, color=colours.get(r.best_design, "grey"), alpha=0.6)
        ax.annotate(str(r.patients), (x, y), ha="center", va="center", fontsize=6)
    for d in DESIGN_ORDER:
        ax.scatter([], [], color=colours[d], label=d.replace("_", " "))
    ax.set_xticks(
        range(len(drugs)),
        [d.replace(";", " or\n") for d in drugs],
        rotation=60,
        ha="right",
        fontsize=7,
    )
    ax.set_yticks(range(len(diseases)), diseases, fontsize=7)
    ax.set_xlim(-0.6, max(len(drugs), 1) - 0.4)
    ax.set_ylim(max(len(diseases), 1) - 0.4, -0.6)
    ax.legend(title="strongest design", fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title(title or "Evidence map: patients by disease and drug")
    ax.grid(alpha=0.2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
