"""The built-in scorers: each compares one judge's labels with the human labels.

=============================  =====================  ==============================================
scorer                         ``scorer_name``        ``scores`` keys
=============================  =====================  ==============================================
:class:`AccuracyScorer`        accuracy               ``accuracy``
:class:`ClassificationScorer`  precision/recall/f1    ``precision`` / ``recall`` / ``f1``
:class:`CohensKappaScorer`     cohens_kappa           ``kappa``
:class:`FleissKappaScorer`     fleiss_kappa           ``kappa``
:class:`KrippendorffAlphaScorer` krippendorff_alpha   ``alpha``
:class:`GwetAC1Scorer`         gwet_ac1               ``ac1``
:class:`CorrelationScorer`     correlation            ``correlation`` (pearson/spearman/kendall)
:class:`MAEScorer`             mae                    ``mae`` (lower is better)
:class:`RMSEScorer`            rmse                   ``rmse`` (lower is better)
:class:`AltTestScorer`         alt_test               ``winning_rate`` {"0.00": ..}, ``advantage_probability``
:class:`TextSimilarityScorer`  text_similarity        ``similarity``
:class:`SemanticSimilarityScorer` semantic_similarity ``similarity``
=============================  =====================  ==============================================
"""  # noqa: E501

from __future__ import annotations

from meta_evaluator.scores.metrics._accuracy import AccuracyScorer, ClassificationScorer
from meta_evaluator.scores.metrics._alpha import KrippendorffAlphaScorer
from meta_evaluator.scores.metrics._alt_test import AltTestScorer
from meta_evaluator.scores.metrics._kappa import CohensKappaScorer, FleissKappaScorer
from meta_evaluator.scores.metrics._ratings import (
    CorrelationScorer,
    GwetAC1Scorer,
    MAEScorer,
    RMSEScorer,
)
from meta_evaluator.scores.metrics._similarity import (
    SemanticSimilarityScorer,
    TextSimilarityScorer,
)

__all__ = [
    "AccuracyScorer",
    "AltTestScorer",
    "ClassificationScorer",
    "CohensKappaScorer",
    "CorrelationScorer",
    "FleissKappaScorer",
    "GwetAC1Scorer",
    "KrippendorffAlphaScorer",
    "MAEScorer",
    "RMSEScorer",
    "SemanticSimilarityScorer",
    "TextSimilarityScorer",
]
