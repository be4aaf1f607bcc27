"""The alt-test kernel on the paper's released annotations (Calderon, Reichart & Dror, 2025).

Data: ``../shared/data/alttest_datasets/<dataset>/{human,llm}_annotations.json`` (relative to the
repository root; copied byte-identical from github.com/nitaytech/AltTest at commit 18428b1f, see the
README there). Each dataset is run with the paper's settings (scoring function, epsilon, q = 0.05,
>= 2 humans per instance, >= 30 instances per human) and compared with the slow dict-based reference
in ``_alt_test_reference.py`` to 1e-9, and with the numbers printed by the authors' notebook.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from meta_evaluator.stats._alt_test import alt_test

DATA_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "alttest_datasets"

# The notebook's settings: `datasets_scoring_functions` and `datasets_epsilons` in
# alt_test_example.ipynb (github.com/nitaytech/AltTest,
# commit 13eada270fed73be2dfba64392a14b905df65e27).
SETTINGS: dict[str, tuple[str, float]] = {
    "wax": ("accuracy", 0.1),
    "lgbteen": ("accuracy", 0.2),
    "mtbench": ("accuracy", 0.2),
    "framing": ("accuracy", 0.15),
    "cebab_aspects": ("accuracy", 0.1),
    "summeval": ("neg_rmse", 0.2),
    "10k_prompts": ("neg_rmse", 0.15),
    "cebab_stars": ("neg_rmse", 0.1),
    "lesion": ("neg_rmse", 0.15),
}

# Published results: the output of the cell "Example (paper's data)" in alt_test_example.ipynb
# (github.com/nitaytech/AltTest, commit 13eada270fed73be2dfba64392a14b905df65e27), printed as
# f"Winning Rate={wr:.2f}\tAdvantage Probability={ap:.2f}" per dataset and LLM.
# Values: (winning rate, advantage probability), both as printed (2 decimals).
PUBLISHED: dict[str, dict[str, tuple[str, str]]] = {
    "wax": {
        "gemini_flash": ("0.38", "0.69"),
        "gemini_pro": ("0.50", "0.74"),
        "gpt-4o": ("0.50", "0.73"),
        "llama-31": ("0.00", "0.57"),
        "gpt-4o-mini": ("0.00", "0.59"),
        "mistral-v03": ("0.00", "0.50"),
    },
    "lgbteen": {
        "gemini_flash": ("0.25", "0.71"),
        "gemini_pro": ("0.00", "0.67"),
        "gpt-4o": ("0.75", "0.77"),
        "llama-31": ("0.00", "0.72"),
        "gpt-4o-mini": ("0.75", "0.76"),
        "mistral-v03": ("0.25", "0.75"),
    },
    "mtbench": {
        "gemini_flash": ("0.00", "0.72"),
        "gemini_pro": ("0.00", "0.76"),
        "gpt-4o": ("0.00", "0.77"),
        "llama-31": ("0.00", "0.69"),
        "gpt-4o-mini": ("0.00", "0.74"),
        "mistral-v03": ("0.00", "0.68"),
    },
    "framing": {
        "gemini_flash": ("1.00", "0.83"),
        "gemini_pro": ("1.00", "0.91"),
        "gpt-4o": ("1.00", "0.92"),
        "llama-31": ("0.50", "0.80"),
        "gpt-4o-mini": ("1.00", "0.87"),
        "mistral-v03": ("0.25", "0.80"),
    },
    "cebab_aspects": {
        "gemini_flash": ("0.70", "0.91"),
        "gemini_pro": ("0.90", "0.94"),
        "gpt-4o": ("0.90", "0.93"),
        "llama-31": ("0.60", "0.89"),
        "gpt-4o-mini": ("0.50", "0.90"),
        "mistral-v03": ("0.10", "0.81"),
    },
    "summeval": {
        "gemini_flash": ("0.00", "0.46"),
        "gemini_pro": ("0.00", "0.44"),
        "gpt-4o": ("0.00", "0.48"),
        "llama-31": ("0.00", "0.58"),
        "gpt-4o-mini": ("0.00", "0.54"),
        "mistral-v03": ("0.00", "0.62"),
    },
    "10k_prompts": {
        "gemini_flash": ("0.31", "0.67"),
        "gemini_pro": ("0.08", "0.63"),
        "gpt-4o": ("0.69", "0.76"),
        "llama-31": ("0.15", "0.67"),
        "gpt-4o-mini": ("0.92", "0.80"),
        "mistral-v03": ("0.15", "0.67"),
    },
    "cebab_stars": {
        "gemini_flash": ("0.60", "0.82"),
        "gemini_pro": ("0.80", "0.87"),
        "gpt-4o": ("0.90", "0.90"),
        "llama-31": ("0.60", "0.85"),
        "gpt-4o-mini": ("0.90", "0.89"),
        "mistral-v03": ("0.50", "0.83"),
    },
    "lesion": {
        "gemini_flash": ("0.17", "0.71"),
        "gemini_pro": ("1.00", "0.81"),
        "gpt-4o": ("0.00", "0.62"),
        "gpt-4o-mini": ("0.67", "0.73"),
    },
}

CASES = [(ds, llm) for ds, llms in PUBLISHED.items() for llm in llms]


def _load_reference() -> Any:
    path = Path(__file__).with_name("_alt_test_reference.py")
    spec = importlib.util.spec_from_file_location("_alt_test_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_alt_test_reference", module)
    spec.loader.exec_module(module)
    return module


ref = _load_reference()


def _require_data() -> None:
    if not DATA_DIR.is_dir():
        pytest.skip(
            f"alt-test paper datasets not found at {DATA_DIR}; they live in the shared data folder "
            "next to the repository (see shared/data/alttest_datasets/README.md)"
        )


_CACHE: dict[str, tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]] = {}


def load(dataset: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Return (human annotations, llm annotations) exactly as released."""
    if dataset not in _CACHE:
        folder = DATA_DIR / dataset
        humans = json.loads((folder / "human_annotations.json").read_text(encoding="utf-8"))
        llms = json.loads((folder / "llm_annotations.json").read_text(encoding="utf-8"))
        _CACHE[dataset] = (humans, llms)
    return _CACHE[dataset]


