"""meta_evaluator.testing (being built)."""
