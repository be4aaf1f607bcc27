"""meta_evaluator.scores.metrics (being built)."""
