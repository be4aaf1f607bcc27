"""ScoreReport: every judge's scores on every metric config, as HTML, CSV or a console table."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import polars as pl

from meta_evaluator._compat import report_path
from meta_evaluator._io import atomic_write, atomic_write_text
from meta_evaluator.errors import ConfigError
from meta_evaluator.report._evidence import ReportEvidence
from meta_evaluator.report._table import ScoreTable, build_table
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

__all__ = ["ScoreReport"]

_FORMATS = ("html", "csv")


class ScoreReport:
    """A summary of finished scoring results: rows judges, columns metric configs.

    The report never computes a metric: it lays out the numbers the scorers produced. For a
    single-valued scorer the column is named after the metric config (``metadata["metric_config"]``,
    e.g. ``accuracy_1tasks_22e76eaf_single``); for the alt-test there are two columns,
    ``<config>_winning_rate`` (read at the config's epsilon, ``metadata["epsilon"]``, default 0.2)
    and ``<config>_advantage_prob`` (the original's names); a scorer with several scores gets
    ``<config>_<score key>`` columns.

    Args:
        results: Finished results (one per metric config and judge).
        project_name: Shown in the HTML header.
        judge_info: Judge id -> facts shown in the HTML "Judges" section (model, client, status
            counts, tokens, cost_usd, ...).
        annotation_info: Facts about the human annotations (number of annotators, items, ...)
            shown in the HTML header.
        evidence: Per-sample evidence (samples, human labels, judge results) for the decision
            sections: verdict costs, judge-vs-judge tests, confusion, explorer, annotators, run
            health. ``MetaEvaluator.score_report`` gathers it from the project.
        metric_configs: Unique names of every configured metric config, so the header counts
            configs that have no scores yet.
        scores_dir: Where :meth:`save` puts a bare file name (the project's ``scores/``).

    Raises:
        ConfigError: If ``results`` holds something other than ``BaseScoringResult`` objects.

    Examples:
        >>> r = BaseScoringResult(scorer_name="accuracy", task_name="t", judge_id="j1",
        ...                       scores={"accuracy": 0.9}, metadata={"metric_config": "acc_cfg"})
        >>> ScoreReport([r]).to_frame().columns
        ['judge_id', 'acc_cfg']
    """

    def __init__(
        self,
        results: Sequence[BaseScoringResult],
        *,
        project_name: str | None = None,
        judge_info: Mapping[str, Mapping[str, Any]] | None = None,
        annotation_info: Mapping[str, Any] | None = None,
        evidence: ReportEvidence | None = None,
        metric_configs: Sequence[str] = (),
        scores_dir: str | Path | None = None,
    ) -> None:
        if isinstance(results, BaseScoringResult | str | bytes) or not isinstance(
            results, Sequence
        ):
            raise ConfigError(
                "The 'results' parameter of ScoreReport must be a list of BaseScoringResult; "
                f"got {type(results).__name__!r}. Pass the list returned by compare_async()."
            )
        for index, result in enumerate(results):
            if not isinstance(result, BaseScoringResult):
                raise ConfigError(
                    f"ScoreReport: results[{index}] must be a BaseScoringResult; got "
                    f"{type(result).__name__!r}. Load saved results with "
                    "BaseScoringResult.load_state(path)."
                )
        self._results: list[BaseScoringResult] = list(results)
        self._project_name = project_name
        self._judge_info = {str(k): dict(v) for k, v in (judge_info or {}).items()}
        self._annotation_info = dict(annotation_info or {})
        self._evidence = evidence
        self._metric_configs = list(metric_configs)
        self._scores_dir = Path(scores_dir) if scores_dir is not None else None
        self._table: ScoreTable = build_table(self._results)

    @property
    def results(self) -> list[BaseScoringResult]:
        """The results the report was built from (a copy of the list)."""
        return list(self._results)

    def __repr__(self) -> str:
        return (
            f"ScoreReport({len(self._table.judges)} judges x "
            f"{len(self._table.columns)} score columns)"
        )

    def to_frame(self) -> pl.DataFrame:
        """The summary table as a polars frame.

        Returns:
            One row per judge (order of first appearance); first column ``judge_id``, then one
            Float64 column per score column. nan = the metric is undefined for that judge;
            null = it was not computed for that judge.
        """
        return self._table.to_frame()

    def to_html(self) -> str:
        """The report as one self-contained HTML page (inline CSS, charts as data URIs).

        Returns:
            The page; every text taken from results or arguments is HTML-escaped.
        """
        from meta_evaluator.report._html import render_html

        generated = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return render_html(
            self._results,
            self._table,
            project_name=self._project_name,
            judge_info=self._judge_info,
            annotation_info=self._annotation_info,
            generated_at=generated,
            evidence=self._evidence,
            metric_configs=self._metric_configs,
        )

    def save(
        self,
        path: str | Path,
        format: Literal["html", "csv"] = "html",  # the seed's public name (shadows a builtin)
    ) -> Path:
        """Write the report to ``path`` atomically (parent directories are created).

        Args:
            path: Destination file; a bare file name (``"score_report.html"``) goes into the
                project's ``scores/`` folder, as in the original meta-evaluator.
            format: ``"html"`` (the full page) or ``"csv"`` (the :meth:`to_frame` table followed
                by ``<column>__ci_low`` / ``__ci_high`` / ``__human_ceiling``,
                ``<config>__verdict`` and ``<config>__label`` columns).

        Returns:
            The path written.

        Raises:
            ConfigError: If ``format`` is not ``"html"`` or ``"csv"``.
        """
        if format not in _FORMATS:
            raise ConfigError(
                "The 'format' parameter of ScoreReport.save must be one of 'html' or 'csv'; "
                f"got {format!r}."
            )
        target = report_path(path, self._scores_dir)
        if format == "html":
            atomic_write_text(target, self.to_html())
        else:
            from meta_evaluator.report._csv import csv_frame
            from meta_evaluator.report._view import result_view

            frame = csv_frame(self._table, [result_view(r) for r in self._results])
            atomic_write(target, lambda tmp: frame.write_csv(tmp))
        return target

    def print(self) -> None:
        """Print the summary table to stdout under a ``Score Report:`` heading."""
        frame = self.to_frame()
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=240, fmt_str_lengths=120):
            sys.stdout.write(f"Score Report:\n{frame}\n")
