"""A table of hostile inputs against every intake endpoint, on a real server and both databases.

Each endpoint has a valid body with slots (a string, an integer, a number, a timestamp, a
free-form object); each hostile value of a slot's kind is put in raw, as the bytes a client
sends, so NaN literals, invalid UTF-8 and lone surrogates reach the server as they would from
a broken sender. Every answer must be below 500; what the issue names must be refused with a
4xx that can be decoded and names what was wrong; every alert a 2xx accepted must be stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import LiveServer
from tests.support.models import train
from warroom.alerts.models import Alert

SVC = "hostile-svc"


@dataclass(frozen=True)
class Value:
    raw: bytes
    refuse: bool  # must get a 4xx (else: any status below 500)
    why: str


def v(raw: str | bytes, refuse: bool, why: str) -> Value:
    return Value(raw.encode() if isinstance(raw, str) else raw, refuse, why)


DEEP = b"[" * 50_000 + b"]" * 50_000
STRINGS = [
    v(r'"a\u0000b"', True, "NUL in a string"),
    v(r'"\ud800"', True, "lone surrogate"),
    v(r'"x\udfff"', True, "lone low surrogate"),
    v(b'"\xff\xfe\xfa"', True, "invalid UTF-8"),
    v(b'"\xed\xa0\x80"', True, "surrogate encoded as UTF-8"),
    v(json.dumps("s" * 201), False, "longer than a name column (fine for a summary)"),
    v(json.dumps("s" * 100_000), True, "far longer than the column"),
    v("null", False, "null"),
    v("123", False, "a number for a string"),
    v("[]", False, "a list for a string"),
    v('{"a": 1}', False, "an object for a string"),
    v("true", False, "a boolean for a string"),
    v(r'"\ud83d\ude00 ok"', False, "a surrogate pair (valid)"),
]
INTS = [
    v("99999999999999999999", True, "beyond 64 bits"),
    v("-99999999999999999999", True, "below -2**63"),
    v("9223372036854775808", True, "2**63"),
    v("1e400", True, "overflows to infinity"),
    v("NaN", True, "NaN literal"),
    v("Infinity", True, "Infinity literal"),
    v("-Infinity", True, "-Infinity literal"),
    v('"7"', False, "a numeric string"),
    v("1.5", False, "a fraction"),
    v("null", False, "null"),
    v("[1]", False, "a list"),
]
FLOATS = [
    v("NaN", True, "NaN literal"),
    v("Infinity", True, "Infinity literal"),
    v("-Infinity", True, "-Infinity literal"),
    v("1e400", True, "overflows to infinity"),
    v("99999999999999999999999", False, "a large integer (a finite float)"),
    v('"NaN"', False, "NaN as a string"),
    v("null", False, "null"),
    v("{}", False, "an object"),
]
TIMES = [
    v('"9999-12-31T23:59:59-23:59"', True, "overflows when converted to UTC"),
    v('"0001-01-01T00:00:00+14:00"', True, "underflows when converted to UTC"),
    v('"99999-01-01T00:00:00Z"', True, "a five-digit year"),
    v('"2026-02-30T00:00:00Z"', True, "no such day"),
    v("99999999999999999999", True, "a number beyond 64 bits"),
    v("1e300", True, "a huge number"),
    v("NaN", True, "NaN literal"),
    v('"not a time"', True, "text"),
    v('"2026-01-01T00:00:00\\u0000Z"', True, "NUL in a time"),
    v("null", False, "null"),
    v('"9999-12-31T23:59:59Z"', False, "the last second Python knows"),
]
OBJECTS = [
    v('{"n": 99999999999999999999}', True, "an integer beyond 64 bits inside"),
    v('{"n": [1, -99999999999999999999]}', True, "a negative one, nested"),
    v('{"n": NaN}', True, "NaN inside"),
    v('{"n": {"m": Infinity}}', True, "Infinity nested"),
    v(r'{"n": "a\u0000"}', True, "NUL in a nested string"),
    v(r'{"a\u0000": 1}', True, "NUL in a key"),
    v(r'{"n": "\udc00"}', True, "a lone surrogate inside"),
    v(b'{"n": "\xc3\x28"}', True, "invalid UTF-8 inside"),
    v('{"n": ' + "[" * 5000 + "]" * 5000 + "}", True, "nested 5000 deep"),
    v("[]", False, "a list"),
    v("null", False, "null"),
]
BODIES = [
    v(b"", True, "empty body"),
    v(b"{", True, "truncated JSON"),
    v(b"null", True, "null body"),
    v(b"[]", True, "empty list"),
    v(b"NaN", True, "NaN body"),
    v(b"\xff\xfe{}", True, "invalid UTF-8 body"),
    v(DEEP, True, "nested 50000 deep"),
    v(b"\x00", True, "a NUL byte"),
    v('"\\ud800"', True, "a lone surrogate body"),
]
KIND = {"str": STRINGS, "int": INTS, "float": FLOATS, "time": TIMES, "object": OBJECTS}


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    template: str  # JSON with slots @str@, @int@, @float@, @time@, @object@ and @name@
    auth: str = "key"  # "key": an integration key in the URL; "token": a responder token
    alerts: bool = True  # a 2xx stores alerts named @name@
    keeps_object: bool = True  # False: the @object@ slot is a field the endpoint ignores


ENDPOINTS = [
    Endpoint(
        "alertmanager",
        "/api/v1/integrations/alertmanager",
        '{"version": "4", "status": "firing", "receiver": "r", "truncatedAlerts": @int@,'
        ' "alerts": [{"status": "firing", "labels": {"alertname": "@name@", "service": @str@,'
        ' "severity": "critical"}, "annotations": {"summary": "s"}, "startsAt": @time@,'
        ' "extra": @object@}]}',
        keeps_object=False,
    ),
    Endpoint(
        "alertmanager-labels",
        "/api/v1/integrations/alertmanager",
        '{"status": "firing", "alerts": [{"status": "resolved", "labels": {"alertname": "@name@",'
        ' "severity": @str@, "job": "j"}, "annotations": {"description": @str@},'
        ' "startsAt": "2026-01-01T00:00:00Z", "endsAt": @time@}]}',
    ),
    Endpoint(
        "grafana",
        "/api/v1/integrations/grafana",
        '{"status": "firing", "orgId": @int@, "title": @str@, "alerts": [{"status": "firing",'
        ' "labels": {"alertname": "@name@", "service": @str@}, "startsAt": @time@,'
        ' "values": {"error_rate": @float@}}]}',
    ),
    Endpoint(
        "pagerduty",
        "/api/v1/integrations/pagerduty",
        '{"event_action": "trigger", "dedup_key": @str@, "payload": {"summary": "s",'
        ' "source": "src", "severity": "critical", "class": "@name@", "component": @str@,'
        ' "timestamp": @time@, "custom_details": @object@}}',
    ),
    Endpoint(
        "pagerduty-details",
        "/api/v1/integrations/pagerduty",
        '{"event_action": "trigger", "payload": {"summary": @str@, "source": "src",'
        ' "severity": "error", "class": "@name@", "custom_details": {"error_rate": @float@,'
        ' "n": @int@}}}',
    ),
    Endpoint(
        "generic",
        "/api/v1/alerts",
        '{"name": "@name@", "service": @str@, "severity": "critical", "summary": @str@,'
        ' "labels": {"team": @str@}, "metrics": {"error_rate": @float@},'
        ' "starts_at": @time@, "ends_at": null}',
        auth="token",
    ),
    Endpoint(
        "predict",
        f"/v1/models/{SVC}/predict",
        '{"features": [@float@' + ", 0.5" * 29 + "]}",
        auth="none",
        alerts=False,
    ),
    Endpoint(
        "feedback",
        f"/v1/models/{SVC}/feedback",
        '{"request_id": @int@, "label": @int@}',
        auth="none",
        alerts=False,
    ),
    Endpoint(
        "service-create",
        "/api/v1/services",
        '{"name": "@name@", "description": @str@, "backend_config": @object@}',
        auth="token",
        alerts=False,
    ),
    Endpoint(
        "gateway-fallback",
        f"/v1/admin/services/{SVC}/degraded",
        '{"degraded": false, "fallback": @object@}',
        auth="token",
        alerts=False,
    ),
]
GOOD = {
    "str": b'"fine"',
    "int": b"1",
    "float": b"0.5",
    "time": b'"2026-01-01T00:00:00Z"',
    "object": b'{"k": "v"}',
}
#: Query strings for the key of the webhooks (the other endpoints take a token).
KEYS = [
    v("%00", True, "NUL in the key"),
    v("a%00b", True, "NUL inside the key"),
    v("%FF%FE", False, "invalid UTF-8 in the key"),
    v("%ED%A0%80", False, "a surrogate in the key"),
    v("k" * 5000, False, "a very long key"),
]


def render(endpoint: Endpoint, name: str, slot: str | None, raw: bytes) -> bytes:
    body = endpoint.template.replace("@name@", name).encode()
    for kind, good in GOOD.items():
        good = good.replace(b"fine", f"fine-{name}".encode())  # PagerDuty keys differ
        body = body.replace(f"@{kind}@".encode(), raw if kind == slot else good)
    return body


@dataclass
class Case:
    endpoint: Endpoint
    why: str
    body: bytes
    refuse: bool
    name: str
    query: str = ""


def cases(keys: dict[str, str]) -> list[Case]:
    out: list[Case] = []
    for endpoint in ENDPOINTS:
        slots = [k for k in KIND if f"@{k}@" in endpoint.template]
        for slot in slots:
            for value in KIND[slot]:
                name = f"Hostile{len(out)}"
                body = render(endpoint, name, slot, value.raw)
                # A wide integer in a field nobody reads is dropped with the field.
                refuse = value.refuse and (
                    endpoint.keeps_object or slot != "object" or b"999999" not in value.raw
                )
                out.append(Case(endpoint, f"{slot}: {value.why}", body, refuse, name))
        for value in BODIES:
            out.append(Case(endpoint, f"body: {value.why}", value.raw, value.refuse, ""))
        if endpoint.auth != "key":
            continue
        for value in KEYS:
            name = f"Hostile{len(out)}"
            body = render(endpoint, name, None, b"")
            query = f"key={value.raw.decode()}"
            out.append(Case(endpoint, f"key: {value.why}", body, True, name, query))
        for extra in ("&x=%00", "&x=%ff", "&" + "y=1&" * 2000):
            name = f"Hostile{len(out)}"
            body = render(endpoint, name, None, b"")
            query = f"key={keys[endpoint.name.split('-')[0]]}{extra}"
            out.append(Case(endpoint, f"query: {extra[:8]}", body, "%00" in extra, name, query))
    return out


def _setup(server: LiveServer, tmp_path: Path) -> dict[str, str]:
    api = server.client(server.admin_token)
    assert api.post("/api/v1/services", json={"name": SVC}).status_code == 201
    body = {"version": "v1", "artifact": str(train(tmp_path / "m.joblib"))}
    assert api.post(f"/api/v1/services/{SVC}/versions", json=body).status_code == 201
    return {kind: server.integration(kind) for kind in ("alertmanager", "grafana", "pagerduty")}


def _check(
    case: Case, response: httpx.Response, api: httpx.Client, server: LiveServer
) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"{status} {response.text[:300]}"
    try:
        answer = response.json()
    except ValueError:
        return f"{status} answer is not JSON: {response.text[:200]!r}"
    if case.refuse and not 400 <= status < 500:
        return f"{status}: accepted, should be refused ({str(answer)[:200]})"
    if 400 <= status < 500 and not answer.get("detail"):
        return f"{status} without a detail: {answer}"
    if status < 300 and answer.get("queued"):
        return _check_queued(case, answer, api, server)
    if status < 300 and case.endpoint.alerts:
        ids = answer.get("alert_ids") or []
        if not ids:
            return f"{status} accepted but stored no alert: {answer}"
        for alert_id in ids:
            stored = api.get(f"/api/v1/alerts/{alert_id}")
            if stored.status_code != 200 or stored.json()["name"] != case.name:
                return f"accepted alert {alert_id} is not stored: {stored.text[:200]}"
    return None


def _check_queued(
    case: Case, answer: dict[str, Any], api: httpx.Client, server: LiveServer
) -> str | None:
    """A webhook accepted the batch into the intake log: once drained, it is ingested (not
    failed) and its alert is stored."""
    server.drain()
    failed = api.get("/api/v1/health").json()["intake_log"]["failed_rows"]
    if any(row["id"] == answer["batch"] for row in failed):
        return f"accepted batch {answer['batch']} failed to ingest: {failed}"
    with server.container.db.read() as session:
        found = session.scalar(
            select(func.count()).select_from(Alert).where(Alert.name == case.name)
        )
    if case.name and not found:
        return f"accepted batch {answer['batch']} stored no alert named {case.name}"
    return None


def _send(
    case: Case, keys: dict[str, str], server: LiveServer, client: httpx.Client
) -> httpx.Response:
    url = f"{server.url}{case.endpoint.path}"
    headers = {"content-type": "application/json"}
    if case.endpoint.auth == "token":
        headers["authorization"] = f"Bearer {server.responder_token}"
    if case.endpoint.auth == "key":
        url = f"{url}?{case.query or 'key=' + keys[case.endpoint.name.split('-')[0]]}"
    try:
        return client.post(url, content=case.body, headers=headers)
    except httpx.TransportError as dropped:  # the server dropped the connection: a failure too
        return httpx.Response(599, text=f"connection dropped: {dropped!r}")


@pytest.mark.timeout(600)
def test_hostile_inputs_get_a_4xx_never_a_5xx(live_server: LiveServer, tmp_path: Path) -> None:
    keys = _setup(live_server, tmp_path)
    table = cases(keys)
    api = live_server.client(live_server.admin_token)
    failures: list[str] = []
    with httpx.Client(timeout=60) as client:
        for case in table:
            response = _send(case, keys, live_server, client)
            problem = _check(case, response, api, live_server)
            if problem:
                failures.append(f"{case.endpoint.name} [{case.why}] {problem}")
    print(f"{len(table)} hostile cases over {len(ENDPOINTS)} endpoints")
    assert not failures, f"{len(failures)} of {len(table)} cases:\n" + "\n".join(failures)
    _assert_healthy(live_server, keys, api)


def _assert_healthy(server: LiveServer, keys: dict[str, str], api: httpx.Client) -> None:
    assert api.get("/healthz").status_code == 200
    assert api.get("/readyz").status_code == 200
    good: list[Callable[[], httpx.Response]] = [
        lambda: api.post(
            f"/api/v1/integrations/alertmanager?key={keys['alertmanager']}",
            content=render(ENDPOINTS[0], "AfterStorm", None, b""),
        ),
        lambda: api.post("/api/v1/alerts", json={"name": "AfterStorm2", "service": "x"}),
        lambda: api.post(f"/v1/models/{SVC}/predict", json={"features": [0.0] * 30}),
    ]
    for call in good:
        response = call()
        assert response.status_code in (200, 202), response.text
