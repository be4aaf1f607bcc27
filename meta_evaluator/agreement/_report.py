"""AgreementReport: how much the humans (and the judges) agree, overall, per pair, rater, item."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from meta_evaluator import columns as C
from meta_evaluator._io import atomic_write_text
from meta_evaluator.agreement._table import HUMAN, RatingTable
from meta_evaluator.errors import ConfigError

__all__ = ["AgreementReport", "compute_agreement"]

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.67
"""Per-item agreement below this is "contested" (Krippendorff's tentative-conclusion bound)."""

SampleRows = Callable[[list[str]], list[dict[str, Any]]]
"""Returns the data rows (the sample's columns) of the given ids, in that order."""


@dataclass(frozen=True, kw_only=True)
class AgreementReport:
    """Inter-annotator agreement of one task (see :func:`compute_agreement` for every number).

    Example:
        >>> import polars as pl
        >>> from meta_evaluator.eval_task import EvalTask
        >>> from meta_evaluator.agreement import agreement_from_frames
        >>> task = EvalTask(task_schemas={"ok": ["yes", "no"]}, prompt_columns=["q"],
        ...                 response_columns=["a"], answering_method="structured")
        >>> ann = pl.DataFrame({"original_id": ["1", "1", "2", "2"],
        ...                     "annotator_id": ["ann", "bob", "ann", "bob"],
        ...                     "ok": ["yes", "yes", "yes", "no"]})
        >>> rep = agreement_from_frames(task, "ok", ann)
        >>> rep.overall["percent_agreement"], rep.overall["n_items"]
        (0.5, 2)
        >>> rep.low_agreement().get_column("original_id").to_list()
        ['2']
    """

    task_name: str
    """The task."""
    overall: dict[str, Any]
    """``krippendorff_alpha`` (nominal, or interval for ratings), ``alpha_level``,
    ``fleiss_kappa`` (None unless every item has the same number >= 2 of human labels),
    ``gwet_ac1``, ``percent_agreement``, ``n_items``, ``n_raters``, ``n_items_multi`` (items with
    two or more labels), ``n_judges`` and, with judges, ``krippendorff_alpha_with_judges``;
    ``warnings`` lists why a number is nan."""
    pairwise: pl.DataFrame
    """``rater_a, rater_b, rater_a_kind, rater_b_kind, n_items, percent_agreement,
    cohen_kappa`` for every pair of raters with shared items."""
    per_annotator: pl.DataFrame
    """``annotator_id, rater_kind, n_items, agreement_with_others, kappa_with_others``: each
    rater against the *human* annotators (other than itself)."""
    per_item: pl.DataFrame
    """``original_id, n_labels, consensus, agreement, tie, votes`` (+ ``judge_votes``) for every
    item with a human label, in data order."""
    sample_rows: SampleRows | None = field(default=None, repr=False, compare=False)
    """Where :meth:`export_label_studio` / :meth:`export_argilla` read the samples' columns."""

    def low_agreement(self, threshold: float = DEFAULT_THRESHOLD) -> pl.DataFrame:
        """Items with two or more human labels whose agreement is below ``threshold``.

        Sorted most contested first (lowest agreement, then most labels, then data order).
        Items with a single label are not "contested" (there is nothing to disagree with).

        Args:
            threshold: Share of votes for the consensus (0..1).

        Returns:
            Rows of :attr:`per_item`.
        """
        _check_threshold(threshold)
        return (
            self.per_item.with_row_index("_order")
            .filter((pl.col("n_labels") >= 2) & (pl.col("agreement") < threshold))
            .sort(["agreement", "n_labels", "_order"], descending=[False, True, False])
            .drop("_order")
        )

    def _export_rows(self, threshold: float, what: str) -> tuple[list[str], list[dict[str, Any]]]:
        ids = self.low_agreement(threshold).get_column(C.ORIGINAL_ID).to_list()
        if self.sample_rows is None:
            raise ConfigError(
                f"{what} needs the samples' columns: build the report with "
                "ev.annotator_agreement(...) on a project that has data."
            )
        return ids, self.sample_rows(ids)

    def export_label_studio(self, path: str | Path, threshold: float = DEFAULT_THRESHOLD) -> int:
        """Write the contested samples as a Label Studio import file, to send them back.

        The file is a JSON list of tasks ``{"data": {<sample columns>, "original_id": ...}}``
        (Label Studio's import format: *Project -> Import*, or ``ls.projects.import_tasks``),
        most contested first. Re-annotations come back through the usual importers, matched on
        ``original_id``.

        Args:
            path: The JSON file to write (atomically).
            threshold: As :meth:`low_agreement`.

        Returns:
            The number of tasks written.
        """
        ids, rows = self._export_rows(threshold, "export_label_studio")
        tasks = [{"data": {**row, C.ORIGINAL_ID: oid}} for oid, row in zip(ids, rows, strict=True)]
        atomic_write_text(Path(path), json.dumps(tasks, ensure_ascii=False, indent=2, default=str))
        return len(tasks)

    def export_argilla(self, path: str | Path, threshold: float = DEFAULT_THRESHOLD) -> int:
        """Write the contested samples as Argilla records (a JSON list of flat dicts).

        Each record is ``{<sample columns>, "original_id": ..., "id": original_id}``; log them
        with ``dataset.records.log(json.load(open(path)))`` (Argilla 2.x maps keys to fields and
        metadata by name; keep ``original_id`` as a metadata property or field so the responses
        import back on it).

        Args:
            path: The JSON file to write (atomically).
            threshold: As :meth:`low_agreement`.

        Returns:
            The number of records written.
        """
        ids, rows = self._export_rows(threshold, "export_argilla")
        records = [
            {**row, C.ORIGINAL_ID: oid, "id": oid} for oid, row in zip(ids, rows, strict=True)
        ]
        atomic_write_text(
            Path(path), json.dumps(records, ensure_ascii=False, indent=2, default=str)
        )
        return len(records)

    def to_csv(
        self,
        path: str | Path,
        table: Literal["per_item", "pairwise", "per_annotator"] = "per_item",
    ) -> None:
        """Write one of the tables as CSV (nested columns such as ``votes`` as JSON text).

        Args:
            path: The CSV file to write (atomically).
            table: ``"per_item"`` (default), ``"pairwise"`` or ``"per_annotator"``.
        """
        frames = {
            "per_item": self.per_item,
            "pairwise": self.pairwise,
            "per_annotator": self.per_annotator,
        }
        if table not in frames:
            raise ConfigError(
                "The 'table' parameter of AgreementReport.to_csv must be one of 'per_item', "
                f"'pairwise' or 'per_annotator'; got {table!r}."
            )
        atomic_write_text(Path(path), _flat(frames[table]).write_csv())


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested columns (lists, structs) as JSON strings, so the frame fits in a CSV."""
    nested = [c for c, t in frame.schema.items() if isinstance(t, pl.List | pl.Struct | pl.Array)]
    return frame.with_columns(
        pl.struct(pl.col(c))
        .struct.json_encode()
        .str.strip_prefix(json.dumps({c: 0}, separators=(",", ":"))[:-2])
        .str.strip_suffix("}")
        .alias(c)
        for c in nested
    )


def _check_threshold(threshold: float) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise ConfigError(f"'threshold' must be a number between 0 and 1; got {threshold!r}.")
    if not 0.0 <= float(threshold) <= 1.0:
        raise ConfigError(f"'threshold' must be between 0 and 1; got {threshold!r}.")


# --------------------------------------------------------------------------- computation
def compute_agreement(
    table: RatingTable, *, include_judges: bool, sample_rows: SampleRows | None = None
) -> AgreementReport:
    """Compute an :class:`AgreementReport` from a :class:`RatingTable`.

    * ``overall`` is over the **humans** only: Krippendorff's alpha (nominal for categories and
      label sets, interval for numeric ratings), Fleiss' kappa when the design allows it (every
      labelled item has the same number >= 2 of human labels), Gwet's AC1 over the schema's
      labels and percent agreement (mean share of agreeing pairs per item).
    * ``pairwise``: for each pair of raters with shared items, the share of shared items they
      agree on and Cohen's kappa (quadratic weights for numeric ratings) — Label Studio's IAA
      matrix, judges included when ``include_judges``.
    * ``per_annotator``: each rater against the other humans: pooled agreement
      ``sum agree / sum shared`` over the pairs and the mean pairwise kappa.
    * ``per_item``: the humans' majority label (ties: the smallest label in sorted order, as
      :func:`meta_evaluator.stats.majority_vote`), its vote share, whether it was a tie, and the
      votes.

    Args:
        table: The task's labels.
        include_judges: Also compare the judges (pairwise, per rater, alpha with judges).
        sample_rows: Where the export methods read the samples' columns.

    Returns:
        The report; undefined statistics are nan with the reason in ``overall["warnings"]``.
    """
    from meta_evaluator.stats._fleiss import _counts

    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        raters = table.codes if include_judges else table.humans
        kinds = table.rater_kinds[: raters.shape[0]]
        ids = table.rater_ids[: raters.shape[0]]
        overall = _overall(table, include_judges)
        pairwise = _pairwise(table, raters, ids, kinds)
        per_annotator = _per_annotator(table, raters, ids, kinds)
        counts = _counts(table.humans, max(table.n_labels, 1))
        per_item = _per_item(table, counts, include_judges)
    for w in caught:
        text = str(w.message)
        if text not in notes:
            notes.append(text)
            logger.info("annotator_agreement %r: %s", table.task_name, text)
    overall["warnings"] = notes
    return AgreementReport(
        task_name=table.task_name,
        overall=overall,
        pairwise=pairwise,
        per_annotator=per_annotator,
        per_item=per_item,
        sample_rows=sample_rows,
    )


def _alpha(table: RatingTable, rows: np.ndarray) -> float:
    from meta_evaluator.stats._alpha import krippendorff_alpha

    if table.kind == "numeric":
        scale = np.array([float(c) for c in table.categories] + [np.nan])
        return krippendorff_alpha(scale[rows], level="interval")
    return krippendorff_alpha(rows, level="nominal")


def _overall(table: RatingTable, include_judges: bool) -> dict[str, Any]:
    from meta_evaluator.stats._consensus import per_item_agreement
    from meta_evaluator.stats._fleiss import _counts, fleiss_kappa
    from meta_evaluator.stats._reliability import _ac1_from_counts

    humans = table.humans
    k = max(table.n_labels, 1)
    counts = _counts(humans, k)
    m = counts.sum(axis=1)
    multi = m >= 2
    fleiss: float | None = None
    if multi.any() and (m[m > 0] == m[m > 0][0]).all():
        fleiss = fleiss_kappa(counts[m > 0])
    pair_share = per_item_agreement(humans, n_labels=k)
    out: dict[str, Any] = {
        "krippendorff_alpha": _alpha(table, humans),
        "alpha_level": "interval" if table.kind == "numeric" else "nominal",
        "fleiss_kappa": fleiss,
        "gwet_ac1": _ac1_from_counts(counts.astype(np.float64), k, func="gwet_ac1"),
        "percent_agreement": float(np.nanmean(pair_share)) if multi.any() else float("nan"),
        "n_items": int((m > 0).sum()),
        "n_raters": table.n_humans,
        "n_items_multi": int(multi.sum()),
        "n_judges": len(table.rater_ids) - table.n_humans,
    }
    if include_judges and out["n_judges"]:
        out["krippendorff_alpha_with_judges"] = _alpha(table, table.codes)
    return out


def _pair_stats(table: RatingTable, raters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``shared[r, s]`` item counts and ``kappa[r, s]`` (nan without shared items)."""
    from meta_evaluator.stats._agreement import cohen_kappa

    present = (raters >= 0).astype(np.float64)
    shared = present @ present.T
    n = raters.shape[0]
    kappa = np.full((n, n), np.nan)
    weights: Literal["quadratic"] | None = "quadratic" if table.kind == "numeric" else None
    k = max(table.n_labels, 1)
    for r in range(n):
        for s in range(r + 1, n):
            if shared[r, s] > 0:
                kappa[r, s] = kappa[s, r] = cohen_kappa(
                    raters[r], raters[s], n_labels=k, weights=weights
                )
    return shared, kappa


