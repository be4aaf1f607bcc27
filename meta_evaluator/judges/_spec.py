"""JudgeSpec: one judge definition (code or YAML), and the YAML loader.

A judge file holds a top-level ``judges:`` list, as in the meta-evaluator format::

    judges:
      - id: gpt4o_mini
        llm_client: openai
        model: gpt-4o-mini
        prompt_file: ../prompts/rejection.txt   # relative to this YAML file, then to the cwd
        temperature: 0
        max_concurrency: 16
        requests_per_minute: 500

Unknown keys are errors (a typo such as ``max_concurency`` fails loudly, naming the key, the file
and the allowed keys). Secrets never live in a spec: ``api_key_env`` names the environment variable
that holds the key.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from meta_evaluator._ids import validate_id
from meta_evaluator.errors import JudgeConfigError, JudgeFileNotFoundError

__all__ = [
    "KEY_ENV_SUFFIXES",
    "STANDARD_KEY_ENVS",
    "JudgeSpec",
    "OnDuplicate",
    "changed_fields",
    "check_judge_id",
    "check_loaded_key_env",
    "key_destination",
    "load_judge_specs",
    "resolve_duplicate",
]

_log = logging.getLogger("meta_evaluator.judges")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

KEY_ENV_SUFFIXES = ("_API_KEY", "_KEY", "_TOKEN")
"""A loaded judge's ``api_key_env`` must end in one of these (or be a standard name)."""
STANDARD_KEY_ENVS = frozenset(
    {
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "AZURE_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "MISTRAL_API_KEY",
        "COHERE_API_KEY",
        "GROQ_API_KEY",
        "TOGETHERAI_API_KEY",
        "HUGGINGFACE_API_KEY",
        "AWS_ACCESS_KEY_ID",
    }
)
"""Providers' own key variables a loaded judge may always name."""


def _names_key_variable(env: str) -> bool:
    """Whether ``env`` is named like an API-key variable (the rule for loaded configs).

    The rule a judge or metric scorer loaded from a file obeys: a provider's standard key
    variable (:data:`STANDARD_KEY_ENVS`) or a name ending, in any case, in one of
    :data:`KEY_ENV_SUFFIXES`.

    Args:
        env: The variable name the loaded config gives as ``api_key_env``.

    Returns:
        True when the name passes the rule.
    """
    return env in STANDARD_KEY_ENVS or env.upper().endswith(KEY_ENV_SUFFIXES)


def check_judge_id(judge_id: str) -> str:
    """Return ``judge_id`` if it is a valid judge id (it becomes a folder name).

    The rule is :func:`meta_evaluator._ids.validate_id` (``kind="judge"``).

    Raises:
        JudgeConfigError: The id is empty, too long, has control characters or characters other
            than letters, digits, ``_ . -``.

    Example:
        >>> check_judge_id("gpt4o_mini")
        'gpt4o_mini'
    """
    return validate_id("judge", judge_id)


