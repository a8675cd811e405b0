"""Per-second metric samples of model versions, kept for verification and postmortem charts."""
