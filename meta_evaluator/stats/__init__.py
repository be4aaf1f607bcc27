"""Statistics: pure functions over numpy arrays (no polars, no I/O).

The public functions take **raw labels** as they come, scikit-learn style (strings or numbers,
``None``/``nan`` = missing; data positional, options keyword-only): :func:`krippendorff_alpha`,
:func:`fleiss_kappa`, :func:`fleiss_kappa_from_ratings`, :func:`gwet_ac1`, :func:`scott_pi`,
:func:`cohen_kappa`, :func:`percent_agreement`, :func:`spearman`, :func:`kendall_tau`,
:func:`pearson`, :func:`mae`, :func:`rmse`, :func:`jaccard`, :func:`confusion_matrix`,
:func:`majority_vote`. Each docstring gives the formula, range, reading, degenerate-input
convention and reference.

Behind them sit the integer-code kernels the scorers use (private modules). Their conventions
(see :mod:`meta_evaluator.stats._agreement` for details):

* categorical labels are integer codes ``0..K-1`` in the schema's (ordinal) order, ``-1`` = missing;
* numeric ratings are float arrays, ``nan`` = missing;
* an undefined statistic returns ``nan`` and emits
  :class:`~meta_evaluator.errors.UndefinedMetricWarning` (:func:`warn_undefined`);
* data arguments are positional, options keyword-only.
"""

from __future__ import annotations

from meta_evaluator.stats._agreement import (
    accuracy,
    kappa_interpretation,
    warn_undefined,
)
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
    pairwise_agreement_matrix,
    per_item_agreement,
)
from meta_evaluator.stats._correlation import (
    CorrelationResult,
    kendall_tau,
    mae,
    pearson,
    rmse,
    spearman,
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
from meta_evaluator.stats._raw import confusion_matrix, jaccard, majority_vote
from meta_evaluator.stats._reliability import (
    cohen_kappa,
    fleiss_kappa_from_ratings,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)
from meta_evaluator.stats._similarity import (
    cosine_similarity_rows,
    jaccard_bitmask,
    popcount,
    sequence_similarity,
    sequence_similarity_matrix,
    sequence_similarity_pairs,
)

__all__ = [
    "AltTestResult",
    "CorrelationResult",
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
    "confusion_matrix",
    "cosine_similarity_rows",
    "fleiss_kappa",
    "fleiss_kappa_from_ratings",
    "gwet_ac1",
    "jaccard",
    "jaccard_bitmask",
    "kappa_interpretation",
    "kendall_tau",
    "krippendorff_alpha",
    "mae",
    "majority_vote",
    "mcnemar_exact",
    "paired_alpha_difference",
    "paired_bootstrap_difference",
    "paired_kappa_difference",
    "paired_mean_difference",
    "pairwise_agreement_matrix",
    "pearson",
    "per_class_scores",
    "per_item_agreement",
    "percent_agreement",
    "percentile_ci",
    "popcount",
    "ratings_to_counts",
    "rmse",
    "scott_pi",
    "sequence_similarity",
    "sequence_similarity_matrix",
    "sequence_similarity_pairs",
    "spearman",
    "warn_undefined",
]
