"""MetricConfig / MetricsConfig: which scorer runs on which tasks, and how.

Example:
    >>> from meta_evaluator.scores.metrics import AccuracyScorer
    >>> cfg = MetricConfig(scorer=AccuracyScorer(), task_names=["rejection"])
    >>> cfg.unique_name().startswith("accuracy_1tasks_") and cfg.unique_name().endswith("_single")
    True
    >>> MetricConfig(scorer=AccuracyScorer(), task_names=["a", "b"], task_strategy="single")
    Traceback (most recent call last):
    ...
    meta_evaluator.errors.MetricConfigError: MetricConfig(accuracy): task_strategy='single' needs exactly 1 task; got 2: ['a', 'b']. Use task_strategy='multitask' (same scorer on each task) or 'multilabel' (the tasks' labels as one list).
"""  # noqa: E501

from __future__ import annotations

import hashlib
import importlib
import json
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from meta_evaluator._checks import check_choice
from meta_evaluator._compat import (
    MetricsConfigCompat,
    has_default_options,
    merge_display_name,
    original_hash8,
)
from meta_evaluator.errors import MetricConfigError
from meta_evaluator.scores._registry import registered_scorers, scorer_class
from meta_evaluator.scores._trust import callable_import_path, check_loaded_import
from meta_evaluator.scores._unified import UNIFIED_AGGREGATIONS, value_aggregation_problem
from meta_evaluator.scores.base_scorer import BaseScorer
from meta_evaluator.scores.enums import AnnotatorAggregation, TaskAggregationMode

if TYPE_CHECKING:
    from meta_evaluator.eval_task import EvalTask

__all__ = ["MetricConfig", "MetricsConfig", "config_labels"]

_STRATEGIES = tuple(m.value for m in TaskAggregationMode)
_AGGREGATIONS = (*(a.value for a in AnnotatorAggregation), *UNIFIED_AGGREGATIONS)
_TEXT_SAMPLE = "A free-text sample label, written by an annotator."
_BUILTIN_PREFIX = "meta_evaluator."


def _norm_choice(value: Any, allowed: tuple[str, ...], param: str, owner: str) -> str:
    if isinstance(value, Enum):
        value = value.value
    check_choice(value, allowed, param=param, owner=owner, error=MetricConfigError)
    return str(value)


def _class_path(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}:{cls.__qualname__}"


def _public_path(obj: Any) -> str:
    """``module:qualname`` through the public package when the class is re-exported there."""
    cls = type(obj)
    if cls.__module__.startswith("meta_evaluator.scores.metrics."):
        from meta_evaluator.scores import metrics

        if getattr(metrics, cls.__qualname__, None) is cls:
            return f"meta_evaluator.scores.metrics:{cls.__qualname__}"
    return _class_path(obj)


