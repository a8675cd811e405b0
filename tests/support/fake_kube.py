"""A local HTTP server that speaks the few Kubernetes API endpoints the backend uses.

The real ``kubernetes`` client talks to it over real HTTP; it keeps Services, Deployments and
ReplicaSets in memory and applies merge patches the way the API server does for these fields.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict) and key != "selector":
            merge(target[key], value)
        elif key == "selector" and isinstance(value, dict) and isinstance(target.get(key), dict):
            target[key].update(value)
        else:
            target[key] = value


class FakeKube:
    def __init__(self, namespace: str = "prod"):
        self.ns = namespace
        self.services: dict[str, dict[str, Any]] = {}
        self.deployments: dict[str, dict[str, Any]] = {}
        self.replicasets: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeKube:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()

    def add_service(self, name: str, selector: dict[str, str]) -> None:
        self.services[name] = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": self.ns},
            "spec": {"selector": dict(selector), "ports": [{"port": 80}]},
        }

    def add_deployment(self, name: str, labels: dict[str, str], replicas: int) -> None:
        self.deployments[name] = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": self.ns},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": labels["app"]}},
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {
                        "containers": [{"name": "model", "image": f"model:{labels['version']}"}]
                    },
                },
            },
            "status": {"replicas": replicas, "readyReplicas": replicas},
        }

    def add_replicaset(self, name: str, labels: dict[str, str], revision: int) -> None:
        self.replicasets[name] = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": name,
                "namespace": self.ns,
                "labels": dict(labels),
                "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            },
            "spec": {
                "selector": {"matchLabels": {"app": labels["app"]}},
                "template": {
                    "metadata": {"labels": {**labels, "pod-template-hash": "abc"}},
                    "spec": {
                        "containers": [{"name": "model", "image": f"model:{labels['version']}"}]
                    },
                },
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        kube = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self) -> tuple[dict[str, Any] | None, str, str]:
                path = self.path.split("?")[0]
                m = re.fullmatch(r"/api/v1/namespaces/([^/]+)/services/([^/]+)", path)
                if m:
                    return kube.services, m.group(2), "service"
                m = re.fullmatch(
                    r"/apis/apps/v1/namespaces/([^/]+)/deployments/([^/]+)(/scale)?", path
                )
                if m:
                    return kube.deployments, m.group(2), "scale" if m.group(3) else "deployment"
                if re.fullmatch(r"/apis/apps/v1/namespaces/([^/]+)/replicasets", path):
                    return kube.replicasets, "", "list"
                return None, "", ""

            def _missing(self, name: str) -> None:
                self._send(
                    404,
                    {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "status": "Failure",
                        "reason": "NotFound",
                        "code": 404,
                        "message": f"{name} not found",
                    },
                )

            def do_GET(self) -> None:  # noqa: N802
                kube.requests.append(("GET", self.path))
                store, name, kind = self._route()
                if kind == "list":
                    items = list(kube.replicasets.values())
                    self._send(
                        200,
                        {
                            "apiVersion": "apps/v1",
                            "kind": "ReplicaSetList",
                            "metadata": {},
                            "items": items,
                        },
                    )
                elif store is not None and name in store:
                    self._send(200, store[name])
                else:
                    self._missing(name)

            def do_PATCH(self) -> None:  # noqa: N802
                kube.requests.append(("PATCH", self.path))
                patch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                store, name, kind = self._route()
                if store is None or name not in store:
                    self._missing(name)
                    return
                obj = store[name]
                if kind == "scale":
                    replicas = patch["spec"]["replicas"]
                    obj["spec"]["replicas"] = replicas
                    obj["status"] = {"replicas": replicas, "readyReplicas": replicas}
                    self._send(
                        200,
                        {
                            "apiVersion": "autoscaling/v1",
                            "kind": "Scale",
                            "metadata": copy.deepcopy(obj["metadata"]),
                            "spec": {"replicas": replicas},
                            "status": {"replicas": replicas},
                        },
                    )
                    return
                merge(obj, patch)
                self._send(200, obj)

        return Handler
