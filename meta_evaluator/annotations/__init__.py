"""meta_evaluator.annotations (being built)."""
