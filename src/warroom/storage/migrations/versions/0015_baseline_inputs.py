"""baselines keep a sample of the inputs they were taken from (per-feature input drift),
and a regression model's errors (MAE, RMSE over how many true values)

Revision ID: 0015_baseline_inputs
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_baseline_inputs"
down_revision = "0012"
branch_labels = None
depends_on = ("0005",)  # the baselines table

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("baselines") as batch:
        batch.add_column(sa.Column("inputs", JSON, nullable=True))
        batch.add_column(sa.Column("mae", sa.Float(), nullable=True))
        batch.add_column(sa.Column("rmse", sa.Float(), nullable=True))
        batch.add_column(sa.Column("valued", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("baselines") as batch:
        batch.drop_column("valued")
        batch.drop_column("rmse")
        batch.drop_column("mae")
        batch.drop_column("inputs")