def _pairwise(
    table: RatingTable, raters: np.ndarray, ids: list[str], kinds: list[str]
) -> pl.DataFrame:
    from meta_evaluator.stats._consensus import pairwise_agreement_matrix

    shared, kappa = _pair_stats(table, raters)
    agree = pairwise_agreement_matrix(raters)
    a, b = np.triu_indices(raters.shape[0], k=1)
    keep = shared[a, b] > 0
    a, b = a[keep], b[keep]
    return pl.DataFrame(
        {
            "rater_a": [ids[i] for i in a],
            "rater_b": [ids[i] for i in b],
            "rater_a_kind": [kinds[i] for i in a],
            "rater_b_kind": [kinds[i] for i in b],
            "n_items": shared[a, b].astype(np.int64),
            "percent_agreement": agree[a, b],
            "cohen_kappa": kappa[a, b],
        },
        schema={
            "rater_a": pl.String,
            "rater_b": pl.String,
            "rater_a_kind": pl.String,
            "rater_b_kind": pl.String,
            "n_items": pl.Int64,
            "percent_agreement": pl.Float64,
            "cohen_kappa": pl.Float64,
        },
    )


def _per_annotator(
    table: RatingTable, raters: np.ndarray, ids: list[str], kinds: list[str]
) -> pl.DataFrame:
    from meta_evaluator.stats._consensus import pairwise_agreement_matrix

    shared, kappa = _pair_stats(table, raters)
    agree = np.nan_to_num(pairwise_agreement_matrix(raters)) * shared
    is_human = np.array([k == HUMAN for k in kinds])
    n = raters.shape[0]
    others = is_human[None, :] & ~np.eye(n, dtype=bool)
    tot_shared = (shared * others).sum(axis=1)
    tot_agree = (agree * others).sum(axis=1)
    agreement = np.full(n, np.nan)
    np.divide(tot_agree, tot_shared, out=agreement, where=tot_shared > 0)
    kap = np.where(others & (shared > 0), kappa, np.nan)
    finite = np.isfinite(kap)
    with np.errstate(invalid="ignore"):
        kappa_mean = np.where(
            finite.any(axis=1), np.nansum(kap, axis=1) / np.maximum(finite.sum(axis=1), 1), np.nan
        )
    return pl.DataFrame(
        {
            "annotator_id": ids,
            "rater_kind": kinds,
            "n_items": (raters >= 0).sum(axis=1).astype(np.int64),
            "agreement_with_others": agreement,
            "kappa_with_others": kappa_mean,
        },
        schema={
            "annotator_id": pl.String,
            "rater_kind": pl.String,
            "n_items": pl.Int64,
            "agreement_with_others": pl.Float64,
            "kappa_with_others": pl.Float64,
        },
    )


