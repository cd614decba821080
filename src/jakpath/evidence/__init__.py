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

import importlib
import sys
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING

# The public names, by the submodule that defines them. They are imported on first use (PEP 562),
# so that ``import jakpath.evidence.urls`` or ``jakpath.evidence.fingerprint`` (standard library
# only: the ranking cache asks whether the store changed) does not import SQLAlchemy.
_EXPORTS = {
    "jakpath.evidence.importers": (
        "ImportResult",
        "ImportValidationError",
        "MalformedFileError",
        "RowProblem",
        "import_file",
    ),
    "jakpath.evidence.levels": ("EVIDENCE_LEVELS", "STUDY_LEVEL"),
    "jakpath.evidence.models": (
        "COUNT_FIELDS",
        "DESIGN_ORDER",
        "OUTCOMES",
        "OUTPUT_FIELDS",
        "RECORD_FIELDS",
        "STUDY_TYPES",
    ),
    "jakpath.evidence.overview": (
        "BY_DRUG_COLUMNS",
        "MAP_COLUMNS",
        "evidence_map",
        "evidence_summary_by_drug",
        "plot_map",
    ),
    "jakpath.evidence.queries": ("evidence_counts", "export_cases", "list_cases"),
    "jakpath.evidence.store": (
        "AddResult",
        "EvidenceStore",
        "StoreError",
        "default_url",
        "open_store",
        "resolve_store",
    ),
    "jakpath.evidence.summary": (
        "best_design",
        "clopper_pearson",
        "plot_summary",
        "record_counts",
        "summary",
    ),
    "jakpath.evidence.validate": (
        "CaseInput",
        "FieldProblem",
        "InvalidRecordError",
        "find_identifier",
        "validate_record",
    ),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

if TYPE_CHECKING:
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


class _EvidencePackage(types.ModuleType):
    """Keeps a public function bound where a submodule has its name (``summary``).

    Importing ``jakpath.evidence.summary`` (the module) sets the package's ``summary``
    attribute to the module; the function of that name is put back.
    """

    def __setattr__(self, name: str, value) -> None:
        if (
            isinstance(value, types.ModuleType)
            and _WHERE.get(name) == value.__name__
            and hasattr(value, name)
        ):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _EvidencePackage


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_WHERE})


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
    "summary",
    "validate_record",
]
