"""Detector statistics over model traffic: windows, burn rates, drift, baselines, review queue."""
