"""chat: a room per incident, the messages posted there, mapped users, rollback approvals

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import warroom.storage.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIME = warroom.storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chat_rooms",
        sa.Column("incident_id", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("channel_id", sa.String(length=40), nullable=True),
        sa.Column("creating_since", TIME, nullable=False),
        sa.Column("opening_ts", sa.String(length=40), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("topic", sa.String(length=250), nullable=True),
        sa.Column("invited", JSON, nullable=False),
        sa.Column("mirrored_through", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("opened_at", TIME, nullable=True),
        sa.Column("archived_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_chat_rooms_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_chat_rooms")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_chat_rooms_channel_id")),
    )
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.String(length=40), nullable=True),
        sa.Column("channel_id", sa.String(length=40), nullable=False),
        sa.Column("ts", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=60), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("posted_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_chat_messages_key")),
    )
    op.create_index(
        op.f("ix_chat_messages_incident_id"), "chat_messages", ["incident_id"], unique=False
    )
    op.create_table(
        "chat_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("resolved_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_users")),
        sa.UniqueConstraint("user_id", name=op.f("uq_chat_users_user_id")),
    )
    op.create_index(op.f("ix_chat_users_person"), "chat_users", ["person"], unique=False)
    op.create_table(
        "chat_approvals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.String(length=40), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("from_version", sa.String(length=100), nullable=True),
        sa.Column("to_version", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("figures", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("decided_at", TIME, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("rollback_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_chat_approvals_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_approvals")),
    )
    op.create_index(
        op.f("ix_chat_approvals_incident_id"), "chat_approvals", ["incident_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("chat_approvals")
    op.drop_table("chat_users")
    op.drop_table("chat_messages")
    op.drop_table("chat_rooms")
