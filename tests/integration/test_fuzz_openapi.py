"""Schemathesis over warroom's whole OpenAPI document, on a real server and both databases.

Every operation gets a bounded number of generated requests, schema-valid and schema-violating,
with a fixed seed: half of them reach objects seeded first (an incident with its tasks, an
alert, a silence, an action item, a postmortem, a review item, a job, a service with two
versions and a rollback, a directory entry), the rest carry generated path ids. All are sent
with an admin token, so each request gets past authentication to the validation and the
database. The test asserts that no request gets a 5xx and that the server is healthy after.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as fixed_seed
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.conftest import LiveServer
from tests.support.seeded import seed

SEED = 19
#: Examples per operation and kind of request: (mode, seeded path ids) -> count.
EXAMPLES = {
    (GenerationMode.POSITIVE, True): 6,
    (GenerationMode.NEGATIVE, True): 6,
    (GenerationMode.POSITIVE, False): 2,
    (GenerationMode.NEGATIVE, False): 2,
}


def _fuzz_one(
    operation: Any,
    mode: GenerationMode,
    path: dict[str, Any] | None,
    count: int,
    session: requests.Session,
    base_url: str,
    sent: Counter[str],
    failures: list[str],
) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path)

    @fixed_seed(SEED)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: failures are collected
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, session=session, timeout=60)
        sent[operation.label] += 1
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {case.as_curl_command()}\n{response.text}")

    try:
        run()
    except Unsatisfiable:
        pass  # nothing in this operation can be made invalid (no parameters, no body)


@pytest.mark.timeout(600)
def test_no_operation_answers_5xx(live_server: LiveServer, tmp_path: Path) -> None:
    seeded = seed(live_server, tmp_path)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {live_server.admin_token}"
    sent: Counter[str] = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        path = {k: v for k, v in seeded.path.items() if k in names}
        for (mode, use_seeded), count in EXAMPLES.items():
            if use_seeded and len(path) < len(names):
                continue  # no seeded object for this path: the generated ids run below
            _fuzz_one(
                operation,
                mode,
                path if use_seeded else None,
                count,
                session,
                live_server.url,
                sent,
                failures,
            )
    print(f"fuzzed {len(operations)} operations with {sum(sent.values())} requests")
    assert not failures, f"{len(failures)} requests got a 5xx:\n" + "\n\n".join(failures[:20])
    assert set(sent) == {op.label for op in operations}, "every operation was fuzzed"
    assert session.get(f"{live_server.url}/healthz").status_code == 200
    ready = session.get(f"{live_server.url}/readyz")
    assert ready.status_code == 200, ready.text
    assert session.get(f"{live_server.url}/api/v1/incidents").status_code == 200
