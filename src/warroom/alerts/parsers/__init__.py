"""One parser per alert source (Alertmanager, Grafana, PagerDuty Events v2, generic JSON)."""