def to_arrays(
    humans: dict[str, dict[str, Any]], llm: dict[str, Any], scoring: str
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Dicts -> (judge, humans, human_ids) in the kernel's encoding.

    accuracy: labels -> integer codes over the union of all labels seen (case-sensitive),
    -1 missing; neg_rmse: numbers as floats, nan missing.
    """
    items = sorted({i for anns in humans.values() for i in anns} | set(llm))
    pos = {i: k for k, i in enumerate(items)}
    ids = list(humans)
    if scoring == "accuracy":
        vocab = sorted(
            {str(v) for anns in humans.values() for v in anns.values()}
            | {str(v) for v in llm.values()}
        )
        code = {v: k for k, v in enumerate(vocab)}
        judge = np.full(len(items), -1, dtype=np.int64)
        mat = np.full((len(ids), len(items)), -1, dtype=np.int64)
        convert: Any = lambda v: code[str(v)]  # noqa: E731
    else:
        judge = np.full(len(items), np.nan)
        mat = np.full((len(ids), len(items)), np.nan)
        convert = float
    for i, v in llm.items():
        judge[pos[i]] = convert(v)
    for j, h in enumerate(ids):
        for i, v in humans[h].items():
            mat[j, pos[i]] = convert(v)
    return judge, mat, ids


def run_kernel(dataset: str, llm_name: str) -> Any:
    humans, llms = load(dataset)
    scoring, epsilon = SETTINGS[dataset]
    judge, mat, ids = to_arrays(humans, llms[llm_name], scoring)
    return alt_test(judge, mat, human_ids=ids, scoring=scoring, epsilon=epsilon)  # type: ignore[arg-type]


def test_data_labels_are_as_documented() -> None:
    _require_data()
    humans, llms = load("lgbteen")
    human_labels = {v for anns in humans.values() for v in anns.values()}
    llm_labels = {v for v in llms["gpt-4o"].values()}
    # lgbteen: "No response" (humans) and "Ignore" (LLMs) are different strings that never match.
    assert "No response" in human_labels and "Ignore" not in human_labels
    assert "Ignore" in llm_labels
    humans, _ = load("summeval")
    assert all(isinstance(v, int) for anns in humans.values() for v in anns.values())


@pytest.mark.parametrize(("dataset", "llm_name"), CASES)
def test_matches_published_numbers(dataset: str, llm_name: str) -> None:
    _require_data()
    res = run_kernel(dataset, llm_name)
    wr, ap = PUBLISHED[dataset][llm_name]
    assert f"{res.winning_rate:.2f}" == wr
    assert f"{res.advantage_probability:.2f}" == ap
    assert res.passed is (float(wr) >= 0.5)


@pytest.mark.parametrize(
    ("dataset", "llm_name"),
    [(ds, llm) for ds, llm in CASES if llm in ("gpt-4o", "gpt-4o-mini")],
)
def test_matches_reference_on_paper_data(dataset: str, llm_name: str) -> None:
    _require_data()
    humans, llms = load(dataset)
    scoring, epsilon = SETTINGS[dataset]
    score = ref.score_accuracy if scoring == "accuracy" else ref.score_neg_rmse
    expected = ref.reference_alt_test(llms[llm_name], humans, score, epsilon=epsilon)
    ref.assert_matches(run_kernel(dataset, llm_name), expected)


@pytest.mark.parametrize("dataset", list(SETTINGS))
def test_multiplicative_and_wilcoxon_match_reference(dataset: str) -> None:
    """The variants the notebook does not print, against the reference on gpt-4o."""
    _require_data()
    humans, llms = load(dataset)
    scoring, epsilon = SETTINGS[dataset]
    judge, mat, ids = to_arrays(humans, llms["gpt-4o"], scoring)
    score = ref.score_accuracy if scoring == "accuracy" else ref.score_neg_rmse
    for kwargs in ({"multiplicative_epsilon": True}, {"test": "wilcoxon"}):
        res = alt_test(
            judge, mat, human_ids=ids, scoring=scoring, epsilon=epsilon,  # type: ignore[arg-type]
            **kwargs,
        )  # fmt: skip
        expected = ref.reference_alt_test(
            llms["gpt-4o"], humans, score, epsilon=epsilon,
            multiplicative=bool(kwargs.get("multiplicative_epsilon", False)),
            test=str(kwargs.get("test", "ttest")),
        )  # fmt: skip
        ref.assert_matches(res, expected)