class JudgeSpec(BaseModel):
    """A judge: client + model + prompt template + generation params + limits + retries.

    Construction validates everything and raises :class:`JudgeConfigError` (never a raw pydantic
    error); a relative ``prompt_file`` is resolved against ``base_dir`` (then the cwd) and must
    exist.

    Args:
        id: Judge id; becomes the folder name under ``results/`` (letters, digits, ``_ . -``).
        llm_client: ``"openai"`` (also any OpenAI-compatible server via ``base_url``: vLLM, TGI,
            Ollama), ``"anthropic"``, ``"local"`` (offline embedding classifier), ``"litellm"`` or
            any other litellm provider string (``"gemini"``, ``"bedrock"``, ...).
        model: Model name as the client expects it (litellm: ``"gemini/gemini-2.0-flash"``).
        prompt: Inline prompt template (exactly one of ``prompt`` / ``prompt_file``).
        prompt_file: Path to a template file, relative to the YAML file (then to the cwd).
        temperature: Sampling temperature (provider default when None).
        max_tokens: Maximum answer tokens (provider default when None).
        base_url: Endpoint of an OpenAI-compatible / self-hosted server.
        api_key_env: Name of the environment variable holding the API key (never the key).
        max_concurrency: Calls in flight at once for this judge (>= 1).
        requests_per_minute: Request rate limit for this judge (None = unlimited).
        tokens_per_minute: Token rate limit (estimated before the call; None = unlimited).
        timeout_s: Per-call timeout in seconds.
        max_retries: Retries after the first call (rate limits, 5xx, timeouts, malformed answers).
        backoff_base_s: Base of the exponential backoff with full jitter, seconds.
        backoff_max_s: Cap on one backoff wait (a provider's Retry-After is honoured up to 300 s).
        consistency: Answers sampled per row; the per-task majority is kept and the vote share
            becomes the row's confidence.
        label_descriptions: For the local judge: ``{task: {label: description}}``; a
            description may be one string or a list of example sentences.
        extra: Free provider params passed through to the client (``top_p``, ``seed``, ...).
        base_dir: Folder a relative ``prompt_file`` is resolved against first (not stored).
        where: Origin of the definition (e.g. the YAML file) for error messages (not stored).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    """Judge id (folder name under ``results/``)."""
    llm_client: str
    """Client: openai, anthropic, local, litellm or a litellm provider string."""
    model: str
    """Model name as the client expects it."""
    prompt: str | None = None
    """Inline prompt template."""
    prompt_file: str | None = None
    """Prompt template file (relative to the YAML file, then the cwd)."""
    temperature: float | None = None
    """Sampling temperature."""
    max_tokens: int | None = Field(default=None, ge=1)
    """Maximum answer tokens."""
    base_url: str | None = None
    """Endpoint of an OpenAI-compatible or self-hosted server."""
    api_key_env: str | None = None
    """Name of the environment variable holding the API key."""
    max_concurrency: int = Field(default=8, ge=1)
    """Calls in flight at once."""
    requests_per_minute: float | None = Field(default=None, gt=0)
    """Request rate limit (None = unlimited)."""
    tokens_per_minute: float | None = Field(default=None, gt=0)
    """Token rate limit (None = unlimited)."""
    timeout_s: float = Field(default=60.0, gt=0)
    """Per-call timeout, seconds."""
    max_retries: int = Field(default=5, ge=0)
    """Retries after the first call."""
    backoff_base_s: float = Field(default=1.0, ge=0)
    """Base of the exponential backoff (full jitter), seconds."""
    backoff_max_s: float = Field(default=60.0, ge=0)
    """Cap on one computed backoff wait, seconds."""
    consistency: int = Field(default=1, ge=1)
    """Answers sampled per row (majority vote when > 1)."""
    label_descriptions: dict[str, dict[str, str | list[str]]] | None = None
    """Local judge: ``{task: {label: description}}``."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Provider params passed through to the client."""

    _base_dir: Path | None = PrivateAttr(default=None)

    def __init__(self, *, base_dir: str | Path | None = None, where: str = "", **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            origin = f" in {where}" if where else ""
            raise JudgeConfigError(_explain(exc, data.get("id", "?"), origin)) from None
        self._base_dir = Path(base_dir) if base_dir is not None else None
        self.prompt_path()  # fail now if the file is missing

    @model_validator(mode="after")
    def _check(self) -> JudgeSpec:
        check_judge_id(self.id)
        if (self.prompt is None) == (self.prompt_file is None):
            raise ValueError(
                f"judge {self.id!r}: give exactly one of 'prompt' (inline template) or "
                f"'prompt_file'; got prompt={_short(self.prompt)!r}, "
                f"prompt_file={self.prompt_file!r}."
            )
        if not self.llm_client.strip() or not self.model.strip():
            raise ValueError(f"judge {self.id!r}: 'llm_client' and 'model' must be non-empty.")
        return self

    # ------------------------------------------------------------------ construction
    @classmethod
    def create(cls, *, base_dir: Path | None = None, where: str = "", **fields: Any) -> JudgeSpec:
        """Build a spec (same as the constructor; kept for readability at call sites).

        Args:
            base_dir: Folder that a relative ``prompt_file`` is resolved against first.
            where: Origin of the definition (e.g. the YAML file) for error messages.
            **fields: The spec fields.

        Raises:
            JudgeConfigError: A field is unknown or invalid, or the prompt file is missing.
        """
        return cls(base_dir=base_dir, where=where, **fields)

    # ------------------------------------------------------------------ prompt
    def prompt_path(self) -> Path | None:
        """The resolved prompt file (None for an inline prompt).

        Raises:
            JudgeConfigError: The file exists neither next to the YAML file nor under the cwd.
        """
        if self.prompt_file is None:
            return None
        raw = Path(self.prompt_file).expanduser()
        candidates = [raw] if raw.is_absolute() else []
        if not raw.is_absolute():
            if self._base_dir is not None:
                candidates.append(self._base_dir / raw)
            candidates.append(Path.cwd() / raw)
        for cand in candidates:
            if cand.is_file():
                return cand.resolve()
        tried = ", ".join(repr(str(c)) for c in candidates)
        raise JudgeFileNotFoundError(
            f"judge {self.id!r}: prompt_file {self.prompt_file!r} not found (tried {tried}). "
            "Fix the path (relative paths are resolved against the YAML file, then the cwd) or "
            "use an inline 'prompt'."
        )

    def prompt_template(self) -> str:
        """The prompt template text (inline, or read from ``prompt_file``)."""
        if self.prompt is not None:
            return self.prompt
        path = self.prompt_path()
        assert path is not None
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise JudgeConfigError(
                f"judge {self.id!r}: cannot read prompt_file {str(path)!r}: {exc}."
            ) from exc

    # ------------------------------------------------------------------ identity
    def fingerprint(self, *, template: str | None = None, context: Any = None) -> str:
        """A short hash of everything that changes the answers (not limits or retries).

        Covers client, model, base_url, the template *text*, temperature, max_tokens,
        consistency, label descriptions, extra params and ``context`` (the runner passes the
        task's answer schema and answering method).

        Args:
            template: The template text (read from the spec when None).
            context: Extra JSON-serialisable data to include.
        """
        payload = {
            "llm_client": self.llm_client,
            "model": self.model,
            "base_url": self.base_url,
            "template": template if template is not None else self.prompt_template(),
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "consistency": self.consistency,
            "label_descriptions": self.label_descriptions,
            "extra": self.extra,
            "context": context,
        }
        blob = json.dumps(payload, sort_keys=True, default=str).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:16]

    # ------------------------------------------------------------------ state
    def to_state(self, *, relative_to: Path | None = None) -> dict[str, Any]:
        """The spec as a JSON-ready dict for the project state (never a secret).

        ``prompt_file`` is stored resolved: relative to ``relative_to`` (default: the folder the
        spec was defined in) when the file lies under it (a project folder that can be moved),
        absolute otherwise. Only the *name* of the key
        variable (``api_key_env``) is stored.

        Args:
            relative_to: Folder (usually the project directory) to store paths relative to.
        """
        state = self.model_dump(mode="json", exclude_defaults=True)
        state["id"], state["llm_client"], state["model"] = self.id, self.llm_client, self.model
        path = self.prompt_path()
        base = relative_to if relative_to is not None else self._base_dir
        if path is not None:
            stored = str(path)
            if base is not None:
                with contextlib.suppress(ValueError):
                    stored = path.relative_to(Path(base).resolve()).as_posix()
            state["prompt_file"] = stored
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any], *, base_dir: Path | None = None) -> JudgeSpec:
        """Rebuild a spec written by :meth:`to_state` (``base_dir``: the project folder).

        Raises:
            JudgeConfigError: The spec is invalid, or its ``api_key_env`` does not look like a
                key variable (see :func:`check_loaded_key_env`).
        """
        spec = cls.create(base_dir=base_dir, where="project state", **state)
        check_loaded_key_env(spec, where="project state")
        return spec


