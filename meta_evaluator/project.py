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
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from meta_evaluator import _compat, _state
from meta_evaluator import columns as C
from meta_evaluator._io import atomic_write_text, clean_stale_temp_files
from meta_evaluator._lock import RUN_LOCK, STATE_LOCK, ProjectLock
from meta_evaluator._merge import (
    AnnotationsSeen,
    adopted,
    merge_annotations,
    merge_states,
    read_disk_state,
)
from meta_evaluator._sync import run_sync
from meta_evaluator.errors import ConfigError, JudgeConfigError, ProjectError
from meta_evaluator.eval_task import EvalTask

if TYPE_CHECKING:
    from meta_evaluator.agreement import AgreementReport
    from meta_evaluator.annotations import AnnotationStore, ImportResult
    from meta_evaluator.common.models import Prompt
    from meta_evaluator.data import EvalData
    from meta_evaluator.judges import JudgeResults, JudgeSpec
    from meta_evaluator.judges._recovery import LoadedResults
    from meta_evaluator.judges._runner import CacheMode
    from meta_evaluator.judges._spec import OnDuplicate
    from meta_evaluator.report import ScoreReport
    from meta_evaluator.report._evidence import ReportEvidence
    from meta_evaluator.scores import MetricConfig, MetricsConfig
    from meta_evaluator.scores.base_scoring_result import BaseScoringResult

__all__ = ["MetaEvaluator"]

logger = logging.getLogger(__name__)

STATE_FILE = _state.STATE_FILE
STATE_VERSION = 1
_MANAGED = ("state.json", "data", "results", "annotations", "cache", "scores")


