"""meta_evaluator.report (being built)."""
