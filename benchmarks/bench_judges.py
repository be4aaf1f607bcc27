"""Judge runner throughput against the local fake LLM server.

Two judges run side by side over the same rows, each with ``max_concurrency`` calls in flight,
against ``python -m meta_evaluator.testing.server`` started in its own process (so the server's
CPU is not counted as client CPU). Reports, per client path:

- wall time vs the ideal ``rows * latency / max_concurrency`` (the judges run in parallel, so
  the ideal for both together equals that of one), target within 1.25x;
- client CPU per call (``time.process_time`` delta / calls made, this process only).

Paths: ``openai`` (official SDK on its aiohttp transport: the default for OpenAI and any
OpenAI-compatible server) and ``litellm`` (``llm_client: litellm``, model ``openai/fake`` with
``base_url``: the route for every other provider).

Usage::

    python benchmarks/bench_judges.py            # 1,000 rows x 2 judges, 500 ms latency, 32 each
    python benchmarks/bench_judges.py --quick    # 200 rows
    python benchmarks/bench_judges.py --paths openai --rows 2000 --concurrency 64
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.judges import JudgeSpec, run_judges_async


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(latency: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "meta_evaluator.testing.server",
            "--port",
            str(port),
            "--latency",
            str(latency),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(root + "/health", timeout=1):
                return proc, root + "/v1"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("fake LLM server did not start")


def make_data(n: int) -> SimpleNamespace:
    return SimpleNamespace(
        data=pl.DataFrame(
            {
                C.ORIGINAL_ID: [f"id{i:05d}" for i in range(n)],
                "prompt": [f"Question number {i}: how do I do thing {i}?" for i in range(n)],
                "llm_response": [f"Here is answer {i}, with some detail." for i in range(n)],
            }
        )
    )


async def bench_path(
    path: str, base_url: str, rows: int, latency: float, concurrency: int, workdir: Path
) -> None:
    task = EvalTask(
        task_schemas={"rejection": ["rejection", "not rejection"], "explanation": None},
        prompt_columns=["prompt"],
        response_columns=["llm_response"],
    )
    client, model = ("openai", "fake-model") if path == "openai" else ("litellm", "openai/fake")
    specs = [
        JudgeSpec(
            id=f"{path}_{k}",
            llm_client=client,
            model=model,
            base_url=base_url,
            prompt=f"Judge {k}. Prompt: {{prompt}}\nResponse: {{llm_response}}",
            max_concurrency=concurrency,
            timeout_s=30,
        )
        for k in ("a", "b")
    ]
    if path == "litellm":  # pay litellm's import outside the timed run
        import litellm  # noqa: F401
    cpu0, t0 = time.process_time(), time.perf_counter()
    res = await run_judges_async(
        specs,
        task=task,
        data=make_data(rows),
        results_dir=workdir / path / "results",
        cache_dir=None,
        progress=False,
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    calls = sum(int(r.info["calls"]) for r in res.values())
    ok = sum(r.status_counts().get(C.STATUS_SUCCESS, 0) for r in res.values())
    ideal = rows * latency / concurrency
    print(
        f"{path:8s} rows={rows} x {len(specs)} judges  calls={calls}  success={ok}/{rows * 2}\n"
        f"         wall={wall:6.2f} s  ideal={ideal:6.2f} s  ratio={wall / ideal:4.2f}x "
        f"(target <= 1.25x)  throughput={calls / wall:6.1f} calls/s\n"
        f"         client CPU={cpu:6.2f} s  = {1000 * cpu / max(calls, 1):5.2f} ms/call"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 rows instead of 1,000")
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--latency", type=float, default=0.5)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--paths", default="openai,litellm", help="comma list: openai,litellm")
    args = ap.parse_args()
    rows = args.rows or (200 if args.quick else 1000)
    proc, base_url = start_server(args.latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for path in args.paths.split(","):
                asyncio.run(
                    bench_path(
                        path.strip(), base_url, rows, args.latency, args.concurrency, Path(tmp)
                    )
                )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
