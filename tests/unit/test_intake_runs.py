"""How one pass of the intake processor splits the log rows it took into runs ingested
together: in log order, and never an alert (source, fingerprint) twice in one run."""

from __future__ import annotations

from datetime import UTC, datetime

from warroom.alerts.models import AlertCreate
from warroom.intake.processor import _runs
from warroom.intake.service import Part

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def _part(*fingerprints: str) -> Part:
    alerts = [
        AlertCreate(source="alertmanager", fingerprint=f, name=f, starts_at=NOW)
        for f in fingerprints
    ]
    return Part(alerts, "test")


def _names(runs: list[list[Part]]) -> list[list[list[str]]]:
    return [[[a.fingerprint for a in part.alerts] for part in run] for run in runs]


def test_disjoint_rows_are_one_run() -> None:
    parts = [_part("a", "b"), _part("c"), _part("d")]
    assert _names(list(_runs(parts))) == [[["a", "b"], ["c"], ["d"]]]


def test_a_repeated_alert_starts_a_new_run_in_log_order() -> None:
    parts = [_part("a"), _part("b"), _part("a", "c"), _part("d")]
    assert _names(list(_runs(parts))) == [[["a"], ["b"]], [["a", "c"], ["d"]]]


def test_a_row_repeating_its_own_alert_runs_alone() -> None:
    parts = [_part("a"), _part("b", "b"), _part("c")]
    assert _names(list(_runs(parts))) == [[["a"]], [["b", "b"]], [["c"]]]


def test_no_rows_no_runs() -> None:
    assert list(_runs([])) == []
