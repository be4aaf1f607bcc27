"""Unify several annotators' labels into one per item (Argilla's ``compute_unified_responses``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.agreement._report import label_series, majority_codes
from meta_evaluator.agreement._table import RatingTable
from meta_evaluator.errors import ConfigError

__all__ = ["STRATEGIES", "learned_weights", "unify_table", "weighted_counts"]

logger = logging.getLogger(__name__)

Strategy = Literal["majority", "weighted_majority", "disagreement", "mean", "median", "min", "max"]
STRATEGIES: tuple[str, ...] = (
    "majority",
    "weighted_majority",
    "disagreement",
    "mean",
    "median",
    "min",
    "max",
)
_VALUE_STRATEGIES = ("mean", "median", "min", "max")
_TIE_BREAKS = ("smallest", "random")


def _spell(options: tuple[str, ...]) -> str:
    names = [repr(o) for o in options]
    return ", ".join(names[:-1]) + " or " + names[-1]


def check_options(strategy: str, weights: Any, tie_break: str, kind: str, task_name: str) -> None:
    """Validate the unification options (STYLE.md message format)."""
    func = "unify_annotations"
    if strategy not in STRATEGIES:
        raise ConfigError(
            f"The 'strategy' parameter of {func} must be one of {_spell(STRATEGIES)}; got "
            f"{strategy!r}."
        )
    if tie_break not in _TIE_BREAKS:
        raise ConfigError(
            f"The 'tie_break' parameter of {func} must be one of {_spell(_TIE_BREAKS)}; got "
            f"{tie_break!r}."
        )
    if weights is not None and strategy not in ("weighted_majority", "mean"):
        raise ConfigError(
            f"{func}: weights apply to strategy='weighted_majority' or 'mean'; got "
            f"strategy={strategy!r} with weights={weights!r}. Drop weights or change strategy."
        )
    if not (weights is None or weights == "learned" or isinstance(weights, Mapping)):
        raise ConfigError(
            f"The 'weights' parameter of {func} must be None, 'learned' or a dict "
            f"{{annotator_id: weight}}; got {weights!r}."
        )
    if strategy in _VALUE_STRATEGIES and kind == "multilabel":
        raise ConfigError(
            f"{func}: strategy={strategy!r} needs single ordered labels; task {task_name!r} holds "
            "label sets. Use 'majority', 'weighted_majority' or 'disagreement'."
        )
    if strategy == "mean" and kind != "numeric":
        raise ConfigError(
            f"{func}: strategy='mean' needs a numeric scale; task {task_name!r} is {kind}. Use "
            "'median', 'min' or 'max' (schema order) or a majority strategy."
        )


def _weight_vector(
    table: RatingTable, weights: Any, *, strategy: str
) -> tuple[np.ndarray, dict[str, float]]:
    humans = table.rater_ids[: table.n_humans]
    if weights is None:
        w = np.ones(len(humans))
        if strategy == "weighted_majority":
            w = learned_weights(table)
    elif weights == "learned":
        w = learned_weights(table)
    else:
        unknown = sorted(set(weights) - set(humans))
        if unknown:
            raise ConfigError(
                f"unify_annotations: weights name annotator(s) {unknown!r} that have no label for "
                f"task {table.task_name!r}; annotators are {humans!r}."
            )
        bad = {a: v for a, v in weights.items() if not _is_weight(v)}
        if bad:
            raise ConfigError(
                f"unify_annotations: weights must be finite numbers >= 0; got {bad!r}."
            )
        w = np.array([float(weights.get(h, 1.0)) for h in humans])
    return w, dict(zip(humans, w.tolist(), strict=True))


def _is_weight(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v) and v >= 0


def weighted_counts(codes: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """``items x K``: sum of the weights of the raters choosing each code."""
    r, i = np.nonzero(codes >= 0)
    n_items = codes.shape[1]
    flat = i * k + codes[r, i]
    return np.bincount(flat, weights=w[r], minlength=n_items * k).reshape(n_items, k)


def learned_weights(table: RatingTable) -> np.ndarray:
    """Each annotator's agreement with the leave-one-out consensus of the others.

    For annotator ``a``: on the items ``a`` labelled that some other annotator labelled too, the
    share where ``a``'s label equals the other annotators' majority (ties: smallest label). An
    annotator who shares no item with anyone gets the mean of the others' weights (1.0 if there
    is none); a weight of 0 means the annotator never agrees and is ignored.
    """
    humans = table.humans
    k = max(table.n_labels, 1)
    ones = np.ones(humans.shape[0])
    counts = weighted_counts(humans, ones, k)
    rank = table.sorted_rank() if table.n_labels else np.zeros(k, dtype=np.int64)
    out = np.full(humans.shape[0], np.nan)
    for a in range(humans.shape[0]):
        mine = humans[a]
        labelled = mine >= 0
        others = counts.copy()
        others[labelled, mine[labelled]] -= 1.0
        has_others = others.sum(axis=1) > 0
        use = labelled & has_others
        if not use.any():
            continue
        winner, _ = majority_codes(others[use], rank)
        out[a] = float(np.mean(winner == mine[use]))
    known = np.isfinite(out)
    fill = float(out[known].mean()) if known.any() else 1.0
    return np.where(known, out, fill)


def unify_table(
    table: RatingTable,
    *,
    strategy: str,
    weights: Any,
    tie_break: str,
    seed: int,
    outcomes: list[str] | None,
) -> pl.DataFrame:
    """Unify the human labels of ``table`` (see ``MetaEvaluator.unify_annotations``)."""
    check_options(strategy, weights, tie_break, table.kind, table.task_name)
    rng = np.random.default_rng(seed)
    w, wmap = _weight_vector(table, weights, strategy=strategy)
    if strategy == "weighted_majority" or weights is not None:
        logger.info("unify_annotations %r: annotator weights %s", table.task_name, wmap)
    humans = table.humans
    k = max(table.n_labels, 1)
    name = table.task_name
    ids = pl.Series(C.ORIGINAL_ID, table.item_ids, dtype=pl.String)
    present = humans >= 0
    n_votes = present.sum(axis=0)
    if strategy == "disagreement":
        counts = weighted_counts(humans, w, k)
        total = counts.sum(axis=1)
        i, c = np.nonzero(counts > 0)
        return pl.DataFrame(
            {
                C.ORIGINAL_ID: ids.gather(pl.Series(i)),
                name: label_series(table, c, name),
                "support": counts[i, c] / total[i],
                "n_votes": weighted_counts(humans, np.ones(len(w)), k)[i, c].astype(np.int64),
            }
        ).sort(
            [pl.col(C.ORIGINAL_ID).replace_strict(table.item_ids, range(len(ids))), "support"],
            descending=[False, True],
        )
    if strategy in _VALUE_STRATEGIES:
        value, support = _value_unify(table, strategy, w)
        column = pl.Series(name, value)
        if strategy != "mean" and table.kind != "numeric":
            column = label_series(table, value.astype(np.int64), name)
        elif (
            table.kind == "numeric"
            and strategy in ("min", "max")
            and all(isinstance(c, int) for c in table.categories)
        ):
            column = column.cast(pl.Int64)
        return pl.DataFrame(
            {
                C.ORIGINAL_ID: ids,
                name: column,
                "support": support,
                "n_votes": n_votes.astype(np.int64),
            }
        )
    if table.kind == "multilabel":
        assert outcomes is not None
        return _multilabel_majority(table, w, tie_break, rng, outcomes, ids, n_votes)
    counts = weighted_counts(humans, w, k)
    total = counts.sum(axis=1)
    top = counts.max(axis=1)
    tied = np.isclose(counts, top[:, None], rtol=1e-12, atol=1e-12) & (counts > 0)
    if tie_break == "random":
        noise = np.where(tied, rng.random(counts.shape), -1.0)
        winner = noise.argmax(axis=1)
    else:
        rank = table.sorted_rank()
        winner = np.where(tied, rank[None, :], k + 1).argmin(axis=1)
    support = np.full(total.shape, np.nan)
    np.divide(top, total, out=support, where=total > 0)
    codes = np.where(total > 0, winner, -1)
    return pl.DataFrame(
        {
            C.ORIGINAL_ID: ids,
            name: label_series(table, codes, name),
            "support": support,
            "n_votes": n_votes.astype(np.int64),
        }
    )


def _value_unify(table: RatingTable, strategy: str, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean/median/min/max of values (numeric) or schema positions (categorical)."""
    humans = table.humans
    present = humans >= 0
    if table.kind == "numeric":
        vals = table.values()[: table.n_humans]
    else:
        vals = np.where(present, humans, np.nan).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if strategy == "mean":
            ww = np.where(present, w[:, None], 0.0)
            out = np.nansum(np.nan_to_num(vals) * ww, axis=0) / ww.sum(axis=0)
        elif strategy == "min":
            out = np.where(
                present.any(axis=0), np.nanmin(np.where(present, vals, np.inf), 0), np.nan
            )
        elif strategy == "max":
            out = np.where(
                present.any(axis=0), np.nanmax(np.where(present, vals, -np.inf), 0), np.nan
            )
        elif table.kind == "numeric":
            filled = np.sort(np.where(present, vals, np.inf), axis=0)
            m = present.sum(axis=0)
            lo = filled[np.maximum((m - 1) // 2, 0), np.arange(vals.shape[1])]
            hi = filled[np.maximum(m // 2, 0), np.arange(vals.shape[1])]
            out = (lo + hi) / 2.0
        else:  # categorical median: the lower median of the schema positions
            filled = np.sort(np.where(present, vals, np.inf), axis=0)
            m = present.sum(axis=0)
            out = filled[np.maximum((m - 1) // 2, 0), np.arange(vals.shape[1])]
        equal = present & np.isclose(vals, out[None, :], rtol=0.0, atol=1e-12)
        support = equal.sum(axis=0) / present.sum(axis=0)
    return out, support


def _multilabel_majority(
    table: RatingTable,
    w: np.ndarray,
    tie_break: str,
    rng: np.random.Generator,
    outcomes: list[str],
    ids: pl.Series,
    n_votes: np.ndarray,
) -> pl.DataFrame:
    """Per outcome: kept iff the weighted share of annotators choosing it is above 1/2."""
    humans = table.humans
    present = humans >= 0
    ww = np.where(present, w[:, None], 0.0)
    total = ww.sum(axis=0)
    chosen = np.zeros((len(outcomes), humans.shape[1]), dtype=bool)
    for o, outcome in enumerate(outcomes):
        has = np.array([outcome in c for c in table.categories] + [False])
        share = np.full(total.shape, np.nan)
        np.divide((has[humans] * ww).sum(axis=0), total, out=share, where=total > 0)
        tie = np.isclose(share, 0.5, rtol=0.0, atol=1e-12)
        coin = rng.random(share.shape) < 0.5 if tie_break == "random" else np.zeros_like(tie)
        chosen[o] = (share > 0.5 + 1e-12) | (tie & coin)
    # label sets as bitmasks (bit o = outcome o), so the comparison is vectorised
    bit = np.left_shift(np.int64(1), np.arange(len(outcomes), dtype=np.int64))
    unified = (chosen * bit[:, None]).sum(axis=0)
    pos = {o: b for o, b in zip(outcomes, bit.tolist(), strict=True)}
    cat_bits = np.array([sum(pos[o] for o in c) for c in table.categories] + [-1], dtype=np.int64)
    same = present & (cat_bits[humans] == unified[None, :])
    support = np.full(total.shape, np.nan)
    np.divide((same * ww).sum(axis=0), total, out=support, where=total > 0)
    uniq, inv = np.unique(unified, return_inverse=True)
    decoded = [[o for o, b in pos.items() if u & b] for u in uniq.tolist()]
    sets = pl.Series(table.task_name, decoded, dtype=pl.List(pl.String)).gather(pl.Series(inv))
    return pl.DataFrame(
        {
            C.ORIGINAL_ID: ids,
            table.task_name: sets,
            "support": support,
            "n_votes": n_votes.astype(np.int64),
        }
    )
