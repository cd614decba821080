"""Evidence cases and store metadata (initial schema).

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "evidence_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("disease_id", sa.String(length=64), nullable=False),
        sa.Column("drug_id", sa.String(length=64), nullable=False),
        sa.Column("regimen_text", sa.Text(), nullable=True),
        sa.Column("dose_mg", sa.Float(), nullable=True),
        sa.Column("interval_h", sa.Float(), nullable=True),
        sa.Column("route", sa.String(length=32), nullable=True),
        sa.Column("n_patients", sa.Integer(), nullable=True),
        sa.Column("age_years", sa.Float(), nullable=True),
        sa.Column("age_band", sa.Text(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("prior_failed", sa.Text(), nullable=True),
        sa.Column("time_to_response", sa.Text(), nullable=True),
        sa.Column("time_to_response_weeks", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("outcome_text", sa.Text(), nullable=True),
        sa.Column("adverse_events", sa.Text(), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=True),
        sa.Column("follow_up_weeks", sa.Float(), nullable=True),
        sa.Column("study_type", sa.String(length=24), nullable=False),
        sa.Column("source_ids", sa.Text(), nullable=False),
        sa.Column("doi", sa.String(length=256), nullable=True),
        sa.Column("pmid", sa.String(length=16), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("added_by", sa.String(length=64), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "origin = 'kb' OR added_by IS NOT NULL", name=op.f("ck_evidence_cases_user_added_by")
        ),
        sa.CheckConstraint("origin IN ('kb', 'user')", name=op.f("ck_evidence_cases_origin")),
        sa.CheckConstraint(
            "outcome IN ('complete', 'partial', 'none', 'worse', 'mixed', 'not_reported')",
            name=op.f("ck_evidence_cases_outcome"),
        ),
        sa.CheckConstraint(
            "study_type IN ('case_report', 'case_series', 'cohort', 'randomised_trial', "
            "'open_label_trial')",
            name=op.f("ck_evidence_cases_study_type"),
        ),
        sa.CheckConstraint(
            "age_years IS NULL OR (age_years >= 0 AND age_years <= 120)",
            name=op.f("ck_evidence_cases_age"),
        ),
        sa.CheckConstraint(
            "dose_mg IS NULL OR dose_mg > 0", name=op.f("ck_evidence_cases_dose_mg")
        ),
        sa.CheckConstraint(
            "follow_up_weeks IS NULL OR follow_up_weeks >= 0",
            name=op.f("ck_evidence_cases_follow_up"),
        ),
        sa.CheckConstraint(
            "interval_h IS NULL OR interval_h > 0", name=op.f("ck_evidence_cases_interval_h")
        ),
        sa.CheckConstraint(
            "n_patients IS NULL OR n_patients >= 1", name=op.f("ck_evidence_cases_n_patients")
        ),
        sa.CheckConstraint(
            "time_to_response_weeks IS NULL OR time_to_response_weeks >= 0",
            name=op.f("ck_evidence_cases_ttr"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_cases")),
        sa.UniqueConstraint("case_id", name=op.f("uq_evidence_cases_case_id")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_evidence_cases_content_hash")),
    )
    op.create_index("ix_evidence_cases_disease_drug", "evidence_cases", ["disease_id", "drug_id"])
    for column in ("disease_id", "drug_id", "outcome", "study_type"):
        op.create_index(op.f(f"ix_evidence_cases_{column}"), "evidence_cases", [column])

    op.create_table(
        "evidence_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_evidence_meta")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("evidence_meta")
    for column in ("disease_id", "drug_id", "outcome", "study_type"):
        op.drop_index(op.f(f"ix_evidence_cases_{column}"), table_name="evidence_cases")
    op.drop_index("ix_evidence_cases_disease_drug", table_name="evidence_cases")
    op.drop_table("evidence_cases")
