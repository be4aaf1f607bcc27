"""Compatibility with the original meta-evaluator API (govtech-responsibleai/meta-evaluator 0.3.x).

Scripts written for the original run unchanged on this package (see the README section
"Migrating from meta-evaluator"). Every alias and compatibility argument the core accepts is
implemented here, so the core modules only hold thin hooks:

* mixins the core classes inherit: :class:`MetaEvaluatorCompat` (``ev.paths``, the blocking
  ``run_judges()`` / ``compare()``, ``load_all_human_results()``), :class:`EvalDataCompat`
  (``stratified_sample_by_columns``), :class:`DataLoaderCompat` (``load_from_dataframe``),
  :class:`JudgeResultsCompat` (``.data``, ``.run_id``, ``get_successful_results()``);
* helpers the core calls: run options of ``run_judges_async`` (``run_id``, ``save_results``,
  ``results_format``, a ``judge_ids`` string), ``save_state`` options, ``Prompt`` objects as
  judge prompts, the run ids of external results, deferred id checks (external results added
  before the data), the ``skip_function`` of an :class:`~meta_evaluator.eval_task.EvalTask`,
  bare report file names, the original's import paths of the scorers.

This module imports only the standard library, polars and the error tree at import time (the
core imports it); everything else is imported where it is used.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator._io import atomic_write_text
from meta_evaluator.errors import AnnotationError, ConfigError

if TYPE_CHECKING:
    from meta_evaluator.annotations import AnnotationStore
    from meta_evaluator.data import EvalData
    from meta_evaluator.eval_task import EvalTask
    from meta_evaluator.judges import JudgeResults
    from meta_evaluator.scores import MetricsConfig
    from meta_evaluator.scores.base_scoring_result import BaseScoringResult

__all__ = [
    "CompareSelection",
    "ComparisonResults",
    "DataLoaderCompat",
    "EvalDataCompat",
    "HumanAnnotationResults",
    "JudgeResultsCompat",
    "MetaEvaluatorCompat",
    "MetricsConfigCompat",
    "ProjectPaths",
    "ResultsFormat",
    "accepts_annotator_aggregation",
    "adopt_raw_frame",
    "annotation_runs",
    "annotation_source",
    "check_labels_known",
    "check_run_options",
    "check_save_options",
    "check_skip_function",
    "compare_selection",
    "has_default_options",
    "human_results",
    "is_visible_entry",
    "judge_id_list",
    "judge_report_facts",
    "leave_out",
    "merge_display_name",
    "original_hash8",
    "prompt_text",
    "record_annotation_run",
    "record_judge_run",
    "report_path",
    "run_location",
    "scores_attribute",
    "select_humans",
    "skip_reason",
    "stamp_run_id",
]

logger = logging.getLogger("meta_evaluator")

ResultsFormat = Literal["json", "csv", "parquet"]
_RESULTS_FORMATS: tuple[str, ...] = ("json", "csv", "parquet")
_RUNS_FILE = "runs.json"
"""Sidecar in ``annotations/``: annotator id -> the ``run_id`` (and metadata) it was added with."""


# --------------------------------------------------------------------------- project
def is_visible_entry(name: str) -> bool:
    """Whether a directory entry makes a folder a non-empty project.

    Dotfiles (``.gitkeep``, ``.DS_Store``, ``.ipynb_checkpoints``) do not: the original opened a
    folder holding only those as a new project, and so do we.

    Example:
        >>> is_visible_entry(".gitkeep"), is_visible_entry("state.json")
        (False, True)
    """
    return not name.startswith(".")


@dataclass(frozen=True)
class ProjectPaths:
    """The project's folders, as the original's ``ev.paths`` names them.

    Example:
        >>> ProjectPaths(Path("proj")).scores
        PosixPath('proj/scores')
    """

    project: Path
    """The project directory."""

    @property
    def data(self) -> Path:
        """The evaluation data folder."""
        return self.project / "data"

    @property
    def results(self) -> Path:
        """The judge results folder (one sub-folder per judge)."""
        return self.project / "results"

    @property
    def annotations(self) -> Path:
        """The human annotations folder."""
        return self.project / "annotations"

    @property
    def scores(self) -> Path:
        """Scores, charts and the score report."""
        return self.project / "scores"

    @property
    def cache(self) -> Path:
        """The judge response cache."""
        return self.project / "cache"

    def ensure_directories(self) -> None:
        """Create the project folder and its sub-folders (as the original does)."""
        for path in (self.project, self.data, self.results, self.annotations, self.scores):
            path.mkdir(parents=True, exist_ok=True)


# --------------------------------------------------------------------------- judges
def prompt_text(prompt: Any) -> str | None:
    """The template text of a judge ``prompt``: a string, None, or a ``common.models.Prompt``.

    Raises:
        ConfigError: Anything else.
    """
    from meta_evaluator.common.models import Prompt

    if prompt is None or isinstance(prompt, str):
        return prompt
    if isinstance(prompt, Prompt):
        return prompt.prompt
    raise ConfigError(
        "The 'prompt' parameter of add_judge must be a template string or a "
        f"meta_evaluator.common.models.Prompt; got {type(prompt).__name__!r}."
    )


def judge_id_list(judge_ids: str | Sequence[str] | None) -> list[str] | None:
    """``judge_ids`` as a list: the original also takes one id as a string.

    Example:
        >>> judge_id_list("gpt_4_judge"), judge_id_list(None)
        (['gpt_4_judge'], None)
    """
    if judge_ids is None:
        return None
    if isinstance(judge_ids, str):
        return [judge_ids]
    return list(judge_ids)


def check_run_options(*, run_id: str | None, save_results: bool, results_format: str) -> None:
    """Validate the original's ``run_judges_async`` options.

    ``results_format`` is accepted for compatibility only: results are always stored as
    ``results/<judge_id>/results.parquet`` plus a per-row journal (that is what makes resume work).

    Raises:
        ConfigError: An option has the wrong type or value.
    """
    if run_id is not None and (not isinstance(run_id, str) or not run_id.strip()):
        raise ConfigError(
            f"The 'run_id' parameter of run_judges must be a non-empty string or None; got "
            f"{run_id!r}."
        )
    if not isinstance(save_results, bool):
        raise ConfigError(
            f"The 'save_results' parameter of run_judges must be True or False; got "
            f"{save_results!r}."
        )
    if results_format not in _RESULTS_FORMATS:
        raise ConfigError(
            "The 'results_format' parameter of run_judges must be one of 'json', 'csv' or "
            f"'parquet'; got {results_format!r}."
        )


@contextlib.contextmanager
def run_location(project_dir: Path, *, save_results: bool) -> Iterator[tuple[Path, Path | None]]:
    """``(results_dir, cache_dir)`` for a judge run.

    ``save_results=False`` (the original's in-memory run) runs in a temporary folder that is
    removed afterwards: nothing is written to the project, finished rows are not resumable.
    """
    if save_results:
        yield project_dir / "results", project_dir / "cache"
        return
    with tempfile.TemporaryDirectory(prefix="meta_evaluator_run_") as tmp:
        yield Path(tmp) / "results", None


def stamp_run_id(
    results: Mapping[str, JudgeResults], run_id: str | None, results_dir: Path | None
) -> None:
    """Record ``run_id`` on each judge's results (and in its saved state, when saved)."""
    if run_id is None:
        return
    for judge_id, res in results.items():
        res.info["run_id"] = run_id
        if results_dir is not None:
            res.save(results_dir / judge_id)


def record_judge_run(
    res: JudgeResults,
    *,
    llm_client: str | None,
    model_used: str | None,
    run_id: str | None,
    metadata: Mapping[str, Any],
) -> None:
    """Keep ``add_external_judge_results``'s client, model and run id on the results."""
    if model_used is not None:
        res.model = str(model_used)
    if llm_client is not None:
        res.info["client"] = str(llm_client)
    if run_id is not None:
        res.info["run_id"] = str(run_id)
    if metadata:
        res.info["metadata"] = {str(k): v for k, v in metadata.items()}


def judge_report_facts(res: JudgeResults) -> dict[str, Any]:
    """Facts of a judge's results that the report shows next to model and status counts."""
    out: dict[str, Any] = {}
    if res.info.get("client"):
        out["client"] = res.info["client"]
    if res.info.get("run_id"):
        out["run_id"] = res.info["run_id"]
    return out


class JudgeResultsCompat:
    """The original's names on :class:`~meta_evaluator.judges.JudgeResults`."""

    results_data: pl.DataFrame
    info: dict[str, Any]

    @property
    def data(self) -> pl.DataFrame:
        """The results table (the original's name for ``results_data``)."""
        return self.results_data

    @property
    def run_id(self) -> str | None:
        """The ``run_id`` the results were produced or imported with, if one was given."""
        value = self.info.get("run_id")
        return None if value is None else str(value)

    def get_successful_results(self) -> pl.DataFrame:
        """Rows whose status is ``success`` or ``partial`` (the original's name)."""
        return self.results_data.filter(
            pl.col(C.STATUS).is_in([C.STATUS_SUCCESS, C.STATUS_PARTIAL])
        )


# --------------------------------------------------------------------------- annotations
def record_annotation_run(
    directory: Path, annotator_ids: Sequence[str], run_id: str | None, metadata: Mapping[str, Any]
) -> None:
    """Remember the ``run_id`` (and metadata) annotators were added with, in ``runs.json``."""
    if run_id is None and not metadata:
        return
    runs = annotation_runs(directory)
    for aid in annotator_ids:
        entry: dict[str, Any] = {}
        if run_id is not None:
            entry["run_id"] = str(run_id)
        if metadata:
            entry["metadata"] = {str(k): v for k, v in metadata.items()}
        runs[aid] = entry
    Path(directory).mkdir(parents=True, exist_ok=True)
    atomic_write_text(Path(directory) / _RUNS_FILE, json.dumps(runs, indent=2, default=str))


def annotation_runs(directory: Path) -> dict[str, dict[str, Any]]:
    """Annotator id -> ``{"run_id", "metadata"}`` as recorded by :func:`record_annotation_run`."""
    path = Path(directory) / _RUNS_FILE
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        logger.warning("ignoring unreadable %s", path)
        return {}
    return {str(k): dict(v) for k, v in raw.items() if isinstance(v, dict)}


def annotation_source(file_path: str | Path, data_format: str | None) -> str | Path | pl.DataFrame:
    """What ``add_external_annotation_results`` hands the importer.

    The path itself, or — when the original's ``data_format=`` names the format of a file whose
    extension does not — the file read as text columns in that format.

    Raises:
        ConfigError: ``data_format`` is not "json", "csv" or "parquet".
        DataFileError: The file is missing or unreadable.
    """
    if data_format is None:
        return file_path
    if data_format not in _RESULTS_FORMATS:
        raise ConfigError(
            "The 'data_format' parameter of add_external_annotation_results must be one of "
            f"'json', 'csv' or 'parquet'; got {data_format!r}."
        )
    from meta_evaluator.data._loader import read_table

    return read_table(
        Path(file_path),
        fmt=data_format,  # type: ignore[arg-type]  # checked above
        what="annotation file",
        all_strings=True,
    )


@dataclass(frozen=True)
class HumanAnnotationResults:
    """One annotator's labels, as the original's ``load_all_human_results()`` returns them."""

    annotator_id: str
    """The annotator."""
    data: pl.DataFrame
    """``original_id``, ``annotator_id``, ``run_id`` and one column per task."""
    run_id: str | None = None
    """The ``run_id`` the labels were added with, if one was given."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Extra keyword arguments given to ``add_external_annotation_results``."""

    def get_successful_results(self) -> pl.DataFrame:
        """The labels (every stored annotation row is a successful one)."""
        return self.data

    def __len__(self) -> int:
        return self.data.height


def human_results(store: AnnotationStore, directory: Path) -> dict[str, HumanAnnotationResults]:
    """Annotator id -> :class:`HumanAnnotationResults` for every stored annotator."""
    runs = annotation_runs(directory)
    long = store.long_frame()
    out: dict[str, HumanAnnotationResults] = {}
    for aid in store.annotator_ids:
        entry = runs.get(aid, {})
        run_id = entry.get("run_id")
        part = long.filter(pl.col(C.ANNOTATOR_ID) == aid).with_columns(
            pl.lit(run_id, dtype=pl.Utf8).alias("run_id")
        )
        out[aid] = HumanAnnotationResults(
            annotator_id=aid, data=part, run_id=run_id, metadata=dict(entry.get("metadata", {}))
        )
    return out


def check_labels_known(
    ids: Sequence[str], judge_labels: Mapping[str, pl.DataFrame], humans: pl.DataFrame | None
) -> None:
    """Check that labels imported before the data label samples of the data.

    Args:
        ids: The evaluation data's ids.
        judge_labels: Judge id -> frame with ``original_id`` (stored judge results).
        humans: The stored human labels (``original_id``, ``annotator_id``, ...).

    Raises:
        AnnotationError: A label names an ``original_id`` the data does not have (same message
            as when the data is loaded first).
    """
    known = pl.Series(list(ids), dtype=pl.Utf8).implode()
    owners: list[tuple[str, str, pl.DataFrame]] = [
        ("judge", jid, frame) for jid, frame in judge_labels.items()
    ]
    if humans is not None and humans.height:
        for (aid,), part in humans.partition_by(C.ANNOTATOR_ID, as_dict=True).items():
            owners.append(("annotator", str(aid), part))
    for kind, owner, frame in owners:
        unknown = frame.filter(~pl.col(C.ORIGINAL_ID).cast(pl.Utf8).is_in(known))
        if unknown.height:
            sample = unknown[C.ORIGINAL_ID].unique(maintain_order=True)
            raise AnnotationError(
                f"{kind} {owner!r} (added before the data): {sample.len()} original_id value(s) "
                f"are not in the evaluation data, e.g. {sample.head(5).to_list()!r}. Fix the ids "
                f"and add the {kind}'s labels again with overwrite=True, or add the matching "
                "evaluation data."
            )


# --------------------------------------------------------------------------- task
def skip_reason(task: EvalTask, row: Mapping[str, Any]) -> str | None:
    """Why a row is skipped by the task's ``skip_function`` (None = run it).

    A ``skip_function(row) -> bool`` gets the data row as a dict (``original_id`` and every data
    column); rows it marks get status ``skipped`` without a call.
    """
    fn: Callable[[dict[str, Any]], Any] | None = getattr(task, "skip_function", None)
    if fn is None or not fn(dict(row)):
        return None
    return "skipped by the EvalTask's skip_function"


def check_skip_function(task: EvalTask, data: EvalData) -> None:
    """Run the task's ``skip_function`` on every row once, before any call.

    Raises:
        ConfigError: It raised on a row (the run would otherwise stop half-way).
    """
    fn = getattr(task, "skip_function", None)
    if fn is None:
        return
    for row in data.data.iter_rows(named=True):
        try:
            fn(dict(row))
        except Exception as exc:
            raise ConfigError(
                f"EvalTask.skip_function raised {type(exc).__name__}: {exc} on the row with "
                f"original_id {row[C.ORIGINAL_ID]!r}. Fix the function (it gets the row as a "
                "dict of column -> value and returns True to skip the row)."
            ) from exc


# --------------------------------------------------------------------------- state
def check_save_options(
    data_format: str | None, data_filename: str | None, *, include_data: bool
) -> ResultsFormat:
    """Validate ``save_state``'s data options; return the data format to use.

    Raises:
        ConfigError: Unknown format, or a ``data_filename`` that is not a plain file name with the
            format's extension.
    """
    fmt = data_format or "json"
    if fmt not in ("json", "csv", "parquet"):
        raise ConfigError(
            f"save_state: data_format must be 'json', 'csv' or 'parquet'; got {data_format!r}."
        )
    if data_filename is not None and include_data:
        name = str(data_filename)
        if os.path.basename(name) != name or name in ("", ".", "..") or name.startswith("."):
            raise ConfigError(
                f"save_state: data_filename must be a plain file name (it is written under the "
                f"project's data/ folder); got {data_filename!r}."
            )
        if not name.endswith(f".{fmt}"):
            raise ConfigError(
                f"save_state: data_filename {data_filename!r} must end with '.{fmt}' when "
                f"data_format is {fmt!r}."
            )
    return fmt  # type: ignore[return-value]  # checked above


def leave_out(state: dict[str, Any], *, task: bool, data: bool) -> None:
    """``save_state(include_task=False / include_data=False)``: drop them from the saved state.

    Applied after merging with the state on disk (which would otherwise bring them back).
    """
    if task:
        state["task"] = None
    if data:
        state["data"] = None


# --------------------------------------------------------------------------- data
def adopt_raw_frame(obj: EvalData) -> None:
    """Let ``EvalData(name=, data=, id_column=)`` take a raw frame, as the original's does.

    When ``data`` does not start with ``original_id`` the frame goes through
    :meth:`EvalData.from_frame` (same id rules as the loaders) and the instance takes its result.
    """
    from meta_evaluator.errors import ArgumentTypeError

    frame = obj.data
    if not isinstance(frame, pl.DataFrame):
        raise ArgumentTypeError(
            f"EvalData: 'data' must be a polars DataFrame; got {type(frame).__name__!r}."
        )
    if frame.columns[:1] == [C.ORIGINAL_ID] and frame.schema[C.ORIGINAL_ID] == pl.Utf8:
        return
    built = type(obj).from_frame(obj.name, frame, id_column=obj.id_column)
    object.__setattr__(obj, "data", built.data)
    object.__setattr__(obj, "id_column", built.id_column)


class EvalDataCompat:
    """The original's sampling helper on :class:`~meta_evaluator.data.EvalData`."""

    name: str
    data: pl.DataFrame
    id_column: str | None
    source_file: str | None

    def stratified_sample_by_columns(
        self,
        columns: list[str],
        sample_percentage: float = 0.1,
        sample_name: str | None = None,
        seed: int = 42,
    ) -> EvalData:
        """A stratified sample: ``sample_percentage`` of the rows of each stratum.

        The strata are the distinct value combinations of ``columns`` (in order of first
        appearance); from each, ``min(len, max(1, int(len * sample_percentage)))`` rows are drawn
        without replacement with ``seed`` — so every stratum keeps at least one row, and the same
        call returns the same rows. The sample keeps the dataset's name and ids.

        Args:
            columns: Columns whose combinations define the strata (non-empty, existing).
            sample_percentage: Fraction of each stratum to keep, in (0, 1].
            sample_name: A label for the sample (logged; the data keeps its name).
            seed: Random seed.

        Returns:
            A new EvalData holding the sampled rows (strata one after another).

        Raises:
            ConfigError: Empty ``columns``, an unknown column, or a fraction outside (0, 1].
        """
        from meta_evaluator.data import EvalData

        if isinstance(sample_percentage, bool) or not isinstance(sample_percentage, int | float):
            raise ConfigError(
                "The 'sample_percentage' parameter of stratified_sample_by_columns must be a "
                f"number in (0, 1]; got {sample_percentage!r}."
            )
        if not 0 < sample_percentage <= 1:
            raise ConfigError(
                "The 'sample_percentage' parameter of stratified_sample_by_columns must be in "
                f"(0, 1]; got {sample_percentage!r}. Pass e.g. 0.2 for 20%."
            )
        if not columns or isinstance(columns, str):
            raise ConfigError(
                "The 'columns' parameter of stratified_sample_by_columns must be a non-empty list "
                f"of column names; got {columns!r}."
            )
        missing = [c for c in columns if c not in self.data.columns]
        if missing:
            raise ConfigError(
                f"stratified_sample_by_columns: column(s) {missing!r} are not in EvalData "
                f"{self.name!r}; it has {self.data.columns!r}."
            )
        parts = []
        for part in self.data.partition_by(columns, maintain_order=True):
            n = min(part.height, max(1, int(part.height * sample_percentage)))
            parts.append(part.sample(n=n, seed=seed))
        sampled = pl.concat(parts, how="vertical")
        logger.info(
            "stratified sample %s: %d of %d rows from %d strata of %r",
            sample_name or f"({self.name}, {'_'.join(columns)}, {sample_percentage:.1%})",
            sampled.height,
            self.data.height,
            len(parts),
            columns,
        )
        return EvalData(
            name=self.name, data=sampled, id_column=self.id_column, source_file=self.source_file
        )


class DataLoaderCompat:
    """The original's ``DataLoader.load_from_dataframe``."""

    @staticmethod
    def load_from_dataframe(
        name: str, data: pl.DataFrame, id_column: str | None = None
    ) -> EvalData:
        """Build EvalData from a polars frame (same id rules as the file loaders).

        Args:
            name: Name of the dataset.
            data: The samples.
            id_column: Column holding unique sample ids; None generates stable row ids.

        Raises:
            ArgumentTypeError: ``data`` is not a polars DataFrame (also a TypeError).
            ConfigError: ``name`` is empty.
            DataFileError, ColumnError, IdError: As for :meth:`EvalData.from_frame`.
        """
        from meta_evaluator.data import EvalData
        from meta_evaluator.errors import ArgumentTypeError

        if not isinstance(data, pl.DataFrame):
            raise ArgumentTypeError(
                "The 'data' parameter of DataLoader.load_from_dataframe must be a polars "
                f"DataFrame; got {type(data).__name__!r}. Convert with pl.from_pandas(df)."
            )
        return EvalData.from_frame(name, data, id_column=id_column)


# --------------------------------------------------------------------------- compare
@dataclass(frozen=True)
class CompareSelection:
    """What ``compare_async`` was asked to score, from the original's arguments."""

    judge_ids: list[str] | None
    config: MetricsConfig | None
    judges: dict[str, JudgeResults] | None
    human_ids: list[str] | None


def compare_selection(
    first: Any,
    comparison_config: MetricsConfig | None,
    judge_results: Mapping[str, Any] | None,
    human_results: Mapping[str, Any] | None,
) -> CompareSelection:
    """Read ``compare_async``'s arguments, the original's included.

    ``compare_async(config, judge_results=..., human_results=...)`` (the original's first form)
    passes the config first; the dicts are what ``load_all_judge_results()`` /
    ``load_all_human_results()`` return (keyed by any id; the values name their judge/annotator).

    Raises:
        ConfigError: Two configs, or values of the wrong type.
    """
    from meta_evaluator.judges import JudgeResults
    from meta_evaluator.scores import MetricsConfig

    if isinstance(first, MetricsConfig):
        if comparison_config is not None:
            raise ConfigError(
                "compare_async got two metrics configs (positional and comparison_config=); "
                "pass one."
            )
        comparison_config, first = first, None
    if comparison_config is not None and not isinstance(comparison_config, MetricsConfig):
        raise ConfigError(
            "The 'comparison_config' parameter of compare_async must be a MetricsConfig; got "
            f"{type(comparison_config).__name__!r}."
        )
    judges = None
    if judge_results is not None:
        bad = [k for k, v in judge_results.items() if not isinstance(v, JudgeResults)]
        if bad:
            raise ConfigError(
                "The 'judge_results' parameter of compare_async must map ids to JudgeResults "
                f"(as load_all_judge_results() returns); entries {bad[:5]!r} are not."
            )
        judges = {v.judge_id: v for v in judge_results.values()}
    humans = None
    if human_results is not None:
        humans = [str(getattr(v, "annotator_id", k)) for k, v in human_results.items()]
    return CompareSelection(judge_id_list(first), comparison_config, judges, humans)


def select_humans(humans: pl.DataFrame, human_ids: Sequence[str] | None) -> pl.DataFrame:
    """The human labels of ``human_ids`` only (all when None)."""
    if human_ids is None:
        return humans
    return humans.filter(pl.col(C.ANNOTATOR_ID).is_in(list(human_ids)))


class ComparisonResults(list["BaseScoringResult"]):
    """``compare_async()``'s results: a list, with the original's dict view on top.

    ``for unique_name, (metric_config, results) in out.items()`` works as in the original;
    ``unique_name`` is the config's folder name under ``scores/<scorer>/``.
    """

    def __init__(self, results: Sequence[BaseScoringResult], configs: Sequence[Any]) -> None:
        super().__init__(results)
        self._configs = list(configs)

    def items(self) -> list[tuple[str, tuple[Any, list[BaseScoringResult]]]]:
        """``(unique_name, (metric_config, results of every judge))`` per config, in order."""
        out = []
        for cfg in self._configs:
            name = cfg.unique_name()
            out.append((name, (cfg, [r for r in self if r.metadata.get("metric_config") == name])))
        return out

    def keys(self) -> list[str]:
        """The configs' unique names."""
        return [name for name, _ in self.items()]

    def values(self) -> list[tuple[Any, list[BaseScoringResult]]]:
        """``(metric_config, results)`` per config."""
        return [value for _, value in self.items()]


# --------------------------------------------------------------------------- report
def report_path(path: str | Path, scores_dir: Path | None) -> Path:
    """Where ``score_report.save(path)`` writes: a bare file name goes under ``scores/``.

    A path with a directory part (relative or absolute) is used as given.

    Example:
        >>> report_path("score_report.html", Path("proj/scores"))
        PosixPath('proj/scores/score_report.html')
        >>> report_path("out/r.html", Path("proj/scores"))
        PosixPath('out/r.html')
    """
    text = os.fspath(path)
    if scores_dir is not None and text and os.path.basename(text) == text:
        return Path(scores_dir) / text
    return Path(path)


# --------------------------------------------------------------------------- scores
_SCORE_NAMES: dict[str, str] = {
    "BaseScorer": "meta_evaluator.scores.base_scorer",
    "BaseScoringResult": "meta_evaluator.scores.base_scoring_result",
    "TaskAggregationMode": "meta_evaluator.scores.enums",
}


def scores_attribute(name: str) -> Any:
    """Resolve the original's ``from meta_evaluator.scores import <name>`` lazily.

    ``name`` is a scorer (``AccuracyScorer``, ...), ``BaseScorer``, ``BaseScoringResult`` or
    ``TaskAggregationMode``; importing lazily avoids an import cycle.

    Raises:
        AttributeError: ``name`` is none of them.
    """
    import importlib

    module = _SCORE_NAMES.get(name)
    if module is not None:
        return getattr(importlib.import_module(module), name)
    if name.endswith("Scorer"):
        metrics = importlib.import_module("meta_evaluator.scores.metrics")
        if name in getattr(metrics, "__all__", ()):
            return getattr(metrics, name)
    raise AttributeError(f"module 'meta_evaluator.scores' has no attribute {name!r}")


def accepts_annotator_aggregation(scorer: Any) -> bool:
    """Whether ``scorer.compute_score_async`` takes the original's sixth argument.

    True when it has six or more positional parameters (after ``self``) or ``*args``; a scorer
    written with five (the seed's ``MyCustomScorer``) is called with five.
    """
    import inspect

    try:
        sig = inspect.signature(scorer.compute_score_async)
    except (TypeError, ValueError):
        return False
    params = list(sig.parameters.values())
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return True
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in positional for p in params) >= 6


