"""meta_evaluator.judges (being built)."""
