"""Shared models kept at the import paths of the original meta-evaluator (``common.models``).

Example:
    >>> from meta_evaluator.common.models import Prompt
    >>> Prompt(id="rejection_v1", prompt="Is {llm_response} a refusal?").id
    'rejection_v1'
"""

from meta_evaluator.common.models import Prompt

__all__ = ["Prompt"]
