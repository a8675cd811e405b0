"""The embedded model gateway: routing table, predictions, faults, registry sync, detector loop."""
