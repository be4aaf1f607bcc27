"""The runner against FakeLLMServer: injected faults, SIGKILL + resume, bad input before calls."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from meta_evaluator import columns as C
from meta_evaluator.errors import JudgeConfigError
from meta_evaluator.judges import JudgeSpec, load_judge_specs, render_prompt, run_judges_async
from meta_evaluator.judges._journal import Journal
from meta_evaluator.testing import FakeLLMServer, prompt_hash

from .conftest import make_data

TEMPLATE = "Q: {prompt}\nA: {llm_response}"


async def test_faults_every_row_accounted_for(task, tmp_path):
    n = 500
    data = make_data(n)
    faults = {"429": 0.10, "500": 0.05, "malformed": 0.05, "hang": 0.02}
    with FakeLLMServer(fault_rates=faults, hang_s=2.0, retry_after_s=0.01, seed=7) as server:
        common = {
            "prompt": TEMPLATE,
            "timeout_s": 0.5,
            "backoff_base_s": 0.01,
            "backoff_max_s": 0.2,
            "max_retries": 5,
            "max_concurrency": 32,
        }
        specs = [
            JudgeSpec.create(
                id="oa",
                llm_client="openai",
                model="gpt-4o-mini",
                base_url=server.base_url,
                **common,
            ),
            JudgeSpec.create(
                id="an",
                llm_client="anthropic",
                model="claude-3-5-haiku-latest",
                base_url=server.anthropic_base_url,
                **common,
            ),
        ]
        res = await run_judges_async(
            specs,
            task=task,
            data=data,
            results_dir=tmp_path / "results",
            cache_dir=None,
            progress=False,
        )
        outcomes = server.outcome_counts()
    # every fault kind was actually injected
    assert all(outcomes.get(k, 0) > 0 for k in faults), outcomes
    ids = data.data["original_id"].to_list()
    for jid, r in res.items():
        df = r.results_data
        assert df[C.ORIGINAL_ID].to_list() == ids  # each row exactly once, input order
        assert set(df[C.STATUS]) <= {C.STATUS_SUCCESS, C.STATUS_LLM_ERROR, C.STATUS_PARSING_ERROR}
        failed = df.filter(df[C.STATUS] != C.STATUS_SUCCESS)
        assert failed[C.ERROR_MESSAGE].null_count() == 0  # a failure always has its reason
        ok = df.filter(df[C.STATUS] == C.STATUS_SUCCESS)
        assert ok.height >= 0.99 * n, (jid, r.status_counts())
        assert ok["rejection"].null_count() == 0
        assert df[C.ATTEMPTS].max() > 1  # retries happened
        assert (tmp_path / "results" / jid / "results.parquet").is_file()


SCRIPT = r"""
import asyncio, sys
import polars as pl
from types import SimpleNamespace
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.judges import JudgeSpec, run_judges_async

base_url, root, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
task = EvalTask(task_schemas={"rejection": ["rejection", "not rejection"], "explanation": None},
                prompt_columns=["prompt"], response_columns=["llm_response"])
frame = pl.DataFrame({"original_id": [f"id{i:04d}" for i in range(n)],
                      "prompt": [f"question {i}" for i in range(n)],
                      "llm_response": [f"answer {i}" for i in range(n)]})
spec = JudgeSpec.create(id="j", llm_client="openai", model="m", base_url=base_url,
                        prompt=sys.argv[4], max_concurrency=8)
asyncio.run(run_judges_async([spec], task=task, data=SimpleNamespace(data=frame),
                             results_dir=root + "/results", cache_dir=None, progress=False))
