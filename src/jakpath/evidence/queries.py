"""Queries on the evidence store, returning pandas DataFrames, and exports."""

from __future__ import annotations

import io
import json
import math
from datetime import UTC
from pathlib import Path

import pandas as pd

from jakpath.extras import require

require("sqlalchemy", "db", "The evidence store")

# ruff: noqa: E402
from sqlalchemy import or_, select

from jakpath.evidence.levels import evidence_levels
from jakpath.evidence.models import (
    DRUG_SEPARATOR,
    OUTCOMES,
    OUTPUT_FIELDS,
    STUDY_TYPES,
    CaseRecord,
)
from jakpath.evidence.shipped import records_frame
from jakpath.evidence.store import EvidenceStore, resolve_store
from jakpath.kb import KnowledgeBase

EXPORT_FORMATS = ("csv", "json")


def _choice(name: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; one of {', '.join(choices)}")
    return value


def list_cases(
    disease: str | None = None,
    drug: str | None = None,
    study_type: str | None = None,
    outcome: str | None = None,
    origin: str | None = None,
    store: EvidenceStore | str | None = None,
) -> pd.DataFrame:
    """Stored records matching every filter given, oldest first.

    Args:
        disease: a disease id or name (resolved with the KB's disease index).
        drug: a drug id, name, brand or code (resolved with the KB's drug index); records
            naming it among several drugs (``a or b``) match too.
        study_type: one of ``STUDY_TYPES``.
        outcome: one of ``OUTCOMES``.
        origin: ``kb`` (shipped) or ``user``.
        store: an open store, a database URL, or None for the default store.

    Returns:
        One row per record, columns ``OUTPUT_FIELDS``; numbers as floats (NaN = not
        reported), ``added_at`` as UTC timestamps.

    Raises:
        jakpath.kb.UnknownNameError: unknown disease or drug (with the closest names).
        ValueError: unknown study type, outcome or origin.
    """
    store = resolve_store(store)
    query = select(CaseRecord).order_by(CaseRecord.id)
    if disease is not None:
        query = query.where(CaseRecord.disease_id == store.kb.disease_names.resolve(disease))
    if drug is not None:
        d = store.kb.drug_names.resolve(drug)
        sep = DRUG_SEPARATOR
        query = query.where(
            or_(
                CaseRecord.drug_id == d,
                CaseRecord.drug_id.like(f"{d}{sep}%"),
                CaseRecord.drug_id.like(f"%{sep}{d}"),
                CaseRecord.drug_id.like(f"%{sep}{d}{sep}%"),
            )
        )
    if _choice("study type", study_type, STUDY_TYPES):
        query = query.where(CaseRecord.study_type == study_type)
    if _choice("outcome", outcome, OUTCOMES):
        query = query.where(CaseRecord.outcome == outcome)
    if _choice("origin", origin, ("kb", "user")):
        query = query.where(CaseRecord.origin == origin)
    return _frame(store, query)


def _frame(store: EvidenceStore, query) -> pd.DataFrame:
    with store.transaction() as s:
        records = s.scalars(query).all()
        rows = [{f: getattr(r, f, None) for f in OUTPUT_FIELDS} for r in records]
    return records_frame(rows)


def _jsonable(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_convert(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Cell starts a spreadsheet may run as a formula (CSV injection); exported with a ``'``."""


def csv_safe(value):
    """``value`` for a CSV cell, never run by a spreadsheet as a formula.

    Text starting ``= + - @``, tab or CR gets a leading ``'`` (OWASP CSV-injection advice);
    :func:`import_file` removes it again, so exports still round-trip.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_cases(
    fmt: str = "csv",
    path: str | Path | None = None,
    store: EvidenceStore | str | None = None,
    **filters,
) -> str:
    """All (or filtered) records as CSV or JSON that :func:`import_file` reads back.

    Args:
        fmt: ``csv`` or ``json`` (``{"rows": [...]}``).
        path: write here as well as returning the text.
        store: an open store, a database URL, or None for the default store.
        **filters: passed to :func:`list_cases`.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(EXPORT_FORMATS)}")
    df = list_cases(store=store, **filters)
    records = [{k: _jsonable(v) for k, v in r.items()} for r in df.to_dict(orient="records")]
    if fmt == "json":
        text = json.dumps({"rows": records}, indent=1, ensure_ascii=False) + "\n"
    else:
        buf = io.StringIO()
        out = pd.DataFrame(
            [{k: csv_safe(v) for k, v in r.items()} for r in records], columns=list(OUTPUT_FIELDS)
        )
        out.to_csv(buf, index=False, lineterminator="\n")
        text = buf.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


# -- evidence levels (the ranking's format) ------------------------------------------------
def evidence_counts(
    disease_id: str,
    store: EvidenceStore | str | None = None,
    kb: KnowledgeBase | None = None,
) -> dict[str, dict]:
    """Per drug: strongest evidence level, record count and detail, from approvals + store.

    The ranking's format (``evidence_level``, ``evidence_records``, ``evidence_detail``); the
    case records are read from the store (shipped and user-added).
    """
    store = resolve_store(store)
    kb = kb or store.kb
    query = select(CaseRecord).where(CaseRecord.disease_id == disease_id)
    cases = _frame(store, query.order_by(CaseRecord.id))
    return evidence_levels(kb.approvals[kb.approvals.disease_id == disease_id], cases)
