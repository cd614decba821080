"""Evidence level per disease x drug for the ranking, read from the evidence registry."""

from __future__ import annotations

from jakpath.evidence import evidence_counts
from jakpath.evidence.levels import EVIDENCE_LEVELS, STUDY_LEVEL
from jakpath.kb import KnowledgeBase

__all__ = ["EVIDENCE_LEVELS", "STUDY_LEVEL", "evidence_summary"]


def evidence_summary(kb: KnowledgeBase, disease_id: str, store=None) -> dict[str, dict]:
    """Per drug: strongest evidence level for this disease, record counts and details.

    Approvals come from the knowledge base; case and trial records from the evidence store
    (``store``: an open store or URL; default the user's store, seeded with the shipped
    records), so user-added records count.
    """
    return evidence_counts(disease_id, store=store, kb=kb)
