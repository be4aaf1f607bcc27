"""``Prompt``: a named judge prompt, as the original meta-evaluator's ``common.models`` defines it.

``MetaEvaluator.add_judge(..., prompt=Prompt(id=..., prompt=...))`` takes one in place of the
template text; the template is ``prompt.prompt`` (``{column}`` placeholders as usual).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Prompt"]


class Prompt(BaseModel):
    """A judge prompt template with an id.

    Example:
        >>> p = Prompt(id="rejection_v1", prompt="Does {llm_response} refuse?")
        >>> p.prompt
        'Does {llm_response} refuse?'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    """A name for the prompt (kept for the user; the judge id names the judge)."""
    prompt: str
    """The template text: ``{prompt}``, ``{llm_response}`` or any data column."""
