"""One router module per resource of the HTTP API."""
