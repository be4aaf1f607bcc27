"""meta_evaluator.data (being built)."""
