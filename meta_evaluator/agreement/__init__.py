"""Annotation teams: human agreement, unification and label-error candidates.

The project methods :meth:`MetaEvaluator.annotator_agreement
<meta_evaluator.MetaEvaluator.annotator_agreement>`, ``unify_annotations`` and
``label_error_candidates`` call the functions here on the project's annotations and judge
results; the functions also work on plain frames (``original_id, annotator_id, <task>``), e.g.
straight from an export.
"""

from __future__ import annotations

from meta_evaluator.agreement._api import (
    agreement_from_frames,
    label_errors_from_frames,
    unify_from_frames,
)
from meta_evaluator.agreement._report import AgreementReport
from meta_evaluator.agreement._unify import STRATEGIES

__all__ = [
    "STRATEGIES",
    "AgreementReport",
    "agreement_from_frames",
    "label_errors_from_frames",
    "unify_from_frames",
]
