"""Report benchmark: time and size of score_report.html for N samples x 3 judges x 5 humans.

Builds a seeded synthetic project in a temporary directory (prompt ~110 characters, response ~230
characters, a categorical task with 3 labels and a free-text rationale per judge), scores it with
accuracy (majority vote), Cohen's kappa and the alt-test (not timed), then times what
``meta-evaluator report`` does: gather the per-sample evidence from the project, compute the
judge-vs-judge paired tests, render every section and write the page. Prints the phases, the
page size and the share of it taken by the embedded explorer data.

    python benchmarks/bench_report.py             # 10,000 samples (targets: < 5 s, < 10 MB)
    python benchmarks/bench_report.py --n 2000
    python benchmarks/bench_report.py --browser   # also: load and filter times in headless Chromium
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator.data import EvalData
from meta_evaluator.report._decision import decision_sections
from meta_evaluator.report._evidence import gather_evidence
from meta_evaluator.report._view import result_view
from meta_evaluator.scores import MetricConfig, MetricsConfig
from meta_evaluator.scores.metrics import AccuracyScorer, AltTestScorer, CohensKappaScorer
from meta_evaluator.stats._paired import _drawn_indices

LABELS = ("negative", "neutral", "positive")
N_HUMANS = 5
N_JUDGES = 3
_SENTENCE = (
    "the model answers the question about travel insurance with care and some detail while "
    "noting limits of what it knows and suggesting a source for the rest of the facts"
)
WORDS = tuple(_SENTENCE.split(" "))


def _texts(rng: np.random.Generator, n: int, words: int) -> list[str]:
    picks = rng.integers(0, len(WORDS), (n, words))
    vocab = np.array(WORDS)
    return [" ".join(row) for row in vocab[picks]]


def build(root: Path, n: int, seed: int = 0) -> MetaEvaluator:
    rng = np.random.default_rng(seed)
    ids = [f"s{i:06d}" for i in range(n)]
    truth = rng.integers(0, 3, n)
    lab = np.array(LABELS)

    def noisy(p: float) -> np.ndarray:
        return np.where(rng.random(n) < p, rng.integers(0, 3, n), truth)

    ev = MetaEvaluator(root / "project", load=False)
    ev.add_eval_task(
        EvalTask(
            task_schemas={"sentiment": list(LABELS), "rationale": None},
            prompt_columns=["prompt"],
            response_columns=["response"],
        )
    )
    data = pl.DataFrame({"id": ids, "prompt": _texts(rng, n, 18), "response": _texts(rng, n, 38)})
    ev.add_data(EvalData.from_frame("bench", data, id_column="id"))
    rows = []
    for h in range(N_HUMANS):
        labelled = rng.random(n) < 0.85
        labels = lab[noisy(0.15 + 0.03 * h)]
        rows.append(
            pl.DataFrame(
                {
                    "original_id": np.array(ids)[labelled],
                    "annotator_id": f"human{h}",
                    "sentiment": labels[labelled],
                }
            )
        )
    pl.concat(rows).write_csv(root / "humans.csv")
    ev.add_annotations_long_format(root / "humans.csv")
    for j in range(N_JUDGES):
        frame = pl.DataFrame(
            {
                "original_id": ids,
                "sentiment": lab[noisy(0.15 + 0.1 * j)],
                "rationale": _texts(rng, n, 14),
            }
        )
        frame.write_csv(root / f"judge{j}.csv")
        ev.add_external_judge_results(root / f"judge{j}.csv", judge_id=f"judge{j}")
    ev.add_metrics_config(
        MetricsConfig(
            metrics=[
                MetricConfig(
                    scorer=AccuracyScorer(),
                    task_names=["sentiment"],
                    annotator_aggregation="majority_vote",
                ),
                MetricConfig(scorer=CohensKappaScorer(), task_names=["sentiment"]),
                MetricConfig(scorer=AltTestScorer(), task_names=["sentiment"]),
            ]
        )
    )
    ev.save_state()
    return ev


def browser_timings(page_path: Path) -> None:
    """Open the page in headless Chromium: time to a rendered explorer, a filter, a search."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
            ],
        )
        page = browser.new_page()
        start = time.perf_counter()
        page.goto(page_path.as_uri())
        page.wait_for_selector("section.explorer .ex-live tbody tr")
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        page.select_option("section.explorer select >> nth=0", "split")
        page.locator("section.explorer .ex-live tbody tr").first.wait_for()
        filtered = time.perf_counter() - start
        count = "section.explorer .ex-count"
        before = page.inner_text(count)
        start = time.perf_counter()
        page.fill("section.explorer input[type=search]", "insurance travel")
        page.wait_for_function(
            "b => document.querySelector('section.explorer .ex-count').textContent !== b",
            arg=before,
        )
        searched = time.perf_counter() - start - 0.15  # the box waits 150 ms after a key
        browser.close()
    print(
        f"browser: page ready (explorer rendered) {loaded:5.2f} s; filter 'humans split' "
        f"{filtered:5.2f} s; first search {searched:5.2f} s (builds the search index)"
    )


def main() -> None:
    """Build, score (untimed), then time the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="samples (default 10,000)")
    parser.add_argument("--browser", action="store_true", help="also time the page in Chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        ev = build(root, args.n)
        ev.compare_async()
        print(
            f"setup: {args.n:,} samples x {N_JUDGES} judges x {N_HUMANS} humans, scored in "
            f"{time.perf_counter() - t0:.1f} s (not part of the report time)"
        )
        ev = MetaEvaluator(root / "project", load=True)  # as `meta-evaluator report` does
        _drawn_indices.cache_clear()  # scoring wrote a report too: time this one cold
        start, cpu = time.perf_counter(), time.process_time()
        out = ev.score_report.save(root / "score_report.html")
        total, cpu = time.perf_counter() - start, time.process_time() - cpu
        _drawn_indices.cache_clear()  # phases timed cold, like the full report
        start = time.perf_counter()
        evidence = gather_evidence(ev)
        t_gather = time.perf_counter() - start
        results = ev._load_saved_results()
        views = [result_view(r) for r in results]
        t1 = time.perf_counter()
        decision_sections(results, views, evidence, {})
        t_decision = time.perf_counter() - t1

        size = out.stat().st_size
        text = out.read_text(encoding="utf-8")
        data_start = text.find('class="ex-data">')
        data_len = text.find("</script>", data_start) - data_start if data_start >= 0 else 0
        print(f"gather evidence:              {t_gather:6.2f} s")
        print(f"decision sections (incl. paired tests, explorer JSON): {t_decision:6.2f} s")
        load = os.getloadavg()[0]
        print(
            f"full report (gather + render + write): {total:6.2f} s wall, {cpu:5.2f} s CPU "
            f"(target < 5 s; 1-min load average {load:.1f} on {os.cpu_count()} cores)"
        )
        print(
            f"page size: {size / 1e6:6.2f} MB (target < 10 MB); embedded explorer data "
            f"{data_len / 1e6:.2f} MB ({data_len / size:.0%})"
        )
        print(f"time ratio to target: {total / 5:.2f}; size ratio to target: {size / 10e6:.2f}")
        if args.browser:
            browser_timings(out)


if __name__ == "__main__":
    main()