@dataclass
class MetricConfig:
    """One scorer applied to one or more tasks.

    Args:
        scorer: A :class:`~meta_evaluator.scores.base_scorer.BaseScorer` instance.
        task_names: The task(s) to score.
        task_strategy: A :class:`~meta_evaluator.scores.enums.TaskAggregationMode` or its value:
            "single" (exactly 1 task), "multitask" (the scorer on each task, scores averaged,
            per-task results in ``metadata["per_task"]``) or "multilabel" (the *strategy*: the
            tasks' single labels form one list-valued label per sample, >= 2 tasks; not to be
            confused with a ``MultiLabelSchema`` task, whose one label is a set of outcomes).
        annotator_aggregation: An :class:`~meta_evaluator.scores.enums.AnnotatorAggregation` or
            its value: "individual_average" (judge vs each human, then the mean),
            "majority_vote" (judge vs the per-sample human consensus), or "mean" / "median" /
            "min" / "max" / "weighted_majority" (judge vs the humans' unified label per sample;
            see :mod:`meta_evaluator.scores._unified`).
        name: Optional readable name of the config, shown by the report and the CSV (see
            :meth:`label`) and ending the results folder name (:meth:`unique_name`; default:
            ``task_strategy``). Without it a name is derived from the scorer, its options and
            the tasks, e.g. ``"accuracy · rejection · majority"``.
        display_name: The original meta-evaluator's spelling of ``name`` (the same value).

    Raises:
        MetricConfigError: A value is invalid (wrong task count, duplicates, unknown option).
    """

    scorer: BaseScorer
    task_names: list[str]
    task_strategy: str = "single"
    annotator_aggregation: str = "individual_average"
    name: str | None = None
    display_name: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        scorer_name = getattr(self.scorer, "scorer_name", type(self.scorer).__name__)
        owner = f"MetricConfig({scorer_name})"
        self.name = self.display_name = merge_display_name(self.name, self.display_name, owner)
        if not isinstance(self.scorer, BaseScorer):
            raise MetricConfigError(
                f"MetricConfig: 'scorer' must be a BaseScorer instance (e.g. AccuracyScorer()); "
                f"got {self.scorer!r}. Did you pass the class instead of an instance?"
            )
        if isinstance(self.task_names, str) or not isinstance(self.task_names, list | tuple):
            raise MetricConfigError(
                f"{owner}: 'task_names' must be a list of task names; got {self.task_names!r}. "
                f"Write task_names=[{self.task_names!r}]."
            )
        names = list(self.task_names)
        bad = [t for t in names if not isinstance(t, str) or not t]
        if bad or not names:
            raise MetricConfigError(
                f"{owner}: 'task_names' must be a non-empty list of non-empty strings; got "
                f"{self.task_names!r}."
            )
        dup = sorted({t for t in names if names.count(t) > 1})
        if dup:
            raise MetricConfigError(
                f"{owner}: duplicate task name(s) {dup!r} in task_names {names!r}. List each task "
                "once."
            )
        self.task_names = names
        self.task_strategy = _norm_choice(self.task_strategy, _STRATEGIES, "task_strategy", owner)
        self.annotator_aggregation = _norm_choice(
            self.annotator_aggregation, _AGGREGATIONS, "annotator_aggregation", owner
        )
        n = len(names)
        if self.task_strategy == "single" and n != 1:
            raise MetricConfigError(
                f"{owner}: task_strategy='single' needs exactly 1 task; got {n}: {names!r}. Use "
                "task_strategy='multitask' (same scorer on each task) or 'multilabel' (the "
                "tasks' labels as one list)."
            )
        if self.task_strategy in ("multitask", "multilabel") and n < 2:
            raise MetricConfigError(
                f"{owner}: task_strategy={self.task_strategy!r} needs 2 or more tasks; got "
                f"{names!r}. Use task_strategy='single' for one task."
            )
        if self.name is not None and (not isinstance(self.name, str) or not self.name.strip()):
            raise MetricConfigError(
                f"{owner}: 'name' must be a non-empty string or None; got {self.name!r}."
            )

    # ------------------------------------------------------------------ identity
    def unique_name(self) -> str:
        """``f"{scorer_name}_{N}tasks_{hash8}_{name or task_strategy}"`` (see :meth:`hash8`)."""
        label = self.name or self.task_strategy
        return f"{self.scorer.scorer_name}_{len(self.task_names)}tasks_{self.hash8()}_{label}"

    def hash8(self) -> str:
        """The 8-hex-digit hash in the folder name (see :meth:`unique_name`).

        With the scorer's default options and ``individual_average`` it is the original
        meta-evaluator's: MD5 of the sorted task names joined by ``_`` (``rejection`` ->
        ``22e76eaf``). Otherwise it is the first 8 hex digits of the SHA-256 of a canonical JSON
        of (scorer class, ``scorer.config_params()``, sorted task names, strategy, aggregation),
        so two configs that score differently never share a results folder.
        """
        if has_default_options(self.scorer, self.annotator_aggregation):
            return original_hash8(self.task_names)
        payload = {
            "scorer": _public_path(self.scorer),
            "params": self.scorer.config_params(),
            "tasks": sorted(self.task_names),
            "strategy": self.task_strategy,
            "aggregation": self.annotator_aggregation,
        }
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=repr)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]

    def label(self) -> str:
        """The readable name: ``name`` when given, else derived from scorer, options and tasks.

        Derived: ``scorer.label()`` (the scorer name with the options that change the number,
        e.g. ``kappa(quadratic)``, ``alt_test(ε=0.2)``), the task names joined with ``+``, the
        strategy when it is not ``single`` and ``majority`` for ``majority_vote``, separated by
        `` · ``. Two configs of a project with the same label are told apart by
        :func:`config_labels`.

        Example:
            >>> from meta_evaluator.scores.metrics import CohensKappaScorer
            >>> MetricConfig(scorer=CohensKappaScorer(weights="quadratic"),
            ...              task_names=["severity"]).label()
            'kappa(quadratic) · severity'
        """
        if self.name:
            return self.name
        parts = [self.scorer.label(), "+".join(self.task_names)]
        if self.task_strategy != "single":
            parts.append(self.task_strategy)
        if self.annotator_aggregation == "majority_vote":
            parts.append("majority")
        elif self.annotator_aggregation == "weighted_majority":
            parts.append("weighted majority")
        elif self.annotator_aggregation in UNIFIED_AGGREGATIONS:
            parts.append(f"{self.annotator_aggregation} of humans")
        return " · ".join(parts)

    # ------------------------------------------------------------------ validation
    def validate_against(self, task: EvalTask) -> None:
        """Check that the task defines these tasks and the scorer can score them.

        Built-in scorers are checked by task kind (so a categorical scorer rejects a free-text
        task); custom scorers through ``can_score_task`` with a representative label.

        Args:
            task: The project's evaluation task.

        Raises:
            MetricConfigError: Unknown task names, or a task the scorer cannot score.
        """
        owner = f"MetricConfig({self.scorer.scorer_name}, tasks={self.task_names!r})"
        unknown = [t for t in self.task_names if t not in task.task_schemas]
        if unknown:
            raise MetricConfigError(
                f"{owner}: unknown task name(s) {unknown!r}; the EvalTask defines "
                f"{task.task_names!r}. Fix task_names."
            )
        kinds = [task.task_kind(t) for t in self.task_names]
        if self.task_strategy == "multilabel" and "multilabel" in kinds:
            bad = [t for t, k in zip(self.task_names, kinds, strict=True) if k == "multilabel"]
            raise MetricConfigError(
                f"{owner}: the multilabel strategy combines single-label tasks; {bad!r} already "
                "hold label sets (MultiLabelSchema). Score them with task_strategy='single' or "
                "'multitask'."
            )
        problem = value_aggregation_problem(self.annotator_aggregation, kinds, self.task_strategy)
        if problem:
            raise MetricConfigError(f"{owner}: {problem}.")
        reason_fn = getattr(self.scorer, "unsupported_reason", None)
        if callable(reason_fn):
            reason = reason_fn(kinds, self.task_strategy)
            if reason:
                raise MetricConfigError(f"{owner}: {reason}. Pick a scorer for these tasks.")
            return
        samples: list[tuple[str, Any]] = []
        if self.task_strategy == "multilabel":
            samples.append(("+".join(self.task_names), [_sample(task, t) for t in self.task_names]))
        else:
            samples.extend((t, _sample(task, t)) for t in self.task_names)
        for tname, sample in samples:
            try:
                ok = self.scorer.can_score_task(sample)
            except Exception as exc:
                raise MetricConfigError(
                    f"{owner}: can_score_task({sample!r}) raised {exc!r} for task {tname!r}."
                ) from exc
            if not ok:
                raise MetricConfigError(
                    f"{owner}: the scorer cannot score task {tname!r} (a "
                    f"{'combined multilabel' if '+' in tname else task.task_kind(tname)} task): "
                    f"can_score_task({sample!r}) returned False. Pick a scorer for this task kind."
                )

    # ------------------------------------------------------------------ state
    def to_state(self) -> dict[str, Any]:
        """A JSON-ready dict for state.json: the scorer's registered name (built-ins), class path
        and parameters, the tasks, strategy, aggregation and name.
        """  # noqa: D205
        scorer: dict[str, Any] = {}
        name = _registered_name(self.scorer)
        if name is not None:
            scorer["name"] = name
        return {
            "scorer": {
                **scorer,
                "class": _public_path(self.scorer),
                "params": json.loads(
                    json.dumps(self.scorer.config_params(), default=repr, sort_keys=True)
                ),
            },
            "task_names": list(self.task_names),
            "task_strategy": self.task_strategy,
            "annotator_aggregation": self.annotator_aggregation,
            "name": self.name,
        }

    @classmethod
    def from_state(
        cls,
        state: dict[str, Any],
        *,
        trust_modules: bool = False,
        where: str = "MetricConfig.from_state",
    ) -> MetricConfig:
        """Rebuild a config written by :meth:`to_state`.

        Built-in scorers are looked up by their registered ``name`` (older states: by class
        path) and re-created from their parameters; a custom scorer is re-created
        when its class can be imported and built with no arguments (its saved parameters are
        then set as attributes).

        A state may come from someone else's project, so an import path it names (a custom
        scorer's class, a ``"callable:module.name"`` parameter) is imported only when its module
        is meta_evaluator's or already imported in this process, or ``trust_modules`` is True
        (see :mod:`meta_evaluator.scores._trust`); the class must then be a ``BaseScorer``.

        Args:
            state: The dict :meth:`to_state` wrote.
            trust_modules: Import the modules the state names even when not imported yet.
            where: Prefix of error messages (e.g. the state file and entry).

        Raises:
            MetricConfigError: The scorer cannot be re-created, or names a module this process
                may not import; the message says how to fix it.
        """
        try:
            spec = state["scorer"]
            path, params = spec["class"], dict(spec.get("params") or {})
        except (KeyError, TypeError) as exc:
            raise MetricConfigError(
                f"{where}: malformed state {state!r}; expected a 'scorer' entry "
                "with 'class' and 'params'."
            ) from exc
        for key, value in params.items():
            stored = callable_import_path(value)
            if stored is not None:
                check_loaded_import(
                    stored, field=f"scorer.params.{key}", where=where, trust=trust_modules
                )
        name = spec.get("name")
        if isinstance(name, str):
            scorer_cls = scorer_class(name)
        else:
            check_loaded_import(path, field="scorer.class", where=where, trust=trust_modules)
            scorer_cls = _import_class(path, where)
        if isinstance(name, str) or path.startswith(_BUILTIN_PREFIX):
            try:
                scorer = scorer_cls(**params)
            except Exception as exc:
                raise MetricConfigError(
                    f"{where}: cannot re-create {path} with parameters {params!r}: {exc}"
                ) from exc
        else:
            try:
                scorer = cast(Any, scorer_cls)()
            except Exception as exc:
                raise MetricConfigError(
                    f"{where}: the custom scorer {path} cannot be built with no "
                    f"arguments ({exc}). Give its __init__ defaults, or re-add the metrics config "
                    "with add_metrics_config() after loading."
                ) from exc
            for k, v in params.items():
                setattr(scorer, k, tuple(v) if isinstance(getattr(scorer, k, None), tuple) else v)
        return cls(
            scorer=scorer,
            task_names=list(state["task_names"]),
            task_strategy=state.get("task_strategy", "single"),
            annotator_aggregation=state.get("annotator_aggregation", "individual_average"),
            name=state.get("name"),
        )


