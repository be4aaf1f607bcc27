"""The offline local judge (``llm_client: local``): an embedding-similarity zero-shot classifier.

**This is not an LLM.** It reads no instructions and does no reasoning. It embeds the judged
text and a description of every label with all-MiniLM-L6-v2 (packaged, runs on CPU, no key, no
network) and picks, per task, the label whose description is most similar (cosine) to the text.
It lets a new user run the whole pipeline offline; its labels are only as good as the label
descriptions, and they are much better when each label is described by a few *example texts*
that look like the judged data rather than by an abstract word.

How it answers (``settings.response_schema`` = ``EvalTask.output_json_schema()``):

- Text embedded: the last **user** message only (the rendered prompt). Put format instructions
  in the system message; they are ignored here.
- Label descriptions: ``settings.extra["label_descriptions"] = {task: {label: description}}``
  where a description is a string or a list of example strings (similarity to a label = the
  highest similarity to any of its examples). Default: the label itself.
- Categorical and numeric tasks (``enum``): the most similar label. Numeric scales need
  descriptions per number (``{"1": "...", "5": "..."}``) to mean anything.
- Multilabel tasks (array of ``enum``): every label with similarity above
  ``extra.get("multilabel_threshold", 0.3)``.
- Free-text tasks (string without ``enum``): a short rationale naming, per labelled task, the
  closest label descriptions and their similarities.

Confidence (``Completion.confidence``, in [0, 1]): for a single-choice task, the softmax
probability of the chosen label over the similarities divided by a temperature of 0.05
(as in CLIP-style zero-shot classification); for a multilabel task, the mean over labels of
``max(p, 1 - p)`` with ``p = sigmoid((similarity - threshold) / 0.05)``; the answer's
confidence is the mean over the labelled tasks (None when there are none). It measures how
clearly one description wins, not whether the answer is right.

Example:
    >>> LocalJudgeClient.supported_models()
    ('all-MiniLM-L6-v2', 'minilm-zero-shot')
"""

from __future__ import annotations

import asyncio
import json
import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from meta_evaluator._embeddings import DEFAULT_MODEL, embed_texts, load_sentence_model
from meta_evaluator.errors import JudgeCallError, JudgeConfigError
from meta_evaluator.judges._protocol import CallSettings, Completion

__all__ = ["LocalJudgeClient", "validate_label_descriptions"]

_MODEL_ALIASES = {
    "all-minilm-l6-v2": DEFAULT_MODEL,
    "sentence-transformers/all-minilm-l6-v2": DEFAULT_MODEL,
    "minilm-zero-shot": DEFAULT_MODEL,
}
_TEMPERATURE = 0.05
_DEFAULT_THRESHOLD = 0.3


@dataclass(frozen=True, kw_only=True)
class _Task:
    name: str
    kind: str  # "single" | "multi" | "text"
    labels: tuple[Any, ...] = ()
    descriptions: tuple[tuple[str, ...], ...] = ()


def _descriptions_for(label: Any, given: Mapping[Any, Any]) -> tuple[str, ...]:
    keys: list[Any] = [label, str(label)]
    if isinstance(label, float) and label.is_integer():
        keys.append(str(int(label)))
    for key in keys:
        if key in given:
            value = given[key]
            items = [value] if isinstance(value, str) else list(value)
            return tuple(str(v) for v in items)
    return (str(label),)


def _plan(schema: Mapping[str, Any], extra: Mapping[str, Any]) -> list[_Task]:
    descriptions = extra.get("label_descriptions") or {}
    validate_label_descriptions(descriptions, schema)
    tasks: list[_Task] = []
    for name, prop in (schema.get("properties") or {}).items():
        prop = prop or {}
        given = descriptions.get(name) or {}
        if prop.get("enum"):
            labels = tuple(prop["enum"])
            kind = "single"
        elif prop.get("type") == "array" and (prop.get("items") or {}).get("enum"):
            labels = tuple(prop["items"]["enum"])
            kind = "multi"
        elif prop.get("type", "string") == "string":
            tasks.append(_Task(name=name, kind="text"))
            continue
        else:
            raise JudgeConfigError(
                f"local judge: property {name!r} of type {prop.get('type')!r} has no enum of "
                "labels; the local judge answers labelled tasks (enums) and free text only."
            )
        tasks.append(
            _Task(
                name=name,
                kind=kind,
                labels=labels,
                descriptions=tuple(_descriptions_for(lab, given) for lab in labels),
            )
        )
    return tasks


