"""What the trust-boundary checks and the stale-temp-file sweep cost when a project is opened.

Builds a project with ``--rows`` data rows, ``--judges`` result folders and ``--cache`` response
cache entries (the sweep walks every folder), then reports the time of
``MetaEvaluator(dir, load=True)`` split into its parts: reading and checking ``state.json``
(shape + every stored path), the temp-file sweep, and the rest (loading the data).

Usage::

    python benchmarks/bench_open.py                 # 100,000 rows, 20 judges, 100,000 cache files
    python benchmarks/bench_open.py --cache 10000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import polars as pl

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator._io import clean_stale_temp_files
from meta_evaluator._state import read_state
from meta_evaluator.data import EvalData


def build(root: Path, rows: int, judges: int, cache: int) -> Path:
    """Create the project (data saved as parquet) and fill results/ and cache/."""
    project = root / "p"
    ev = MetaEvaluator(project, load=False)
    ev.add_eval_task(
        EvalTask(task_schemas={"v": ["a", "b"]}, prompt_columns=["p"], response_columns=["r"])
    )
    frame = pl.DataFrame(
        {"id": [f"q{i}" for i in range(rows)], "p": ["x"] * rows, "r": ["y"] * rows}
    )
    ev.add_data(EvalData.from_frame("d", frame, id_column="id"))
    ev.save_state(data_format="parquet")
    for j in range(judges):
        (project / "results" / f"j{j}").mkdir(parents=True)
        for name in ("state.json", "results.parquet", "journal.jsonl"):
            (project / "results" / f"j{j}" / name).write_text("{}")
    for k in range(cache):
        key = f"{k:064x}"
        folder = project / "cache" / key[-2:]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{key}.json").write_text("{}")
    return project


def main() -> None:
    """Print the timings."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--judges", type=int, default=20)
    ap.add_argument("--cache", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = build(Path(tmp), args.rows, args.judges, args.cache)
        t0 = time.perf_counter()
        read_state(project)
        t1 = time.perf_counter()
        clean_stale_temp_files(project)
        t2 = time.perf_counter()
        MetaEvaluator(project, load=True)
        t3 = time.perf_counter()
    total = t3 - t2
    print(f"project: {args.rows:,} rows, {args.judges} judges, {args.cache:,} cache files")
    print(f"state.json shape + path checks: {1e3 * (t1 - t0):8.1f} ms")
    print(f"stale temp-file sweep:          {1e3 * (t2 - t1):8.1f} ms")
    print(f"whole load=True (all of it):    {1e3 * total:8.1f} ms")
    print(f"checks + sweep share of load:   {(t2 - t0) / total:8.1%}")


if __name__ == "__main__":
    main()
