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
from importlib import import_module
from typing import TYPE_CHECKING, Any

from jakpath.evidence.fields import (
    COUNT_FIELDS,
    DESIGN_ORDER,
    OUTCOMES,
    OUTPUT_FIELDS,
    RECORD_FIELDS,
    STUDY_TYPES,
)
from jakpath.evidence.levels import EVIDENCE_LEVELS, STUDY_LEVEL
from jakpath.evidence.shipped import shipped_cases
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

if TYPE_CHECKING:
    from jakpath.evidence.importers import (
        ImportResult,
        ImportValidationError,
        MalformedFileError,
        RowProblem,
        import_file,
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

_LAZY = {
    "ImportResult": "jakpath.evidence.importers",
    "ImportValidationError": "jakpath.evidence.importers",
    "MalformedFileError": "jakpath.evidence.importers",
    "RowProblem": "jakpath.evidence.importers",
    "import_file": "jakpath.evidence.importers",
    "BY_DRUG_COLUMNS": "jakpath.evidence.overview",
    "MAP_COLUMNS": "jakpath.evidence.overview",
    "evidence_map": "jakpath.evidence.overview",
    "evidence_summary_by_drug": "jakpath.evidence.overview",
    "plot_map": "jakpath.evidence.overview",
    "evidence_counts": "jakpath.evidence.queries",
    "export_cases": "jakpath.evidence.queries",
    "list_cases": "jakpath.evidence.queries",
    "AddResult": "jakpath.evidence.store",
    "EvidenceStore": "jakpath.evidence.store",
    "StoreError": "jakpath.evidence.store",
    "default_url": "jakpath.evidence.store",
    "open_store": "jakpath.evidence.store",
    "resolve_store": "jakpath.evidence.store",
}
"""Store-backed public name -> defining module, imported on first use, so that
``import jakpath.evidence`` and the shipped records work without the ``[db]`` extra; these
names raise :class:`jakpath.extras.MissingExtraError` naming ``[db]`` without SQLAlchemy."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jakpath.evidence' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def add_case(
    data: Mapping | CaseInput,
    store: EvidenceStore | str | None = None,
    *,
    added_by: str | None = None,
) -> AddResult:
    """Validate and add one record (see :meth:`EvidenceStore.add`)."""
    from jakpath.evidence.store import resolve_store

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
    "shipped_cases",
    "summary",
    "validate_record",
]
