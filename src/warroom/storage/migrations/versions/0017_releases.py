"""releases: a candidate version's way to all of the traffic (shadow, canary steps, gates)

Revision ID: 0017_releases
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import warroom.storage.base

revision = "0017_releases"
down_revision = "0012"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIME = warroom.storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("stable_version", sa.String(length=100), nullable=True),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("steps", JSON, nullable=False),
        sa.Column("interval_seconds", sa.Float(), nullable=False),
        sa.Column("shadow_seconds", sa.Float(), nullable=False),
        sa.Column("shadow_share", sa.Float(), nullable=False),
        sa.Column("approve_before", JSON, nullable=False),
        sa.Column("approved", JSON, nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("abort_requested_by", sa.String(length=200), nullable=True),
        sa.Column("state_since", TIME, nullable=False),
        sa.Column("judgement", JSON, nullable=False),
        sa.Column("judgements", JSON, nullable=False),
        sa.Column("incident_id", sa.String(length=40), nullable=True),
        sa.Column("rollback_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("lease_until", TIME, nullable=True),
        sa.Column("runner", sa.String(length=64), nullable=True),
        sa.Column("in_flight_service", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_releases")),
        sa.UniqueConstraint("in_flight_service", name=op.f("uq_releases_in_flight_service")),
    )
    op.create_index(op.f("ix_releases_service"), "releases", ["service"], unique=False)
    op.create_index(op.f("ix_releases_state"), "releases", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_releases_state"), table_name="releases")
    op.drop_index(op.f("ix_releases_service"), table_name="releases")
    op.drop_table("releases")
