"""The README's "Annotation teams" block runs as written (offline) and does what it says."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_annotation_teams_block_runs(tmp_path):
    section = README[README.index("## Annotation teams") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    (tmp_path / "projects").symlink_to(ROOT / "projects")
    (tmp_path / "example.py").write_text(code, encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "krippendorff_alpha" in out.stdout and "samples to review" in out.stdout
    review = json.loads((tmp_path / "review_label_studio.json").read_text(encoding="utf-8"))
    assert review and set(review[0]) == {"data"}
    assert {"original_id", "prompt", "llm_response"} <= set(review[0]["data"])
    per_item = pl.read_csv(tmp_path / "agreement_per_item.csv")
    contested = per_item.filter((pl.col("n_labels") >= 2) & (pl.col("agreement") < 0.67))
    assert len(review) == contested.height
    records = json.loads((tmp_path / "review_argilla.json").read_text(encoding="utf-8"))
    assert [r["original_id"] for r in records] == [t["data"]["original_id"] for t in review]
