"""warroom: incident response and automated model rollback for ML services."""

__version__ = "0.1.0"
