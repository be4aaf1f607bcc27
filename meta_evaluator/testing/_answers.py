"""What :class:`~meta_evaluator.testing.FakeLLMServer` answers: labels, faults, reply bodies.

Schema-derived answers, the seeded fault draw, and the OpenAI chat / Anthropic messages reply
bodies (and the fake embedding vectors).

Everything here is a pure function of the request body, the prompt text and the drawn outcome
(plus a fresh id and timestamp per reply), so the aiohttp app in ``_server`` only parses,
delays, logs and sends. The rules are in the module docstring of
:mod:`meta_evaluator.testing._server`.

Example:
    >>> _tokens("twelve chars")
    3
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Literal

__all__ = ["FAULT_KINDS", "Outcome", "default_answer", "prompt_hash"]

Outcome = Literal["ok", "429", "500", "malformed", "hang", "401", "400"]
FAULT_KINDS = ("429", "500", "malformed", "hang")
"""The fault kinds ``fault_rates`` accepts, in the order they are drawn."""
_MALFORMED = (
    "Hmm, I need to think about this some more before I can say anything definite.",
    "Let me reconsider the question from the beginning.",
    "...",
)
_SENTENCES = (
    "The response addresses the request directly.",
    "The answer is short and stays on topic.",
    "The reply follows the instructions it was given.",
    "The text is clear but could give more detail.",
)
_EMBED_DIMS = 16


def prompt_hash(prompt_text: str) -> str:
    """The key :class:`FakeLLMServer` logs a prompt under (sha256 hex, first 16 chars).

    Example:
        >>> prompt_hash("hello")
        '2cf24dba5fb0a30e'
    """
    return hashlib.sha256(prompt_text.encode("utf-8")).hexdigest()[:16]


def _pick(prompt_text: str, key: str, n: int) -> int:
    digest = hashlib.sha256(f"{key}\x00{prompt_text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % n


def _value_for(prompt_text: str, name: str, prop: dict[str, Any]) -> Any:
    enum = prop.get("enum")
    kind = prop.get("type")
    if enum:
        return enum[_pick(prompt_text, name, len(enum))]
    if kind == "array":
        items = prop.get("items") or {}
        options = items.get("enum") or []
        if not options:
            return []
        return [o for i, o in enumerate(options) if _pick(prompt_text, f"{name}[{i}]", 2)]
    if kind == "boolean":
        return bool(_pick(prompt_text, name, 2))
    if kind == "integer":
        return _pick(prompt_text, name, 5) + 1
    if kind == "number":
        return float(_pick(prompt_text, name, 5) + 1)
    if kind == "object":
        return default_answer(prompt_text, prop)
    return _SENTENCES[_pick(prompt_text, name, len(_SENTENCES))]


def default_answer(prompt_text: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The schema-derived answer the server gives to ``prompt_text`` (deterministic).

    Example:
        >>> schema = {"type": "object", "properties": {"rejection": {"type": "string",
        ...           "enum": ["rejection", "not rejection"]}}}
        >>> default_answer("hi", schema) == default_answer("hi", schema)
        True
        >>> default_answer("hi", schema)["rejection"] in ("rejection", "not rejection")
        True
    """
    props = schema.get("properties") or {}
    return {name: _value_for(prompt_text, name, prop or {}) for name, prop in props.items()}


def _labels_in(schema: dict[str, Any] | None) -> list[str]:
    out: list[str] = []
    for prop in ((schema or {}).get("properties") or {}).values():
        prop = prop or {}
        for v in list(prop.get("enum") or []) + list((prop.get("items") or {}).get("enum") or []):
            out.append(str(v).lower())
    return out


def _malformed_text(schema: dict[str, Any] | None) -> str:
    labels = _labels_in(schema)
    for text in _MALFORMED:
        low = text.lower()
        if not any(label and label in low for label in labels):
            return text
    return "?"


