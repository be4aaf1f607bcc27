"""Shared fixtures for the scoring tests: small seeded label frames."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest


def make_frames(
    labels: list[str],
    *,
    n_items: int = 40,
    n_humans: int = 3,
    p_missing: float = 0.0,
    seed: int = 0,
    judge_noise: float = 0.3,
    human_noise: float = 0.25,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """judge_data (original_id, label) and human_data (original_id, human_id, label)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, len(labels), n_items)
    ids = [f"s{i:03d}" for i in range(n_items)]

    def noisy(p: float) -> np.ndarray:
        flip = rng.random(n_items) < p
        return np.where(flip, rng.integers(0, len(labels), n_items), truth)

    judge = noisy(judge_noise)
    jd = pl.DataFrame({"original_id": ids, "label": [labels[k] for k in judge]})
    rows = []
    for h in range(n_humans):
        lab = noisy(human_noise)
        keep = rng.random(n_items) >= p_missing
        rows += [(ids[i], f"h{h}", labels[lab[i]]) for i in range(n_items) if keep[i]]
    hd = pl.DataFrame(rows, schema=["original_id", "human_id", "label"], orient="row")
    return jd, hd


@pytest.fixture
def frames():
    return make_frames
