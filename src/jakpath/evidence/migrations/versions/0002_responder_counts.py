"""Responder counts, outcome measure and treatment duration of a record.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (
    ("outcome_measure", sa.Text()),
    ("n_complete", sa.Integer()),
    ("n_partial", sa.Integer()),
    ("n_none", sa.Integer()),
    ("counts_basis", sa.String(length=16)),
    ("duration", sa.Text()),
    ("duration_weeks", sa.Float()),
)
CHECKS = (
    (
        "counts",
        "(n_complete IS NULL OR n_complete >= 0) AND (n_partial IS NULL OR n_partial >= 0)"
        " AND (n_none IS NULL OR n_none >= 0)",
    ),
    ("counts_basis", "counts_basis IS NULL OR counts_basis IN ('reported', 'derived')"),
    ("duration", "duration_weeks IS NULL OR duration_weeks >= 0"),
)


def upgrade() -> None:
    """Apply this revision (SQLite rebuilds the table in batch mode; PostgreSQL alters it)."""
    with op.batch_alter_table("evidence_cases") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        for name, condition in CHECKS:
            batch.create_check_constraint(op.f(f"ck_evidence_cases_{name}"), condition)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("evidence_cases") as batch:
        for name, _ in CHECKS:
            batch.drop_constraint(op.f(f"ck_evidence_cases_{name}"), type_="check")
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
