"""Evidence level per drug for one disease: approvals first, then the strongest study design."""

from __future__ import annotations

import pandas as pd

EVIDENCE_LEVELS = (
    "approved",
    "randomised trial",
    "open-label trial",
    "cohort",
    "case series",
    "case report",
    "mechanism only",
)
"""Evidence levels, strongest first (the design brief's order)."""

STUDY_LEVEL = {
    "randomised_trial": "randomised trial",
    "open_label_trial": "open-label trial",
    "cohort": "cohort",
    "case_series": "case series",
    "case_report": "case report",
}
"""Evidence level of each study type."""


def _counts_text(g: pd.DataFrame) -> str:
    from jakpath.evidence.summary import summarise_records  # summary imports queries

    s = summarise_records(g).iloc[0]
    if not s.evaluable_patients:
        return "responders not reported"
    return (
        f"{s.responders}/{s.evaluable_patients} evaluable responded "
        f"({s.complete_responders} complete)"
    )


def evidence_levels(approvals: pd.DataFrame, cases: pd.DataFrame) -> dict[str, dict]:
    """Per drug: ``evidence_level``, ``evidence_records`` and ``evidence_detail``.

    Args:
        approvals: the disease's approval rows (``drug_id``, ``agency``, ``year``).
        cases: the disease's case/study records (``drug_id``, ``study_type``, ``n_patients``,
            ``source_ids``; responder counts and ``outcome`` when present). A record naming
            several drugs (``a;b``, the source does not say which patient had which) is keyed
            by that combined id and credits neither drug alone.
    """
    out: dict[str, dict] = {}
    for drug, g in approvals.groupby("drug_id"):
        agencies = sorted(
            {f"{r.agency} {int(r.year)}" if r.year == r.year else r.agency for r in g.itertuples()}
        )
        out[drug] = {
            "evidence_level": "approved",
            "evidence_records": 0,
            "evidence_detail": "approved: " + ", ".join(agencies),
        }
    for drug, g in cases.groupby("drug_id", sort=True):
        best = min((STUDY_LEVEL[s] for s in g.study_type), key=EVIDENCE_LEVELS.index)
        entry = out.setdefault(
            drug, {"evidence_level": best, "evidence_records": 0, "evidence_detail": ""}
        )
        if EVIDENCE_LEVELS.index(best) < EVIDENCE_LEVELS.index(entry["evidence_level"]):
            entry["evidence_level"] = best
        entry["evidence_records"] += len(g)
        patients = int(pd.to_numeric(g.n_patients, errors="coerce").fillna(0).sum())
        counted = _counts_text(g) if "n_complete" in g.columns else ""
        detail = (
            f"{len(g)} record(s), {patients} patient(s)"
            + (f", {counted}" if counted else "")
            + ": "
            + "; ".join(f"{r.study_type} ({r.source_ids})" for r in g.itertuples())
        )
        entry["evidence_detail"] = "; ".join(filter(None, [entry["evidence_detail"], detail]))
    return out
