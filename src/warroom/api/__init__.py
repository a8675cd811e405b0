"""The HTTP API under /api/v1 (FastAPI): app assembly, dependencies, error statuses, routes."""
