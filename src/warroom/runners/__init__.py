"""Background runners of a serving process: the rollback runner (drives and resumes rollbacks)."""
