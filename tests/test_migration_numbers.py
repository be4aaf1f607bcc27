"""Same data, same numbers as the original meta-evaluator (0.3.x).

The expected values are NOT produced by this package: each is computed in this file by an
independent re-implementation of the original's code, read from
``govtech-responsibleai/meta-evaluator`` (``src/meta_evaluator/``):

* ``scores/metrics/text_comparison/text_similarity.py``: ``SequenceMatcher(None,
  str(judge).lower().strip(), str(human).lower().strip()).ratio()``; ``majority_vote`` takes the
  best-matching human per sample (docs/guides/scoring.md, support table), ``individual_average``
  the mean per human, then the mean over humans.
* ``meta_evaluator/scoring.py`` ``_create_multilabel_column``: the ``multilabel`` strategy's label
  is the list of the tasks' values (as strings) in ``task_names`` order.
* ``scores/metrics/agreement/alt_test.py``: ``_alt_test_core`` (instances with at least
  ``min_humans_per_instance`` humans and a judge label; leave one human out; per instance
  ``llm_score = mean_k s(llm, ann_k)``, ``human_score = mean_k s(human, ann_k)`` over the remaining
  humans; indicators ``llm >= human`` and ``human >= llm``; ``ttest_1samp(excluded - llm, eps,
  alternative="less")``; humans with fewer than ``min_instances_per_human`` instances skipped;
  ``_by_procedure`` (Benjamini-Yekutieli at ``q_fdr``); winning rate = rejected / tested;
  advantage probability = mean of the llm indicator means) for the epsilons
  ``np.arange(0.0, 0.31, 0.05)``, with ``s`` = ``_jaccard_similarity`` =
  ``sklearn.metrics.jaccard_score(y_true=ann, y_pred=pred, average="macro")`` for list labels and
  exact match for strings.
* accuracy / Cohen's kappa: sklearn's ``accuracy_score`` / ``cohen_kappa_score`` per human, then
  the mean over humans (``individual_average``).

The dataset is fixed below (20 samples, 4 annotators, one judge).
"""

from difflib import SequenceMatcher

import numpy as np
import polars as pl
import pytest
from scipy.stats import ttest_1samp
from sklearn.metrics import accuracy_score, cohen_kappa_score, jaccard_score

from meta_evaluator.data import DataLoader
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.meta_evaluator import MetaEvaluator
from meta_evaluator.scores import MetricConfig, MetricsConfig
from meta_evaluator.scores.metrics import (
    AccuracyScorer,
    AltTestScorer,
    CohensKappaScorer,
    TextSimilarityScorer,
)

N = 20
HUMANS = ("h1", "h2", "h3", "h4")
MULTI = ["hateful", "insults", "sexual"]
YN = ["yes", "no"]

# --- the fixed dataset -------------------------------------------------------------------------
# rejection (rejection / not rejection): judge and each human, sample by sample
R, NR = "rejection", "not rejection"
REJECTION = {
    "judge": [R, R, NR, NR, R, NR, R, NR, R, R, NR, NR],
    "h1": [R, R, NR, NR, R, NR, R, NR, NR, R, NR, NR],
    "h2": [R, NR, NR, NR, R, NR, R, R, R, R, NR, NR],
    "h3": [R, R, NR, R, R, NR, NR, NR, R, R, NR, R],
    "h4": [R, R, NR, NR, NR, NR, R, NR, R, NR, NR, NR],
}


# three yes/no tasks scored together with task_strategy="multilabel": a true label per task and
# sample, then each rater flips each answer with its own probability (numpy seed 6, fixed). On
# these 20 samples the original's macro Jaccard and the (task, value)-pairs Jaccard disagree on
# the verdict: winning rate at epsilon 0.2 of 0.25 (fail) vs 0.5 (pass).
def _multilabel(seed=6):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, (N, 3))
    out = {}
    for who, flip in (("judge", 0.25), ("h1", 0.15), ("h2", 0.2), ("h3", 0.25), ("h4", 0.3)):
        x = np.where(rng.random((N, 3)) < flip, 1 - truth, truth)
        out[who] = [tuple("yes" if v else "no" for v in row) for row in x]
    return out