def check_loaded_key_env(spec: JudgeSpec, *, where: str) -> None:
    """Refuse a judge from a file (state.json, YAML) that would send a non-key variable.

    A judge defined in a file someone else wrote chooses which of *your* environment
    variables is sent, as a key, to its ``base_url``. It may name only a provider's standard
    key variable (:data:`STANDARD_KEY_ENVS`) or one ending in ``_API_KEY``, ``_KEY`` or
    ``_TOKEN`` (:data:`KEY_ENV_SUFFIXES`); ``HOME``, ``PATH`` or ``DATABASE_URL`` are refused.
    ``extra`` values of the form ``os.environ/NAME`` (litellm's secret references) are refused
    too. Judges added in code (``add_judge``) are not restricted.

    Args:
        spec: The loaded judge.
        where: Where the definition came from, for the message.

    Raises:
        JudgeConfigError: ``api_key_env`` (or an ``extra`` value) breaks the rule.

    Example:
        >>> spec = JudgeSpec(id="j", llm_client="openai", model="m", prompt="{x}",
        ...                  api_key_env="TEAM_OPENAI_KEY")
        >>> check_loaded_key_env(spec, where="judges.yaml")
    """
    env = spec.api_key_env
    if env is not None and not (_ENV_NAME_RE.match(env) and _names_key_variable(env)):
        raise JudgeConfigError(
            f"judge {spec.id!r} in {where}: api_key_env {env!r} does not look like an API-key "
            "variable. A judge loaded from a file may only send a provider's standard key "
            "variable (e.g. 'OPENAI_API_KEY') or one whose name ends in '_API_KEY', '_KEY' or "
            "'_TOKEN', so a shared project cannot send your other environment variables to "
            f"{key_destination(spec)[1]}. Rename the variable (e.g. export MY_LLM_API_KEY=...) "
            "and set api_key_env to it, or re-add the judge in code with add_judge(..., "
            "on_duplicate='overwrite')."
        )
    refs = sorted(
        k for k, v in spec.extra.items() if isinstance(v, str) and v.startswith("os.environ/")
    )
    if refs:
        raise JudgeConfigError(
            f"judge {spec.id!r} in {where}: extra parameter(s) {refs!r} read environment "
            "variables ('os.environ/...'). A judge loaded from a file may read a key only "
            "through api_key_env; remove them."
        )


