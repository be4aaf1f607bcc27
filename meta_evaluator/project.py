"""MetaEvaluator: one project directory holding data, task, judges, annotations and scores.

Layout (see DESIGN.md)::

    my_project/
      state.json        task, data reference, judge registry, metrics configs (no secrets)
      data/             the evaluation data (json / csv / parquet)
      results/<judge>/  judge results (results.parquet + state.json + journal.jsonl)
      annotations/      human annotations, one table per annotator + state.json
      cache/            response cache
      scores/           per-metric results and charts, score_report.html / .csv
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator._io import atomic_write_text, file_version
from meta_evaluator._sync import run_sync
from meta_evaluator.errors import ConfigError, JudgeConfigError, ProjectError
from meta_evaluator.eval_task import EvalTask

if TYPE_CHECKING:
    from meta_evaluator.annotations import AnnotationStore
    from meta_evaluator.data import EvalData
    from meta_evaluator.judges import JudgeResults, JudgeSpec
    from meta_evaluator.judges._runner import CacheMode
    from meta_evaluator.judges._spec import OnDuplicate
    from meta_evaluator.report import ScoreReport
    from meta_evaluator.scores import MetricConfig, MetricsConfig
    from meta_evaluator.scores.base_scoring_result import BaseScoringResult

__all__ = ["MetaEvaluator"]

logger = logging.getLogger(__name__)

STATE_FILE = "state.json"
STATE_VERSION = 1
_MANAGED = ("state.json", "data", "results", "annotations", "cache", "scores")


class MetaEvaluator:
    """A meta-evaluation project: does an LLM judge agree with your human annotators?

    Args:
        project_dir: The project directory.
        load: False creates a new project (the directory must not hold a project yet); True
            reopens a saved project (the directory must hold a ``state.json``).

    Raises:
        ProjectError: ``load=False`` on a directory that already holds a project, or
            ``load=True`` on a directory without one.

    Example:
        >>> import tempfile, pathlib
        >>> ev = MetaEvaluator(pathlib.Path(tempfile.mkdtemp()) / "demo", load=False)
        >>> ev.eval_task is None
        True
    """

    def __init__(self, project_dir: str | Path, load: bool = False) -> None:
        self.project_dir = Path(project_dir)
        self.eval_task: EvalTask | None = None
        self.data: EvalData | None = None
        self.judges: dict[str, JudgeSpec] = {}
        self.metrics_configs: list[MetricConfig] = []
        self._annotations: AnnotationStore | None = None
        self._annotations_stamp: tuple[int, int, int] | None = None
        self._data_format: Literal["json", "csv", "parquet"] = "json"
        self._results: list[BaseScoringResult] = []
        if load:
            self._load()
        else:
            existing = (
                sorted(p.name for p in self.project_dir.iterdir())
                if self.project_dir.is_dir()
                else []
            )
            if existing:
                raise ProjectError(
                    f"Project directory {str(self.project_dir)!r} is not empty (it holds "
                    f"{existing[:5]!r}). Use MetaEvaluator({str(self.project_dir)!r}, load=True) "
                    "to reopen a saved project, or choose an empty / new directory."
                )
            self.project_dir.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ paths
    @property
    def data_dir(self) -> Path:
        """Folder holding the evaluation data."""
        return self.project_dir / "data"

    @property
    def results_dir(self) -> Path:
        """Folder holding one sub-folder of results per judge."""
        return self.project_dir / "results"

    @property
    def annotations_dir(self) -> Path:
        """Folder holding the human annotations."""
        return self.project_dir / "annotations"

    @property
    def cache_dir(self) -> Path:
        """Folder holding the judge response cache."""
        return self.project_dir / "cache"

    @property
    def scores_dir(self) -> Path:
        """Folder holding scores, charts and the score report."""
        return self.project_dir / "scores"

    # ------------------------------------------------------------------ setup
    def add_eval_task(self, eval_task: EvalTask, overwrite: bool = False) -> None:
        """Set the labelling task.

        Raises:
            ConfigError: A task is already set and ``overwrite`` is False.
        """
        if self.eval_task is not None and not overwrite:
            raise ConfigError(
                "This project already has an eval task. Pass overwrite=True to replace it."
            )
        if not isinstance(eval_task, EvalTask):
            raise ConfigError(f"add_eval_task expects an EvalTask; got {type(eval_task).__name__}.")
        self.eval_task = eval_task
        if self.data is not None:
            self.data.validate_for_task(eval_task)

    def add_data(self, eval_data: EvalData, overwrite: bool = False) -> None:
        """Set the evaluation data (validated against the task's columns when a task is set).

        Raises:
            ConfigError: Data is already set and ``overwrite`` is False.
            ColumnError: The data lacks a prompt/response column the task needs.
        """
        if self.data is not None and not overwrite:
            raise ConfigError(
                f"This project already has data {self.data.name!r}. "
                "Pass overwrite=True to replace it."
            )
        if self.eval_task is not None:
            eval_data.validate_for_task(self.eval_task)
        self.data = eval_data

    def _require_task(self, action: str) -> EvalTask:
        if self.eval_task is None:
            raise ConfigError(
                f"Cannot {action} before an eval task is set: call add_eval_task() first."
            )
        return self.eval_task

    def _require_data(self, action: str) -> EvalData:
        if self.data is None:
            raise ConfigError(f"Cannot {action} before data is added: call add_data() first.")
        return self.data

    # ------------------------------------------------------------------ judges
    def add_judge(
        self,
        judge_id: str,
        llm_client: str,
        model: str,
        prompt: str | None = None,
        prompt_file: str | Path | None = None,
        on_duplicate: OnDuplicate = "error",
        **params: Any,
    ) -> None:
        """Register a judge: a client, a model, a prompt template and generation/limit params.

        Args:
            judge_id: Unique id (letters, digits, ``_ . -``): also a folder name.
            llm_client: ``openai`` (and any OpenAI-compatible ``base_url``), ``anthropic``,
                ``local`` (offline embedding classifier) or any litellm provider string.
            model: The model name.
            prompt: The prompt template (``{prompt}``, ``{llm_response}``, any data column).
            prompt_file: A file holding the template (instead of ``prompt``).
            on_duplicate: When ``judge_id`` is registered with a *different* definition:
                ``"error"`` (names the changed fields), ``"replace"`` (alias ``"overwrite"``)
                or ``"skip"`` (keep the old one, with a WARNING). Identical definitions are
                a no-op.
            **params: temperature, max_tokens, base_url, api_key_env, max_concurrency,
                requests_per_minute, tokens_per_minute, timeout_s, max_retries, consistency,
                label_descriptions, extra.
        """
        from meta_evaluator.judges import JudgeSpec

        spec = JudgeSpec(
            id=judge_id,
            llm_client=llm_client,
            model=model,
            prompt=prompt,
            prompt_file=str(prompt_file) if prompt_file is not None else None,
            **params,
        )
        self._register_judge(spec, on_duplicate)

    def _register_judge(self, spec: JudgeSpec, on_duplicate: str) -> None:
        from meta_evaluator.judges._spec import resolve_duplicate

        old = self.judges.get(spec.id)
        self.judges[spec.id] = spec if old is None else resolve_duplicate(old, spec, on_duplicate)

    def load_judges_from_yaml(
        self,
        yaml_file: str | Path,
        on_duplicate: OnDuplicate = "error",
        async_mode: bool = True,
    ) -> list[str]:
        """Register every judge defined in a YAML file (a top-level ``judges:`` list).

        Args:
            yaml_file: The YAML file.
            on_duplicate: For an id already registered with a *different* definition:
                ``"error"`` (default: names the changed fields, registers nothing),
                ``"replace"`` (alias ``"overwrite"``) takes the file's definition, ``"skip"``
                keeps the registered one and logs a WARNING naming the changed fields.
                Identical definitions are a no-op under every policy.
            async_mode: Kept for compatibility: judges always run asynchronously.

        Returns:
            The ids of the judges now registered from the file.

        Raises:
            JudgeConfigError: The file is invalid, or a changed definition with
                ``on_duplicate="error"`` (then no judge of the file is registered).
        """
        from meta_evaluator.judges import load_judge_specs
        from meta_evaluator.judges._spec import resolve_duplicate

        specs = load_judge_specs(yaml_file)
        where = repr(str(yaml_file))
        chosen = [
            resolve_duplicate(self.judges[s.id], s, on_duplicate, where=where)
            if s.id in self.judges
            else s
            for s in specs
        ]
        for spec in chosen:
            self.judges[spec.id] = spec
        return [s.id for s in specs]

    async def arun_judges(
        self,
        judge_ids: list[str] | None = None,
        skip_duplicates: bool = True,
        progress: bool | None = None,
        cache: CacheMode = "on",
    ) -> dict[str, JudgeResults]:
        """Run judges over the data (awaitable); see :meth:`run_judges_async`."""
        from meta_evaluator.judges import run_judges_async

        task = self._require_task("run judges")
        data = self._require_data("run judges")
        ids = list(self.judges) if judge_ids is None else judge_ids
        unknown = [j for j in ids if j not in self.judges]
        if unknown:
            raise JudgeConfigError(
                f"Unknown judge id(s) {unknown!r}; registered judges: {sorted(self.judges)!r}."
            )
        if not ids:
            raise JudgeConfigError(
                "No judges registered: call add_judge() or load_judges_from_yaml() first."
            )
        self.save_state(data_format=self._data_format)  # judges are part of the saved state
        return await run_judges_async(
            [self.judges[j] for j in ids],
            task=task,
            data=data,
            results_dir=self.results_dir,
            cache_dir=self.cache_dir,
            skip_duplicates=skip_duplicates,
            progress=progress,
            cache=cache,
        )

    def run_judges_async(
        self,
        judge_ids: list[str] | None = None,
        skip_duplicates: bool = True,
        progress: bool | None = None,
        cache: CacheMode = "on",
    ) -> dict[str, JudgeResults]:
        """Run judges over the data concurrently; blocks until done (safe inside Jupyter).

        Finished rows are journaled as they complete: after a crash, reopen the project with
        ``load=True`` and call this again — only unfinished rows are queried.

        Args:
            judge_ids: Judges to run (default: all registered).
            skip_duplicates: Reuse rows already journaled (resume) instead of re-querying.
            progress: Show progress (default: a bar on a terminal or in Jupyter, a line every
                ~10% or 10 s otherwise); False for none.
            cache: ``"on"`` reuses cached answers; ``"refresh"`` queries every row again and
                stores the new answers; ``"off"`` neither reads nor writes the cache.

        Returns:
            judge_id -> JudgeResults.
        """
        return run_sync(self.arun_judges(judge_ids, skip_duplicates, progress, cache))

    def load_all_judge_results(self) -> dict[str, JudgeResults]:
        """Every judge's saved results (runs and external files), keyed by judge id."""
        from meta_evaluator.judges import JudgeResults

        out: dict[str, JudgeResults] = {}
        if not self.results_dir.is_dir():
            return out
        for sub in sorted(self.results_dir.iterdir()):
            if (sub / "state.json").is_file() and (sub / "results.parquet").is_file():
                res = JudgeResults.load(sub)
                out[res.judge_id] = res
        return out

    def add_external_judge_results(
        self,
        file_path: str | Path,
        judge_id: str,
        overwrite: bool = False,
        id_column: str = C.ORIGINAL_ID,
    ) -> JudgeResults:
        """Import labels produced elsewhere by a judge (``original_id`` + task columns).

        ``id_column`` names the column holding the sample ids when it is not ``original_id``.

        Raises:
            AnnotationError: A label outside the schema, an unknown id or a duplicate id.
        """
        from meta_evaluator._ids import id_path
        from meta_evaluator.annotations import load_external_judge_results
        from meta_evaluator.judges._spec import check_judge_id

        task = self._require_task("add judge results")
        data = self._require_data("add judge results")
        check_judge_id(judge_id)
        target = id_path(self.results_dir, judge_id, legacy=judge_id)
        if (target / "state.json").exists() and not overwrite:
            raise ProjectError(
                f"Judge {judge_id!r} already has results in {str(target)!r}. Pass "
                "overwrite=True to replace them."
            )
        res = load_external_judge_results(
            file_path, judge_id=judge_id, task=task, known_ids=set(data.ids), id_column=id_column
        )
        res.save(target)
        return res

    # ------------------------------------------------------------- annotations
    @property
    def annotations(self) -> AnnotationStore:
        """The human annotations of this project.

        Reread from ``annotations/`` when another process (e.g. ``meta-evaluator annotate``)
        has written the tables since they were loaded.
        """
        from meta_evaluator.annotations import AnnotationStore

        task = self._require_task("use annotations")
        state = self.annotations_dir / "state.json"
        stamp = file_version(state)
        if self._annotations is None or stamp != self._annotations_stamp:
            if stamp is not None:
                self._annotations = AnnotationStore.load(self.annotations_dir, task)
            elif self._annotations is None:
                self._annotations = AnnotationStore(task)
            self._annotations_stamp = stamp
        return self._annotations

    def add_external_annotation_results(
        self,
        file_path: str | Path,
        annotator_id: str,
        overwrite: bool = False,
        id_column: str = C.ORIGINAL_ID,
    ) -> None:
        """Import one annotator's labels (``original_id`` + task columns; sparse is fine).

        ``id_column`` names the column holding the sample ids when it is not ``original_id``.
        """
        self._add_annotations(
            file_path, annotator_id=annotator_id, overwrite=overwrite, id_column=id_column
        )

    def add_annotations_long_format(
        self,
        file_path: str | Path,
        annotator_column: str = C.ANNOTATOR_ID,
        overwrite: bool = False,
        id_column: str = C.ORIGINAL_ID,
    ) -> None:
        """Import one file holding many annotators (``original_id, annotator_id, <tasks>``).

        ``annotator_column`` / ``id_column`` name the annotator and sample-id columns when
        they are not ``annotator_id`` / ``original_id``.
        """
        self._add_annotations(
            file_path,
            annotator_id=None,
            annotator_column=annotator_column,
            overwrite=overwrite,
            id_column=id_column,
        )

    def add_label_studio_annotations(
        self,
        file_path: str | Path,
        id_field: str = C.ORIGINAL_ID,
        field_map: dict[str, str] | None = None,
        include_cancelled: bool = False,
        overwrite: bool = False,
    ) -> None:
        """Import a Label Studio JSON export (every annotator in it).

        Args:
            file_path: The export (JSON).
            id_field: The task ``data`` field holding the sample id (else the LS task id).
            field_map: Label Studio control name (``from_name``) -> task name, where they differ.
            include_cancelled: Also import annotations marked cancelled.
            overwrite: Replace annotators that are already in the project.
        """
        from meta_evaluator.annotations import load_label_studio_export

        task, ids = self._annotation_context()
        self._store_annotations(
            load_label_studio_export(
                file_path,
                task=task,
                known_ids=ids,
                id_field=id_field,
                field_map=field_map,
                include_cancelled=include_cancelled,
            ),
            overwrite=overwrite,
        )

    def add_argilla_annotations(
        self,
        file_path: str | Path,
        id_field: str = C.ORIGINAL_ID,
        field_map: dict[str, str] | None = None,
        statuses: tuple[str, ...] = ("submitted",),
        overwrite: bool = False,
    ) -> None:
        """Import an Argilla export (1.x FeedbackDataset or 2.x records; JSON or JSONL).

        Args:
            file_path: The export.
            id_field: Metadata/field key holding the sample id (else ``external_id`` / ``id``).
            field_map: Argilla question name -> task name, where they differ.
            statuses: Response statuses that count (default: submitted only).
            overwrite: Replace annotators that are already in the project.
        """
        from meta_evaluator.annotations import load_argilla_export

        task, ids = self._annotation_context()
        self._store_annotations(
            load_argilla_export(
                file_path,
                task=task,
                known_ids=ids,
                id_field=id_field,
                field_map=field_map,
                statuses=statuses,
            ),
            overwrite=overwrite,
        )

    def _annotation_context(self) -> tuple[EvalTask, set[str]]:
        task = self._require_task("add annotations")
        data = self._require_data("add annotations")
        return task, set(data.ids)

    def _add_annotations(
        self,
        file_path: str | Path,
        *,
        annotator_id: str | None,
        annotator_column: str = C.ANNOTATOR_ID,
        overwrite: bool,
        id_column: str = C.ORIGINAL_ID,
    ) -> None:
        from meta_evaluator.annotations import load_annotation_file

        task, ids = self._annotation_context()
        frame = load_annotation_file(
            file_path,
            task=task,
            annotator_id=annotator_id,
            known_ids=ids,
            annotator_column=annotator_column,
            id_column=id_column,
        )
        self._store_annotations(frame, overwrite=overwrite)

    def _store_annotations(self, frame: pl.DataFrame, *, overwrite: bool) -> None:
        store = self.annotations
        store.add(frame, overwrite=overwrite)
        store.save(self.annotations_dir)

    def launch_annotator(
        self,
        port: int | None = None,
        host: str = "127.0.0.1",
        annotators: list[str] | None = None,
        **options: Any,
    ) -> None:
        """Serve the browser annotation page for this project until Ctrl-C.

        Saves the project state first, prints each annotator's personal link, and writes every
        submitted label to ``annotations/`` (see :mod:`meta_evaluator.annotate`).

        Args:
            port: TCP port (None = a free one).
            host: Interface to bind; loopback by default (use a reverse proxy to share it).
            annotators: Annotator names to add to the round.
            **options: overlap, seed, queue ("all" / "low-agreement"), show_judges, new_tokens,
                public_url (the address behind a reverse proxy, used in the printed links).
        """
        from meta_evaluator.annotate import launch_annotator

        self.save_state(data_format=self._data_format)
        launch_annotator(
            str(self.project_dir), port=port, host=host, annotators=annotators, **options
        )

    def load_all_human_annotations(self) -> pl.DataFrame:
        """All human labels, long format (``original_id``, ``annotator_id``, task columns)."""
        return self.annotations.long_frame()

    # ----------------------------------------------------------------- scoring
    def add_metrics_config(self, metrics_config: MetricsConfig) -> None:
        """Add metric configurations (validated against the task now, before any work)."""
        task = self._require_task("add a metrics config")
        for cfg in metrics_config.metrics:
            cfg.validate_against(task)
        existing = {c.unique_name() for c in self.metrics_configs}
        for cfg in metrics_config.metrics:
            if cfg.unique_name() in existing:
                logger.debug("metric config %s already present: skipped", cfg.unique_name())
                continue
            self.metrics_configs.append(cfg)
            existing.add(cfg.unique_name())

    async def acompare(self, judge_ids: list[str] | None = None) -> list[BaseScoringResult]:
        """Score every judge with every metric config (awaitable); see :meth:`compare_async`."""
        from meta_evaluator.scores import MetricsConfig
        from meta_evaluator.scores._compare import compare_async

        task = self._require_task("compare")
        if not self.metrics_configs:
            raise ConfigError("No metrics configured: call add_metrics_config() first.")
        all_results = self.load_all_judge_results()
        if judge_ids is not None:
            missing = [j for j in judge_ids if j not in all_results]
            if missing:
                raise ConfigError(
                    f"No results for judge(s) {missing!r}; judges with results: "
                    f"{sorted(all_results)!r}. Run them first."
                )
            all_results = {j: all_results[j] for j in judge_ids}
        if not all_results:
            raise ConfigError(
                "No judge results to score: run judges (run_judges_async) or add external judge "
                "results (add_external_judge_results) first."
            )
        humans = self.annotations.long_frame()
        if humans.is_empty():
            raise ConfigError(
                "No human annotations to compare with: call "
                "add_external_annotation_results() first."
            )
        judge_labels = {
            jid: res.succeeded.select(
                [C.ORIGINAL_ID, *[t for t in task.task_names if t in res.results_data.columns]]
            )
            for jid, res in all_results.items()
        }
        results = await compare_async(
            MetricsConfig(metrics=list(self.metrics_configs)),
            task=task,
            judge_labels=judge_labels,
            human_labels=humans,
            scores_dir=self.scores_dir,
        )
        self._results = results
        report = self.score_report
        report.save(self.scores_dir / "score_report.html", format="html")
        report.save(self.scores_dir / "score_report.csv", format="csv")
        return results

    def compare_async(self, judge_ids: list[str] | None = None) -> list[BaseScoringResult]:
        """Score every judge with every metric config; blocks until done (safe inside Jupyter).

        Writes ``scores/<scorer>/<config>/<judge_id>_result.json`` and charts per config, and
        ``scores/score_report.html`` / ``.csv``.

        Returns:
            One BaseScoringResult per (metric config, judge).
        """
        return run_sync(self.acompare(judge_ids))

    @property
    def score_report(self) -> ScoreReport:
        """A summary report of the latest comparison (``save(path, format=...)``, ``print()``)."""
        from meta_evaluator.report import ScoreReport

        judge_info: dict[str, dict[str, Any]] = {}
        for jid, res in self.load_all_judge_results().items():
            df = res.results_data
            info: dict[str, Any] = {
                "source": res.source,
                "model": res.model,
                "status_counts": res.status_counts(),
                "rows": df.height,
            }
            spec = self.judges.get(jid)
            if spec is not None:
                info["client"] = spec.llm_client
            for col in (C.INPUT_TOKENS, C.OUTPUT_TOKENS, C.COST_USD):
                if col in df.columns and df[col].null_count() < df.height:
                    info[col] = float(df[col].fill_null(0).sum())
            if C.COST_USD not in info and res.source == "run":
                info["cost_note"] = res.info.get("cost_note") or "unknown"
            judge_info[jid] = info
        annotation_info: dict[str, Any] = {}
        if self.eval_task is not None and self._annotations_exist():
            long = self.annotations.long_frame()
            annotation_info = {
                "annotators": long[C.ANNOTATOR_ID].n_unique() if not long.is_empty() else 0,
                "items": long[C.ORIGINAL_ID].n_unique() if not long.is_empty() else 0,
                "labels": long.height,
            }
        return ScoreReport(
            self._results or self._load_saved_results(),
            project_name=self.project_dir.name,
            judge_info=judge_info,
            annotation_info=annotation_info,
        )

    def _annotations_exist(self) -> bool:
        return self._annotations is not None or (self.annotations_dir / "state.json").is_file()

    def _load_saved_results(self) -> list[BaseScoringResult]:
        from meta_evaluator.scores.base_scoring_result import BaseScoringResult

        if not self.scores_dir.is_dir():
            return []
        return [
            BaseScoringResult.load_state(p)
            for p in sorted(self.scores_dir.glob("*/*/*_result.json"))
        ]

    # ------------------------------------------------------------------ state
    def save_state(self, data_format: Literal["json", "csv", "parquet"] = "json") -> None:
        """Write ``state.json`` (task, data reference, judges, metrics configs) and the data.

        Every file is written atomically (temp file + rename). No secrets are stored: judges keep
        the *name* of their API key environment variable only.
        """
        if data_format not in ("json", "csv", "parquet"):
            raise ConfigError(
                f"save_state: data_format must be 'json', 'csv' or 'parquet'; got {data_format!r}."
            )
        self._data_format = data_format
        state: dict[str, Any] = {
            "version": STATE_VERSION,
            "task": self.eval_task.model_dump(mode="json") if self.eval_task else None,
            "data": None,
            "judges": [
                spec.to_state(relative_to=self.project_dir) for spec in self.judges.values()
            ],
            "metrics": [cfg.to_state() for cfg in self.metrics_configs],
        }
        if self.data is not None:
            state["data"] = self.data.save(self.data_dir, data_format=data_format)
        if self._annotations is not None:
            self.annotations.save(self.annotations_dir)  # reread first if written elsewhere
        atomic_write_text(self.project_dir / STATE_FILE, json.dumps(state, indent=2))

    def _load(self) -> None:
        path = self.project_dir / STATE_FILE
        if not path.is_file():
            what = "does not exist" if not self.project_dir.exists() else "has no state.json"
            raise ProjectError(
                f"Cannot load project {str(self.project_dir)!r}: the directory {what}. Create it "
                f"with MetaEvaluator({str(self.project_dir)!r}, load=False) and save_state()."
            )
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ProjectError(
                f"Cannot read {str(path)!r}: {exc}. The file is corrupt; restore it from backup."
            ) from exc
        from meta_evaluator.data import EvalData
        from meta_evaluator.judges import JudgeSpec
        from meta_evaluator.scores import MetricConfig

        if state.get("task"):
            self.eval_task = EvalTask.model_validate(state["task"])
        if state.get("data"):
            self.data = EvalData.load(self.data_dir, state["data"])
            fmt = state["data"].get("format", "json")
            self._data_format = fmt if fmt in ("csv", "parquet") else "json"
        for raw in state.get("judges", []):
            spec = JudgeSpec.from_state(raw, base_dir=self.project_dir)
            self.judges[spec.id] = spec
        self.metrics_configs = [MetricConfig.from_state(m) for m in state.get("metrics", [])]

    def reset_scores(self) -> None:
        """Delete ``scores/`` (results JSON, charts and reports) to start the scoring afresh."""
        if self.scores_dir.is_dir():
            shutil.rmtree(self.scores_dir)
        self._results = []
