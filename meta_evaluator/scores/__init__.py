"""Scoring: metric configurations and scorers (being built)."""
