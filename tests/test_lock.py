"""One project, one runner (issue 6 item 4): the run lock and concurrent state saves, across
real processes, against the loopback fake server counting calls."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator._lock import RUN_LOCK, ProjectLock
from meta_evaluator.data import EvalData
from meta_evaluator.errors import ProjectError
from meta_evaluator.testing import FakeLLMServer

ROOT = Path(__file__).resolve().parents[1]
N_ROWS = 300
GIVE_UP = 600  # hang guard for the polling loops (seconds); never an assertion on time

RUNNER = """
import logging, sys, json
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
from meta_evaluator import MetaEvaluator
ev = MetaEvaluator(sys.argv[1], load=True)
res = ev.run_judges_async(progress=False, wait=sys.argv[2] == "wait")
print(json.dumps(res["j"].status_counts()), flush=True)
"""

ADDER = """
import sys, time, pathlib
from meta_evaluator import MetaEvaluator
project, name = pathlib.Path(sys.argv[1]), sys.argv[2]
ev = MetaEvaluator(project, load=True)
(project.parent / f"loaded_{name}").touch()
while not all((project.parent / f"loaded_{n}").exists() for n in ("one", "two")):
    time.sleep(0.01)
ev.add_judge(judge_id=name, llm_client="openai", model="m", prompt="{prompt}")
ev.save_state()
"""


def env():
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ME_LOCK_API_KEY": "sk-lock",
        "HF_HUB_OFFLINE": "1",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


def make_project(path, base_url="http://127.0.0.1:9/v1"):
    ev = MetaEvaluator(path, load=False)
    ev.add_eval_task(
        EvalTask(
            task_schemas={"verdict": ["yes", "no"]},
            prompt_columns=["prompt"],
            response_columns=["resp"],
        )
    )
    frame = pl.DataFrame(
        {
            "qid": [f"q{i}" for i in range(N_ROWS)],
            "prompt": [f"p{i}" for i in range(N_ROWS)],
            "resp": [f"r{i}" for i in range(N_ROWS)],
        }
    )
    ev.add_data(EvalData.from_frame("d", frame, id_column="qid"))
    ev.add_judge(
        judge_id="j",
        llm_client="openai",
        model="m",
        prompt="{prompt} {resp}",
        base_url=base_url,
        api_key_env="ME_LOCK_API_KEY",
        max_concurrency=16,
    )
    ev.save_state()
    return ev


def poll(predicate):
    import time

    deadline = time.monotonic() + GIVE_UP
    while not predicate():
        assert time.monotonic() < deadline, "the other process never got there"
        time.sleep(0.01)


class GatedServer:
    """The fake server, holding every answer until `gate` is set (so two runs truly overlap)."""

    def __init__(self):
        self.gate = threading.Event()

        def answer(prompt, schema):
            self.gate.wait(GIVE_UP)
            return json.dumps({"verdict": "yes"})

        self.server = FakeLLMServer(answer=answer, seed=3)


def read_lines(stream, sink):
    for line in stream:
        sink.append(line)


@pytest.mark.parametrize("wait", [True, False])
def test_two_processes_pay_for_each_row_once(tmp_path, wait):
    gated = GatedServer()
    with gated.server as server:
        project = tmp_path / "p"
        make_project(project, server.base_url)
        script = tmp_path / "run.py"
        script.write_text(RUNNER)
        first = subprocess.Popen(
            [sys.executable, str(script), str(project), "wait"],
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            poll(lambda: len(server.request_log) > 0)  # the first run holds the lock now
            second = subprocess.Popen(
                [sys.executable, str(script), str(project), "wait" if wait else "fail"],
                env=env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            err2: list[str] = []
            reader = threading.Thread(target=read_lines, args=(second.stderr, err2))
            reader.start()
            marker = f"another process (pid {first.pid})"
            poll(lambda: any(marker in line for line in err2) or second.poll() is not None)
            gated.gate.set()
            out1, err1 = first.communicate(timeout=GIVE_UP)
            out2 = second.stdout.read()
            second.wait(timeout=GIVE_UP)
            reader.join()
        finally:
            gated.gate.set()
            first.kill()
        assert first.returncode == 0, err1[-2000:]
        assert json.loads(out1) == {"success": N_ROWS}
        assert len(server.request_log) == N_ROWS  # not 2 * N_ROWS
        text2 = "".join(err2)
        if wait:
            assert second.returncode == 0, text2[-2000:]
            assert json.loads(out2) == {"success": N_ROWS}  # resumed from the journal
            assert f"running judges in another process (pid {first.pid}): waiting" in text2
        else:
            assert second.returncode != 0
            assert "ProjectError" in text2
            assert (
                f"is running judges in another process (pid {first.pid}); wait or pass wait=True"
                in text2
            )


def test_run_fails_at_once_while_the_lock_is_held(tmp_path):
    ev = make_project(tmp_path / "p")
    with (
        ProjectLock(tmp_path / "p" / RUN_LOCK, project=tmp_path / "p", activity="x").hold(
            wait=False
        ),
        pytest.raises(
            ProjectError,
            match=rf"is running judges in another process \(pid {os.getpid()}\); wait or pass "
            r"wait=True",
        ),
    ):
        ev.run_judges_async(progress=False)
    assert not (tmp_path / "p" / "results" / "j").exists()  # nothing ran, nothing was paid


def test_lock_is_released_when_the_holder_is_killed(tmp_path):
    lock_file = tmp_path / "results" / ".lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, pathlib; from meta_evaluator._lock import ProjectLock; "
            "lock = ProjectLock(pathlib.Path(sys.argv[1]), project=pathlib.Path('.'), "
            "activity='x'); lock.acquire(wait=False); print('held', flush=True); time.sleep(600)",
            str(lock_file),
        ],
        env=env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        lock = ProjectLock(lock_file, project=tmp_path, activity="running judges")
        with pytest.raises(ProjectError, match=rf"pid {holder.pid}\)"):
            lock.acquire(wait=False)
    finally:
        holder.kill()
        holder.wait()
    lock.acquire(wait=False)  # the kernel released the dead holder's lock
    assert lock.holder_pid() == os.getpid()
    lock.release()


def test_two_processes_adding_judges_keep_both(tmp_path):
    make_project(tmp_path / "p")
    script = tmp_path / "add.py"
    script.write_text(ADDER)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path / "p"), name],
            env=env(),
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("one", "two")
    ]
    for p in procs:
        _, err = p.communicate(timeout=GIVE_UP)
        assert p.returncode == 0, err[-2000:]
    judges = json.loads((tmp_path / "p" / "state.json").read_text())["judges"]
    assert sorted(j["id"] for j in judges) == ["j", "one", "two"]


async def test_cancelling_a_waiting_run_leaves_the_lock_free(tmp_path, caplog):
    import asyncio
    import logging

    ev = make_project(tmp_path / "p")
    holder = ProjectLock(tmp_path / "p" / RUN_LOCK, project=tmp_path / "p", activity="x")
    holder.acquire(wait=False)
    with caplog.at_level(logging.WARNING, logger="meta_evaluator"):
        task = asyncio.create_task(ev.arun_judges(progress=False, wait=True))
        while not any("waiting for it to finish" in r.getMessage() for r in caplog.records):
            await asyncio.sleep(0.01)
    task.cancel()  # Ctrl-C in Jupyter
    with pytest.raises(asyncio.CancelledError):
        await task
    holder.release()
    again = ProjectLock(tmp_path / "p" / RUN_LOCK, project=tmp_path / "p", activity="x")
    again.acquire(wait=False)  # nobody (no leaked thread of ours) took it meanwhile
    again.release()
