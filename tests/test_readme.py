"""The README is the first thing a user runs: its tour must run as written (offline)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quickstart_block_has_exactly_two_command_lines():
    m = re.search(r"^#+\s*Quickstart.*?$(.*?)^```[a-z]*\n(.*?)^```", README, re.S | re.M | re.I)
    assert m, "README has no Quickstart section with a fenced block"
    lines = [ln for ln in m.group(2).splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert len(lines) == 2
    assert ".venv" in lines[0] and "run_demo.py" in lines[0]
    assert "pytest" in lines[1]


def test_tour_runs_as_written_again_and_leaves_nothing_behind(tmp_path):
    tour = README[README.index("## A five-minute tour") :]
    code = re.search(r"```python\n(.*?)```", tour, re.S).group(1)
    (tmp_path / "projects").symlink_to(ROOT / "projects")
    (tmp_path / "tour.py").write_text(code, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    reports = []
    for _ in range(2):  # re-runnable: the second run must not find the first one's project
        out = subprocess.run(
            [sys.executable, "tour.py"], cwd=tmp_path, capture_output=True, text=True, env=env
        )
        assert out.returncode == 0, out.stderr[-3000:]
        assert "Score Report" in out.stdout
        assert "minilm" in out.stdout and "keyword_baseline" in out.stdout
        report = Path(re.search(r"^report: (.+)$", out.stdout, re.M).group(1))
        assert report.is_file() and "<html" in report.read_text(encoding="utf-8").lower()
        reports.append(report)
        shutil.rmtree(report.parents[2])  # the tour's temporary folder
    assert reports[0] != reports[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing left in the cwd
