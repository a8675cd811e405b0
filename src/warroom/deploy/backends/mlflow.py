"""MLflow model registry (optional extra ``warroom[mlflow]``): move the serving alias back.

Serving stacks that load ``models:/<name>@champion`` follow the alias; switch points it at
the target version with ``MlflowClient.set_registered_model_alias``, retire tags the bad
version (``warroom.rolled_back=true``). backend_config keys: tracking_uri, registry_uri,
model (registered model name, default: the service name), alias (default ``champion``).
"""

from __future__ import annotations

from typing import Any

from warroom.deploy.backends.base import Backend, BackendError, RollbackPlan


class MlflowBackend(Backend):
    name = "mlflow"
    capabilities = frozenset({"prepare", "switch", "retire", "restore"})

    def _client(self, plan: RollbackPlan) -> tuple[Any, str, str]:
        from mlflow import MlflowClient

        c = plan.config
        client = MlflowClient(
            tracking_uri=c.get("tracking_uri"), registry_uri=c.get("registry_uri")
        )
        return client, c.get("model", plan.service), c.get("alias", "champion")

    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as exc:  # MlflowException and transport errors alike
            raise BackendError(f"mlflow: {what}: {exc}") from exc

    def prepare(self, plan: RollbackPlan) -> dict[str, Any]:
        client, model, alias = self._client(plan)
        target = self._call(
            f"find {model} version {plan.to_version}",
            client.get_model_version,
            model,
            plan.to_version,
        )
        if target.status not in (None, "READY"):
            raise BackendError(f"mlflow: {model} version {plan.to_version} is {target.status}")
        try:
            current = client.get_model_version_by_alias(model, alias).version
        except Exception:
            current = None
        return {
            "model": model,
            "alias": alias,
            "alias_version": current,
            "target_source": target.source,
        }

    def switch(self, plan: RollbackPlan) -> None:
        client, model, alias = self._client(plan)
        self._call(
            f"move alias {alias}", client.set_registered_model_alias, model, alias, plan.to_version
        )

    def retire(self, plan: RollbackPlan) -> None:
        if not plan.from_version:
            return
        client, model, _ = self._client(plan)
        self._call(
            "tag rolled-back version",
            client.set_model_version_tag,
            model,
            plan.from_version,
            "warroom.rolled_back",
            "true",
        )

    def restore(self, plan: RollbackPlan, snapshot: dict[str, Any]) -> None:
        """The alias points where it pointed before; the bad version loses its tag."""
        client, model, alias = self._client(plan)
        previous = snapshot.get("alias_version")
        if previous is None:
            self._call(f"remove alias {alias}", client.delete_registered_model_alias, model, alias)
        else:
            self._call(
                f"move alias {alias} back",
                client.set_registered_model_alias,
                model,
                alias,
                previous,
            )
        if plan.from_version:
            try:
                client.delete_model_version_tag(model, plan.from_version, "warroom.rolled_back")
            except Exception:  # never tagged (retire had not run): nothing to undo
                pass