def key_destination(spec: JudgeSpec) -> tuple[str | None, str]:
    """Which environment variable the judge sends, and to which host.

    Returns:
        ``(variable or None, host)``: the variable is None for the local judge and for a
        litellm provider left to read its own variables.

    Example:
        >>> spec = JudgeSpec(id="j", llm_client="openai", model="m", prompt="{x}",
        ...                  base_url="http://127.0.0.1:8000/v1")
        >>> key_destination(spec)
        ('OPENAI_API_KEY', '127.0.0.1:8000')
    """
    from urllib.parse import urlparse

    from meta_evaluator.judges._clients import DEFAULT_KEY_ENV

    kind = spec.llm_client.strip().lower()
    if kind == "local":
        return None, "this machine (local judge, no network)"
    env = spec.api_key_env or DEFAULT_KEY_ENV.get(kind)
    if spec.base_url:
        parsed = urlparse(spec.base_url)
        host = parsed.netloc or spec.base_url
    else:
        host = {"openai": "api.openai.com", "anthropic": "api.anthropic.com"}.get(
            kind, f"the {kind!r} provider's default endpoint (through litellm)"
        )
    return env, host


def load_judge_specs(yaml_file: str | Path) -> list[JudgeSpec]:
    """Read judge definitions from a YAML file with a top-level ``judges:`` list.

    Args:
        yaml_file: Path to the YAML file.

    Returns:
        The specs, in file order.

    Raises:
        JudgeConfigError: The file is missing or malformed (with line/column), a key is unknown,
            a value is invalid, an id repeats, or a prompt file is missing.
    """
    path = Path(yaml_file)
    if not path.is_file():
        raise JudgeFileNotFoundError(f"Judge file {str(path)!r} not found. Check the path.")
    text = path.read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        pos = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise JudgeConfigError(
            f"Judge file {str(path)!r} is not valid YAML{pos}: {problem}. Fix the syntax there."
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("judges"), list):
        raise JudgeConfigError(
            f"Judge file {str(path)!r} must contain a top-level 'judges:' list of judge "
            f"definitions; got {type(doc).__name__} with keys "
            f"{sorted(doc) if isinstance(doc, dict) else []!r}."
        )
    unknown_top = sorted(k for k in doc if k != "judges")
    if unknown_top:
        raise JudgeConfigError(
            f"Judge file {str(path)!r}: unknown top-level key(s) {unknown_top!r}; only 'judges' "
            "is allowed."
        )
    specs: list[JudgeSpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc["judges"]):
        if not isinstance(entry, dict):
            raise JudgeConfigError(
                f"Judge file {str(path)!r}: entry #{i + 1} of 'judges' must be a mapping of "
                f"fields; got {entry!r}."
            )
        spec = JudgeSpec.create(base_dir=path.parent, where=repr(str(path)), **entry)
        check_loaded_key_env(spec, where=repr(str(path)))
        if spec.id in seen:
            raise JudgeConfigError(
                f"Judge file {str(path)!r}: judge id {spec.id!r} appears more than once. "
                "Give each judge a unique id."
            )
        seen.add(spec.id)
        specs.append(spec)
    return specs


