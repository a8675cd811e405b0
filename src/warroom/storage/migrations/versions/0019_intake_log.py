"""intake: the durable log of webhook batches waiting to be ingested

Revision ID: 0019_intake_log
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import warroom.storage.base

revision = "0019_intake_log"
down_revision = "0012"
branch_labels = None
depends_on = None

TIME = warroom.storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "intake_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("failed_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_intake_log_integration_id_integrations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_log")),
        # Processed rows are deleted: without this SQLite would hand their ids out again.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_intake_log_state_id", "intake_log", ["state", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_intake_log_state_id", table_name="intake_log")
    op.drop_table("intake_log")