def label_series(table: RatingTable, codes: np.ndarray, name: str) -> pl.Series:
    """The labels of ``codes`` (``-1`` -> null) as a polars Series of the task's label type."""
    cats = pl.Series(name, table.categories) if table.categories else pl.Series(name, [])
    idx = pl.Series(np.where(codes >= 0, codes, 0))
    out = cats.gather(idx) if table.categories else pl.Series(name, [None] * len(codes))
    return pl.select(
        pl.when(pl.Series(codes >= 0)).then(out).otherwise(None).alias(name)
    ).to_series()


def votes_column(table: RatingTable, rows: slice, rater_key: str) -> pl.DataFrame:
    """``_item`` and a list of ``{rater_key, label}`` per item, from the raters in ``rows``."""
    codes = table.codes[rows]
    r, i = np.nonzero(codes >= 0)
    ids = np.array(table.rater_ids[rows], dtype=object)
    long = pl.DataFrame(
        {
            "_item": i.astype(np.int64),
            rater_key: pl.Series(ids[r].tolist() if r.size else [], dtype=pl.String),
            C.LABEL: label_series(table, codes[r, i], C.LABEL),
        }
    )
    return long.group_by("_item", maintain_order=True).agg(
        pl.struct(rater_key, C.LABEL).alias("votes")
    )


