"""Evidence level per disease x drug, from approvals and the shipped case/trial records."""

from __future__ import annotations

import functools

from jakpath.kb import KnowledgeBase

EVIDENCE_LEVELS = ("approved", "randomised trial", "case series", "case report", "mechanism only")
"""Evidence levels, strongest first. Cohorts and open-label trials count as case series."""

STUDY_LEVEL = {
    "randomised_trial": "randomised trial",
    "open_label_trial": "case series",
    "cohort": "case series",
    "case_series": "case series",
    "case_report": "case report",
}


@functools.lru_cache(maxsize=64)
def evidence_summary(kb: KnowledgeBase, disease_id: str) -> dict[str, dict]:
    """Per drug: the strongest evidence level for this disease, record counts and details."""
    out: dict[str, dict] = {}
    appr = kb.approvals[kb.approvals.disease_id == disease_id]
    for drug, g in appr.groupby("drug_id"):
        agencies = sorted(
            {f"{r.agency} {int(r.year)}" if r.year == r.year else r.agency for r in g.itertuples()}
        )
        out[drug] = {
            "evidence_level": "approved",
            "evidence_records": 0,
            "evidence_detail": "approved: " + ", ".join(agencies),
        }
    cases = kb.cases[kb.cases.disease_id == disease_id]
    for drug, g in cases.groupby("drug_id"):
        levels = [STUDY_LEVEL[s] for s in g.study_type]
        best = min(levels, key=EVIDENCE_LEVELS.index)
        entry = out.setdefault(
            drug, {"evidence_level": best, "evidence_records": 0, "evidence_detail": ""}
        )
        if EVIDENCE_LEVELS.index(best) < EVIDENCE_LEVELS.index(entry["evidence_level"]):
            entry["evidence_level"] = best
        entry["evidence_records"] += len(g)
        patients = int(g.n_patients.fillna(0).sum())
        detail = f"{len(g)} record(s), {patients} patient(s): " + "; ".join(
            f"{r.study_type} ({r.source_ids})" for r in g.itertuples()
        )
        entry["evidence_detail"] = "; ".join(filter(None, [entry["evidence_detail"], detail]))
    return out
