"""Import benchmark: ``load_annotations`` on synthetic exports of every big format.

Seeded synthetic project: N tasks x 3 annotators (one categorical and one rating question) plus
one model prediction / suggestion per task, written as a Label Studio JSON export, JSON-MIN,
CSV, an Argilla 2.x flattened JSON-lines export, and a long CSV. For each format the script
prints the time to detect, reshape and validate, and the labels per second.

    python benchmarks/bench_import.py            # 20,000 tasks (60,000 annotations)
    python benchmarks/bench_import.py --quick    # 2,000 tasks
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from meta_evaluator.annotations import load_annotations
from meta_evaluator.eval_task import EvalTask

LABELS = ("rejection", "not rejection")
USERS = ((3, "alice@x.org"), (5, "bob@x.org"), (9, "carol@x.org"))
TASK = EvalTask(
    task_schemas={"rejection": list(LABELS), "quality": [1, 2, 3, 4, 5]},
    response_columns=["llm_response"],
)


def write_exports(n: int, out: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, (n, 3))
    ratings = rng.integers(1, 6, (n, 3))
    tasks, json_min, flat, long_rows = [], [], [], []
    for i in range(n):
        sid = f"s{i:07d}"
        data = {"original_id": sid, "llm_response": f"answer {i}"}
        anns = []
        for j, (uid, email) in enumerate(USERS):
            lab, rate = LABELS[labels[i, j]], int(ratings[i, j])
            anns.append(
                {
                    "id": 3 * i + j,
                    "completed_by": uid,
                    "was_cancelled": False,
                    "ground_truth": False,
                    "result": [
                        {"from_name": "rejection", "type": "choices", "value": {"choices": [lab]}},
                        {"from_name": "quality", "type": "rating", "value": {"rating": rate}},
                    ],
                }
            )
            json_min.append(
                {
                    **data,
                    "id": i,
                    "rejection": lab,
                    "quality": [{"rating": rate}],
                    "annotator": email,
                    "annotation_id": 3 * i + j,
                }
            )
            long_rows.append(
                {"original_id": sid, "annotator_id": email, "rejection": lab, "quality": rate}
            )
        pred = {"model_version": "clf-v1", "result": [anns[0]["result"][0]]}
        tasks.append({"id": i, "data": data, "annotations": anns, "predictions": [pred]})
        flat.append(
            {
                "id": sid,
                "llm_response": data["llm_response"],
                "rejection.responses": [LABELS[x] for x in labels[i]],
                "rejection.responses.users": [e for _, e in USERS],
                "rejection.responses.status": ["submitted"] * 3,
                "quality.responses": [int(x) for x in ratings[i]],
                "quality.responses.users": [e for _, e in USERS],
                "quality.responses.status": ["submitted"] * 3,
                "rejection.suggestion": LABELS[labels[i, 0]],
                "rejection.suggestion.agent": "gpt-4o-mini",
            }
        )
    paths = {
        "label_studio_json": out / "ls.json",
        "label_studio_json_min": out / "ls_min.json",
        "label_studio_csv": out / "ls.csv",
        "argilla_v2_flat": out / "argilla.jsonl",
        "long": out / "long.csv",
    }
    paths["label_studio_json"].write_text(json.dumps(tasks))
    paths["label_studio_json_min"].write_text(json.dumps(json_min))
    with paths["label_studio_csv"].open("w", newline="") as f:
        keys = sorted(json_min[0])
        w = csv.DictWriter(f, fieldnames=keys, quoting=csv.QUOTE_NONNUMERIC)
        w.writeheader()
        for row in json_min:
            w.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
    paths["argilla_v2_flat"].write_text("\n".join(json.dumps(r) for r in flat))
    with paths["long"].open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(long_rows[0]))
        w.writeheader()
        w.writerows(long_rows)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 tasks instead of 20,000")
    args = parser.parse_args()
    n = 2_000 if args.quick else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_exports(n, Path(tmp))
        print(f"{n:,} tasks x {len(USERS)} annotators = {3 * n:,} annotations, 2 questions")
        print(f"{'format':<24}{'MB':>7}{'seconds':>10}{'labels/s':>12}  judges")
        for fmt, path in paths.items():
            start = time.perf_counter()
            res = load_annotations(path, task=TASK)
            elapsed = time.perf_counter() - start
            assert res.format == fmt, (res.format, fmt)
            labels = 2 * res.annotations.height
            mb = path.stat().st_size / 1e6
            judges = ", ".join(f"{j}: {r.results_data.height}" for j, r in res.judges.items())
            print(f"{fmt:<24}{mb:>7.1f}{elapsed:>10.2f}{labels / elapsed:>12,.0f}  {judges or '-'}")


if __name__ == "__main__":
    main()
