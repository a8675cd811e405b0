"""indexes that keep lists and reports as fast with a year of history as with a day

The incident list reads open incidents (resolved_at IS NULL) and then resolved ones, each
newest first by (detected_at, id); reports aggregate the incidents detected in a period and
look up their rollback events. Each read walks one of these indexes instead of sorting or
scanning the whole table; reports find every column they aggregate in ix_incidents_report.

Revision ID: 0016_scale_indexes
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

DRILL = {
    "sqlite": "json_extract(labels, '$.drill') = 'true'",
    "postgresql": "(labels ->> 'drill') = 'true'",
}

revision = "0016_scale_indexes"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incidents_resolved_detected", ["resolved_at", "detected_at", "id"]
        )
        batch_op.create_index("ix_incidents_detected", ["detected_at", "id"])
        # Every column a report aggregates, so that reports read the index, not the rows.
        batch_op.create_index(
            "ix_incidents_report",
            ["detected_at", "severity", "service", "started_at", "acknowledged_at",
             "resolved_at", "id"],
        )  # fmt: skip
    with op.batch_alter_table("timeline_events", schema=None) as batch_op:
        batch_op.create_index("ix_timeline_events_kind_incident", ["kind", "incident_id"])
    # The few drill incidents, which the console's reports subtract from the totals.
    drill = DRILL[op.get_bind().dialect.name]
    op.create_index(
        "ix_incidents_drill",
        "incidents",
        ["detected_at"],
        sqlite_where=sa.text(drill),
        postgresql_where=sa.text(drill),
    )


def downgrade() -> None:
    op.drop_index("ix_incidents_drill", table_name="incidents")
    with op.batch_alter_table("timeline_events", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_events_kind_incident")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_report")
        batch_op.drop_index("ix_incidents_detected")
        batch_op.drop_index("ix_incidents_resolved_detected")