def config_labels(configs: list[MetricConfig]) -> dict[str, str]:
    """Readable labels, unique among ``configs``: unique name -> label.

    A label shared by several configs gets the config's hash appended (``"accuracy · t
    [1a2b3c4d]"``), so every column of a report has its own name.

    Example:
        >>> from meta_evaluator.scores.metrics import AccuracyScorer
        >>> a = MetricConfig(scorer=AccuracyScorer(), task_names=["t"])
        >>> b = MetricConfig(scorer=AccuracyScorer(n_resamples=0), task_names=["t"])
        >>> sorted(config_labels([a, b]).values())[0].startswith("accuracy · t [")
        True
    """
    counts = Counter(c.label() for c in configs)
    return {
        c.unique_name(): f"{c.label()} [{c.hash8()}]" if counts[c.label()] > 1 else c.label()
        for c in configs
    }


def _registered_name(scorer: BaseScorer) -> str | None:
    """The registry name of the scorer's own class (None for custom scorers and subclasses)."""
    name = getattr(type(scorer), "registry_name", None)
    if isinstance(name, str) and registered_scorers().get(name) is type(scorer):
        return name
    return None


def import_qualified(path: str) -> Any:
    """The object named by ``"package.module:Qual.name"``.

    Raises:
        ImportError: The module cannot be imported.
        AttributeError: The module has no such name.
    """
    module_name, _, qualname = path.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _import_class(path: str, where: str) -> type[BaseScorer]:
    try:
        obj = import_qualified(path)
    except (ImportError, AttributeError) as exc:
        raise MetricConfigError(
            f"{where}: cannot import the scorer class {path!r} ({exc}). Make "
            "the module importable (e.g. install it or add it to PYTHONPATH) before loading the "
            "project, or re-add the metrics config after loading."
        ) from exc
    if not (isinstance(obj, type) and issubclass(obj, BaseScorer)):
        raise MetricConfigError(
            f"{where}: field 'scorer.class' names {path!r}, which is not a BaseScorer subclass "
            "(a scorer class derives from meta_evaluator.scores.base_scorer.BaseScorer)."
        )
    return obj


