from datetime import UTC, datetime, timedelta

from warroom.deploy.target import VersionFacts, choose

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def v(
    name: str,
    age_h: float,
    *,
    weight: float = 0,
    stable_h: float | None = None,
    until_h: float | None = None,
    **kw: object,
) -> VersionFacts:
    return VersionFacts(
        version=name,
        deployed_at=NOW - timedelta(hours=age_h),
        state=str(kw.get("state", "standby")),
        weight=weight,
        stable_since=NOW - timedelta(hours=stable_h) if stable_h is not None else None,
        served_until=NOW - timedelta(hours=until_h) if until_h is not None else None,
        marked_stable=bool(kw.get("marked", False)),
        rolled_back_from=bool(kw.get("rolled_back", False)),
    )


def test_newest_earlier_version_stable_for_24h() -> None:
    versions = [
        v("v1", 100, stable_h=100, until_h=50),  # served 50 h
        v("v2", 50, stable_h=50, until_h=1),  # served 49 h
        v("v3", 1, weight=100, stable_h=1),  # current
    ]
    chosen, skipped = choose(versions, now=NOW, stable_after=DAY)
    assert chosen is not None and chosen.version == "v2" and skipped == []


def test_short_lived_and_rolled_back_versions_are_skipped() -> None:
    versions = [
        v("v1", 100, stable_h=100, until_h=10),
        v("v2", 10, stable_h=10, until_h=5, rolled_back=True),
        v("v3", 5, stable_h=5, until_h=1),  # only 4 h at full traffic
        v("v4", 1, weight=100, stable_h=1),
    ]
    chosen, skipped = choose(versions, now=NOW, stable_after=DAY)
    assert chosen is not None and chosen.version == "v1"
    assert skipped == [
        "v3: served 4:00:00 at full traffic, needs 1 day, 0:00:00",
        "v2: was itself rolled back from",
    ]


def test_exactly_stable_after_counts() -> None:
    versions = [v("v1", 30, stable_h=30, until_h=6), v("v2", 6, weight=100, stable_h=6)]
    chosen, _ = choose(versions, now=NOW, stable_after=DAY)
    assert chosen is not None and chosen.version == "v1"


def test_none_stable() -> None:
    versions = [v("v1", 3, stable_h=3, until_h=1, state="bad"), v("v2", 1, weight=100)]
    chosen, skipped = choose(versions, now=NOW, stable_after=DAY)
    assert chosen is None and skipped == ["v1: marked bad"]


def test_marked_stable_qualifies_at_once_and_canary_split() -> None:
    versions = [v("v1", 2, weight=90, stable_h=2, marked=True), v("v2", 1, weight=10)]
    chosen, _ = choose(versions, now=NOW, stable_after=DAY)
    # v1 still takes most traffic: it is the current version, nothing earlier to go to.
    assert chosen is None
    versions = [v("v1", 2, weight=10, stable_h=2, marked=True), v("v2", 1, weight=90)]
    chosen, _ = choose(versions, now=NOW, stable_after=DAY)
    assert chosen is not None and chosen.version == "v1"
