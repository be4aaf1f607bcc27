"""Statistics kernels: pure functions over numpy arrays (no polars, no I/O).

Conventions (see :mod:`meta_evaluator.stats._agreement` for details):

* categorical labels are integer codes ``0..K-1`` in the schema's (ordinal) order, ``-1`` = missing;
* numeric ratings are float arrays, ``nan`` = missing;
* an undefined statistic returns ``nan`` and emits
  :class:`~meta_evaluator.errors.UndefinedMetricWarning` (:func:`warn_undefined`);
* data arguments are positional, options keyword-only.
"""

from __future__ import annotations

from meta_evaluator.stats._agreement import (
    accuracy,
    cohen_kappa,
    kappa_interpretation,
    kappa_parts,
    warn_undefined,
)
from meta_evaluator.stats._alpha import krippendorff_alpha
from meta_evaluator.stats._alt_test import AltTestResult, alt_test, check_alt_test_options
from meta_evaluator.stats._bootstrap import (
    bootstrap_kappa_ci,
    bootstrap_kappa_samples,
    bootstrap_mean_ci,
    bootstrap_mean_samples,
    bootstrap_weights,
    percentile_ci,
)
from meta_evaluator.stats._classification import classification_score
from meta_evaluator.stats._consensus import (
    majority_bitmask,
    majority_vote,
    pairwise_agreement_matrix,
    per_item_agreement,
)
from meta_evaluator.stats._fleiss import fleiss_kappa, ratings_to_counts
from meta_evaluator.stats._item_bootstrap import (
    SumStatistic,
    alpha_features,
    bootstrap_sums,
    classification_features,
    classification_from_confusion,
    fleiss_features,
    kappa_features,
    modal_items,
)
from meta_evaluator.stats._similarity import (
    cosine_similarity_rows,
    jaccard,
    jaccard_bitmask,
    popcount,
    sequence_similarity,
    sequence_similarity_matrix,
    sequence_similarity_pairs,
)

__all__ = [
    "AltTestResult",
    "SumStatistic",
    "accuracy",
    "alpha_features",
    "alt_test",
    "bootstrap_kappa_ci",
    "bootstrap_kappa_samples",
    "bootstrap_mean_ci",
    "bootstrap_mean_samples",
    "bootstrap_sums",
    "bootstrap_weights",
    "check_alt_test_options",
    "classification_features",
    "classification_from_confusion",
    "classification_score",
    "cohen_kappa",
    "cosine_similarity_rows",
    "fleiss_features",
    "fleiss_kappa",
    "jaccard",
    "jaccard_bitmask",
    "kappa_features",
    "kappa_interpretation",
    "kappa_parts",
    "krippendorff_alpha",
    "majority_bitmask",
    "majority_vote",
    "modal_items",
    "pairwise_agreement_matrix",
    "per_item_agreement",
    "percentile_ci",
    "popcount",
    "ratings_to_counts",
    "sequence_similarity",
    "sequence_similarity_matrix",
    "sequence_similarity_pairs",
    "warn_undefined",
]
