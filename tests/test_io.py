"""Atomic writes: umask-respecting temp files, and stale temp files cleaned on open (issue 6
items 3 and 5), including a process SIGKILLed in the middle of save_state."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from meta_evaluator import MetaEvaluator
from meta_evaluator._io import (
    STALE_TEMP_AGE_S,
    atomic_write_text,
    clean_stale_temp_files,
    create_temp_file,
)

ROOT = Path(__file__).resolve().parents[1]
GIVE_UP = 600  # hang guard (seconds), not an assertion on time

SAVER = """
import sys
import polars as pl
from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator.data import EvalData
n = 150_000
ev = MetaEvaluator(sys.argv[1], load=False)
ev.add_eval_task(EvalTask(task_schemas={"v": ["a", "b"]}, prompt_columns=["prompt"],
                          response_columns=["resp"]))
frame = pl.DataFrame({"qid": [f"q{i}" for i in range(n)],
                      "prompt": [f"a fairly long prompt number {i} " * 3 for i in range(n)],
                      "resp": [f"and its response {i}" for i in range(n)]})
ev.add_data(EvalData.from_frame("big", frame, id_column="qid"))
ev.save_state(data_format="json")
print("saved", flush=True)
while True:
    ev.save_state(data_format="json")
"""


def temp_files(root):
    return sorted(p for p in Path(root).rglob(".*.tmp"))


def test_atomic_write_keeps_the_umask(tmp_path):
    old = os.umask(0o002)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o664
    assert temp_files(tmp_path) == []


def test_temp_files_name_their_writer(tmp_path):
    tmp = create_temp_file(tmp_path / "state.json")
    assert tmp.name.startswith(f".state.json.{os.getpid()}-") and tmp.name.endswith(".tmp")


def test_only_stale_temp_files_are_removed(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    probe = create_temp_file(tmp_path / "x")  # ours, alive: kept
    host = probe.name.split(".")[-3].split("-")[1]
    (tmp_path / "sub").mkdir()
    stale = tmp_path / "sub" / f".data.json.{dead.stdout.strip()}-{host}.0123abcd.tmp"
    stale.write_bytes(b"x" * 1000)
    live = create_temp_file(tmp_path / "sub" / "live.json")  # ours: a write in progress
    young_legacy = tmp_path / ".results.parquet.abc_1234.tmp"
    young_legacy.write_text("y")
    old_legacy = tmp_path / ".results.parquet.zzz_9876.tmp"
    old_legacy.write_text("z")
    past = time.time() - STALE_TEMP_AGE_S - 60
    os.utime(old_legacy, (past, past))
    user_file = tmp_path / ".notes.tmp"  # not ours: never touched
    user_file.write_text("mine")
    assert clean_stale_temp_files(tmp_path) == (2, 1001)
    assert temp_files(tmp_path) == sorted([probe, live, young_legacy, user_file])


def test_killed_save_state_leaves_no_temp_files_after_reopening(tmp_path):
    project = tmp_path / "p"
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    kills = 0
    for _ in range(3):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(project)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            line = proc.stdout.readline()
            assert line.strip() == "saved", proc.stderr.read()[-2000:]
            deadline = time.monotonic() + GIVE_UP
            while not temp_files(project / "data"):  # kill it in the middle of a write
                assert time.monotonic() < deadline
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
        finally:
            proc.kill()
            proc.wait()
        assert temp_files(project)  # the kill left a temp file behind
        ev = MetaEvaluator(project, load=True)
        assert temp_files(project) == []  # ... which opening the project removed
        assert len(ev.data) == 150_000  # and the last complete save is intact
        shutil.rmtree(project)  # a fresh project for the next round
    assert kills == 3