def merge_display_name(name: str | None, display_name: str | None, owner: str) -> str | None:
    """``MetricConfig(display_name=...)``: the original's name for ``name=``.

    Raises:
        MetricConfigError: Both are given and differ.
    """
    from meta_evaluator.errors import MetricConfigError

    if display_name is None:
        return name
    if name is not None and name != display_name:
        raise MetricConfigError(
            f"{owner}: name={name!r} and display_name={display_name!r} differ; display_name is "
            "the original meta-evaluator's spelling of name. Pass one of them."
        )
    return display_name


def original_hash8(task_names: Sequence[str]) -> str:
    """The original's folder hash: the first 8 hex digits of MD5 of the sorted task names joined
    by ``_`` (``["rejection"]`` -> ``22e76eaf``, as in its docs).

    Example:
        >>> original_hash8(["rejection"])
        '22e76eaf'
    """  # noqa: D205
    import hashlib

    text = "_".join(sorted(task_names))
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]


def has_default_options(scorer: Any, annotator_aggregation: str) -> bool:
    """Whether a config uses the scorer's default options and ``individual_average``.

    Such configs get the original's folder hash; any other option gives a different hash, so two
    configs that compute different numbers never share a folder (the original overwrote).
    """
    if annotator_aggregation != "individual_average":
        return False
    default = _default_params(type(scorer))
    if default is None:
        return False
    return bool(json.dumps(scorer.config_params(), sort_keys=True, default=repr) == default)


