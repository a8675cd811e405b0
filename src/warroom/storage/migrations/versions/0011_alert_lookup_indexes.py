"""alerts: indexes that lead with the selective column for intake's lookups

Intake looks up firing alerts by (source, fingerprint, status) and counts an incident's
firing alerts by (incident_id, status). With single-column indexes SQLite's planner picked
the status index for both, scanning every firing alert, so intake slowed down as alerts
accumulated. Each new index starts with the column of the old one it replaces.

Revision ID: 0011
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0011"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alerts_source_fingerprint_status", ["source", "fingerprint", "status"]
        )
        batch_op.create_index("ix_alerts_incident_id_status", ["incident_id", "status"])
        batch_op.drop_index("ix_alerts_source_fingerprint")
        batch_op.drop_index("ix_alerts_incident_id")


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_incident_id", ["incident_id"])
        batch_op.create_index("ix_alerts_source_fingerprint", ["source", "fingerprint"])
        batch_op.drop_index("ix_alerts_incident_id_status")
        batch_op.drop_index("ix_alerts_source_fingerprint_status")
