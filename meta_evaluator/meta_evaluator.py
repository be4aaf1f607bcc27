"""Compatibility module: ``from meta_evaluator.meta_evaluator import MetaEvaluator``."""

from meta_evaluator.project import MetaEvaluator

__all__ = ["MetaEvaluator"]