def validate_label_descriptions(label_descriptions: Any, schema: Mapping[str, Any]) -> None:
    """Check ``label_descriptions`` against an answer schema (call it when defining a judge).

    Args:
        label_descriptions: ``{task: {label: description or [examples]}}``.
        schema: The answer JSON schema (``EvalTask.output_json_schema()``).

    Raises:
        JudgeConfigError: Not a mapping, unknown task or label, or an empty description.

    Example:
        >>> schema = {"properties": {"rejection": {"enum": ["rejection", "not rejection"]}}}
        >>> validate_label_descriptions({"rejection": {"rejection": "I can't help."}}, schema)
        >>> bad = {"rejection": {"refusal": "No."}}
        >>> validate_label_descriptions(bad, schema)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        meta_evaluator.errors.JudgeConfigError: local judge: label_descriptions for task ...
    """
    if not label_descriptions:
        return
    if not isinstance(label_descriptions, Mapping):
        raise JudgeConfigError(
            "local judge: label_descriptions must map task -> {label: description}; got "
            f"{label_descriptions!r}."
        )
    props = schema.get("properties") or {}
    for task, given in label_descriptions.items():
        if task not in props:
            raise JudgeConfigError(
                f"local judge: label_descriptions names unknown task {task!r}; tasks: "
                f"{list(props)!r}."
            )
        prop = props[task] or {}
        labels = list(prop.get("enum") or (prop.get("items") or {}).get("enum") or [])
        if not isinstance(given, Mapping):
            raise JudgeConfigError(
                f"local judge: label_descriptions[{task!r}] must map label -> description; "
                f"got {given!r}."
            )
        allowed = {str(x) for x in labels} | {
            str(int(x)) for x in labels if isinstance(x, float) and x.is_integer()
        }
        unknown = [k for k in given if str(k) not in allowed]
        if unknown:
            raise JudgeConfigError(
                f"local judge: label_descriptions for task {task!r} name unknown label(s) "
                f"{unknown!r}; allowed labels: {labels!r}."
            )
        for label, desc in given.items():
            items = [desc] if isinstance(desc, str) else desc
            if (
                not isinstance(items, list | tuple)
                or not items
                or not all(isinstance(d, str) and d.strip() for d in items)
            ):
                raise JudgeConfigError(
                    f"local judge: description of label {label!r} in task {task!r} must be a "
                    f"non-empty string or list of strings; got {desc!r}."
                )


def _softmax_top(sims: np.ndarray) -> tuple[int, float]:
    z = (sims - sims.max()) / _TEMPERATURE
    p = np.exp(z)
    p /= p.sum()
    best = int(np.argmax(sims))
    return best, float(p[best])


