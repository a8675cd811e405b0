"""The worker: the job claim loop and the registry of every job kind's handler."""
