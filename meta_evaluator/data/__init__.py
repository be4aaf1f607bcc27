"""Evaluation data: load csv / json / jsonl / parquet files into :class:`EvalData`.

Example:
    >>> import polars as pl
    >>> data = EvalData.from_frame("demo", pl.DataFrame({"llm_response": ["yes", "no"]}))
    >>> data.ids
    ['row_000001', 'row_000002']
"""

from meta_evaluator.data._eval_data import EvalData
from meta_evaluator.data._loader import DataLoader

__all__ = ["DataLoader", "EvalData"]
