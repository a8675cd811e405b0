from datetime import UTC, datetime, timedelta

from warroom.deploy.target import VersionFacts, choose, suspect

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


def test_canary_rolls_back_to_the_stable_side_whatever_its_share() -> None:
    # The README's canary: v1 marked stable keeps 90 %, the new v2 takes 10 %.
    versions = [v("v1", 2, weight=90, stable_h=2, marked=True), v("v2", 1, weight=10)]
    assert suspect(versions) == versions[1]
    chosen, _ = choose(versions, now=NOW, stable_after=DAY)
    assert chosen is not None and chosen.version == "v1"
    versions = [v("v1", 2, weight=10, stable_h=2, marked=True), v("v2", 1, weight=90)]
    chosen, _ = choose(versions, now=NOW, stable_after=DAY)
    assert chosen is not None and chosen.version == "v1"


def test_the_version_the_incident_names_is_the_suspect() -> None:
    versions = [
        v("v1", 100, stable_h=100, until_h=50),
        v("v2", 50, weight=90, stable_h=50, until_h=1, marked=True),
        v("v3", 1, weight=10),
    ]
    # A detector reported v2 (the 90 % side): the target is older than v2.
    assert suspect(versions, reported="v2") == versions[1]
    chosen, _ = choose(versions, now=NOW, stable_after=DAY, reported="v2")
    assert chosen is not None and chosen.version == "v1"
    # An unknown or idle version named by the incident falls back to the newest deploy.
    assert suspect(versions, reported="v9") == versions[2]
    assert suspect(versions, reported="v1") == versions[2]


def test_an_idle_newer_version_is_not_the_suspect() -> None:
    # v2 was rolled back from (no traffic): an incident on v1 has no earlier target.
    versions = [
        v("v1", 10, weight=100, stable_h=10, marked=True),
        v("v2", 5, rolled_back=True, state="bad"),
    ]
    assert suspect(versions) == versions[0]
    chosen, _ = choose(versions, now=NOW, stable_after=DAY)
    assert chosen is None


def test_marked_stable_is_preferred_to_a_newer_unmarked_one() -> None:
    versions = [
        v("v1", 100, stable_h=100, until_h=60, marked=True),
        v("v2", 60, stable_h=60, until_h=1),  # 59 h at full traffic, never vouched for
        v("v3", 1, weight=100, stable_h=1),
    ]
    chosen, _ = choose(versions, now=NOW, stable_after=DAY)
    assert chosen is not None and chosen.version == "v1"
