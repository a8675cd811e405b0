"""``warroom drill SCENARIO``: rehearse the response on a running warroom, over its HTTP API.

Inject the scenario's fault into the live version(s) of a gateway service, then watch what
warroom does with it exactly as in a real incident: detection, page, acknowledgement,
automatic rollback (when the playbook decides so), recovery. Decisions:

- The drill needs live traffic on the service (the team's, or the demo's): it refuses to
  start without it, and refuses while the service has an open incident (a drill must never
  mix with a real one).
- Acknowledgement: when the playbook pages someone for the incident's severity, the drill
  waits for the on-call to acknowledge (``warroom incident ack``) up to the severity's
  response time; ``--auto-ack`` acknowledges for them as soon as the page is out (an
  unattended drill then measures the machine, not the people).
- Without a rollback (the policy declined, or failed), the drill clears the fault itself
  once the earlier stages are over, as a responder's fix would, and times the recovery.
- Cleanup always runs, also after a failure or Ctrl-C: the fault is cleared and the drill
  incident resolved. Traffic moved by a drill's rollback stays where the rollback put it
  (it was a real production change made by real policy; a person decides), unless
  ``--restore`` asks to put the pre-drill routing back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from warroom.drills import stages
from warroom.drills.kinds import KINDS
from warroom.errors import WarroomError

SCENARIOS = KINDS
FINAL = ("succeeded", "inconclusive", "reverted", "failed", "timed_out", "error")


@dataclass(frozen=True)
class Options:
    scenario: str
    service: str | None = None
    auto_ack: bool = False
    restore: bool = False
    error_rate: float | None = None
    delay_ms: float | None = None
    drift: float | None = None
    recovery_timeout: float = 600.0
    #: How long after the acknowledgement stage a rollback may still start (the policy is
    #: asked again whenever the incident's alerts update; the error bound it judges rests on
    #: up to the fault's last 500 requests, so a slow or busy service needs a while).
    rollback_grace: float = 30.0
    poll: float = 0.2


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Drill:
    def __init__(self, client: httpx.Client, options: Options, say: Callable[[str], None]):
        if options.scenario not in SCENARIOS:
            raise WarroomError(
                f"unknown scenario {options.scenario!r}; choose one of {', '.join(SCENARIOS)}"
            )
        self.api, self.opts, self.say = client, options, say
        self.facts: stages.Facts | None = None
        self.injected = datetime.now(UTC)
        self.incidents: dict[str, dict[str, Any]] = {}
        self.rollback: dict[str, Any] | None = None
        self.fault_on = False
        self.cleanup: dict[str, Any] = {}

    # -- HTTP -------------------------------------------------------------------------------
    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.api.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise WarroomError(f"cannot reach warroom at {self.api.base_url}: {exc}") from exc
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text[:300]
            raise WarroomError(f"{method} {path}: HTTP {response.status_code}: {detail}")
        return response.json() if response.content else None

    def wait(self, what: str, check: Callable[[], Any], timeout: float) -> Any:
        """Poll ``check`` until it is truthy or ``timeout`` passes, showing what is awaited
        on stderr (a drill's stages take minutes)."""
        from warroom.cli.common import waiting

        deadline = time.monotonic() + timeout
        with waiting(f"waiting for {what} (up to {timeout:.0f} s)"):
            while True:
                value = check()
                if value or time.monotonic() >= deadline:
                    return value
                time.sleep(self.opts.poll)

    # -- the drill --------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Run the drill and clean up; returns the result recorded as ``drill.completed``."""
        service, targets = self.preflight()
        try:
            self.watch(service, targets)
        finally:
            self.clean(service)
        return self.finish(service, targets)

    def preflight(self) -> tuple[str, dict[str, Any]]:
        listing = self.call("GET", "/v1/admin/faults")
        if not listing["enabled"]:
            raise WarroomError(
                f"fault injection is disabled on {self.api.base_url}; restart it with "
                "WARROOM_GATEWAY_FAULTS_ENABLED=true to run drills"
            )
        service = self.opts.service or self._only_service()
        open_now = self.call(
            "GET", "/api/v1/incidents", params={"service": service, "open": "true"}
        )
        if open_now:
            raise WarroomError(
                f"{service} has an open incident {open_now[0]['id']} ({open_now[0]['title']}): "
                "no drill during a real incident (resolve it first)"
            )
        stats = self.call(
            "GET", f"/v1/admin/services/{service}/stats", params={"since": time.time() - 30}
        )
        if not sum(v["count"] for v in stats["versions"].values()):
            raise WarroomError(
                f"{service} served no request in the last 30s: a drill needs live traffic "
                "for the detectors to watch"
            )
        return service, self.call("GET", "/api/v1/drills/targets")

    def _only_service(self) -> str:
        names = [s["name"] for s in self.call("GET", "/api/v1/services")]
        if len(names) != 1:
            raise WarroomError(
                f"name the service to drill with --service (found: {', '.join(names) or 'none'})"
            )
        return str(names[0])

    def watch(self, service: str, targets: dict[str, Any]) -> None:
        body = {
            "kind": self.opts.scenario,
            "error_rate": self.opts.error_rate,
            "delay_ms": self.opts.delay_ms,
            "drift": self.opts.drift,
            "note": f"warroom drill {self.opts.scenario}",
        }
        fault = self.call("PUT", f"/v1/admin/services/{service}/fault", json=body)
        self.fault_on = True
        self.injected = datetime.fromtimestamp(fault["injected_at"], UTC)
        self.facts = stages.Facts(injected_at=self.injected)
        self.say(
            f"fault {self.opts.scenario} injected into {service} {', '.join(fault['versions'])}"
        )
        if not self.wait("detection", lambda: self.refresh(service), targets["detection_s"]):
            self.say("no incident: the fault was not detected in time")
            return
        first = min(self.incidents.values(), key=lambda i: i["detected_at"])
        self.facts = replace(self.facts, detected_at=_at(first["detected_at"]))
        self.say(f"incident {first['id']} {first['severity']}: {first['title']}")
        self._page_and_ack(service, targets)
        self._rollback(service, targets)
        self._recovery(service, targets)

    def refresh(self, service: str) -> list[str]:
        """The drill's incidents (an escalating fault may open several: HighErrorRate, then
        ServiceDown), each with its detail."""
        rows = self.call("GET", "/api/v1/incidents", params={"service": service})
        for row in rows:
            ours = row["labels"].get("drill") == "true"
            if ours and datetime.fromisoformat(row["detected_at"]) >= self.injected:
                self.incidents[row["id"]] = self.call("GET", f"/api/v1/incidents/{row['id']}")
        return list(self.incidents)

    def primary(self) -> dict[str, Any] | None:
        """The most severe of the drill's incidents (the earliest on a tie)."""
        ranked = sorted(self.incidents.values(), key=lambda i: (i["severity"], i["detected_at"]))
        return ranked[0] if ranked else None

    def _page_and_ack(self, service: str, targets: dict[str, Any]) -> None:
        assert self.facts is not None
        # An incident opened at a severity nobody is paged for (a drift that starts small)
        # may be raised to one that pages: wait for either within the page target.
        paging = lambda: self._paging(service)  # noqa: E731
        expected = bool(self.wait("a paging policy", paging, targets["page_s"]))
        paged = self.wait("page", self._first_page, targets["page_s"]) if expected else None
        if paged:
            self.say(f"paged {paged['person']} via {paged['channel']}")
        ack_at = self._acknowledged(targets) if expected else None
        note = "acknowledged by the drill (--auto-ack)" if self.opts.auto_ack else ""
        self.facts = replace(
            self.facts,
            paged_at=_at(paged["sent_at"]) if paged else None,
            page_expected=expected,
            ack_expected=expected,
            acknowledged_at=ack_at,
            ack_note=note if expected else "nobody is paged for this severity",
        )

    def _paging(self, service: str) -> bool:
        """A paging policy routed one of the drill's incidents, or a page went out."""
        self.refresh(service)
        routed = [
            e for i in self.incidents.values() for e in i["timeline"] if e["kind"] == "routed"
        ]
        return any(e["data"].get("policy") for e in routed) or self._first_page() is not None

    def _first_page(self) -> dict[str, Any] | None:
        sent = []
        for iid in self.incidents:
            rows = self.call("GET", "/api/v1/notifications", params={"incident_id": iid})
            sent += [r for r in rows if r["sent_at"]]
        return dict(min(sent, key=lambda r: r["sent_at"])) if sent else None

    def _auto_ack(self) -> None:
        for iid, incident in self.incidents.items():
            if self.opts.auto_ack and incident["acknowledged_at"] is None:
                try:
                    self.call("POST", f"/api/v1/incidents/{iid}/acknowledge", json={})
                except WarroomError:
                    pass  # acknowledged meanwhile, or resolved: nothing to do

    def _acknowledged(self, targets: dict[str, Any]) -> datetime | None:
        primary = self.primary()
        assert primary is not None
        if not self.opts.auto_ack:
            self.say(
                f"waiting for the on-call to acknowledge: warroom incident ack {primary['id']}"
            )
        target = targets["by_severity"][primary["severity"]]["acknowledgement_s"]

        def acked() -> datetime | None:
            self._auto_ack()
            self.refresh(primary["service"])
            stamps = [_at(i["acknowledged_at"]) for i in self.incidents.values()]
            return min((s for s in stamps if s is not None), default=None)

        return self.wait("ack", acked, target)

    def _rollback(self, service: str, targets: dict[str, Any]) -> None:
        assert self.facts is not None
        if not self.wait("rollback", lambda: self._ours(service), self.opts.rollback_grace):
            decisions = [
                e
                for i in self.incidents.values()
                for e in i["timeline"]
                if e["kind"] == "auto_rollback"
            ]
            why = decisions[-1]["data"].get("reason") if decisions else "no decision recorded"
            self.facts = replace(self.facts, rollback_note=f"policy: {why}")
            self.say(f"no automatic rollback ({why})")
            return
        rb = self.wait("rollback", lambda: self._concluded(service), targets["rollback_s"] + 10)
        self.rollback = rb or self._ours(service)
        assert self.rollback is not None
        self.facts = replace(
            self.facts,
            rollback_expected=True,
            rollback_requested_at=_at(self.rollback["requested_at"]),
            rollback_finished_at=_at(rb["finished_at"]) if rb else None,
            rollback_state=rb["state"] if rb else None,
            rollback_note=f"to {rb['to_version']}: {rb['state']}" if rb else "did not finish",
        )
        if rb:
            self.say(f"rollback {rb['id']} to {rb['to_version']}: {rb['state']}")

    def _ours(self, service: str) -> dict[str, Any] | None:
        """The rollback one of the drill's incidents caused, if any."""
        self.refresh(service)
        rows = self.call("GET", "/api/v1/rollbacks", params={"service": service})
        mine = [r for r in rows if r["incident_id"] in self.incidents]
        return dict(mine[0]) if mine else None

    def _concluded(self, service: str) -> dict[str, Any] | None:
        rb = self._ours(service)
        return rb if rb and rb["state"] in FINAL else None

    def _recovery(self, service: str, targets: dict[str, Any]) -> None:
        assert self.facts is not None
        if not (self.rollback and self.rollback["state"] == "succeeded"):
            self._clear(service)
            self.say("fault cleared by the drill (no rollback recovered the service)")
        primary = self.primary()
        assert primary is not None
        target = targets["by_severity"][primary["severity"]]["recovery_s"]
        recovered = self.wait(
            "recovery",
            lambda: self._recovered_at(service),
            min(target or 1e9, self.opts.recovery_timeout),
        )
        self.facts = replace(self.facts, recovered_at=recovered)
        if recovered:
            self.say("service recovered: every alert of the drill's incidents resolved")

    def _recovered_at(self, service: str) -> datetime | None:
        self._auto_ack()
        self.refresh(service)
        alerts = [a for i in self.incidents.values() for a in i["alerts"]]
        if not alerts or any(a["status"] == "firing" for a in alerts):
            return None
        return max(datetime.fromisoformat(a["ends_at"] or a["updated_at"]) for a in alerts)

    def _clear(self, service: str, *, forget: bool = False) -> None:
        if self.fault_on or forget:
            params = {"forget": "true"} if forget else {}
            self.call("DELETE", f"/v1/admin/services/{service}/fault", params=params)
            self.fault_on = False

    def clean(self, service: str) -> None:
        """Leave things as the team expects after a drill, whatever happened. The outcomes
        the fault made the gateway record are dropped: they must not count later."""
        if self.facts is None:
            return
        self._clear(service, forget=True)
        self.cleanup["fault_cleared"] = True
        self.refresh(service)
        for iid, incident in self.incidents.items():
            if incident["status"] not in ("resolved", "closed"):
                message = f"drill {self.opts.scenario} finished"
                body = {"status": "resolved", "message": message}
                self.call("POST", f"/api/v1/incidents/{iid}/status", json=body)
        self.cleanup["incidents_resolved"] = sorted(self.incidents)
        if self.opts.restore and self.rollback and self.rollback["state"] == "succeeded":
            restored = self.call(
                "POST", "/api/v1/drills/restore", json={"rollback_id": self.rollback["id"]}
            )
            self.cleanup["traffic_restored"] = restored["weights"]
            self.say(f"traffic restored to {restored['weights']}")
        elif self.rollback:
            self.cleanup["traffic_restored"] = None

    def finish(self, service: str, targets: dict[str, Any]) -> dict[str, Any]:
        assert self.facts is not None
        self.refresh(service)
        primary = self.primary()  # judged by the severity the drill ended with
        sev = primary["severity"] if primary else None
        per = targets["by_severity"].get(sev, {}) if sev else {}
        result = stages.evaluate(
            self.facts,
            stages.Targets(
                detection_s=targets["detection_s"],
                page_s=targets["page_s"],
                acknowledgement_s=per.get("acknowledgement_s"),
                rollback_s=targets["rollback_s"],
                recovery_s=per.get("recovery_s"),
            ),
        )
        summary = {
            "scenario": self.opts.scenario,
            "service": service,
            "incident_id": primary["id"] if primary else None,
            "passed": stages.passed(result),
            "stages": [s.as_dict() for s in result],
            "cleanup": self.cleanup,
        }
        recorded = self.call("POST", "/api/v1/drills/completed", json=summary)
        return {
            **summary,
            "severity": sev,
            "incident_ids": sorted(self.incidents),
            "audit_id": recorded["audit_id"],
        }
