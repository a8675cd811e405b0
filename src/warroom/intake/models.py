"""The intake log: webhook batches stored as received, waiting to be ingested.

A webhook appends its raw body here and answers once the append is committed; the processor
(:mod:`warroom.intake.processor`) ingests the rows in log order and deletes each row in the
transaction that ingests it. A row whose ingest keeps failing stays, marked ``failed`` with
the error, so nothing accepted is ever dropped silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

# The integrations table must be known for the foreign keys (of this table and of alerts) to
# get their column type, in processes that load no API (``warroom worker`` ingests the log).
from warroom.auth.models import Integration  # noqa: F401
from warroom.storage.base import Base

LogState = Literal["queued", "failed"]


class IntakeLogEntry(Base):
    __tablename__ = "intake_log"
    # Processed rows are deleted: without AUTOINCREMENT SQLite would hand their ids out again.
    __table_args__ = (
        Index("ix_intake_log_state_id", "state", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: The webhook that received it (alertmanager, grafana, pagerduty): how to parse ``body``.
    kind: Mapped[str] = mapped_column(String(32))
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(String(200))
    #: The request body exactly as received (already validated once).
    body: Mapped[bytes] = mapped_column(LargeBinary)
    alerts: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    failed_at: Mapped[datetime | None]
