"""detection: baselines and the human review queue

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import warroom.storage.base

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIME = warroom.storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "baselines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("latency_p95_ms", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("labelled", sa.Integer(), nullable=False),
        sa.Column("mean_probability", sa.Float(), nullable=True),
        sa.Column("low_confidence_ratio", sa.Float(), nullable=True),
        sa.Column("positive_ratio", sa.Float(), nullable=True),
        sa.Column("probabilities", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_baselines")),
    )
    op.create_index(op.f("ix_baselines_service"), "baselines", ["service"])
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("request_id", sa.String(length=40), nullable=False),
        sa.Column("features", JSON, nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("prediction", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("label", sa.Integer(), nullable=True),
        sa.Column("labelled_by", sa.String(length=200), nullable=True),
        sa.Column("labelled_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
    )
    op.create_index(op.f("ix_review_items_service"), "review_items", ["service"])


def downgrade() -> None:
    op.drop_index(op.f("ix_review_items_service"), table_name="review_items")
    op.drop_table("review_items")
    op.drop_index(op.f("ix_baselines_service"), table_name="baselines")
    op.drop_table("baselines")
