"""Model services, their versions, deployment history and rollbacks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.storage.base import Base
from warroom.storage.bounds import FiniteFloat, JsonObject

VersionState = Literal["active", "standby", "retired", "bad"]
RollbackState = Literal[
    "planned",
    "snapshotted",
    "switched",
    "verifying",
    "succeeded",
    "inconclusive",
    "reverted",
    "failed",
    "timed_out",
    "error",
]
#: succeeded: switched and verified. inconclusive: switched, but too little traffic reached
#: the target to judge it. reverted: a step failed and the routing was put back as it was.
#: failed: nothing moved (prepare failed) or the verification found the target unhealthy.
#: timed_out / error: the hard timeout or an unexpected error (routing put back if it moved).
FINAL_STATES = ("succeeded", "inconclusive", "reverted", "failed", "timed_out", "error")
#: The endings that did not mitigate anything: a person must act.
UNSUCCESSFUL_STATES = ("reverted", "failed", "timed_out", "error")


class ModelService(Base):
    __tablename__ = "model_services"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    backend: Mapped[str] = mapped_column(String(32), default="gateway")
    backend_config: Mapped[dict[str, Any]]
    fallback: Mapped[dict[str, Any] | None]
    # One row of features every new version must answer before it gets traffic.
    probe: Mapped[list[Any] | None]
    degraded: Mapped[bool] = mapped_column(Boolean, default=False)
    # Shown as a component of the public status page (off until someone marks it public).
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ModelVersion(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("service", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(
        ForeignKey("model_services.name", ondelete="CASCADE"), index=True
    )
    version: Mapped[str] = mapped_column(String(100))
    artifact: Mapped[str | None] = mapped_column(Text)
    endpoint: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    threshold: Mapped[float] = mapped_column(Float, default=0.5)
    deployed_at: Mapped[datetime]
    served_from: Mapped[datetime | None]
    served_until: Mapped[datetime | None]
    stable_since: Mapped[datetime | None]
    marked_stable: Mapped[bool] = mapped_column(Boolean, default=False)
    rolled_back_from: Mapped[bool] = mapped_column(Boolean, default=False)
    review_low_confidence: Mapped[bool] = mapped_column(Boolean, default=False)
    labels: Mapped[dict[str, str]]


class DeploymentEvent(Base):
    """History: every deploy, weight change, promotion and rollback (which version served when)."""

    __tablename__ = "deployment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[str | None] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(200))
    weights: Mapped[dict[str, float]]
    details: Mapped[dict[str, Any]]


class Rollback(Base):
    __tablename__ = "rollbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(200), index=True)
    from_version: Mapped[str | None] = mapped_column(String(100))
    to_version: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(16))
    incident_id: Mapped[str | None] = mapped_column(String(40), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    switched_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    lease_until: Mapped[datetime | None]
    runner: Mapped[str | None] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]]
    verification: Mapped[dict[str, Any]]
    steps: Mapped[list[dict[str, Any]]]
    # The traffic weights before the first step: put back when a step fails, so that a
    # rollback either completes or leaves routing as it was.
    previous_weights: Mapped[dict[str, float] | None]
    # Only one rollback per service may be in flight: a unique slot that final states free.
    in_flight_service: Mapped[str | None] = mapped_column(String(200), unique=True)


#: One row of features that a new version must answer before any traffic moves to it.
Probe = Annotated[
    list[FiniteFloat],
    Field(min_length=1, max_length=10_000, description="one row of features"),
]


class ServiceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = Field(default="", max_length=10_000)
    backend: Literal["gateway", "kubernetes", "mlflow", "command"] = "gateway"
    backend_config: JsonObject = Field(default_factory=dict)
    fallback: JsonObject | None = None
    probe: Probe | None = None
    public: bool = Field(default=False, description="a component of the public status page")


class ServicePublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public: bool = Field(description="show the service as a component of the public status page")


class VersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    service: str
    version: str
    artifact: str | None
    endpoint: str | None
    state: str
    weight: float
    enabled: bool
    threshold: float
    deployed_at: datetime
    served_from: datetime | None
    served_until: datetime | None
    stable_since: datetime | None
    marked_stable: bool
    rolled_back_from: bool
    review_low_confidence: bool


class ServiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    description: str
    backend: str
    degraded: bool
    public: bool = False
    fallback: dict[str, Any] | None
    probe: list[float] | None = None
    created_at: datetime
    updated_at: datetime


class ServiceDetail(ServiceRead):
    versions: list[VersionRead]
    weights: dict[str, float]
    stable_target: str | None
    #: Per version: requests whose input the model refused over the last 24 h (the
    #: client's mistake, 422; not part of the error rate).
    rejected_inputs_24h: dict[str, int] = Field(default_factory=dict)


class DeploymentEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    service: str
    at: datetime
    kind: str
    version: str | None
    actor: str
    weights: dict[str, float]
    details: dict[str, Any]


class DeployRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=100)
    artifact: str | None = Field(
        default=None, max_length=4_000, description="model file or module:callable"
    )
    endpoint: str | None = Field(default=None, max_length=4_000, description="HTTP upstream URL")
    weight: float = Field(default=100.0, ge=0, le=100)
    threshold: float = Field(default=0.5, gt=0, lt=1)
    labels: dict[str, str] = Field(default_factory=dict)
    probe: Probe | None = Field(
        default=None, description="features to check the version with (default: the service's)"
    )


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_version: str | None = Field(default=None, max_length=100)
    incident_id: str | None = Field(default=None, max_length=40)
    dry_run: bool = False
    reason: str = Field(default="", max_length=2_000)


class RollbackRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    service: str
    from_version: str | None
    to_version: str
    trigger: str
    incident_id: str | None
    state: str
    actor: str
    reason: str
    requested_at: datetime
    started_at: datetime | None
    switched_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    snapshot: dict[str, Any]
    verification: dict[str, Any]
    steps: list[dict[str, Any]]
    previous_weights: dict[str, float] | None = None