class MetaEvaluator(_compat.MetaEvaluatorCompat):
    """A meta-evaluation project: does an LLM judge agree with your human annotators?

    Args:
        project_dir: The project directory.
        load: False creates a new project (the directory must not hold a project yet; dotfiles
            such as ``.gitkeep`` do not count); True reopens a saved project (the directory must
            hold a ``state.json``).
        trust_scorer_modules: With ``load=True``, let the saved state import the module of a
            custom scorer that is not imported yet. Off by default: opening a project imports
            only meta_evaluator's own scorers and modules you already imported (``import
            my_scorers`` before opening), because importing a module runs its code (see
            :mod:`meta_evaluator.scores._trust`; the environment variable
            ``META_EVALUATOR_TRUST_SCORER_MODULES=1`` does the same).

    Raises:
        ProjectError: ``load=False`` on a directory that already holds a project, or
            ``load=True`` on a directory without one.
        MetricConfigError: The saved state names a scorer module that is not imported and
            ``trust_scorer_modules`` is False.

    Example:
        >>> import tempfile, pathlib
        >>> ev = MetaEvaluator(pathlib.Path(tempfile.mkdtemp()) / "demo", load=False)
        >>> ev.eval_task is None
        True
    """

    def __init__(
        self, project_dir: str | Path, load: bool = False, *, trust_scorer_modules: bool = False
    ) -> None:
        self.project_dir = Path(project_dir)
        self._trust_scorer_modules = trust_scorer_modules
        self.eval_task: EvalTask | None = None
        self.data: EvalData | None = None
        self.judges: dict[str, JudgeSpec] = {}
        self.metrics_configs: list[MetricConfig] = []
        self._annotations: AnnotationStore | None = None
        self._data_format: Literal["json", "csv", "parquet"] = "json"
        self._results: list[BaseScoringResult] = []
        self._state_base: dict[str, Any] | None = None  # state.json as last read or written
        self._unannounced: set[str] = set()  # judges from files whose key use is not yet logged
        self._annotations_seen = AnnotationsSeen()  # annotations/ as last read or written
        if load:
            self._load()
        else:
            existing = (
                sorted(
                    p.name for p in self.project_dir.iterdir() if _compat.is_visible_entry(p.name)
                )
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
        if self.data is not None:
            self.data.validate_for_task(eval_task)
        for cfg in self.metrics_configs:  # configs added before the task
            cfg.validate_against(eval_task)
        self.eval_task = eval_task

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
            self._check_labels_known(eval_data)  # labels imported before the data
        self.data = eval_data

    def _check_labels_known(self, eval_data: EvalData) -> None:
        judges = {j: r.results_data for j, r in self.load_all_judge_results().items()}
        humans = self.annotations.long_frame() if self._annotations_exist() else None
        _compat.check_labels_known(eval_data.ids, judges, humans)

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
        prompt: str | Prompt | None = None,
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
            prompt: The prompt template (``{prompt}``, ``{llm_response}``, any data column), or a
                ``meta_evaluator.common.models.Prompt``.
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
            prompt=_compat.prompt_text(prompt),
            prompt_file=str(prompt_file) if prompt_file is not None else None,
            **params,
        )
        self._register_judge(_state.import_prompt_file(spec, self.project_dir), on_duplicate)

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

        specs = [
            _state.import_prompt_file(s, self.project_dir) for s in load_judge_specs(yaml_file)
        ]
        where = repr(str(yaml_file))
        chosen = [
            resolve_duplicate(self.judges[s.id], s, on_duplicate, where=where)
            if s.id in self.judges
            else s
            for s in specs
        ]
        self._unannounced.update(s.id for s in specs)  # log where their keys go on first run
        for spec in chosen:
            self.judges[spec.id] = spec
        return [s.id for s in specs]

    async def arun_judges(
        self,
        judge_ids: str | list[str] | None = None,
        skip_duplicates: bool = True,
        progress: bool | None = None,
        cache: CacheMode = "on",
        *,
        wait: bool = False,
        run_id: str | None = None,
        save_results: bool = True,
        results_format: _compat.ResultsFormat = "json",
    ) -> dict[str, JudgeResults]:
        """Run judges over the data (awaitable); see :meth:`run_judges_async`."""
        from meta_evaluator.judges import run_judges_async

        task = self._require_task("run judges")
        data = self._require_data("run judges")
        _compat.check_run_options(
            run_id=run_id, save_results=save_results, results_format=results_format
        )
        _compat.check_skip_function(task, data)
        ids = list(self.judges) if judge_ids is None else _compat.judge_id_list(judge_ids) or []
        unknown = [j for j in ids if j not in self.judges]
        if unknown:
            raise JudgeConfigError(
                f"Unknown judge id(s) {unknown!r}; registered judges: {sorted(self.judges)!r}."
            )
        if not ids:
            raise JudgeConfigError(
                "No judges registered: call add_judge() or load_judges_from_yaml() first."
            )
        lock = ProjectLock(
            self.project_dir / RUN_LOCK, project=self.project_dir, activity="running judges"
        )
        await lock.acquire_async(wait=wait)
        try:
            self.save_state(data_format=self._data_format)  # judges are part of the saved state
            _state.log_key_destinations([self.judges[j] for j in ids], self._unannounced)
            with _compat.run_location(self.project_dir, save_results=save_results) as (rdir, cdir):
                out = await run_judges_async(
                    [self.judges[j] for j in ids],
                    task=task,
                    data=data,
                    results_dir=rdir,
                    cache_dir=cdir,
                    skip_duplicates=skip_duplicates,
                    progress=progress,
                    cache=cache,
                )
            _compat.stamp_run_id(out, run_id, rdir if save_results else None)
            return out
        finally:
            lock.release()

    def run_judges_async(
        self,
        judge_ids: str | list[str] | None = None,
        skip_duplicates: bool = True,
        progress: bool | None = None,
        cache: CacheMode = "on",
        *,
        wait: bool = False,
        run_id: str | None = None,
        save_results: bool = True,
        results_format: _compat.ResultsFormat = "json",
    ) -> dict[str, JudgeResults]:
        """Run judges over the data concurrently; blocks until done (safe inside Jupyter).

        Finished rows are journaled as they complete: after a crash, reopen the project with
        ``load=True`` and call this again — only unfinished rows are queried. One process runs
        a project's judges at a time (an OS lock on ``results/.lock``, released on exit or kill).

        Args:
            judge_ids: Judges to run (default: all registered); one id may be given as a string.
            skip_duplicates: Reuse rows already journaled (resume) instead of re-querying.
            progress: Show progress (default: a bar on a terminal or in Jupyter, a line every
                ~10% or 10 s otherwise); False for none.
            cache: ``"on"`` reuses cached answers; ``"refresh"`` queries every row again and
                stores the new answers; ``"off"`` neither reads nor writes the cache.
            wait: When another process is running this project's judges, wait for it (then
                resume from its journal) instead of failing at once.
            run_id: A name for this run, kept in each judge's saved results.
            save_results: False runs in a temporary folder: nothing is written to the project
                and the run cannot be resumed.
            results_format: Accepted for compatibility ("json", "csv", "parquet"); results are
                always stored as parquet plus a per-row journal.

        Returns:
            judge_id -> JudgeResults.

        Raises:
            ProjectError: Another process is running this project's judges and ``wait`` is
                False.
        """
        return run_sync(
            self.arun_judges(
                judge_ids,
                skip_duplicates,
                progress,
                cache,
                wait=wait,
                run_id=run_id,
                save_results=save_results,
                results_format=results_format,
            )
        )

    def load_all_judge_results(self) -> dict[str, JudgeResults]:
        """Every judge's saved results (runs and external files), keyed by judge id.

        A judge whose ``results.parquet`` or ``state.json`` is missing or corrupt is rebuilt
        from its journal (with a WARNING), or raises.

        Raises:
            ProjectError: A judge's results are damaged and there is no journal to rebuild from.
        """
        return self._judge_results().results

    def _judge_results(self) -> LoadedResults:
        from meta_evaluator.judges._recovery import load_judge_results

        return load_judge_results(
            self.results_dir,
            task=self.eval_task,
            ids=self.data.ids if self.data is not None else None,
            models={jid: spec.model for jid, spec in self.judges.items()},
        )

    def add_external_judge_results(
        self,
        file_path: str | Path,
        judge_id: str,
        overwrite: bool = False,
        id_column: str = C.ORIGINAL_ID,
        *,
        llm_client: str | None = None,
        model_used: str | None = None,
        run_id: str | None = None,
        data_format: Literal["json", "csv", "parquet"] | None = None,
        **metadata: Any,
    ) -> JudgeResults:
        """Import labels produced elsewhere by a judge (``original_id`` + task columns).

        May come before :meth:`add_data`: the ids are then checked when the data is added.

        Args:
            file_path: The file (csv / json / jsonl / parquet).
            judge_id: The judge's id.
            overwrite: Replace results already stored for this judge.
            id_column: The column holding the sample ids when it is not ``original_id``.
            llm_client: The provider that produced the labels (shown in the report).
            model_used: The model that produced the labels (shown in the report).
            run_id: A name for this import (kept with the results, shown in the report).
            data_format: The file format when the extension does not tell it.
            **metadata: Extra facts kept with the results (e.g. the original's status counts).

        Raises:
            AnnotationError: A label outside the schema, an unknown id or a duplicate id.
        """
        from meta_evaluator._ids import id_path
        from meta_evaluator.annotations import load_external_judge_results
        from meta_evaluator.judges._spec import check_judge_id

        task = self._require_task("add judge results")
        check_judge_id(judge_id)
        target = id_path(self.results_dir, judge_id, legacy=judge_id)
        if (target / "state.json").exists() and not overwrite:
            raise ProjectError(
                f"Judge {judge_id!r} already has results in {str(target)!r}. Pass "
                "overwrite=True to replace them."
            )
        res = load_external_judge_results(
            file_path,
            judge_id=judge_id,
            task=task,
            known_ids=set(self.data.ids) if self.data is not None else None,
            id_column=id_column,
            fmt=data_format,
        )
        _compat.record_judge_run(
            res, llm_client=llm_client, model_used=model_used, run_id=run_id, metadata=metadata
        )
        res.info["source_file"] = _state.file_name_only(res.info.get("source_file"))
        res.save(target)
        return res

    # ------------------------------------------------------------- annotations
    @property
    def annotations(self) -> AnnotationStore:
        """The human annotations of this project."""
        from meta_evaluator.annotations import AnnotationStore

        task = self._require_task("use annotations")
        if self._annotations is None:
            if (self.annotations_dir / "state.json").is_file():
                self._annotations_seen = AnnotationsSeen.read(self.annotations_dir)
                self._annotations = AnnotationStore.load(self.annotations_dir, task)
            else:
                self._annotations = AnnotationStore(task)
        return self._annotations

    def add_annotations(
        self,
        source: str | Path | list[dict[str, Any]] | dict[str, Any] | pl.DataFrame,
        format: str | None = None,
        *,
        overwrite: bool = False,
        **options: Any,
    ) -> ImportResult:
        """Import human annotations from any supported export, recognised by its content.

        Label Studio (JSON, snapshots, JSON-MIN, CSV/TSV, pre-1.0), Argilla (1.x records and
        Hugging Face export, 2.x nested and flattened records, JSON lines / parquet) and plain
        ``long`` / ``wide`` tables; Label Studio predictions and Argilla suggestions are saved
        as judge results (one judge per model version / agent). Nothing is written unless the
        whole export validates.

        Args:
            source: A file path, a list of record dicts, one record dict or a polars DataFrame.
            format: None (detect), a tool (``"label_studio"``, ``"argilla"``, ``"table"``) or a
                format name (``meta_evaluator.annotations.importers.importer_names()``).
            overwrite: Replace annotators and judges that already have data in the project.
            **options: id_field, field_map, annotator_map, annotator_id, annotator_column,
                statuses, include_cancelled, include_drafts, ground_truth, judges — see
                :func:`meta_evaluator.annotations.load_annotations`.

        Returns:
            The import: labels, judge results, ground-truth flags and what was left out.
        """
        from meta_evaluator.annotations.importers._project import import_into_project

        return import_into_project(
            self, source, format=format, overwrite=overwrite, options=options
        )

    def add_external_annotation_results(
        self,
        file_path: str | Path,
        annotator_id: str,
        overwrite: bool = False,
        id_column: str = C.ORIGINAL_ID,
        *,
        run_id: str | None = None,
        data_format: Literal["json", "csv", "parquet"] | None = None,
        **metadata: Any,
    ) -> None:
        """Import one annotator's labels (``original_id`` + task columns; sparse is fine).

        May come before :meth:`add_data`: the ids are then checked when the data is added.
        Alias of ``add_annotations(file_path, format="wide", annotator_id=annotator_id)``.

        Args:
            file_path: The file (csv / json / jsonl / parquet).
            annotator_id: Who gave the labels.
            overwrite: Replace labels already stored for this annotator.
            id_column: The column holding the sample ids when it is not ``original_id``.
            run_id: A name for this import (see :meth:`load_all_human_results`; in the report).
            data_format: The file format when the extension does not tell it.
            **metadata: Extra facts kept with the annotator's run id.
        """
        self.add_annotations(
            _compat.annotation_source(file_path, data_format),
            "wide",
            annotator_id=annotator_id,
            id_field=id_column,
            overwrite=overwrite,
        )
        _compat.record_annotation_run(self.annotations_dir, [annotator_id], run_id, metadata)

    def add_annotations_long_format(
        self,
        file_path: str | Path,
        annotator_column: str = C.ANNOTATOR_ID,
        overwrite: bool = False,
        id_column: str = C.ORIGINAL_ID,
    ) -> None:
        """Import one file holding many annotators (``original_id, annotator_id, <tasks>``).

        ``annotator_column`` / ``id_column`` name the annotator and sample-id columns when
        they are not ``annotator_id`` / ``original_id``. Alias of
        ``add_annotations(file_path, format="long", annotator_column=..., id_field=...)``.
        """
        self.add_annotations(
            file_path,
            "long",
            annotator_column=annotator_column,
            id_field=id_column,
            overwrite=overwrite,
        )

    def add_label_studio_annotations(
        self,
        file_path: str | Path,
        id_field: str = C.ORIGINAL_ID,
        field_map: dict[str, str] | None = None,
        include_cancelled: bool = False,
        overwrite: bool = False,
    ) -> None:
        """Import any Label Studio export (every annotator in it, predictions as judges).

        Alias of ``add_annotations(file_path, format="label_studio", ...)``.

        Args:
            file_path: The export (JSON, JSON-MIN, CSV or TSV).
            id_field: The task ``data`` field holding the sample id (else the LS task id).
            field_map: Label Studio control name (``from_name``) -> task name, where they differ.
            include_cancelled: Also import annotations marked cancelled.
            overwrite: Replace annotators that are already in the project.
        """
        self.add_annotations(
            file_path,
            "label_studio",
            id_field=id_field,
            field_map=field_map,
            include_cancelled=include_cancelled,
            overwrite=overwrite,
        )

    def add_argilla_annotations(
        self,
        file_path: str | Path,
        id_field: str = C.ORIGINAL_ID,
        field_map: dict[str, str] | None = None,
        statuses: tuple[str, ...] | None = ("submitted",),
        overwrite: bool = False,
    ) -> None:
        """Import any Argilla export (1.x or 2.x; JSON, JSON lines or parquet).

        Alias of ``add_annotations(file_path, format="argilla", ...)``.

        Args:
            file_path: The export.
            id_field: Metadata/field key holding the sample id (else ``external_id`` / ``id``).
            field_map: Argilla question name -> task name, where they differ.
            statuses: Response statuses that count (default: submitted only; None: all).
            overwrite: Replace annotators that are already in the project.
        """
        self.add_annotations(
            file_path,
            "argilla",
            id_field=id_field,
            field_map=field_map,
            statuses=statuses,
            overwrite=overwrite,
        )

    def _annotation_context(self) -> tuple[EvalTask, set[str] | None]:
        task = self._require_task("add annotations")
        return task, set(self.data.ids) if self.data is not None else None

    def _store_annotations(self, frame: pl.DataFrame, *, overwrite: bool) -> None:
        store = self.annotations
        store.add(frame, overwrite=overwrite)
        self._annotations_seen.touched.update(str(a) for a in frame[C.ANNOTATOR_ID].unique())
        with self._state_lock().hold(wait=True):
            self._save_annotations()

    def _state_lock(self) -> ProjectLock:
        return ProjectLock(
            self.project_dir / STATE_LOCK,
            project=self.project_dir,
            activity="saving its state",
            wait_log_level=logging.DEBUG,  # held for milliseconds
        )

    def _save_annotations(self) -> None:
        """Merge what another process saved, then save (the caller holds the state lock)."""
        assert self._annotations is not None
        merge_annotations(self._annotations, self.annotations_dir, self._annotations_seen)
        self._annotations.save(self.annotations_dir)
        self._annotations_seen = AnnotationsSeen.read(self.annotations_dir)

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
        try:
            launch_annotator(
                str(self.project_dir), port=port, host=host, annotators=annotators, **options
            )
        finally:
            self._annotations = None  # the round wrote new labels: reread them

    def load_all_human_annotations(self) -> pl.DataFrame:
        """All human labels, long format (``original_id``, ``annotator_id``, task columns)."""
        return self.annotations.long_frame()

    # ------------------------------------------------------- annotation teams
    def annotator_agreement(
        self, task_name: str, *, include_judges: bool = True
    ) -> AgreementReport:
        """How much the annotators (and judges) agree on one task: an ``AgreementReport``.

        See :class:`meta_evaluator.agreement.AgreementReport` (``overall``, ``pairwise``,
        ``per_annotator``, ``per_item``, ``low_agreement()``, ``export_label_studio()``).
        """
        from meta_evaluator.agreement import agreement_from_frames

        task = self._require_task("compute annotator agreement")
        judges = self.load_all_judge_results() if include_judges else {}
        return agreement_from_frames(
            task,
            task_name,
            self.load_all_human_annotations(),
            judges,
            include_judges=include_judges,
            data=self.data,
        )

    def unify_annotations(
        self,
        task_name: str,
        *,
        strategy: Literal[
            "majority", "weighted_majority", "disagreement", "mean", "median", "min", "max"
        ] = "majority",
        weights: Literal["learned"] | dict[str, float] | None = None,
        tie_break: Literal["smallest", "random"] = "smallest",
        seed: int = 0,
    ) -> pl.DataFrame:
        """One label per item from the annotators (Argilla's unification strategies).

        Args:
            task_name: The task.
            strategy: ``majority`` (most votes), ``weighted_majority`` (votes weighted by
                ``weights``; default ``"learned"``), ``disagreement`` (one row per distinct
                label, every response kept), ``mean`` (numeric scales), ``median`` / ``min`` /
                ``max`` (numeric values or schema order). Multi-label tasks take the majority
                per outcome (kept iff more than half of the weight chose it).
            weights: ``"learned"`` (each annotator's agreement with the leave-one-out
                consensus of the others) or ``{annotator_id: weight}`` (missing = 1.0); for
                ``weighted_majority`` and ``mean`` only.
            tie_break: ``"smallest"`` (the smallest label in sorted order; an outcome at
                exactly half is dropped) or ``"random"`` (seeded by ``seed``).
            seed: Seed of the random tie-break.

        Returns:
            ``original_id, <task_name>, support, n_votes``: ``support`` is the (weighted) share
            of votes for the unified label.
        """
        from meta_evaluator.agreement import unify_from_frames

        task = self._require_task("unify annotations")
        return unify_from_frames(
            task,
            task_name,
            self.load_all_human_annotations(),
            strategy=strategy,
            weights=weights,
            tie_break=tie_break,
            seed=seed,
            data=self.data,
        )

    def label_error_candidates(
        self, task_name: str, *, judges: list[str] | None = None, include_all: bool = False
    ) -> pl.DataFrame:
        """Human consensus labels that are probably wrong, most likely first.

        Confident learning with the judges' labels (and vote shares) as class probabilities;
        the method and its limits are in :mod:`meta_evaluator.agreement._label_errors`.

        Args:
            task_name: The task.
            judges: Judge ids to use (default: every judge with results).
            include_all: Also return the items that are not candidates.

        Returns:
            ``original_id, consensus, suggested_label, score, self_confidence, human_support,
            n_human_labels, is_candidate, human_votes, judge_labels``.
        """
        from meta_evaluator.agreement import label_errors_from_frames

        task = self._require_task("find label-error candidates")
        results = self.load_all_judge_results()
        if judges is not None:
            unknown = sorted(set(judges) - set(results))
            if unknown:
                raise ConfigError(
                    f"label_error_candidates: no results for judge(s) {unknown!r}; judges with "
                    f"results are {sorted(results)!r}."
                )
            results = {j: results[j] for j in judges}
        return label_errors_from_frames(
            task,
            task_name,
            self.load_all_human_annotations(),
            results,
            include_all=include_all,
            data=self.data,
        )

    # ----------------------------------------------------------------- scoring
    def add_metrics_config(self, metrics_config: MetricsConfig, overwrite: bool = False) -> None:
        """Add metric configurations, validated against the task now (or when it is added).

        Args:
            metrics_config: The configurations; ones already present are skipped.
            overwrite: Replace every configuration added so far instead of adding to them.
        """
        if self.eval_task is not None:
            for cfg in metrics_config.metrics:
                cfg.validate_against(self.eval_task)
        if overwrite:
            self.metrics_configs = []
        existing = {c.unique_name() for c in self.metrics_configs}
        for cfg in metrics_config.metrics:
            if cfg.unique_name() in existing:
                logger.debug("metric config %s already present: skipped", cfg.unique_name())
                continue
            self.metrics_configs.append(cfg)
            existing.add(cfg.unique_name())

    def load_metrics_from_yaml(self, path: str | Path, replace: bool = False) -> MetricsConfig:
        """Add the metric configs of a YAML file's ``metrics:`` list (format: README, "Metrics").

        Args:
            path: The YAML file.
            replace: Drop the configs already in the project first.

        Returns:
            The configs read from the file.

        Raises:
            MetricConfigError: The file or an entry is invalid (the message names the entry).
        """
        from meta_evaluator.scores._metrics_yaml import load_metrics_yaml

        config = load_metrics_yaml(path)
        task = self._require_task("load metrics")
        config.validate_against(task)
        if replace:
            self.metrics_configs = []
        self.add_metrics_config(config)
        return config

    async def acompare(
        self,
        judge_ids: str | list[str] | MetricsConfig | None = None,
        judge_results: Mapping[str, JudgeResults] | None = None,
        human_results: Mapping[str, Any] | None = None,
        *,
        comparison_config: MetricsConfig | None = None,
    ) -> list[BaseScoringResult]:
        """Score every judge with every metric config (awaitable); see :meth:`compare_async`."""
        from meta_evaluator.scores import MetricsConfig
        from meta_evaluator.scores._compare import compare_async

        task = self._require_task("compare")
        sel = _compat.compare_selection(judge_ids, comparison_config, judge_results, human_results)
        judge_ids = sel.judge_ids
        configs = list(sel.config.metrics) if sel.config is not None else self.metrics_configs
        if not configs:
            raise ConfigError("No metrics configured: call add_metrics_config() first.")
        found = None
        if sel.judges is not None:
            all_results = sel.judges
        else:
            found = self._judge_results()
            all_results = found.results
            if judge_ids is None:
                found.warn_unscored(self.judges)
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
        humans = _compat.select_humans(self.annotations.long_frame(), sel.human_ids)
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

        from meta_evaluator.report._decision import prepared_evidence

        report_judges = None if found is None else found.results
        # The report's per-sample evidence depends on the labels only, not on the scores: it is
        # coded on a second thread while the configs are scored (polars and numpy release the
        # GIL), and the page is built while the writer draws the last charts.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="me-evidence") as pool:
            evidence = pool.submit(prepared_evidence, self, report_judges)
            annotation_info = pool.submit(self._annotation_info)

            def save_report(results: list[BaseScoringResult]) -> None:
                self._results = results
                report = self._score_report(
                    report_judges,
                    evidence=evidence.result(),
                    annotation_info=annotation_info.result(),
                )
                report.save(self.scores_dir / "score_report.html", format="html")
                report.save(self.scores_dir / "score_report.csv", format="csv")

            results = await compare_async(
                MetricsConfig(metrics=list(configs)),
                task=task,
                judge_labels=judge_labels,
                human_labels=humans,
                scores_dir=self.scores_dir,
                while_writing=save_report,
            )
        return _compat.ComparisonResults(results, configs)

    def compare_async(
        self,
        judge_ids: str | list[str] | MetricsConfig | None = None,
        judge_results: Mapping[str, JudgeResults] | None = None,
        human_results: Mapping[str, Any] | None = None,
        *,
        comparison_config: MetricsConfig | None = None,
    ) -> list[BaseScoringResult]:
        """Score every judge with every metric config; blocks until done (safe inside Jupyter).

        Writes ``scores/<scorer>/<config>/<judge_id>_result.json`` and charts per config, and
        ``scores/score_report.html`` / ``.csv``.

        Args:
            judge_ids: Judges to score (default: every judge with results); one id may be a
                string. A ``MetricsConfig`` here is taken as ``comparison_config``.
            judge_results: Score these results (``load_all_judge_results()`` values) instead.
            human_results: Compare with these annotators only (``load_all_human_results()``).
            comparison_config: Configs for this comparison instead of the added ones.

        Returns:
            One BaseScoringResult per (metric config, judge): a list that also has the
            original's ``.items()`` (config name -> (MetricConfig, results)).
        """
        return run_sync(
            self.acompare(
                judge_ids, judge_results, human_results, comparison_config=comparison_config
            )
        )

    @property
    def score_report(self) -> ScoreReport:
        """A summary report of the latest comparison (``save(path, format=...)``, ``print()``)."""
        return self._score_report()

    def _score_report(
        self,
        judge_results: Mapping[str, JudgeResults] | None = None,
        *,
        evidence: ReportEvidence | None = None,
        annotation_info: dict[str, Any] | None = None,
    ) -> ScoreReport:
        """:attr:`score_report`, reusing what the caller already has.

        Args:
            judge_results: Every judge's results, just loaded (None = load them).
            evidence: :func:`~meta_evaluator.report._evidence.prepared_evidence` of the project
                (None = gather it).
            annotation_info: :meth:`_annotation_info` (None = compute it).
        """
        from meta_evaluator.report import ScoreReport

        judge_info: dict[str, dict[str, Any]] = {}
        if judge_results is None:
            judge_results = self.load_all_judge_results()
        for jid, res in judge_results.items():
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
            info.update(_compat.judge_report_facts(res))
            for col in (C.INPUT_TOKENS, C.OUTPUT_TOKENS, C.COST_USD):
                if col in df.columns and df[col].null_count() < df.height:
                    info[col] = float(df[col].fill_null(0).sum())
            if C.COST_USD not in info and res.source == "run":
                info["cost_note"] = res.info.get("cost_note") or "unknown"
            judge_info[jid] = info
        if annotation_info is None:
            annotation_info = self._annotation_info()
        from meta_evaluator.report._evidence import gather_evidence
        from meta_evaluator.scores._config import config_labels

        return ScoreReport(
            self._results or self._load_saved_results(),
            project_name=self.project_dir.name,
            judge_info=judge_info,
            annotation_info=annotation_info,
            evidence=evidence if evidence is not None else gather_evidence(self, judge_results),
            metric_configs=list(config_labels(self.metrics_configs).values()),
            scores_dir=self.scores_dir,
        )

    def _annotation_info(self) -> dict[str, Any]:
        """The report header's facts about the human annotations ({} without any)."""
        if self.eval_task is None or not self._annotations_exist():
            return {}
        long = self.annotations.long_frame()
        info: dict[str, Any] = {
            "annotators": long[C.ANNOTATOR_ID].n_unique() if not long.is_empty() else 0,
            "items": long[C.ORIGINAL_ID].n_unique() if not long.is_empty() else 0,
            "labels": long.height,
        }
        runs = _compat.annotation_runs(self.annotations_dir)
        if runs:
            info["runs"] = ", ".join(
                f"{a}: {r['run_id']}" for a, r in sorted(runs.items()) if "run_id" in r
            )
        return info

    def _annotations_exist(self) -> bool:
        return self._annotations is not None or (self.annotations_dir / "state.json").is_file()

    def _load_saved_results(self) -> list[BaseScoringResult]:
        from meta_evaluator.scores.base_scoring_result import BaseScoringResult

        if not self.scores_dir.is_dir():
            return []
        from meta_evaluator.judges._recovery import without_vanished_judges

        saved = [
            BaseScoringResult.load_state(p)
            for p in sorted(self.scores_dir.glob("*/*/*_result.json"))
        ]
        return without_vanished_judges(saved, set(self.load_all_judge_results()))

    # ------------------------------------------------------------------ state
    def save_state(
        self,
        data_format: Literal["json", "csv", "parquet"] | None = "json",
        *,
        include_task: bool = True,
        include_data: bool = True,
        data_filename: str | None = None,
    ) -> None:
        """Write ``state.json`` (task, data reference, judges, metrics configs) and the data.

        Every file is written atomically (temp file + rename). No secrets are stored: judges keep
        the *name* of their API key environment variable only.

        Args:
            data_format: How the data is stored under ``data/`` (None = "json").
            include_task: False leaves the task out of the saved state.
            include_data: False leaves the data out (it is neither written nor referenced).
            data_filename: The data file's name under ``data/`` (default: the dataset name);
                its extension must match ``data_format``.
        """
        fmt = _compat.check_save_options(data_format, data_filename, include_data=include_data)
        self._data_format = fmt
        state: dict[str, Any] = {
            "version": STATE_VERSION,
            "task": (
                self.eval_task.model_dump(mode="json") if self.eval_task and include_task else None
            ),
            "data": None,
            "judges": [
                spec.to_state(relative_to=self.project_dir) for spec in self.judges.values()
            ],
            "metrics": [cfg.to_state() for cfg in self.metrics_configs],
        }
        if self.data is not None and include_data:
            state["data"] = self.data.save(self.data_dir, data_format=fmt, file_name=data_filename)
            state["data"]["source_file"] = _state.file_name_only(state["data"]["source_file"])
        with self._state_lock().hold(wait=True):  # another process may have saved: merge
            if self._annotations is not None:
                self._save_annotations()
            merged = merge_states(state, self._state_base, read_disk_state(self.project_dir))
            _compat.leave_out(merged, task=not include_task, data=not include_data)
            atomic_write_text(self.project_dir / STATE_FILE, json.dumps(merged, indent=2))
        self._state_base = merged
        judges, metrics = adopted(
            merged, mine=state, project_dir=self.project_dir, trust=self._trust_scorer_modules
        )
        self.judges.update(judges)  # what another process saved, now in memory too
        self._unannounced.update(judges)
        self.metrics_configs.extend(metrics)

    def _load(self) -> None:
        state = _state.read_state(self.project_dir)  # shape + trust boundary; reads no data
        clean_stale_temp_files(self.project_dir)
        from pydantic import ValidationError

        from meta_evaluator.data import EvalData
        from meta_evaluator.judges import JudgeSpec
        from meta_evaluator.scores import MetricConfig

        _state.check_metric_states(state["metrics"], where=str(self.project_dir / STATE_FILE))
        if state.get("task"):
            try:
                self.eval_task = EvalTask.model_validate(state["task"])
            except (ValidationError, ConfigError) as exc:
                raise ProjectError(
                    f"{str(self.project_dir / STATE_FILE)!r}: field 'task' is not a valid "
                    f"EvalTask: {exc} Restore the file, or fix that field."
                ) from None
        if state.get("data"):
            self.data = EvalData.load(self.data_dir, state["data"])
            fmt = state["data"].get("format", "json")
            self._data_format = fmt if fmt in ("csv", "parquet") else "json"
        for raw in state["judges"]:
            spec = JudgeSpec.from_state(raw, base_dir=self.project_dir)
            self.judges[spec.id] = spec
        self._unannounced = set(self.judges)
        self.metrics_configs = [
            MetricConfig.from_state(
                m,
                trust_modules=self._trust_scorer_modules,
                where=f"{str(self.project_dir / STATE_FILE)!r}: metrics[{i}]",
            )
            for i, m in enumerate(state["metrics"])
        ]
        self._state_base = state

    def reset_scores(self) -> None:
        """Delete ``scores/`` (results JSON, charts and reports) to start the scoring afresh."""
        if self.scores_dir.is_dir():
            shutil.rmtree(self.scores_dir)
        self._results = []