class _Batcher:
    """Collects texts from concurrent calls on one event loop and embeds them in one batch."""

    def __init__(self, model_name: str, batch_size: int) -> None:
        self.model_name = model_name
        self.batch_size = batch_size
        self.pending: list[tuple[str, asyncio.Future[np.ndarray]]] = []
        self.task: asyncio.Task[None] | None = None

    async def embed(self, texts: list[str]) -> np.ndarray:
        loop = asyncio.get_running_loop()
        futures = []
        for text in texts:
            fut: asyncio.Future[np.ndarray] = loop.create_future()
            self.pending.append((text, fut))
            futures.append(fut)
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._drain())
        rows = await asyncio.gather(*futures)
        return np.stack(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    async def _drain(self) -> None:
        while self.pending:
            await asyncio.sleep(0)  # let concurrent callers join the batch
            batch = self.pending[: self.batch_size]
            del self.pending[: self.batch_size]
            live = [(t, f) for t, f in batch if not f.done()]
            if not live:
                continue
            try:
                vecs = await asyncio.to_thread(
                    embed_texts,
                    [t for t, _ in live],
                    model_name=self.model_name,
                    batch_size=self.batch_size,
                )
            except Exception as exc:
                for _, fut in live:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for (_, fut), vec in zip(live, vecs, strict=True):
                if not fut.done():
                    fut.set_result(vec)


class LocalJudgeClient:
    """Offline zero-shot judge: embedding similarity between the text and label descriptions.

    Not an LLM (see the module docstring for exactly what it does and how confidence is
    defined). Models: ``"all-MiniLM-L6-v2"`` or its alias ``"minilm-zero-shot"``. Embedding runs
    in a worker thread, batched across concurrent calls, so the event loop stays free. Token
    counts are None and the cost is 0.

    Args:
        batch_size: Most texts embedded per forward pass.
    """

    name = "local"

    def __init__(self, *, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        """Most texts embedded per forward pass."""
        self._batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batcher] = (
            weakref.WeakKeyDictionary()
        )
        self._desc_cache: dict[tuple[str, str], np.ndarray] = {}

    def __repr__(self) -> str:
        return f"LocalJudgeClient(batch_size={self.batch_size})"

    @staticmethod
    def supported_models() -> tuple[str, ...]:
        """The model names this client accepts."""
        return (DEFAULT_MODEL, "minilm-zero-shot")

    async def aclose(self) -> None:
        """Nothing to release (the model stays cached for the process)."""

    def _batcher(self, model: str) -> _Batcher:
        loop = asyncio.get_running_loop()
        batcher = self._batchers.get(loop)
        if batcher is None or batcher.model_name != model:
            batcher = _Batcher(model, self.batch_size)
            self._batchers[loop] = batcher
        return batcher

    async def complete(
        self, messages: list[dict[str, str]], *, settings: CallSettings
    ) -> Completion:
        """Classify the last user message against the schema's labels (see the class doc).

        Raises:
            JudgeCallError: Unknown model, no response schema, bad label descriptions
                (not retryable), or the embedding step timed out (retryable).
        """
        model = _MODEL_ALIASES.get(settings.model.strip().lower())
        if model is None:
            raise JudgeCallError(
                f"local judge: model {settings.model!r} is not available; use one of "
                f"{self.supported_models()!r}.",
                retryable=False,
            )
        if settings.response_schema is None:
            raise JudgeCallError(
                "local judge: no response schema was given. The local judge reads the labels "
                "from the task schema; use answering_method='structured'.",
                retryable=False,
            )
        try:
            tasks = _plan(settings.response_schema, settings.extra)
            threshold = float(settings.extra.get("multilabel_threshold", _DEFAULT_THRESHOLD))
        except (JudgeConfigError, TypeError, ValueError) as exc:
            raise JudgeCallError(str(exc), retryable=False) from exc
        users = [m.get("content", "") for m in messages if m.get("role") == "user"]
        text = str(users[-1]) if users else "\n".join(str(m.get("content", "")) for m in messages)

        try:  # the first call loads the model (~10-20 s): not counted against the timeout
            await asyncio.to_thread(load_sentence_model, model)
        except Exception as exc:
            raise JudgeCallError(f"local judge: {exc}", retryable=False) from exc
        try:
            async with asyncio.timeout(settings.timeout_s):
                sims = await self._similarities(model, text, tasks)
        except TimeoutError as exc:
            raise JudgeCallError(
                f"local judge: embedding timed out after {settings.timeout_s:g} s.", retryable=True
            ) from exc
        answer, confidence = self._decide(tasks, sims, threshold)
        return Completion(
            text=json.dumps(answer, ensure_ascii=False),
            input_tokens=None,
            output_tokens=None,
            cost_usd=0.0,
            finish_reason="stop",
            confidence=confidence,
        )

    async def _similarities(
        self, model: str, text: str, tasks: list[_Task]
    ) -> dict[str, np.ndarray]:
        """Task -> (labels x examples) cosine similarities, NaN-padded."""
        descs = sorted({d for t in tasks for ds in t.descriptions for d in ds})
        missing = [d for d in descs if (model, d) not in self._desc_cache]
        vecs = await self._batcher(model).embed([text, *missing])
        text_vec = vecs[0]
        for d, v in zip(missing, vecs[1:], strict=True):
            self._desc_cache[(model, d)] = v
        out: dict[str, np.ndarray] = {}
        for task in tasks:
            if task.kind == "text":
                continue
            width = max(len(ds) for ds in task.descriptions)
            mat = np.full((len(task.labels), width), np.nan)
            for i, ds in enumerate(task.descriptions):
                mat[i, : len(ds)] = [float(self._desc_cache[(model, d)] @ text_vec) for d in ds]
            out[task.name] = mat
        return out

    @staticmethod
    def _decide(
        tasks: list[_Task], sims: dict[str, np.ndarray], threshold: float
    ) -> tuple[dict[str, Any], float | None]:
        answer: dict[str, Any] = {}
        confidences: list[float] = []
        notes: list[str] = []
        for task in tasks:
            if task.kind == "text":
                continue
            mat = sims[task.name]
            label_sims = np.nanmax(mat, axis=1)
            best_example = np.nanargmax(mat, axis=1)
            order = np.argsort(-label_sims, kind="stable")
            if task.kind == "single":
                best, conf = _softmax_top(label_sims)
                answer[task.name] = task.labels[best]
            else:
                answer[task.name] = [
                    lab for lab, s in zip(task.labels, label_sims, strict=True) if s > threshold
                ]
                p = 1.0 / (1.0 + np.exp(-(label_sims - threshold) / _TEMPERATURE))
                conf = float(np.mean(np.maximum(p, 1.0 - p)))
            confidences.append(conf)
            parts = []
            for i in order[:2]:
                desc = task.descriptions[i][best_example[i]]
                shown = desc if len(desc) <= 60 else desc[:57] + "..."
                parts.append(f"{task.labels[i]!r} ({shown!r}, {label_sims[i]:.2f})")
            notes.append(f"{task.name}: " + " vs ".join(parts))
        rationale = (
            "Embedding similarity to label descriptions (not an LLM). Closest: " + "; ".join(notes)
            if notes
            else "Embedding-similarity judge: no labelled task to compare against."
        )
        for task in tasks:
            if task.kind == "text":
                answer[task.name] = rationale
        ordered = {t.name: answer[t.name] for t in tasks}
        confidence = float(np.mean(confidences)) if confidences else None
        if confidence is not None and not math.isfinite(confidence):
            confidence = None
        return ordered, confidence
