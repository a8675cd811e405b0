"""On-call: teams, people, schedules, escalation policies and routing, all playbook data."""
