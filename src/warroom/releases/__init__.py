"""Safe model releases: shadow traffic, canary steps judged by the detectors' statistics,
approval gates, automatic promotion or abort."""