def majority_codes(counts: np.ndarray, rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item the code with most votes (ties: lowest ``rank``), and whether it was a tie."""
    order = np.argsort(rank)
    winner = order[counts[:, order].argmax(axis=1)]
    top = counts.max(axis=1)
    tie = (counts == top[:, None]).sum(axis=1) > 1
    return winner, tie


def _per_item(table: RatingTable, counts: np.ndarray, include_judges: bool) -> pl.DataFrame:
    m = counts.sum(axis=1)
    k = max(table.n_labels, 1)
    winner, tie = majority_codes(counts, table.sorted_rank() if table.n_labels else np.zeros(k))
    top = np.take_along_axis(counts, winner[:, None], axis=1)[:, 0]
    agreement = np.where(m > 0, top / np.maximum(m, 1), np.nan)
    base = pl.DataFrame(
        {
            C.ORIGINAL_ID: table.item_ids,
            "_item": np.arange(len(table.item_ids), dtype=np.int64),
            "n_labels": m.astype(np.int64),
            "consensus": label_series(table, np.where(m > 0, winner, -1), "consensus"),
            "agreement": agreement,
            "tie": tie & (m > 0),
        }
    )
    votes = votes_column(table, slice(0, table.n_humans), C.ANNOTATOR_ID)
    out = base.join(votes, on="_item", how="left")
    if include_judges and len(table.rater_ids) > table.n_humans:
        jv = votes_column(table, slice(table.n_humans, None), C.JUDGE_ID).rename(
            {"votes": "judge_votes"}
        )
        out = out.join(jv, on="_item", how="left")
    return out.sort("_item").drop("_item")