def _sample(task: EvalTask, name: str) -> Any:
    """A representative label of the task's kind (see :meth:`MetricConfig.validate_against`)."""
    kind = task.task_kind(name)
    labels = task.allowed_labels(name)
    if kind == "text":
        return _TEXT_SAMPLE
    if kind == "multilabel":
        return list(labels or [])[:1]
    assert labels is not None
    return labels[0]


@dataclass
class MetricsConfig(MetricsConfigCompat):
    """The list of metric configs a comparison runs.

    Args:
        metrics: The configs; their :meth:`MetricConfig.unique_name` values must differ.

    Raises:
        MetricConfigError: An entry is not a MetricConfig, or two entries are identical.
    """

    metrics: list[MetricConfig] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.metrics, list | tuple):
            raise MetricConfigError(
                f"MetricsConfig: 'metrics' must be a list of MetricConfig; got {self.metrics!r}."
            )
        self.metrics = list(self.metrics)
        seen: dict[str, int] = {}
        for i, m in enumerate(self.metrics):
            if not isinstance(m, MetricConfig):
                raise MetricConfigError(
                    f"MetricsConfig: metrics[{i}] must be a MetricConfig; got {m!r}."
                )
            uname = m.unique_name()
            if uname in seen:
                raise MetricConfigError(
                    f"MetricsConfig: metrics[{seen[uname]}] and metrics[{i}] are the same config "
                    f"({uname!r}); they would write the same results. Remove one or give it a "
                    "different name=."
                )
            seen[uname] = i

    def validate_against(self, task: EvalTask) -> None:
        """Validate every config against the task (see :meth:`MetricConfig.validate_against`)."""
        for m in self.metrics:
            m.validate_against(task)

    def to_state(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{"metrics": [config state, ...]}``."""
        return {"metrics": [m.to_state() for m in self.metrics]}

    @classmethod
    def from_state(cls, state: dict[str, Any], *, trust_modules: bool = False) -> MetricsConfig:
        """Rebuild from :meth:`to_state` output (see :meth:`MetricConfig.from_state`)."""
        return cls(
            metrics=[
                MetricConfig.from_state(
                    s, trust_modules=trust_modules, where=f"MetricsConfig.from_state: metrics[{i}]"
                )
                for i, s in enumerate(state.get("metrics", []))
            ]
        )
