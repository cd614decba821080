"""The shipped evidence records (``cases.csv``) as validated records and as a query result.

No database needed: the ranking reads these when the evidence store (the ``[db]`` extra) is
not installed, so ``pip install jakpath`` ranks on the same shipped records the store is
seeded with (a store adds only what users added, which needs the store anyway).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from jakpath.evidence.fields import COUNT_FIELDS, OUTPUT_FIELDS
from jakpath.evidence.validate import CaseInput, drug_label, validate_record
from jakpath.kb import KnowledgeBase

KB_ORIGIN_PREFIX = "kb:"
"""Case-id prefix of shipped records (``kb:<case_id>``); user records may not use it."""

FLOAT_COLUMNS = (
    "dose_mg",
    "interval_h",
    "n_patients",
    "age_years",
    "time_to_response_weeks",
    "follow_up_weeks",
    *COUNT_FIELDS,
    "duration_weeks",
)
"""Numeric columns of a query result (floats; NaN = not reported)."""


def kb_records(kb: KnowledgeBase) -> list[CaseInput]:
    """The knowledge base's case rows as validated records, citations filled from sources."""
    sources = kb.sources.set_index("source_id")
    out = []
    for row in kb.cases.to_dict(orient="records"):
        row = {k: v for k, v in row.items() if not str(k).startswith("__")}
        row["case_id"] = KB_ORIGIN_PREFIX + row["case_id"]
        for sid in str(row["source_ids"]).split(";"):
            sid = sid.strip()
            if sid in sources.index:
                src = sources.loc[sid]
                if src.doi or src.pmid:
                    row["doi"], row["pmid"] = src.doi or None, str(src.pmid or "") or None
                    break
        out.append(validate_record(row, kb, origin="kb"))
    return out


def responders_text(row: Mapping[str, Any]) -> str:
    """``"3 complete, 2 partial, 1 none"`` from a record's counts, or ``"not reported"``."""
    counts = [row.get(f) for f in COUNT_FIELDS]
    if all(c is None or (isinstance(c, float) and math.isnan(c)) for c in counts):
        return "not reported"
    words = ("complete", "partial", "none")
    return ", ".join(
        f"{int(c)} {w}"
        for c, w in zip(counts, words, strict=True)
        if c is not None and not (isinstance(c, float) and math.isnan(c))
    )


def records_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Query-result frame (columns ``OUTPUT_FIELDS``) from stored column values per record."""
    for row in rows:
        row["drug"] = drug_label(row["drug_id"])
        row["responders"] = responders_text(row)
    df = pd.DataFrame(rows, columns=list(OUTPUT_FIELDS))
    for col in FLOAT_COLUMNS:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    df["added_at"] = pd.to_datetime(df["added_at"], utc=True)
    return df


def shipped_cases(kb: KnowledgeBase, disease_id: str | None = None) -> pd.DataFrame:
    """The shipped records (of one disease id, if given) as :func:`list_cases` returns them.

    ``origin`` is ``kb``; ``added_by`` and ``added_at`` are empty (never stored).
    """
    rows = []
    for rec in kb_records(kb):
        if disease_id is not None and rec.disease_id != disease_id:
            continue
        row: dict[str, Any] = {f: getattr(rec, f, None) for f in OUTPUT_FIELDS}
        row.update(origin="kb", added_by=None, added_at=None)
        rows.append(row)
    return records_frame(rows)
