"""Backends by name: the built-ins plus plugins from the ``warroom.backends`` entry points."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from warroom.deploy.backends.base import Backend
from warroom.env.port import Env
from warroom.errors import ConfigError

BUILTIN = {
    "gateway": "warroom.deploy.backends.gateway:GatewayBackend",
    "command": "warroom.deploy.backends.command:CommandBackend",
    "kubernetes": "warroom.deploy.backends.kubernetes:KubernetesBackend",
    "mlflow": "warroom.deploy.backends.mlflow:MlflowBackend",
}


def available() -> dict[str, str]:
    """Backend name → ``module:Class``; plugins may not shadow built-ins."""
    found = dict(BUILTIN)
    for ep in entry_points(group="warroom.backends"):
        found.setdefault(ep.name, ep.value)
    return found


def backend_for(name: str, *, env: Env, config: dict[str, Any]) -> Backend:
    """Instantiate the named backend; ConfigError names the choices when it is unknown."""
    import importlib

    target = available().get(name)
    if target is None:
        raise ConfigError(f"unknown deployment backend {name!r}; known: {', '.join(available())}")
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except ImportError as exc:
        raise ConfigError(
            f"backend {name!r} needs an optional extra: pip install 'warroom[{name}]' ({exc})"
        ) from exc
    if name == "gateway":
        backend: Backend = cls(env)
    else:
        backend = cls()
    return backend
