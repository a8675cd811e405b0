"""Would a page reach a person? Pure checks over the playbook's people and channels.

A page sent through a ``log`` channel is only written to warroom's log, and a page to a
placeholder address (``alice@example.com``, a ``.invalid`` or ``.test`` host: names reserved
for examples) reaches nobody. The shipped playbook's people (alice ... frank on ``log``) are
such placeholders: until they are replaced by real people with real contacts, nobody is
really paged, and readiness says so, naming who and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from warroom.playbook.oncall import ChannelConfig, Contact, Oncall, Person
from warroom.readiness.checks import Check

# Reserved for documentation and tests (RFC 2606, RFC 6761): never a real recipient.
EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")
EXAMPLE_SUFFIXES = (".example", ".invalid", ".test", ".localhost")
LOG_TYPES = frozenset({"log"})


def _host(address: str) -> str | None:
    if "://" in address:
        return (urlsplit(address).hostname or "").lower() or None
    if "@" in address:
        return address.rsplit("@", 1)[1].strip().lower().rstrip(">") or None
    return None


def is_placeholder(address: str) -> bool:
    """An address on a domain reserved for examples (``bob@example.com``, ``x.invalid``)."""
    host = _host(address)
    if host is None:
        return False
    in_domain = any(host == d or host.endswith("." + d) for d in EXAMPLE_DOMAINS)
    return in_domain or host.endswith(EXAMPLE_SUFFIXES) or host in {"example", "invalid"}


def _why_not(contact: Contact, channels: dict[str, ChannelConfig]) -> str | None:
    """Why this contact reaches nobody, or None when it may reach the person."""
    channel = channels.get(contact.channel)
    if channel is None:
        return f"unknown channel {contact.channel}"
    if channel.type in LOG_TYPES:
        return f"{contact.channel} only writes to warroom's log"
    address = contact.to or channel.to or channel.url or ""
    if is_placeholder(address):
        return f"{address} is a placeholder address"
    return None


def unreachable(person: Person | None, channels: dict[str, ChannelConfig]) -> str | None:
    """Why pages to this person reach nobody, or None when one contact may reach them."""
    if person is None:
        return "not in the playbook or the directory"
    if not person.contacts:
        return "no contacts"
    reasons = [_why_not(c, channels) for c in person.contacts]
    if any(r is None for r in reasons):
        return None
    return "; ".join(dict.fromkeys(r for r in reasons if r))


def _schedule_members(oncall: Oncall, names: Iterable[str]) -> list[str]:
    found = [oncall.schedule(n) for n in names]
    return [m for s in found if s for layer in s.layers for m in layer.members]


def _escalation_people(oncall: Oncall) -> list[str]:
    """The people escalation policies page by name or by schedule (teams are checked apart)."""
    targets = [t for p in oncall.escalation_policies for lv in p.levels for t in lv.targets]
    named = [t.person for t in targets if t.person]
    return named + _schedule_members(oncall, [t.schedule for t in targets if t.schedule])


def _check(
    name: str, people: list[str], oncall: Oncall, channels: dict[str, ChannelConfig]
) -> Check:
    people = list(dict.fromkeys(people))
    problems = [f"{p}: {why}" for p in people if (why := unreachable(oncall.person(p), channels))]
    if not people:
        return Check(name, True, "nobody to page")
    if problems:
        count = f"{len(problems)} of {len(people)}"
        return Check(name, False, f"{count} cannot really be paged: " + "; ".join(problems))
    return Check(name, True, f"{', '.join(people)} reachable on a real channel")


def paging_checks(oncall: Oncall, channels: list[ChannelConfig]) -> list[Check]:
    """Per team, everyone its pages go to (on-call schedules and manager), then the people
    the escalation policies name: each must have a contact that reaches a person."""
    by_name = {c.name: c for c in channels}
    found = [
        _check(
            f"paging:{team.name}",
            _schedule_members(oncall, team.oncall.values())
            + ([team.manager] if team.manager else []),
            oncall,
            by_name,
        )
        for team in oncall.teams
    ]
    escalation = _escalation_people(oncall)
    if escalation:
        found.append(_check("paging:escalation", escalation, oncall, by_name))
    return found