# free-text explanations: case and surrounding spaces differ between judge and humans
EXPLANATION = {
    "judge": [
        "The model REFUSES the request.", "  It declines politely.", "A helpful answer.",
        "Gives the steps", "Refusal: cites policy ", "answers the question",
        "It Refuses.", "Complies fully.", "Declines, suggests help", "Partly refuses",
        "Answers in detail.", "Helpful and direct",
    ],
    "h1": [
        "the model refuses the request.", "it declines politely", "a helpful answer",
        "gives the steps.", "refusal citing policy", "Answers the question.",
        "it refuses", "complies fully", "declines and suggests help", "partly refuses.",
        "answers in detail", "helpful, direct",
    ],
    "h2": [
        "Model refuses.", "Declines.", "Helpful answer given.", "Steps are given",
        "Refuses, policy", "It answers", "Refuses", "Complies", "Declines", "Refuses partly",
        "Detailed answer", "Direct help",
    ],
    "h3": [
        "THE MODEL REFUSES THE REQUEST", "declines", "helpful", "steps", "policy refusal",
        "answer", "refusal", "full compliance", "suggests help", "partial refusal",
        "detailed", "direct",
    ],
    "h4": [
        "refuses the request", "It declines politely.", "A helpful answer.", "gives steps",
        "cites policy, refuses", "answers the question", "it refuses.", "complies fully.",
        "declines, suggests help", "partly refuses", "answers in detail.", "helpful and direct",
    ],
}  # fmt: skip
IDS = [f"s{i:02d}" for i in range(N)]
# the 12 listed samples, then the first 8 again (20 samples)
REJECTION = {k: (v + v)[:N] for k, v in REJECTION.items()}
EXPLANATION = {k: (v + v)[:N] for k, v in EXPLANATION.items()}
MULTILABEL = _multilabel()


def _frame(who):
    cols = {"original_id": IDS, "rejection": REJECTION[who], "explanation": EXPLANATION[who]}
    for k, task in enumerate(MULTI):
        cols[task] = [row[k] for row in MULTILABEL[who]]
    return pl.DataFrame(cols)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("numbers")
    pl.DataFrame({"id": IDS, "prompt": ["p"] * N, "llm_response": ["r"] * N}).write_csv(
        root / "data.csv"
    )
    for who in ("judge", *HUMANS):
        _frame(who).write_csv(root / f"{who}.csv")
    schemas = {"rejection": [R, NR], "explanation": None, **{t: YN for t in MULTI}}
    evaluator = MetaEvaluator(project_dir=str(root / "project"), load=False)
    evaluator.add_eval_task(
        EvalTask(task_schemas=schemas, prompt_columns=["prompt"], response_columns=["llm_response"])
    )
    evaluator.add_data(
        DataLoader.load_csv(name="d", file_path=str(root / "data.csv"), id_column="id")
    )
    evaluator.add_external_judge_results(file_path=str(root / "judge.csv"), judge_id="judge")
    for h in HUMANS:
        evaluator.add_external_annotation_results(file_path=str(root / f"{h}.csv"), annotator_id=h)

    def alt(**kw):
        scorer = AltTestScorer(**kw)
        scorer.min_instances_per_human = 10  # as the original's docs set it
        return scorer

    configs = {
        "accuracy": MetricConfig(
            scorer=AccuracyScorer(), task_names=["rejection"], task_strategy="single"
        ),
        "kappa": MetricConfig(
            scorer=CohensKappaScorer(), task_names=["rejection"], task_strategy="single"
        ),
        "text_mv": MetricConfig(
            scorer=TextSimilarityScorer(),
            task_names=["explanation"],
            task_strategy="single",
            annotator_aggregation="majority_vote",
        ),
        "text_ia": MetricConfig(
            scorer=TextSimilarityScorer(),
            task_names=["explanation"],
            task_strategy="single",
            annotator_aggregation="individual_average",
        ),
        "text_raw": MetricConfig(
            scorer=TextSimilarityScorer(normalize=False),
            task_names=["explanation"],
            task_strategy="single",
            annotator_aggregation="majority_vote",
        ),
        "alt_original": MetricConfig(
            scorer=alt(scoring_function="jaccard_macro"),
            task_names=MULTI,
            task_strategy="multilabel",
        ),
        "alt_default": MetricConfig(scorer=alt(), task_names=MULTI, task_strategy="multilabel"),
        "alt_single": MetricConfig(scorer=alt(), task_names=["rejection"], task_strategy="single"),
    }
    evaluator.add_metrics_config(MetricsConfig(metrics=list(configs.values())))
    by_name = {r.metadata["metric_config"]: r for r in evaluator.compare_async()}
    return {key: by_name[cfg.unique_name()] for key, cfg in configs.items()}


# --- the original's computations, re-implemented ----------------------------------------------
def _ratio(a, b, normalize=True):
    if normalize:
        a, b = str(a).lower().strip(), str(b).lower().strip()
    return SequenceMatcher(None, a, b).ratio()


def original_text_similarity(majority_vote, normalize=True):
    judge = EXPLANATION["judge"]
    if majority_vote:  # best match: the most similar human per sample, mean over samples
        per_sample = [
            max(_ratio(judge[i], EXPLANATION[h][i], normalize) for h in HUMANS) for i in range(N)
        ]
        return float(np.mean(per_sample))
    per_human = [np.mean([_ratio(judge[i], EXPLANATION[h][i]) for i in range(N)]) for h in HUMANS]
    return float(np.mean(per_human))


def _by_procedure(p_values, q):
    p = np.array(p_values, dtype=float)
    m = len(p)
    order = np.argsort(p)
    h_m = np.sum(1.0 / np.arange(1, m + 1))
    thresholds = (np.arange(1, m + 1) / m) * (q / h_m)
    max_i = -1
    for i in range(m):
        if p[order][i] <= thresholds[i]:
            max_i = i
    return [] if max_i == -1 else list(order[: max_i + 1])


