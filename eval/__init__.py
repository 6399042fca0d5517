"""Offline evaluation of cable summarizers: baseline and peer systems, the scoring CLI (metrics: summarizer.metrics)."""
