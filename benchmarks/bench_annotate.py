"""Annotation server under load: many annotators submitting at once over loopback.

Starts ``meta-evaluator annotate`` in its own process (so client CPU is not counted against the
server) with N annotators, then N concurrent clients (aiohttp, one connection each) submit as
paced (see below) for D seconds, each cycling through their queue with changing labels (so later
submits overwrite earlier ones: last write wins). Then the server is stopped with SIGTERM and
the project is reopened. Checks, and fails loudly otherwise:

- every confirmed submit is in the annotator's journal (one line each, nothing lost);
- each annotator's table in ``annotations/`` equals the last confirmed label per sample.

Phases: (1) paced: each annotator submits, then "thinks" for an exponential time with mean
``--think`` seconds (default 1 s, a very fast human; real labeling takes 5-30 s a sample), for
D seconds: the submit latency a team sees (goal p95 < 50 ms on this 2-core box); (2) saturation:
no think time for 10 s (closed loop), the server's throughput ceiling; (3) SIGKILL: a killed
server loses no confirmed submit either (checked after a restart).

Usage::

    python benchmarks/bench_annotate.py                 # 100 annotators, 30 s
    python benchmarks/bench_annotate.py --quick         # 20 annotators, 5 s
    python benchmarks/bench_annotate.py --annotators 50 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import aiohttp
import numpy as np
import polars as pl

from meta_evaluator import MetaEvaluator
from meta_evaluator.data import EvalData
from meta_evaluator.eval_task import EvalTask

LABELS = ["good", "bad", "unsure"]


def make_project(path: Path, n_samples: int) -> None:
    ev = MetaEvaluator(path, load=False)
    ev.add_eval_task(
        EvalTask(
            task_schemas={"verdict": LABELS, "score": [1, 2, 3, 4, 5]},
            prompt_columns=["prompt"],
            response_columns=["response"],
        )
    )
    ev.add_data(
        EvalData.from_frame(
            "bench",
            pl.DataFrame(
                {
                    "id": [f"s{i:05d}" for i in range(n_samples)],
                    "prompt": [f"question {i}" for i in range(n_samples)],
                    "response": [f"answer {i} " * 20 for i in range(n_samples)],
                }
            ),
            id_column="id",
        )
    )
    ev.save_state()


class Server:
    def __init__(self, project: Path, args: list[str]) -> None:
        cmd = [sys.executable, "-m", "meta_evaluator.cli", "annotate", str(project), *args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        self.lines: list[str] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("Ctrl-C"):
                break
        else:
            sys.exit("server did not start:\n" + "\n".join(self.lines))
        match = re.search(r"at (http://\S+?)/?$", self.lines[0])
        assert match is not None
        self.base = match.group(1)

    def tokens(self) -> dict[str, str]:
        out = {}
        for line in self.lines:
            m = re.match(r"\s+annotator (\S+): \S+#token=(\S+)$", line)
            if m:
                out[m.group(1)] = m.group(2)
        return out

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the server process has used so far (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, sig: int) -> None:
        self.proc.send_signal(sig)
        self.proc.wait(timeout=60)


async def annotator(
    base: str,
    name: str,
    token: str,
    until: float,
    think: float,
    latencies: list[float],
    last: dict[str, tuple],
) -> int:
    rng = np.random.default_rng(abs(hash(name)))
    headers = {"Authorization": f"Bearer {token}"}
    confirmed = 0
    async with aiohttp.ClientSession(base, headers=headers) as http:
        async with http.get("/api/session") as r:
            queue = (await r.json())["queue"]
        i = 0
        while time.perf_counter() < until:
            sample = queue[i % len(queue)]
            label = (LABELS[(i // len(queue) + hash(name)) % 3], 1 + i % 5)
            body = {"sample": sample, "labels": {"verdict": label[0], "score": label[1]}}
            t0 = time.perf_counter()
            async with http.post("/api/submit", json=body) as r:
                await r.read()
                ok = r.status == 200
            if not ok:
                raise SystemExit(f"{name}: submit failed with HTTP {r.status}")
            latencies.append(time.perf_counter() - t0)
            last[sample] = label
            confirmed += 1
            i += 1
            if think:
                await asyncio.sleep(rng.exponential(think))
    return confirmed


async def load(base: str, tokens: dict[str, str], seconds: float, think: float = 0.0):
    until = time.perf_counter() + seconds
    latencies: dict[str, list[float]] = {a: [] for a in tokens}
    last: dict[str, dict[str, tuple]] = {a: {} for a in tokens}
    counts = await asyncio.gather(
        *[annotator(base, a, t, until, think, latencies[a], last[a]) for a, t in tokens.items()]
    )
    return dict(zip(tokens, counts, strict=True)), latencies, last


def check(project: Path, counts: dict[str, int], last: dict[str, dict[str, tuple]]) -> None:
    journal = project / "annotations" / "annotate" / "journal"
    lost = {
        a: n - len((journal / f"{a}.jsonl").read_text().splitlines()) for a, n in counts.items()
    }
    if any(lost.values()):
        sys.exit(f"LOST submits (confirmed minus journaled): {lost}")
    frame = MetaEvaluator(project, load=True).annotations.long_frame()
    got: dict[str, dict[str, tuple]] = {a: {} for a in counts}
    for r in frame.iter_rows(named=True):
        got[r["annotator_id"]][r["original_id"]] = (r["verdict"], r["score"])
    wrong = [a for a in counts if got[a] != last[a]]
    if wrong:
        sys.exit(f"annotation tables differ from the last confirmed labels for {wrong[:5]}")


def report(what: str, seconds: float, latencies: dict[str, list[float]]) -> float:
    lat = np.array([x for v in latencies.values() for x in v]) * 1000
    p50, p95, p99 = np.percentile(lat, [50, 95, 99])
    print(f"  {what}: {lat.size} submits ({lat.size / seconds:.0f}/s); latency ms p50 {p50:.1f}  "
          f"p95 {p95:.1f}  p99 {p99:.1f}  max {lat.max():.1f}")  # fmt: skip
    return float(p95)


def merge(into: dict[str, dict[str, tuple]], new: dict[str, dict[str, tuple]]) -> None:
    for a, labels in new.items():
        into[a].update(labels)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--annotators", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--think", type=float, default=1.0,
                    help="mean seconds between one annotator's submits (exponential)")  # fmt: skip
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="20 annotators, 5 s")
    args = ap.parse_args()
    if args.quick:
        args.annotators, args.seconds = 20, 5.0
    burst = min(10.0, args.seconds)
    with tempfile.TemporaryDirectory(prefix="bench_annotate_") as tmp:
        project = Path(tmp) / "proj"
        make_project(project, args.samples)
        names = [f"a{i:03d}" for i in range(args.annotators)]
        flags = [x for n in names for x in ("--annotator", n)]
        server = Server(project, ["--port", "0", "--overlap", "2", *flags])
        tokens = server.tokens()
        print(f"{args.annotators} concurrent annotators, {args.samples} samples (overlap 2), "
              f"over loopback ({server.base}); load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores")  # fmt: skip
        cpu0 = server.cpu_s()
        counts, lat1, last = asyncio.run(load(server.base, tokens, args.seconds, args.think))
        cpu1 = server.cpu_s()
        p95 = report(
            f"paced, {args.seconds:.0f} s, mean think {args.think:g} s", args.seconds, lat1
        )
        more, lat2, last2 = asyncio.run(load(server.base, tokens, burst))
        cpu2 = server.cpu_s()
        report(f"saturation, {burst:.0f} s, no think time (closed loop)", burst, lat2)
        n1, n2 = sum(counts.values()), sum(more.values())
        per1, per2 = 1000 * (cpu1 - cpu0) / n1, 1000 * (cpu2 - cpu1) / n2
        share = 100 * (cpu1 - cpu0) / args.seconds
        print(f"  server CPU per submit (flushes included): paced {per1:.2f} ms, saturation "
              f"{per2:.2f} ms; the paced load used {share:.0f}% of one core")  # fmt: skip
        merge(last, last2)
        counts = {a: counts[a] + more[a] for a in counts}
        server.stop(signal.SIGTERM)
        check(project, counts, last)
        print("  after SIGTERM: every confirmed submit journaled, tables equal the last "
              "confirmed labels: nothing lost")  # fmt: skip
        print(f"  goal p95 < 50 ms at the paced load: {'met' if p95 < 50 else 'NOT met'}")

        # a killed server: every confirmed submit must still be there after a restart
        server = Server(project, ["--port", "0"])
        extra, _, last3 = asyncio.run(load(server.base, tokens, min(3.0, args.seconds)))
        server.stop(signal.SIGKILL)
        Server(project, ["--port", "0"]).stop(signal.SIGTERM)  # restart replays the journals
        merge(last, last3)
        check(project, {a: counts[a] + extra[a] for a in counts}, last)
        print(f"  SIGKILL after {sum(extra.values())} more submits, restarted: nothing lost")


if __name__ == "__main__":
    main()
