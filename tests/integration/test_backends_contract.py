"""One contract for every deployment backend and its test double (table-driven)."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.fake_kube import FakeKube
from tests.support.recording_backend import RecordingBackend
from warroom.bootstrap import Container
from warroom.deploy import registry
from warroom.deploy.backends.base import Backend, BackendError, RollbackPlan
from warroom.deploy.backends.registry import backend_for
from warroom.deploy.models import DeployRequest, ServiceCreate


@dataclass
class Case:
    backend: Backend
    plan: RollbackPlan
    serving: Callable[[], str]
    retired: Callable[[], bool]


def _plan(config: dict, **kw: str) -> RollbackPlan:
    base = {"service": "fraud", "from_version": "v2", "to_version": "v1", "incident_id": "INC-1"}
    return RollbackPlan(**{**base, **kw}, config=config)  # type: ignore[arg-type]


def recording_case(tmp_path: Path, container: Container) -> Iterator[Case]:
    fake = RecordingBackend({"v1", "v2"}, serving="v2")
    yield Case(fake, _plan({}), lambda: fake.serving, lambda: "v2" in fake.scaled_down)


def gateway_case(tmp_path: Path, container: Container) -> Iterator[Case]:
    now = container.clock()
    with container.db.session() as s:
        registry.create_service(session=s, spec=ServiceCreate(name="fraud"), actor="t", now=now)
        for v in ("v1", "v2"):
            spec = DeployRequest(version=v, artifact="tests.support.models:slow")
            registry.deploy(session=s, service="fraud", spec=spec, actor="t", now=now)
    backend = backend_for("gateway", env=container, config={})

    def serving() -> str:
        with container.db.read() as s:
            weights = registry.weights_of(registry.versions(session=s, service="fraud"))
        return max(weights, key=weights.__getitem__)

    def retired() -> bool:
        with container.db.read() as s:
            return not registry.get_version(session=s, service="fraud", version="v2").enabled

    yield Case(backend, _plan({}), serving, retired)


def command_case(tmp_path: Path, container: Container) -> Iterator[Case]:
    state = tmp_path / "state.json"
    script = tmp_path / "rollback-script.sh"
    script.write_text(
        "#!/bin/sh\n"
        "# Protocol 25's arguments: INCIDENT_ID ROLLBACK_VERSION ENVIRONMENT\n"
        f'case "$2" in v1|v2) ;; *) echo "ERROR: Rollback version $2 not found"; exit 1;; esac\n'
        f'printf \'{{"serving": "%s", "retired": "%s", "incident": "%s", "env": "%s"}}\' '
        f'"$2" "$WARROOM_FROM_VERSION" "$1" "$3" > {state}\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    backend = backend_for("command", env=container, config={})
    read = lambda: json.loads(state.read_text()) if state.exists() else {}  # noqa: E731
    yield Case(
        backend,
        _plan({"command": str(script)}),
        lambda: read().get("serving", "v2"),
        lambda: read().get("retired") == "v2" and read().get("env") == "production",
    )


def kube_selector_case(tmp_path: Path, container: Container) -> Iterator[Case]:
    with FakeKube() as kube:
        kube.add_service("model-serving", {"app": "model-serving", "version": "v2"})
        kube.add_deployment("model-serving-v1", {"app": "model-serving", "version": "v1"}, 0)
        kube.add_deployment("model-serving-v2", {"app": "model-serving", "version": "v2"}, 3)
        config = {"host": kube.url, "namespace": "prod", "replicas": 2}
        yield Case(
            backend_for("kubernetes", env=container, config=config),
            _plan(config),
            lambda: kube.services["model-serving"]["spec"]["selector"]["version"],
            lambda: (
                kube.deployments["model-serving-v2"]["spec"]["replicas"] == 0
                and kube.deployments["model-serving-v1"]["spec"]["replicas"] == 2
            ),
        )


def kube_undo_case(tmp_path: Path, container: Container) -> Iterator[Case]:
    with FakeKube() as kube:
        labels = {"app": "model-serving"}
        kube.add_deployment("model-serving", {**labels, "version": "v2"}, 3)
        kube.add_replicaset("model-serving-1", {**labels, "version": "v1"}, 1)
        kube.add_replicaset("model-serving-2", {**labels, "version": "v2"}, 2)
        config = {"host": kube.url, "namespace": "prod", "mode": "undo"}
        template = lambda: kube.deployments["model-serving"]["spec"]["template"]  # noqa: E731
        yield Case(
            backend_for("kubernetes", env=container, config=config),
            _plan(config),
            lambda: template()["metadata"]["labels"]["version"],
            lambda: (
                "pod-template-hash" not in template()["metadata"]["labels"]
                and template()["spec"]["containers"][0]["image"] == "model:v1"
            ),
        )


def mlflow_case(tmp_path: Path, container: Container) -> Iterator[Case]:
    mlflow = pytest.importorskip("mlflow")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.create_registered_model("fraud")
    for _ in ("v1", "v2"):
        client.create_model_version("fraud", source=str(tmp_path))
    client.set_registered_model_alias("fraud", "champion", "2")
    config = {"tracking_uri": uri, "registry_uri": uri}
    yield Case(
        backend_for("mlflow", env=container, config=config),
        _plan(config, from_version="2", to_version="1"),
        lambda: f"v{client.get_model_version_by_alias('fraud', 'champion').version}",
        lambda: client.get_model_version("fraud", "2").tags.get("warroom.rolled_back") == "true",
    )


CASES = {
    "recording-double": recording_case,
    "gateway": gateway_case,
    "command": command_case,
    "kubernetes-selector": kube_selector_case,
    "kubernetes-undo": kube_undo_case,
    "mlflow": mlflow_case,
}


@pytest.fixture(params=list(CASES))
def case(request: pytest.FixtureRequest, tmp_path: Path, container: Container) -> Iterator[Case]:
    if request.param.startswith("kubernetes"):
        pytest.importorskip("kubernetes")
    yield from CASES[request.param](tmp_path, container)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backend_contract(case: Case) -> None:
    snapshot = case.backend.prepare(case.plan)
    assert isinstance(snapshot, dict) and json.loads(json.dumps(snapshot)) == snapshot
    assert case.serving() == "v2"
    case.backend.switch(case.plan)
    assert case.serving() == "v1"
    case.backend.switch(case.plan)  # idempotent: a resumed rollback repeats its step
    assert case.serving() == "v1"
    case.backend.retire(case.plan)
    case.backend.retire(case.plan)
    assert case.retired()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backend_refuses_a_missing_target(case: Case) -> None:
    missing = RollbackPlan(**{**case.plan.__dict__, "to_version": "v9"})
    with pytest.raises(BackendError):
        case.backend.prepare(missing)
        case.backend.switch(missing)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backend_puts_the_routing_back_or_says_it_cannot(case: Case) -> None:
    snapshot = case.backend.prepare(case.plan)
    case.backend.switch(case.plan)
    case.backend.retire(case.plan)
    if "restore" not in case.backend.capabilities or case.plan.config.get("mode") == "undo":
        with pytest.raises(BackendError, match="cannot put"):
            case.backend.restore(case.plan, snapshot)
        return
    case.backend.restore(case.plan, snapshot)
    case.backend.restore(case.plan, snapshot)  # idempotent
    assert case.serving() == "v2"
    assert not case.retired()
