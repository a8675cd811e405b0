"""Settings: one pydantic-settings class, read from ``WARROOM_*`` variables.

Nothing here does work at import time; ``bootstrap`` builds engines and services from a
``Settings`` instance, and tests build their own ``Settings(...)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WARROOM_", env_nested_delimiter="__")

    home: Path = Field(default=Path("~/.warroom"), description="state directory")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file warroom.db in home"
    )
    playbook: Path | None = Field(
        default=None,
        description="playbook YAML; default: home/playbook.yaml when it exists (`warroom init` "
        "writes it), else the shipped one",
    )
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = Field(
        default=None, description="base URL others use to reach this server (integration URLs)"
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="FULL fsyncs every commit, so an accepted alert survives a power cut",
    )
    db_pool_size: int = Field(default=10, ge=1)
    log_level: str = "info"
    gateway_sync_interval: float = Field(
        default=0.1,
        gt=0,
        description="seconds between registry checks of each gateway: how soon a gateway in "
        "another process follows a change (the in-process gateway is told at once)",
    )
    directory_refresh: float = Field(
        default=1.0,
        ge=0,
        description="seconds between checks for people and teams changed by another process",
    )
    gateway_snapshot_interval: float = Field(
        default=1.0, gt=0, description="seconds between per-version stats samples"
    )
    gateway_faults_enabled: bool = Field(
        default=False,
        description="allow fault injection into the gateway (`warroom drill`); off in production "
        "unless the team rehearses there",
    )
    rollback_poll_interval: float = Field(default=0.2, gt=0)
    rollback_lease: float = Field(
        default=15.0, gt=0, description="seconds a rollback runner's claim lasts without renewal"
    )
    rollback_scan_interval: float = Field(
        default=0.1,
        gt=0,
        description="seconds between scans for rollbacks to run (automatic ones, or orphans "
        "whose runner died)",
    )
    release_tick: float = Field(
        default=1.0, gt=0, description="seconds between rounds of the release runner"
    )
    release_lease: float = Field(
        default=15.0, gt=0, description="seconds a release runner's claim lasts without renewal"
    )
    worker_poll_interval: float = Field(
        default=0.5, gt=0, description="seconds a worker waits when no job is due"
    )
    integration_key_cache: float = Field(
        default=1.0,
        ge=0,
        description="seconds a server trusts a webhook key or API token it verified (a revoked "
        "one stops working within this time)",
    )
    worker_storm_rate: float = Field(
        default=1000.0,
        gt=0,
        description="alerts/s accepted by this process above which its worker gives way to "
        "intake (an alert storm)",
    )
    worker_page_priority: float = Field(
        default=1.0,
        ge=0,
        description="seconds at most a worker waits, before its next job, for the pages this "
        "process committed to be sent",
    )
    worker_storm_share: float = Field(
        default=0.25,
        gt=0,
        le=1,
        description="share of the time the worker runs during an alert storm (1: no yielding)",
    )
    intake_storm_share: float = Field(
        default=0.1,
        gt=0,
        le=1,
        description="share of the time the intake processor ingests the webhooks' log during "
        "an alert storm (the batches are stored; accepting the storm comes first)",
    )
    job_lease: float = Field(
        default=30.0, gt=0, description="seconds a claimed job is held before another may take it"
    )
    job_max_attempts: int = Field(default=5, ge=1, description="attempts before a job is dead")
    job_backoff_base: float = Field(
        default=2.0, gt=0, description="retry delay after attempt n: base * 2**(n-1) seconds"
    )
    notify_timeout: float = Field(default=10.0, gt=0, description="seconds per delivery attempt")
    secret_key: str | None = Field(
        default=None,
        min_length=32,
        description="signs web console sessions; unset: generated once into home/secret_key "
        "(set it when several servers share one database)",
    )
    console_refresh: float = Field(
        default=5.0, gt=0, description="seconds between web console live refreshes"
    )
    session_max_age: int = Field(
        default=12 * 3600, ge=60, description="seconds a web console sign-in lasts"
    )

    @model_validator(mode="after")
    def _home_playbook(self) -> Settings:
        if self.playbook is None:
            mine = self.resolved_home / "playbook.yaml"
            if mine.is_file():
                self.playbook = mine
        return self

    @property
    def resolved_home(self) -> Path:
        return self.home.expanduser()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_home / 'warroom.db'}"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
