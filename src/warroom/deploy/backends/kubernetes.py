"""Kubernetes, through the official client (optional extra ``warroom[kubernetes]``).

Two modes, as in Protocol 25's rollback script and ``kubectl rollout undo``:

- ``selector`` (blue/green, default): every version runs as its own Deployment
  (``deployment_pattern``, default ``model-serving-{version}``) behind one Service
  (``service``, default ``model-serving``) that selects pods by the ``version`` label. Switch
  patches the Service selector to the target version (scaling its Deployment up first if it
  was at 0); retire scales the bad version's Deployment to 0.
- ``undo``: one Deployment (``deployment``) whose ReplicaSets are its revisions; switch puts
  back the pod template of the ReplicaSet whose pods carry ``version=<target>``; the rollout
  itself replaces the bad pods.

backend_config keys: mode, namespace (default "default"), service, deployment_pattern,
deployment, version_label (default "version"), replicas (when scaling a target up), and how to
reach the API: host (+ token, verify_ssl) or in_cluster: true, or kubeconfig/context.
"""

from __future__ import annotations

from typing import Any

from warroom.deploy.backends.base import Backend, BackendError, RollbackPlan


class KubernetesBackend(Backend):
    name = "kubernetes"
    capabilities = frozenset({"prepare", "switch", "retire", "restore"})

    def _clients(self, config: dict[str, Any]) -> tuple[Any, Any]:
        from kubernetes import client
        from kubernetes import config as kube_config

        if config.get("host"):
            cfg = client.Configuration()
            cfg.host = config["host"]
            cfg.verify_ssl = bool(config.get("verify_ssl", True))
            if config.get("token"):
                cfg.api_key = {"authorization": f"Bearer {config['token']}"}
            api = client.ApiClient(cfg)
        elif config.get("in_cluster"):
            kube_config.load_incluster_config()
            api = client.ApiClient()
        else:
            kube_config.load_kube_config(config.get("kubeconfig"), config.get("context"))
            api = client.ApiClient()
        return client.CoreV1Api(api), client.AppsV1Api(api)

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        from kubernetes.client.exceptions import ApiException

        try:
            return fn(*args, **kwargs)
        except ApiException as exc:
            reason = "not found" if exc.status == 404 else f"HTTP {exc.status} {exc.reason}"
            raise BackendError(f"kubernetes: {what}: {reason}") from exc
        except Exception as exc:  # connection refused, TLS errors, ...
            raise BackendError(f"kubernetes: {what}: {exc}") from exc

    @staticmethod
    def _settings(plan: RollbackPlan) -> dict[str, Any]:
        c = plan.config
        return {
            "mode": c.get("mode", "selector"),
            "ns": c.get("namespace", "default"),
            "service": c.get("service", "model-serving"),
            "pattern": c.get("deployment_pattern", "model-serving-{version}"),
            "deployment": c.get("deployment", "model-serving"),
            "label": c.get("version_label", "version"),
            "replicas": int(c.get("replicas", 1)),
        }

    def prepare(self, plan: RollbackPlan) -> dict[str, Any]:
        s = self._settings(plan)
        core, apps = self._clients(plan.config)
        if s["mode"] == "undo":
            dep = self._call(
                f"read deployment {s['deployment']}",
                apps.read_namespaced_deployment,
                s["deployment"],
                s["ns"],
            )
            self._revision(apps, s, plan.to_version, dep)
            return {
                "mode": "undo",
                "deployment": s["deployment"],
                "template_labels": dict(dep.spec.template.metadata.labels or {}),
                "replicas": dep.spec.replicas,
            }
        target = s["pattern"].format(version=plan.to_version)
        dep = self._call(
            f"read deployment {target}", apps.read_namespaced_deployment, target, s["ns"]
        )
        svc = self._call(
            f"read service {s['service']}", core.read_namespaced_service, s["service"], s["ns"]
        )
        return {
            "mode": "selector",
            "service": s["service"],
            "selector": dict(svc.spec.selector or {}),
            "target_deployment": target,
            "target_replicas": dep.spec.replicas,
            "target_ready": (dep.status.ready_replicas or 0) if dep.status else 0,
            "from_replicas": self._replicas(apps, s, plan.from_version),
        }

    def _replicas(self, apps: Any, s: dict[str, Any], version: str | None) -> int | None:
        """The bad version's replicas, to scale it back if the rollback must be undone."""
        if not version:
            return None
        from kubernetes.client.exceptions import ApiException

        try:
            dep = apps.read_namespaced_deployment(s["pattern"].format(version=version), s["ns"])
        except ApiException:
            return None
        return int(dep.spec.replicas or 0)

    def _revision(self, apps: Any, s: dict[str, Any], version: str, dep: Any) -> Any:
        selector = ",".join(f"{k}={v}" for k, v in (dep.spec.selector.match_labels or {}).items())
        sets = self._call(
            "list replicasets", apps.list_namespaced_replica_set, s["ns"], label_selector=selector
        ).items
        matching = [
            rs for rs in sets if (rs.spec.template.metadata.labels or {}).get(s["label"]) == version
        ]
        if not matching:
            raise BackendError(f"kubernetes: no revision of {s['deployment']} runs {version}")
        return max(
            matching,
            key=lambda rs: int(
                (rs.metadata.annotations or {}).get("deployment.kubernetes.io/revision", "0")
            ),
        )

    def switch(self, plan: RollbackPlan) -> None:
        s = self._settings(plan)
        core, apps = self._clients(plan.config)
        if s["mode"] == "undo":
            dep = self._call(
                f"read deployment {s['deployment']}",
                apps.read_namespaced_deployment,
                s["deployment"],
                s["ns"],
            )
            rs = self._revision(apps, s, plan.to_version, dep)
            labels = {
                k: v
                for k, v in (rs.spec.template.metadata.labels or {}).items()
                if k != "pod-template-hash"
            }
            template = apps.api_client.sanitize_for_serialization(rs.spec.template)
            template["metadata"]["labels"] = labels
            self._call(
                "revert template",
                apps.patch_namespaced_deployment,
                s["deployment"],
                s["ns"],
                {"spec": {"template": template}},
            )
            return
        target = s["pattern"].format(version=plan.to_version)
        dep = self._call(
            f"read deployment {target}", apps.read_namespaced_deployment, target, s["ns"]
        )
        if not dep.spec.replicas:
            self._call(
                f"scale up {target}",
                apps.patch_namespaced_deployment_scale,
                target,
                s["ns"],
                {"spec": {"replicas": s["replicas"]}},
            )
        self._call(
            f"patch service {s['service']}",
            core.patch_namespaced_service,
            s["service"],
            s["ns"],
            {"spec": {"selector": {s["label"]: plan.to_version}}},
        )

    def retire(self, plan: RollbackPlan) -> None:
        s = self._settings(plan)
        if s["mode"] == "undo" or not plan.from_version:
            return
        _, apps = self._clients(plan.config)
        bad = s["pattern"].format(version=plan.from_version)
        self._call(
            f"scale down {bad}",
            apps.patch_namespaced_deployment_scale,
            bad,
            s["ns"],
            {"spec": {"replicas": 0}},
        )

    def restore(self, plan: RollbackPlan, snapshot: dict[str, Any]) -> None:
        """Selector mode: the Service selects what it selected before and each Deployment
        gets its replicas back. Undo mode cannot: the template it replaced is not kept."""
        s = self._settings(plan)
        if snapshot.get("mode") != "selector":
            raise BackendError("kubernetes: undo mode cannot put the previous template back")
        core, apps = self._clients(plan.config)
        scales = [(snapshot["target_deployment"], snapshot.get("target_replicas"))]
        if plan.from_version and snapshot.get("from_replicas") is not None:
            scales.append(
                (s["pattern"].format(version=plan.from_version), snapshot["from_replicas"])
            )
        for name, replicas in scales:
            if replicas is not None:
                self._call(
                    f"scale {name} back",
                    apps.patch_namespaced_deployment_scale,
                    name,
                    s["ns"],
                    {"spec": {"replicas": int(replicas)}},
                )
        self._call(
            f"put back the selector of {s['service']}",
            core.patch_namespaced_service,
            s["service"],
            s["ns"],
            {"spec": {"selector": snapshot["selector"]}},
        )
