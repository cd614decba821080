"""SQLAlchemy 2 models of the evidence store: case and study records.

The schema deliberately has no column for a patient's name, date of birth, record number or
address; free-text columns are screened for such identifiers before anything is written
(see :mod:`jakpath.evidence.validate`). ``added_by`` is the account name of the person who
entered a record, never a patient identifier.
"""

from __future__ import annotations

from datetime import datetime

from jakpath.extras import require

require("sqlalchemy", "db", "The evidence store")

# ruff: noqa: E402
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jakpath.evidence.fields import (  # re-exported: the store's public names
    COUNT_FIELDS,
    COUNTS_BASIS,
    DERIVED_OUTPUT_FIELDS,
    DESIGN_ORDER,
    DRUG_SEPARATOR,
    NEW_IN_0002,
    ORIGINS,
    OUTCOMES,
    OUTPUT_FIELDS,
    RECORD_FIELDS,
    STUDY_TYPES,
)

__all__ = [
    "COUNTS_BASIS",
    "COUNT_FIELDS",
    "DERIVED_OUTPUT_FIELDS",
    "DESIGN_ORDER",
    "DRUG_SEPARATOR",
    "NEW_IN_0002",
    "ORIGINS",
    "OUTCOMES",
    "OUTPUT_FIELDS",
    "RECORD_FIELDS",
    "STUDY_TYPES",
    "Base",
    "CaseRecord",
    "StoreMeta",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable migration names)."""

    metadata = MetaData(naming_convention=NAMING)


class CaseRecord(Base):
    """One case report, case series, cohort or trial arm: a disease treated with a drug."""

    __tablename__ = "evidence_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    origin: Mapped[str] = mapped_column(String(8))
    disease_id: Mapped[str] = mapped_column(String(64), index=True)
    drug_id: Mapped[str] = mapped_column(String(64), index=True)
    regimen_text: Mapped[str | None] = mapped_column(Text)
    dose_mg: Mapped[float | None] = mapped_column(Float)
    interval_h: Mapped[float | None] = mapped_column(Float)
    route: Mapped[str | None] = mapped_column(String(32))
    n_patients: Mapped[int | None] = mapped_column(Integer)
    age_years: Mapped[float | None] = mapped_column(Float)
    age_band: Mapped[str | None] = mapped_column(Text)
    sex: Mapped[str | None] = mapped_column(Text)
    prior_failed: Mapped[str | None] = mapped_column(Text)
    time_to_response: Mapped[str | None] = mapped_column(Text)
    time_to_response_weeks: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    outcome_text: Mapped[str | None] = mapped_column(Text)
    outcome_measure: Mapped[str | None] = mapped_column(Text)
    n_complete: Mapped[int | None] = mapped_column(Integer)
    n_partial: Mapped[int | None] = mapped_column(Integer)
    n_none: Mapped[int | None] = mapped_column(Integer)
    counts_basis: Mapped[str | None] = mapped_column(String(16))
    duration: Mapped[str | None] = mapped_column(Text)
    duration_weeks: Mapped[float | None] = mapped_column(Float)
    adverse_events: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    follow_up_weeks: Mapped[float | None] = mapped_column(Float)
    study_type: Mapped[str] = mapped_column(String(24), index=True)
    source_ids: Mapped[str] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(String(256))
    pmid: Mapped[str | None] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str | None] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(_in("origin", ORIGINS), name="origin"),
        CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),
        CheckConstraint(_in("study_type", STUDY_TYPES), name="study_type"),
        CheckConstraint("n_patients IS NULL OR n_patients >= 1", name="n_patients"),
        CheckConstraint("age_years IS NULL OR (age_years >= 0 AND age_years <= 120)", name="age"),
        CheckConstraint("dose_mg IS NULL OR dose_mg > 0", name="dose_mg"),
        CheckConstraint("interval_h IS NULL OR interval_h > 0", name="interval_h"),
        CheckConstraint(
            "time_to_response_weeks IS NULL OR time_to_response_weeks >= 0", name="ttr"
        ),
        CheckConstraint("follow_up_weeks IS NULL OR follow_up_weeks >= 0", name="follow_up"),
        CheckConstraint("origin = 'kb' OR added_by IS NOT NULL", name="user_added_by"),
        CheckConstraint(
            "(n_complete IS NULL OR n_complete >= 0) AND (n_partial IS NULL OR n_partial >= 0)"
            " AND (n_none IS NULL OR n_none >= 0)",
            name="counts",
        ),
        CheckConstraint(
            "counts_basis IS NULL OR " + _in("counts_basis", COUNTS_BASIS), name="counts_basis"
        ),
        CheckConstraint("duration_weeks IS NULL OR duration_weeks >= 0", name="duration"),
        Index("ix_evidence_cases_disease_drug", "disease_id", "drug_id"),
    )


class StoreMeta(Base):
    """Key-value facts about the store (e.g. the knowledge-base version last seeded)."""

    __tablename__ = "evidence_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
