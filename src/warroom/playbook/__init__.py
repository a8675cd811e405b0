"""The playbook: a team's policy as validated data (schema sections, loader, terms, runbooks)."""
