"""The integer-code kernels behind the scorers: an internal-but-public surface.

:mod:`meta_evaluator.stats` exposes raw-label functions for users (strings, ``None`` = missing).
The scorers work on encoded label tables instead (codes ``0..K-1`` with ``-1`` = missing,
float ratings with ``nan`` = missing, int64 bit sets) and import the kernels from here, never
from the private ``stats._*`` modules. Conventions: see :mod:`meta_evaluator.stats._agreement`.

Example:
    >>> cohen_kappa([0, 1, 0, 1], [0, 1, 1, 1], n_labels=2)
    0.5
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
    bootstrap_mean_ci,
    bootstrap_weights,
    percentile_ci,
)
from meta_evaluator.stats._classification import binary_score, classification_score, samples_scores
from meta_evaluator.stats._consensus import majority_bitmask, majority_vote
from meta_evaluator.stats._fleiss import _counts as code_counts
from meta_evaluator.stats._fleiss import fleiss_kappa, ratings_to_counts
from meta_evaluator.stats._item_bootstrap import (
    SumStatistic,
    alpha_features,
    bootstrap_resamples,
    bootstrap_sums,
    classification_features,
    classification_from_confusion,
    fleiss_features,
    kappa_features,
    modal_items,
)
from meta_evaluator.stats._reliability import _ac1_from_counts as ac1_from_counts
from meta_evaluator.stats._similarity import (
    cosine_similarity_rows,
    jaccard_bitmask,
    popcount,
    sequence_similarity,
)

__all__ = [
    "AltTestResult",
    "SumStatistic",
    "ac1_from_counts",
    "accuracy",
    "alpha_features",
    "alt_test",
    "binary_score",
    "bootstrap_kappa_ci",
    "bootstrap_mean_ci",
    "bootstrap_resamples",
    "bootstrap_sums",
    "bootstrap_weights",
    "check_alt_test_options",
    "classification_features",
    "classification_from_confusion",
    "classification_score",
    "code_counts",
    "cohen_kappa",
    "cosine_similarity_rows",
    "fleiss_features",
    "fleiss_kappa",
    "jaccard_bitmask",
    "kappa_features",
    "kappa_interpretation",
    "kappa_parts",
    "krippendorff_alpha",
    "majority_bitmask",
    "majority_vote",
    "modal_items",
    "percentile_ci",
    "popcount",
    "ratings_to_counts",
    "samples_scores",
    "sequence_similarity",
    "warn_undefined",
]
