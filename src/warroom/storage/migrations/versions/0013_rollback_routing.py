"""rollbacks: the routing before the first step, put back when a step fails; model
services: the probe input every new version must answer before it gets traffic

Revision ID: 0013_rollback_routing
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013_rollback_routing"
down_revision = "0012"
branch_labels = None
depends_on = "0003"  # the rollbacks table

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("rollbacks") as batch:
        batch.add_column(sa.Column("previous_weights", JSON, nullable=True))
    with op.batch_alter_table("model_services") as batch:
        batch.add_column(sa.Column("probe", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_services") as batch:
        batch.drop_column("probe")
    with op.batch_alter_table("rollbacks") as batch:
        batch.drop_column("previous_weights")
