"""Evidence registry: case reports, series, cohorts and trials of JAK inhibitors by disease.

Records live in a database (SQLite file by default, PostgreSQL via ``JAKPATH_DATABASE_URL``),
are seeded with the knowledge base's ``cases.csv`` on first use, hold no direct patient
identifiers, and are read back as DataFrames::

    from jakpath import evidence
    evidence.list_cases(disease="dermatomyositis")
    evidence.add_case({...}, added_by="alice")
    evidence.import_file("cases.csv")
    evidence.summary("dermatomyositis")
    evidence.evidence_summary_by_drug("dermatomyositis")   # the ranking's evidence axis
    evidence.evidence_map()                                 # disease x drug
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
from jakpath.evidence.levels import EVIDENCE_LEVELS, STUDY_LEVEL
from jakpath.evidence.models import (
    COUNT_FIELDS,
    DESIGN_ORDER,
    OUTCOMES,
    OUTPUT_FIELDS,
    RECORD_FIELDS,
    STUDY_TYPES,
)
from jakpath.evidence.overview import (
    BY_DRUG_COLUMNS,
    MAP_COLUMNS,
    evidence_map,
    evidence_summary_by_drug,
    plot_map,
)
from jakpath.evidence.queries import evidence_counts, export_cases, list_cases
from jakpath.evidence.store import (
    AddResult,
    EvidenceStore,
    StoreError,
    default_url,
    open_store,
    resolve_store,
)
from jakpath.evidence.summary import (
    best_design,
    clopper_pearson,
    plot_summary,
    record_counts,
    summary,
)
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
    "BY_DRUG_COLUMNS",
    "COUNT_FIELDS",
    "DESIGN_ORDER",
    "EVIDENCE_LEVELS",
    "MAP_COLUMNS",
    "STUDY_LEVEL",
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
    "best_design",
    "clopper_pearson",
    "default_url",
    "evidence_counts",
    "evidence_map",
    "evidence_summary_by_drug",
    "export_cases",
    "find_identifier",
    "import_file",
    "list_cases",
    "open_store",
    "plot_map",
    "plot_summary",
    "record_counts",
    "resolve_store",
    "summary",
    "validate_record",
]
