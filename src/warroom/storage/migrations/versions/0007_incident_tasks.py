"""incident tasks: checklist items on incidents

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import warroom.storage.base

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.String(length=40), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("checklist", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", warroom.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("checked_at", warroom.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_tasks_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_tasks")),
        sa.UniqueConstraint(
            "incident_id", "checklist", "title", name=op.f("uq_incident_tasks_incident_id")
        ),
    )
    with op.batch_alter_table("incident_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_tasks_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("incident_tasks")