_DEFAULT_PARAMS: dict[type, str | None] = {}


def _default_params(cls: type) -> str | None:
    """The JSON of a fresh instance's ``config_params()`` (None if it needs arguments)."""
    if cls not in _DEFAULT_PARAMS:
        try:
            fresh = cls()
            _DEFAULT_PARAMS[cls] = json.dumps(fresh.config_params(), sort_keys=True, default=repr)
        except Exception:  # a scorer that needs arguments: no default to compare with
            _DEFAULT_PARAMS[cls] = None
    return _DEFAULT_PARAMS[cls]


class MetricsConfigCompat:
    """The original's ``MetricsConfig.add_metric``."""

    metrics: list[Any]

    def add_metric(
        self,
        scorer: Any,
        task_names: list[str],
        task_strategy: str = "single",
        annotator_aggregation: str = "individual_average",
        display_name: str | None = None,
    ) -> None:
        """Append a :class:`~meta_evaluator.scores.MetricConfig` built from these arguments.

        Raises:
            MetricConfigError: The config is invalid or already present.
        """
        from meta_evaluator.scores import MetricConfig, MetricsConfig

        cfg = MetricConfig(
            scorer=scorer,
            task_names=task_names,
            task_strategy=task_strategy,
            annotator_aggregation=annotator_aggregation,
            display_name=display_name,
        )
        MetricsConfig(metrics=[*self.metrics, cfg])  # the same duplicate check
        self.metrics.append(cfg)


