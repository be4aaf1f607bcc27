"""Column names shared by every table meta_evaluator reads or writes.

Frames passed between modules are long format and use only these names.
"""

from __future__ import annotations

ORIGINAL_ID = "original_id"
"""Id of a sample in the evaluation data (string)."""
HUMAN_ID = "human_id"
"""Id of a human annotator in the frames handed to scorers."""
ANNOTATOR_ID = "annotator_id"
"""Id of a human annotator in annotation files (long format)."""
JUDGE_ID = "judge_id"
"""Id of a judge."""
LABEL = "label"
"""The label of one rater for one sample and one task (or task combination)."""
STATUS = "status"
"""Row status of a judge result: see :data:`STATUSES`."""
ERROR_MESSAGE = "error_message"
"""Why a judge row failed (empty on success)."""
RAW_RESPONSE = "llm_raw_response_content"
"""The judge's raw answer text."""
LATENCY_S = "latency_s"
"""Wall time of the judge call(s) for the row, seconds."""
INPUT_TOKENS = "input_tokens"
"""Prompt tokens billed for the row."""
OUTPUT_TOKENS = "output_tokens"
"""Completion tokens billed for the row."""
COST_USD = "cost_usd"
"""Dollar cost for the row (litellm's local cost map), nan when unknown."""
ATTEMPTS = "attempts"
"""Tries the row needed: the most calls any one answer sample took (1 = no retry; 0 = cached)."""
CONFIDENCE = "confidence"
"""Vote share (consistency > 1) or the local judge's similarity-based confidence."""
CALLS = "calls"
"""Provider calls made for the row: every consistency sample and every retry (cache hits: 0)."""

RESERVED = (
    ORIGINAL_ID,
    HUMAN_ID,
    ANNOTATOR_ID,
    JUDGE_ID,
    LABEL,
    STATUS,
    ERROR_MESSAGE,
    RAW_RESPONSE,
    LATENCY_S,
    INPUT_TOKENS,
    OUTPUT_TOKENS,
    COST_USD,
    ATTEMPTS,
    CALLS,
    CONFIDENCE,
)
"""Column names meta_evaluator's own tables use: a task may not be named like one of them."""

STATUS_SUCCESS = "success"
STATUS_PARTIAL = "partial"
STATUS_PARSING_ERROR = "parsing_error"
STATUS_LLM_ERROR = "llm_error"
STATUS_SKIPPED = "skipped"
STATUSES = (STATUS_SUCCESS, STATUS_PARTIAL, STATUS_PARSING_ERROR, STATUS_LLM_ERROR, STATUS_SKIPPED)
"""Every status a judge result row can carry."""