def _short(value: str | None) -> str | None:
    if value is None or len(value) <= 40:
        return value
    return value[:37] + "..."


def _explain(exc: ValidationError, jid: Any, origin: str) -> str:
    allowed = sorted(JudgeSpec.model_fields)
    parts: list[str] = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(spec)"
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(loc, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            parts.append(f"unknown key {loc!r}{hint} (allowed keys: {', '.join(allowed)})")
        elif err["type"] == "missing":
            parts.append(f"missing required key {loc!r}")
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            if loc == "(spec)":
                parts.append(msg)
            else:
                parts.append(f"{loc}={err.get('input')!r}: {msg}")
    return f"judge {jid!r}{origin}: " + "; ".join(parts) + "."


# ---------------------------------------------------------------------- duplicates
OnDuplicate = Literal["error", "replace", "skip", "overwrite"]
"""What to do with a judge id that is already registered (``overwrite`` = ``replace``)."""

_ON_DUPLICATE = ("error", "replace", "skip", "overwrite")


def changed_fields(old: JudgeSpec, new: JudgeSpec) -> dict[str, tuple[Any, Any]]:
    """The fields two definitions of a judge differ in: ``{field: (old, new)}``.

    Prompt files are compared by resolved path.

    Example:
        >>> a = JudgeSpec(id="j", llm_client="openai", model="gpt-4o-mini", prompt="{r}")
        >>> b = JudgeSpec(id="j", llm_client="openai", model="gpt-4o", prompt="{r}")
        >>> changed_fields(a, b)
        {'model': ('gpt-4o-mini', 'gpt-4o')}
    """
    before, after = old.to_state(), new.to_state()
    return {
        k: (before.get(k), after.get(k))
        for k in [*before, *(k for k in after if k not in before)]
        if before.get(k) != after.get(k)
    }


def resolve_duplicate(
    old: JudgeSpec, new: JudgeSpec, on_duplicate: str, *, where: str = ""
) -> JudgeSpec:
    """The definition to keep when ``new.id`` is already registered as ``old``.

    Identical definitions keep ``old`` silently under every policy. Otherwise ``"error"``
    raises naming the changed fields, ``"replace"`` (alias ``"overwrite"``) takes ``new``, and
    ``"skip"`` keeps ``old`` with a WARNING naming the changed fields.

    Args:
        old: The registered definition.
        new: The incoming definition (same id).
        on_duplicate: ``"error"``, ``"replace"``, ``"overwrite"`` or ``"skip"``.
        where: Origin of ``new`` for messages (e.g. the YAML file).

    Raises:
        JudgeConfigError: ``on_duplicate`` is unknown, or ``"error"`` and the definitions differ.
    """
    if on_duplicate not in _ON_DUPLICATE:
        raise JudgeConfigError(
            f"The 'on_duplicate' parameter must be one of 'error', 'replace' or 'skip'; got "
            f"{on_duplicate!r}."
        )
    diff = changed_fields(old, new)
    if not diff:
        return old
    origin = f" in {where}" if where else ""
    text = ", ".join(f"{k}: {a!r} -> {b!r}" for k, a, b in ((k, *v) for k, v in diff.items()))
    if on_duplicate == "skip":
        _log.warning(
            "judge %r%s differs from the registered judge of that id (%s); keeping the registered "
            "one (on_duplicate='skip'). Pass on_duplicate='replace' to take the new definition.",
            new.id,
            origin,
            text,
        )
        return old
    if on_duplicate == "error":
        raise JudgeConfigError(
            f"Judge {new.id!r}{origin} is already registered with a different definition: "
            f"{text}. Pass on_duplicate='replace' to take the new definition, on_duplicate='skip' "
            "to keep the registered one, or give the new judge another id."
        )
    _log.info("judge %r: replaced by the new definition (%s)", new.id, text)
    return new
