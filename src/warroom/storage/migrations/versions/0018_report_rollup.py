"""the per-day summary of incidents that reports read (incidents.rollup), filled from the
incidents already stored

Revision ID: 0018_report_rollup
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0018_report_rollup"
down_revision = "0012"
branch_labels = None
depends_on = None

DAY = sa.String(length=10)


def upgrade() -> None:
    op.create_table(
        "incident_days",
        sa.Column("day", DAY, nullable=False),
        sa.Column("resolved_day", DAY, nullable=False),
        sa.Column("severity", sa.String(length=2), nullable=False),
        sa.Column("drill", sa.Boolean(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False)
          for name in ("n", "mttd_ms", "acked", "mtta_ms", "resolved", "mttr_ms")),
        sa.PrimaryKeyConstraint(
            "day", "resolved_day", "severity", "drill", name=op.f("pk_incident_days")
        ),
    )  # fmt: skip
    op.create_table(
        "incident_day_buckets",
        sa.Column("day", DAY, nullable=False),
        sa.Column("severity", sa.String(length=2), nullable=False),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.Column("measure", sa.String(length=8), nullable=False),
        sa.Column("le", sa.BigInteger(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "severity", "drill", "measure", "le", name=op.f("pk_incident_day_buckets")
        ),
    )
    op.create_table(
        "incident_service_days",
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("day", DAY, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("service", "day", name=op.f("pk_incident_service_days")),
    )
    op.create_table(
        "incident_hours",
        sa.Column("hour", sa.String(length=13), nullable=False),
        sa.Column("severity", sa.String(length=2), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in ("n", "acked", "resolved")),
        sa.PrimaryKeyConstraint("hour", "severity", name=op.f("pk_incident_hours")),
    )
    # Existing incidents: the summary is computed from them once, here; from now on every
    # incident change keeps it up to date.
    from warroom.incidents import rollup

    # The session joins the migration's transaction, which commits it.
    with Session(bind=op.get_bind()) as session:
        rollup.rebuild(session)


def downgrade() -> None:
    op.drop_table("incident_hours")
    op.drop_table("incident_service_days")
    op.drop_table("incident_day_buckets")
    op.drop_table("incident_days")