"""


def test_sigkill_then_resume_pays_once_per_journaled_row(task, tmp_path):
    import asyncio

    n = 300
    data = make_data(n)
    journal_path = tmp_path / "results" / "j" / "journal.jsonl"
    with FakeLLMServer(latency_s=0.05) as server:
        env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "HF_HUB_OFFLINE": "1"}
        proc = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, server.base_url, str(tmp_path), str(n), TEMPLATE],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                if journal_path.exists() and journal_path.read_bytes().count(b"\n") >= 50:
                    break
                time.sleep(0.01)
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
            if proc.stderr:
                proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        spec = JudgeSpec.create(
            id="j",
            llm_client="openai",
            model="m",
            base_url=server.base_url,
            prompt=TEMPLATE,
            max_concurrency=8,
        )
        fp_state = Journal(journal_path, "").read()  # fingerprint unknown here: count lines
        journaled_before = _journaled_ids(journal_path)
        assert 50 <= len(journaled_before) < n, len(journaled_before)
        assert fp_state.unreadable == 0
        res = asyncio.run(
            run_judges_async(
                [spec],
                task=task,
                data=data,
                results_dir=tmp_path / "results",
                cache_dir=None,
                progress=False,
            )
        )
        calls = server.successful_calls()
    df = res["j"].results_data
    assert df[C.ORIGINAL_ID].to_list() == data.data["original_id"].to_list()
    assert df[C.ORIGINAL_ID].n_unique() == n
    assert set(df[C.STATUS]) == {C.STATUS_SUCCESS}
    rows = {r["original_id"]: r for r in data.data.iter_rows(named=True)}
    for rid in journaled_before:
        h = prompt_hash(render_prompt(TEMPLATE, rows[rid], task=task))
        assert calls[h] == 1, rid  # journaled before the kill: never paid for twice
    # every row was answered at least once overall
    assert all(
        calls.get(prompt_hash(render_prompt(TEMPLATE, r, task=task)), 0) >= 1 for r in rows.values()
    )


def _journaled_ids(path: Path) -> set[str]:
    out: set[str] = set()
    for line in path.read_bytes().split(b"\n"):
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # the torn last line
        if entry["row"][C.STATUS] == C.STATUS_SUCCESS:
            out.add(entry["id"])
    return out


def _yaml(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "judges.yaml"
    p.write_text("judges:\n" + body, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("missing_prompt_file", r"prompt_file 'nope\.txt' not found"),
        ("template_variable", r"uses \{rubric\} but the data has no such column"),
        ("unknown_client", r"unknown llm_client 'nosuchprovider'"),
        ("missing_key", r"'ME_E2_TEST_NO_SUCH_KEY'.*not set"),
        ("malformed_yaml", r"not valid YAML at line \d+, column \d+"),
        ("unknown_key", r"unknown key 'temprature'"),
    ],
)
async def test_bad_input_fails_before_any_call(task, tmp_path, monkeypatch, case, match):
    monkeypatch.delenv("ME_E2_TEST_NO_SUCH_KEY", raising=False)
    with FakeLLMServer() as server:
        good = f"  - {{id: good, llm_client: openai, model: m, base_url: '{server.base_url}', "
        good += "prompt: '{llm_response}'}\n"
        bad = {
            "missing_prompt_file": "  - {id: b, llm_client: openai, model: m, "
            "prompt_file: nope.txt}\n",
            "template_variable": "  - {id: b, llm_client: openai, model: m, base_url: "
            f"'{server.base_url}', prompt: '{{llm_response}} {{rubric}}'}}\n",
            "unknown_client": "  - {id: b, llm_client: nosuchprovider, model: m, "
            "prompt: '{prompt}'}\n",
            "missing_key": "  - {id: b, llm_client: openai, model: m, prompt: '{prompt}', "
            "api_key_env: ME_E2_TEST_NO_SUCH_KEY}\n",
            "malformed_yaml": "  - id: b\n    model: [oops\n",
            "unknown_key": "  - {id: b, llm_client: openai, model: m, prompt: x, temprature: 0}\n",
        }[case]
        with pytest.raises(JudgeConfigError, match=match):
            specs = load_judge_specs(_yaml(tmp_path, good + bad))
            await run_judges_async(
                specs,
                task=task,
                data=make_data(5),
                results_dir=tmp_path / "results",
                cache_dir=None,
                progress=False,
            )
        assert server.request_log == []
    assert not (tmp_path / "results").exists()


async def test_cache_hit_makes_no_server_call(task, tmp_path):
    data = make_data(20)
    with FakeLLMServer() as server:
        spec = JudgeSpec.create(
            id="j", llm_client="openai", model="m", base_url=server.base_url, prompt=TEMPLATE
        )
        kw = {
            "task": task,
            "data": data,
            "results_dir": tmp_path / "results",
            "cache_dir": tmp_path / "cache",
            "progress": False,
        }
        await run_judges_async([spec], **kw)
        assert len(server.request_log) == 20
        res = await run_judges_async([spec], skip_duplicates=False, **kw)
        assert len(server.request_log) == 20
    assert res["j"].info["cache_hits"] == 20
    assert res["j"].status_counts() == {"success": 20}
