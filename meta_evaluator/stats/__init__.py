"""meta_evaluator.stats (being built)."""
