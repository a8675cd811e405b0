"""The playbook's ``detection`` section: warroom's own detectors over the gateway's traffic
(error rates and burn rates, latency, accuracy from feedback, drift) and what to do on drift."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from warroom.playbook.durations import Duration


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BurnWindowSpec(Strict):
    long: Duration
    short: Duration
    factor: float = Field(gt=0)


def _burn_windows() -> list[BurnWindowSpec]:
    # SRE workbook: 14.4x over 1 h with a 5 min short window, 6x over 6 h with 30 min.
    return [
        BurnWindowSpec(long="1h", short="5m", factor=14.4),
        BurnWindowSpec(long="6h", short="30m", factor=6),
    ]


class DriftAction(Strict):
    min_score: float = Field(ge=0)
    action: Literal["monitor", "lower_threshold", "human_review"]
    threshold: float | None = Field(default=None, gt=0, lt=1)


def _drift_actions() -> list[DriftAction]:
    # The AI photo detector playbook's drift runbook: 0.15-0.25 monitor; 0.25-0.40 lower the
    # decision threshold
    # 0.5 -> 0.35; > 0.40 human-in-the-loop for low-confidence predictions.
    return [
        DriftAction(min_score=0.15, action="monitor"),
        DriftAction(min_score=0.25, action="lower_threshold", threshold=0.35),
        DriftAction(min_score=0.40, action="human_review"),
    ]


class DriftPolicy(Strict):
    """Any one strong indicator is enough: one of the three shifts past its threshold, the
    distribution of answers moved (PSI above ``psi`` and KS p-value below ``ks_pvalue``), or
    at least ``feature_share`` of the input features drifted."""

    window: int = Field(default=1000, ge=10, description="last N predictions")
    min_samples: int = Field(default=200, ge=10)
    probability: float = 0.15
    confidence: float = 0.15
    ratio: float = 0.20
    psi: float = Field(default=0.1, gt=0, description="population stability index")
    ks_pvalue: float = Field(default=1e-6, gt=0, lt=1)
    critical_score: float = 0.40
    # Input drift (per feature, against the baseline's sample of inputs; detect/inputs.py).
    inputs: int = Field(default=500, ge=50, description="last N inputs judged, and kept")
    feature_psi: float = Field(
        default=0.2, gt=0, description="a feature drifted: test significant and PSI above this"
    )
    feature_share: float = Field(
        default=0.5, gt=0, le=1, description="DriftDetected when this share of features drifted"
    )
    actions: list[DriftAction] = Field(default_factory=_drift_actions)


class DetectionPolicy(Strict):
    """warroom's own detectors over the embedded gateway's traffic. Every comparison with a
    baseline is a statistical test at ``alpha`` (one-sided, per evaluation) on top of a
    minimum effect, so that noise in a healthy version never pages (README "Detection")."""

    enabled: bool = True
    interval: Duration = Field(default="1s", validate_default=True)
    fast_window: Duration = Field(default="10s", validate_default=True)
    min_requests: int = Field(default=20, ge=1)
    error_rate: float = Field(default=0.05, gt=0, lt=1, description="HighErrorRate")
    down_error_rate: float = Field(default=0.5, gt=0, le=1, description="ServiceDown")
    slo: float = Field(default=0.99, gt=0, lt=1, description="availability objective")
    burn_windows: list[BurnWindowSpec] = Field(default_factory=_burn_windows)
    alpha: float = Field(
        default=1e-6, gt=0, lt=0.5, description="significance of latency and accuracy tests"
    )
    baseline_requests: int = Field(
        default=500, ge=10, description="requests a version serves before its baseline"
    )
    latency_increase: float = Field(default=0.5, gt=0, description="HighLatency (0.5 = +50%)")
    latency_min_increase_ms: float = Field(
        default=25.0, ge=0, description="and at least this many ms above the baseline p95"
    )
    latency_confirm_window: Duration = Field(
        default="60s",
        validate_default=True,
        description="latency must also be high over this longer window (multiwindow)",
    )
    accuracy_drop: float = Field(default=0.05, gt=0, description="HighPredictionErrorRate")
    min_labels: int = Field(default=100, ge=1, description="labels before accuracy is judged")
    accuracy_window: int = Field(default=500, ge=10, description="accuracy over the last N labels")
    error_increase: float = Field(
        default=0.2, gt=0, description="regression: MAE above the baseline's by this share"
    )
    accuracy_recent: int = Field(
        default=100, ge=10, description="and over the last N labels (a sharp drop shows sooner)"
    )
    baseline_labels: int = Field(
        default=500, ge=10, description="labels a baseline's accuracy needs"
    )
    label_horizon: Duration = Field(
        default="6h",
        validate_default=True,
        description="feedback is joined to its prediction for this long",
    )
    drift: DriftPolicy = Field(default_factory=DriftPolicy)
