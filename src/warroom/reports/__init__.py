"""Reports: response metrics (MTTD, MTTA, MTTR, MTBF), the evidence package, Prometheus metrics."""
