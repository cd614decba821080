"""Evidence registry: case reports, series, cohorts and trials of JAK inhibitors by disease.

Records live in a database (SQLite file by default, PostgreSQL via ``JAKPATH_DATABASE_URL``),
are seeded with the knowledge base's ``cases.csv`` on first use, hold no direct patient
identifiers, and are read back as DataFrames::

    from jakpath import evidence
    evidence.list_cases(disease="dermatomyositis")
    evidence.add_case({...}, added_by="alice")
    evidence.import_file("cases.csv")
    evidence.summary("dermatomyositis")
"""

from __future__ import annotations

from collections.abc import Mapping

from jakpath.evidence.importers import (
    ImportResult,
    ImportValidationError,
    MalformedFileError,
    RowProblem,
    import_file,
)
from jakpath.evidence.models import OUTCOMES, OUTPUT_FIELDS, RECORD_FIELDS, STUDY_TYPES
from jakpath.evidence.queries import evidence_counts, export_cases, list_cases
from jakpath.evidence.store import (
    AddResult,
    EvidenceStore,
    StoreError,
    default_url,
    open_store,
    resolve_store,
)
from jakpath.evidence.summary import clopper_pearson, plot_summary, summary
from jakpath.evidence.validate import (
    CaseInput,
    FieldProblem,
    InvalidRecordError,
    find_identifier,
    validate_record,
)


def add_case(
    data: Mapping | CaseInput,
    store: EvidenceStore | str | None = None,
    *,
    added_by: str | None = None,
) -> AddResult:
    """Validate and add one record (see :meth:`EvidenceStore.add`)."""
    return resolve_store(store).add(data, added_by=added_by)


__all__ = [
    "OUTCOMES",
    "OUTPUT_FIELDS",
    "RECORD_FIELDS",
    "STUDY_TYPES",
    "AddResult",
    "CaseInput",
    "EvidenceStore",
    "FieldProblem",
    "ImportResult",
    "ImportValidationError",
    "InvalidRecordError",
    "MalformedFileError",
    "RowProblem",
    "StoreError",
    "add_case",
    "clopper_pearson",
    "default_url",
    "evidence_counts",
    "export_cases",
    "find_identifier",
    "import_file",
    "list_cases",
    "open_store",
    "plot_summary",
    "resolve_store",
    "summary",
    "validate_record",
]
