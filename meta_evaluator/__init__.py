"""meta_evaluator: can this LLM judge stand in for our human annotators, and how sure are we?"""

from __future__ import annotations

import os

# litellm must never fetch its cost map from the internet: set before any import of litellm.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

__version__ = "0.1.0"
