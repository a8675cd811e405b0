"""response: tasks checked by warroom with their evidence; public model services

Revision ID: 0014_response_tasks
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_response_tasks"
down_revision = "0012"
branch_labels = None
# The tables it changes: incident_tasks (0007) and model_services (0003, before 0007).
depends_on = "0007"


def upgrade() -> None:
    op.add_column(
        "incident_tasks",
        sa.Column("checked_auto", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("incident_tasks", sa.Column("evidence", sa.Text(), nullable=True))
    # A model service is shown on the public status page only once someone marks it public.
    op.add_column(
        "model_services",
        sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("model_services", schema=None) as batch_op:
        batch_op.drop_column("public")
    with op.batch_alter_table("incident_tasks", schema=None) as batch_op:
        batch_op.drop_column("evidence")
        batch_op.drop_column("checked_auto")
