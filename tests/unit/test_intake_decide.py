"""The intake's per-alert decisions (new, repeat, resolve, silenced, pending, grouped), as
pure code: no database, alerts built as the intake builds new ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.alerts.models import AlertCreate
from warroom.incidents.classify import Verdict
from warroom.intake import holds
from warroom.intake.decide import Arrival, Fate, Observed, Verdicts, arrival, fate
from warroom.intake.rows import Row, new_row
from warroom.playbook.schema import Classification

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

POLICY = Classification.model_validate(
    {
        "rules": [
            {
                "name": "declare-errors",
                "severity": "P2",
                "for": "5m",
                "conditions": [{"metric": "error_rate", "op": ">", "value": 0.05}],
            },
            {
                "name": "outage",
                "severity": "P0",
                "conditions": [{"metric": "error_rate", "op": ">", "value": 0.5}],
            },
        ]
    }
)
TIMED = [rule for rule in POLICY.rules if rule.for_ is not None]


def alert(metrics: dict[str, float], *, started: timedelta = timedelta(0)) -> Row:
    """A new firing alert, its holds tracked at T0 as the intake does."""
    spec = AlertCreate(
        source="generic",
        fingerprint="fp-1",
        name="HighErrorRate",
        service="checkout",
        metrics=metrics,
        starts_at=T0 - started,
    )
    row = new_row(spec, T0, None)
    holds.track(row, TIMED, T0)
    return row


def decide(row: Row, now: datetime = T0) -> tuple[Fate, datetime | None]:
    return fate(row, timed=TIMED, verdict=Verdicts(POLICY, now), now=now)


# --- arrival: what an alert is to what is stored ---


def test_a_firing_alert_of_which_nothing_fires_is_new() -> None:
    assert arrival("firing", firing=False, latest=None) is Arrival.NEW
    # An alert that fired and resolved before is new again when it fires again.
    assert arrival("firing", firing=False, latest="resolved") is Arrival.NEW


def test_a_firing_alert_that_already_fires_is_a_repeat() -> None:
    assert arrival("firing", firing=True, latest=None) is Arrival.REPEAT


def test_a_resolve_resolves_the_firing_alert() -> None:
    assert arrival("resolved", firing=True, latest=None) is Arrival.RESOLVE


def test_a_resolve_with_nothing_firing_after_a_resolve_is_a_repeat() -> None:
    # Alertmanager re-sends resolved notifications.
    assert arrival("resolved", firing=False, latest="resolved") is Arrival.RESOLVE_AGAIN


def test_a_resolve_with_nothing_firing_nor_stored_is_kept_as_a_new_alert() -> None:
    assert arrival("resolved", firing=False, latest=None) is Arrival.RESOLVE_UNSEEN


def test_only_new_alerts_and_unseen_resolves_create_a_row() -> None:
    assert {a for a in Arrival if a.creates} == {Arrival.NEW, Arrival.RESOLVE_UNSEEN}


def test_a_resolve_never_seen_firing_ends_when_it_is_received() -> None:
    spec = AlertCreate(
        source="generic", fingerprint="fp-1", name="X", status="resolved", starts_at=T0
    )
    row = new_row(spec, T0 + timedelta(minutes=1), None)
    assert (row.status, row.ends_at, row.repeat_count) == ("resolved", T0 + timedelta(minutes=1), 0)


# --- fate: what becomes of a firing alert ---


def test_a_new_alert_that_no_for_rule_holds_back_is_grouped() -> None:
    assert decide(alert({"error_rate": 0.01})) == (Fate.GROUP, None)


def test_a_silenced_alert_opens_nothing() -> None:
    row = alert({"error_rate": 0.9})
    row.silence_id = 7
    assert decide(row) == (Fate.SILENCED, None)


def test_a_silence_wins_over_the_incident_of_a_repeat() -> None:
    row = alert({"error_rate": 0.9})
    row.silence_id, row.incident_id = 7, "INC-20261123-120000"
    assert decide(row) == (Fate.SILENCED, None)


def test_a_repeat_of_an_alert_in_an_incident_touches_that_incident() -> None:
    row = alert({"error_rate": 0.9})
    row.incident_id = "INC-20261123-120000"
    assert decide(row) == (Fate.IN_INCIDENT, None)


def test_an_alert_held_only_by_an_unfinished_for_rule_is_pending_until_it_elapses() -> None:
    row = alert({"error_rate": 0.2}, started=timedelta(minutes=2))
    assert decide(row) == (Fate.PENDING, T0 + timedelta(minutes=3))


def test_an_alert_whose_for_rule_has_elapsed_is_grouped() -> None:
    row = alert({"error_rate": 0.2}, started=timedelta(minutes=2))
    assert decide(row, now=T0 + timedelta(minutes=3)) == (Fate.GROUP, None)


def test_an_alert_another_rule_matches_at_once_is_grouped_without_waiting() -> None:
    # The outage rule matches now; the "for" rule would raise the severity when due.
    row = alert({"error_rate": 0.9})
    assert row.holds == {"declare-errors": T0.isoformat()}
    assert decide(row) == (Fate.GROUP, None)


def test_without_for_rules_nothing_is_classified_nor_pending() -> None:
    def verdict(_: Observed) -> Verdict:
        raise AssertionError("classified")

    assert fate(alert({"error_rate": 0.2}), timed=[], verdict=verdict, now=T0) == (
        Fate.GROUP,
        None,
    )


# --- verdicts shared within a batch ---


def test_alerts_with_the_same_observations_share_one_verdict() -> None:
    verdicts = Verdicts(Classification.model_validate({}), T0)
    one, two = alert({"latency_ms": 900}), alert({"latency_ms": 900})
    one.holds = two.holds = None
    assert verdicts(one) is verdicts(two)


@pytest.mark.parametrize(("held", "severity"), [(4, "P4"), (5, "P2")])
def test_an_alert_with_holds_is_classified_by_how_long_it_held(held: int, severity: str) -> None:
    row = alert({"error_rate": 0.2})
    assert Verdicts(POLICY, T0 + timedelta(minutes=held))(row).severity == severity
