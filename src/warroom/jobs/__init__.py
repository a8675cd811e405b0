"""The durable job queue: the jobs table, enqueue/claim/finish with leases, a handler's context."""