# --------------------------------------------------------------------------- MetaEvaluator
class MetaEvaluatorCompat:
    """The original's names on :class:`~meta_evaluator.MetaEvaluator`."""

    project_dir: Path

    if TYPE_CHECKING:

        def run_judges_async(self, *args: Any, **kwargs: Any) -> dict[str, JudgeResults]: ...

        def compare_async(self, *args: Any, **kwargs: Any) -> list[BaseScoringResult]: ...

        @property
        def annotations(self) -> AnnotationStore: ...

        @property
        def annotations_dir(self) -> Path: ...

    @property
    def paths(self) -> ProjectPaths:
        """The project's folders (``.project``, ``.data``, ``.results``, ``.scores``, ...)."""
        return ProjectPaths(self.project_dir)

    def run_judges(self, *args: Any, **kwargs: Any) -> dict[str, JudgeResults]:
        """Run judges; blocks until done. Same arguments as :meth:`run_judges_async`."""
        return self.run_judges_async(*args, **kwargs)

    def compare(self, *args: Any, **kwargs: Any) -> list[BaseScoringResult]:
        """Score every judge; blocks until done. Same arguments as :meth:`compare_async`."""
        return self.compare_async(*args, **kwargs)

    def load_all_human_results(self) -> dict[str, HumanAnnotationResults]:
        """Every annotator's labels, keyed by annotator id (``.data``, ``.run_id``)."""
        return human_results(self.annotations, self.annotations_dir)