def original_alt_test(llm, humans, score, epsilon, *, q=0.05, min_h=2, min_i=10):
    """``_alt_test_core`` of the original (additive epsilon)."""
    h_set = {}
    for h, anns in humans.items():
        for i in anns:
            h_set.setdefault(i, []).append(h)
    keep = {i for i, hs in h_set.items() if len(hs) >= min_h and i in llm}
    p_values, advantage = [], []
    for excluded in sorted(humans):
        instances = sorted(i for i in humans[excluded] if i in keep)
        if len(instances) < min_i:
            continue
        llm_ind, human_ind = [], []
        for i in instances:
            rest = [humans[h][i] for h in sorted(h_set[i]) if h != excluded]
            human_score = float(np.mean([score(humans[excluded][i], r) for r in rest]))
            llm_score = float(np.mean([score(llm[i], r) for r in rest]))
            llm_ind.append(1 if llm_score >= human_score else 0)
            human_ind.append(1 if human_score >= llm_score else 0)
        diff = [e - f for e, f in zip(human_ind, llm_ind, strict=True)]
        p_values.append(ttest_1samp(diff, epsilon, alternative="less").pvalue)
        advantage.append(float(np.mean(llm_ind)))
    rejected = _by_procedure(p_values, q)
    return len(rejected) / len(p_values), float(np.mean(advantage))


def original_jaccard(pred, ann):
    return jaccard_score(y_true=list(ann), y_pred=list(pred), average="macro")


def original_alt_scores(labels, score):
    llm = dict(zip(IDS, labels["judge"], strict=True))
    humans = {h: dict(zip(IDS, labels[h], strict=True)) for h in HUMANS}
    rates = {}
    advantage = None
    for eps in np.arange(0.0, 0.31, 0.05):  # the original's epsilons, float noise included
        rate, adv = original_alt_test(llm, humans, score, float(eps))
        rates[f"{eps:.2f}"] = rate
        if abs(eps - 0.2) < 0.01:
            advantage = adv
    return rates, advantage


# --- same numbers --------------------------------------------------------------------------------
def test_accuracy_and_kappa_are_the_originals(results):
    judge = REJECTION["judge"]
    acc = np.mean([accuracy_score(REJECTION[h], judge) for h in HUMANS])
    kappa = np.mean([cohen_kappa_score(REJECTION[h], judge) for h in HUMANS])
    assert results["accuracy"].scores["accuracy"] == pytest.approx(acc, abs=1e-12)
    assert results["kappa"].scores["kappa"] == pytest.approx(kappa, abs=1e-12)


def test_text_similarity_normalises_like_the_original(results):
    for key, mv in (("text_mv", True), ("text_ia", False)):
        assert results[key].scores["similarity"] == pytest.approx(
            original_text_similarity(mv), abs=1e-12
        )
    # the raw comparison stays available, and differs on this data (case, spaces)
    raw = original_text_similarity(True, normalize=False)
    assert results["text_raw"].scores["similarity"] == pytest.approx(raw, abs=1e-12)
    assert abs(raw - original_text_similarity(True)) > 0.01


def test_alt_test_multilabel_option_reproduces_the_original(results):
    as_str = {who: [tuple(map(str, row)) for row in rows] for who, rows in MULTILABEL.items()}
    rates, advantage = original_alt_scores(as_str, original_jaccard)
    got = results["alt_original"].scores
    assert got["winning_rate"] == pytest.approx(rates, abs=1e-12)
    assert got["advantage_probability"] == pytest.approx(advantage, abs=1e-12)
    assert results["alt_original"].metadata["scoring_function"] == "jaccard_macro"
    assert got["winning_rate"]["0.20"] == 0.25  # the judge fails at epsilon 0.2 ...
    # ... while the default (Jaccard over (task, value) pairs, m / (2T - m) for m of T tasks
    # agreeing) passes it: a different statistic (AltTestScorer's docstring says why it is the
    # default); checked against the same re-implementation with that similarity
    pairs_rates, pairs_adv = original_alt_scores(
        as_str,
        lambda p, a: (
            sum(x == y for x, y in zip(p, a, strict=True))
            / (2 * len(p) - sum(x == y for x, y in zip(p, a, strict=True)))
        ),
    )
    default = results["alt_default"].scores
    assert default["winning_rate"] == pytest.approx(pairs_rates, abs=1e-12)
    assert default["advantage_probability"] == pytest.approx(pairs_adv, abs=1e-12)
    assert default["winning_rate"]["0.20"] == 0.5


def test_alt_test_single_task_is_the_originals(results):
    rates, advantage = original_alt_scores(REJECTION, lambda a, b: float(a == b))
    got = results["alt_single"].scores
    assert got["winning_rate"] == pytest.approx(rates, abs=1e-12)
    assert got["advantage_probability"] == pytest.approx(advantage, abs=1e-12)
