"""Drift/latency/accuracy baselines per version, and the human review queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field
from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from warroom.detect.stats import wilson_interval
from warroom.storage.base import Base


class Baseline(Base):
    __tablename__ = "baselines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    requests: Mapped[int] = mapped_column(Integer)
    latency_p95_ms: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    labelled: Mapped[int] = mapped_column(Integer, default=0)
    mean_probability: Mapped[float | None] = mapped_column(Float)
    low_confidence_ratio: Mapped[float | None] = mapped_column(Float)
    positive_ratio: Mapped[float | None] = mapped_column(Float)
    probabilities: Mapped[list[Any]]
    # A sample of the inputs (rows of features) the baseline was taken from: input drift.
    inputs: Mapped[list[Any] | None]
    # A regression model's errors against the true values it was sent.
    mae: Mapped[float | None] = mapped_column(Float)
    rmse: Mapped[float | None] = mapped_column(Float)
    valued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ReviewItem(Base):
    """A low-confidence prediction held for a human (the AI photo detector playbook's
    human-in-the-loop)."""

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[str] = mapped_column(String(40))
    features: Mapped[list[Any]]
    probability: Mapped[float] = mapped_column(Float)
    prediction: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    label: Mapped[int | None] = mapped_column(Integer)
    labelled_by: Mapped[str | None] = mapped_column(String(200))
    labelled_at: Mapped[datetime | None]


class BaselineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    service: str
    version: str
    created_at: datetime
    requests: int
    latency_p95_ms: float | None
    accuracy: float | None
    labelled: int
    mean_probability: float | None
    low_confidence_ratio: float | None
    positive_ratio: float | None
    mae: float | None = None
    rmse: float | None = None
    valued: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy_interval(self) -> tuple[float, float] | None:
        """99 % Wilson interval of the baseline accuracy (how much its labels vouch for)."""
        if self.accuracy is None or not self.labelled:
            return None
        hits = round(self.accuracy * self.labelled)
        return wilson_interval(hits, self.labelled)


class ReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    service: str
    version: str
    request_id: str
    features: list[Any]
    probability: float
    prediction: int
    created_at: datetime
    label: int | None
    labelled_by: str | None
    labelled_at: datetime | None


class ReviewLabel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: int = Field(ge=0, le=127)
