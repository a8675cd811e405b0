"""guide: diagnostic results of runbook steps

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import warroom.storage.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TIME = warroom.storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "diagnostic_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.String(length=40), nullable=False),
        sa.Column("runbook", sa.String(length=100), nullable=True),
        sa.Column("step", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_diagnostic_results_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnostic_results")),
    )
    op.create_index(
        op.f("ix_diagnostic_results_incident_id"), "diagnostic_results", ["incident_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_diagnostic_results_incident_id"), table_name="diagnostic_results")
    op.drop_table("diagnostic_results")
