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
    warn_undefined,
)
from meta_evaluator.stats._alpha import krippendorff_alpha
from meta_evaluator.stats._alt_test import AltTestResult, alt_test
from meta_evaluator.stats._bootstrap import (
    bootstrap_kappa_ci,
    bootstrap_kappa_samples,
    bootstrap_mean_ci,
    bootstrap_mean_samples,
    bootstrap_weights,
    percentile_ci,
)
from meta_evaluator.stats._classification import classification_score
from meta_evaluator.stats._confusion import PerClassScores, confusion_counts, per_class_scores
from meta_evaluator.stats._consensus import (
    majority_vote,
    pairwise_agreement_matrix,
    per_item_agreement,
)
from meta_evaluator.stats._fleiss import fleiss_kappa, ratings_to_counts
from meta_evaluator.stats._paired import (
    McNemarResult,
    PairedDifference,
    mcnemar_exact,
    paired_alpha_difference,
    paired_bootstrap_difference,
    paired_kappa_difference,
    paired_mean_difference,
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
    "McNemarResult",
    "PairedDifference",
    "PerClassScores",
    "accuracy",
    "alt_test",
    "bootstrap_kappa_ci",
    "bootstrap_kappa_samples",
    "bootstrap_mean_ci",
    "bootstrap_mean_samples",
    "bootstrap_weights",
    "classification_score",
    "cohen_kappa",
    "confusion_counts",
    "cosine_similarity_rows",
    "fleiss_kappa",
    "jaccard",
    "jaccard_bitmask",
    "kappa_interpretation",
    "krippendorff_alpha",
    "majority_vote",
    "mcnemar_exact",
    "paired_alpha_difference",
    "paired_bootstrap_difference",
    "paired_kappa_difference",
    "paired_mean_difference",
    "pairwise_agreement_matrix",
    "per_class_scores",
    "per_item_agreement",
    "percentile_ci",
    "popcount",
    "ratings_to_counts",
    "sequence_similarity",
    "sequence_similarity_matrix",
    "sequence_similarity_pairs",
    "warn_undefined",
]
