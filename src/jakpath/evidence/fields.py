"""Field names and vocabularies of evidence records (no database needed).

Shared by the store's models (:mod:`jakpath.evidence.models`, SQLAlchemy), validation and the
ranking's read of the shipped records, so that these work without the ``[db]`` extra.
"""

from __future__ import annotations

OUTCOMES = ("complete", "partial", "none", "worse", "mixed", "not_reported")
"""Outcome scale of a record, best first; the source's own words go to ``outcome_text``.

``mixed`` means some patients responded and some did not; the responder counts
(``n_complete``, ``n_partial``, ``n_none``) say how many of each.
"""

STUDY_TYPES = ("case_report", "case_series", "cohort", "randomised_trial", "open_label_trial")
"""Study designs a record can come from."""

DESIGN_ORDER = ("randomised_trial", "open_label_trial", "cohort", "case_series", "case_report")
"""Study designs, strongest first (the order ``best_design`` picks from)."""

COUNTS_BASIS = ("reported", "derived")
"""How a record's responder counts were obtained: counted in the source, or derived from a
percentage of the stated number of patients (rounded; the ``note`` shows the arithmetic)."""

DRUG_SEPARATOR = ";"
"""Separates the drugs of a record whose source does not say which patient had which drug
(``upadacitinib;tofacitinib`` = "upadacitinib or tofacitinib")."""

ORIGINS = ("kb", "user")
"""Where a record came from: shipped with the knowledge base, or added by a user."""

RECORD_FIELDS = (
    "case_id",
    "disease_id",
    "drug_id",
    "regimen_text",
    "dose_mg",
    "interval_h",
    "route",
    "n_patients",
    "age_years",
    "age_band",
    "sex",
    "prior_failed",
    "time_to_response",
    "time_to_response_weeks",
    "outcome",
    "outcome_text",
    "outcome_measure",
    "n_complete",
    "n_partial",
    "n_none",
    "counts_basis",
    "duration",
    "duration_weeks",
    "adverse_events",
    "follow_up",
    "follow_up_weeks",
    "study_type",
    "source_ids",
    "doi",
    "pmid",
    "location",
    "note",
)
"""Fields a user supplies (import, ``add``); ``origin``, ``added_by`` and ``added_at`` are set."""

COUNT_FIELDS = ("n_complete", "n_partial", "n_none")
"""Responder counts of a record: complete, partial (responded, not completely) and none
(no response or worse). Empty = not reported."""

NEW_IN_0002 = (
    "outcome_measure",
    *COUNT_FIELDS,
    "counts_basis",
    "duration",
    "duration_weeks",
)
"""Fields added by migration 0002 (left out of a record's content hash while empty, so records
stored before it keep their hash)."""

DERIVED_OUTPUT_FIELDS = ("drug", "responders")
"""Read-only columns of query results: ``drug`` (``a or b`` for a record naming several drugs)
and ``responders`` (``"3 complete, 2 partial, 1 none"`` or ``"not reported"``)."""

OUTPUT_FIELDS = (*RECORD_FIELDS, *DERIVED_OUTPUT_FIELDS, "origin", "added_by", "added_at")
"""Columns of query results and exports, in order."""