def _find_schema(texts: list[str]) -> dict[str, Any] | None:
    """The first JSON object with ``properties`` embedded in the texts."""
    decoder = json.JSONDecoder()
    for text in texts:
        start = text.find("{")
        while start != -1:
            try:
                obj, _ = decoder.raw_decode(text, start)
            except ValueError:
                obj = None
            if isinstance(obj, dict):
                if isinstance(obj.get("properties"), dict):
                    return obj
                for value in obj.values():  # {"name": ..., "schema": {...}} wrappers
                    if isinstance(value, dict) and isinstance(value.get("properties"), dict):
                        return value
            start = text.find("{", start + 1)
    return None


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(
            str(b.get("text", ""))
            for b in content
            if isinstance(b, dict) and b.get("type") == "text"
        )
    return "" if content is None else str(content)


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _draw_fault(rng: random.Random, rates: Mapping[str, float]) -> Outcome:
    """One outcome: a fault kind with its probability in ``rates``, else ``"ok"`` (one draw)."""
    u = rng.random()
    acc = 0.0
    for kind in FAULT_KINDS:
        acc += rates[kind]
        if u < acc:
            return kind  # type: ignore[return-value]
    return "ok"


def _answer_text(
    answer: Callable[[str, dict[str, Any] | None], str] | None,
    prompt_text: str,
    schema: dict[str, Any] | None,
    structured: bool,
) -> str:
    """The answer text: ``answer`` when given, else the schema-derived JSON (in prose if plain)."""
    if answer is not None:
        return answer(prompt_text, schema)
    if schema is None:
        return "I have no answer format to follow, so here is a plain remark."
    payload = json.dumps(default_answer(prompt_text, schema), ensure_ascii=False)
    return payload if structured else f"Here is my verdict: {payload} I hope this helps."


def _chat_reply(
    body: dict[str, Any],
    prompt_text: str,
    outcome: Outcome,
    answer: Callable[[str, dict[str, Any] | None], str] | None,
    default_schema: dict[str, Any] | None,
) -> dict[str, Any]:
    """The OpenAI ``chat.completion`` body (``malformed`` outcome: prose with no label)."""
    schema = None
    rf = body.get("response_format") or {}
    structured = rf.get("type") == "json_schema"
    if structured:
        schema = (rf.get("json_schema") or {}).get("schema")
    elif rf.get("type") == "json_object":
        structured = True
    if schema is None:
        schema = (
            _find_schema([_content_text(m.get("content")) for m in body["messages"]])
            or default_schema
        )
    if outcome == "malformed":
        text = _malformed_text(schema)
    else:
        text = _answer_text(answer, prompt_text, schema, structured)
    prompt_tokens = sum(_tokens(_content_text(m.get("content"))) for m in body["messages"])
    completion_tokens = _tokens(text)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:20]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _messages_reply(
    body: dict[str, Any],
    prompt_text: str,
    outcome: Outcome,
    answer: Callable[[str, dict[str, Any] | None], str] | None,
    default_schema: dict[str, Any] | None,
) -> dict[str, Any]:
    """The Anthropic ``message`` body (a forced tool gets a ``tool_use`` block)."""
    tool = None
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "tool":
        tool = next(
            (t for t in body.get("tools") or [] if t.get("name") == choice.get("name")), None
        )
    schema = tool.get("input_schema") if tool else None
    if schema is None:
        texts = [_content_text(body.get("system"))]
        texts += [_content_text(m.get("content")) for m in body["messages"]]
        schema = _find_schema(texts) or default_schema
    content: list[dict[str, Any]]
    if outcome == "malformed":
        text = _malformed_text(schema)
        content, stop = [{"type": "text", "text": text}], "end_turn"
    elif tool is not None:
        text = _answer_text(answer, prompt_text, schema, True)
        try:
            tool_input = json.loads(text)
        except ValueError:
            tool_input = {"text": text}
        content = [
            {
                "type": "tool_use",
                "id": f"toolu_{uuid.uuid4().hex[:20]}",
                "name": tool["name"],
                "input": tool_input,
            }
        ]
        stop = "tool_use"
    else:
        text = _answer_text(answer, prompt_text, schema, False)
        content, stop = [{"type": "text", "text": text}], "end_turn"
    in_tokens = _tokens(_content_text(body.get("system"))) + sum(
        _tokens(_content_text(m.get("content"))) for m in body["messages"]
    )
    return {
        "id": f"msg_{uuid.uuid4().hex[:20]}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake"),
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": in_tokens, "output_tokens": _tokens(text)},
    }


def _fake_vector(text: str, dims: int) -> list[float]:
    rng = random.Random(hashlib.sha256(text.encode("utf-8")).digest())
    vec = [rng.gauss(0.0, 1.0) for _ in range(dims)]
    norm = sum(v * v for v in vec) ** 0.5 or 1.0
    return [v / norm for v in vec]
