"""Offline evaluation of cable summarizers: metrics, baseline and peer systems, the scoring CLI."""
