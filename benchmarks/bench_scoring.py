"""Scoring benchmark: accuracy, Cohen's kappa and the alt-test through the real scorer path.

Synthetic, seeded data: N samples x 5 humans x 3 judges, categorical with 3 labels. For each
scorer the script times ``compute_score_async`` for the 3 judges (alignment, encoding, per-human
scores, human ceiling and the item-level bootstrap CI included), then a per-row Python-loop
version of the same headline computations (dict joins and per-item loops, no bootstrap). The loop
version is timed on a subset and extrapolated linearly when it is slow; the output says so.

    python benchmarks/bench_scoring.py            # 100,000 samples
    python benchmarks/bench_scoring.py --quick    # 10,000 samples
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from collections import defaultdict

import numpy as np
import polars as pl

from meta_evaluator.scores import TaskContext, task_context
from meta_evaluator.scores._tables import shared_tables
from meta_evaluator.scores.enums import TaskAggregationMode
from meta_evaluator.scores.metrics import (
    AccuracyScorer,
    AltTestScorer,
    ClassificationScorer,
    CohensKappaScorer,
    FleissKappaScorer,
    KrippendorffAlphaScorer,
)

LABELS = ("negative", "neutral", "positive")
N_HUMANS = 5
N_JUDGES = 3


def make_data(n: int, seed: int = 0) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    ids = np.array([f"s{i:07d}" for i in range(n)])

    def noisy(p: float) -> np.ndarray:
        flip = rng.random(n) < p
        return np.where(flip, rng.integers(0, 3, n), truth)

    lab = np.array(LABELS)
    judges = {
        f"judge{j}": pl.DataFrame({"original_id": ids, "label": lab[noisy(0.2 + 0.1 * j)]})
        for j in range(N_JUDGES)
    }
    humans = pl.DataFrame(
        {
            "original_id": np.tile(ids, N_HUMANS),
            "human_id": np.repeat([f"h{k}" for k in range(N_HUMANS)], n),
            "label": np.concatenate([lab[noisy(0.25)] for _ in range(N_HUMANS)]),
        }
    )
    return judges, humans


def time_scorer(scorer, judges, humans) -> tuple[float, dict[str, dict]]:
    ctx = TaskContext(kind="categorical", labels=LABELS)

    async def go():
        out = {}
        with task_context(ctx), shared_tables():  # as in compare: humans prepared once
            for jid, jd in judges.items():
                out[jid] = await scorer.compute_score_async(
                    jd, humans, "sentiment", jid, TaskAggregationMode.SINGLE
                )
        return out

    t0 = time.perf_counter()
    results = asyncio.run(go())
    return time.perf_counter() - t0, results


# ------------------------------------------------------------------ per-row Python loops
def loop_tables(jd: pl.DataFrame, hd: pl.DataFrame):
    judge = dict(zip(jd["original_id"].to_list(), jd["label"].to_list(), strict=True))
    per_human: dict[str, dict[str, str]] = defaultdict(dict)
    for oid, h, lab in zip(
        hd["original_id"].to_list(), hd["human_id"].to_list(), hd["label"].to_list(), strict=True
    ):
        per_human[h][oid] = lab
    return judge, per_human


def loop_pair_accuracy(ref: dict[str, str], cand: dict[str, str]) -> float:
    hit = n = 0
    for oid, lab in ref.items():
        if oid in cand:
            n += 1
            hit += cand[oid] == lab
    return hit / n


def loop_pair_kappa(ref: dict[str, str], cand: dict[str, str]) -> float:
    n = agree = 0
    cr: dict[str, int] = defaultdict(int)
    cc: dict[str, int] = defaultdict(int)
    for oid, lab in ref.items():
        if oid in cand:
            n += 1
            agree += cand[oid] == lab
            cr[lab] += 1
            cc[cand[oid]] += 1
    po = agree / n
    pe = sum(cr[k] * cc[k] for k in LABELS) / (n * n)
    return (po - pe) / (1 - pe)


def loop_with_ceiling(pair, jd, hd) -> float:
    """Judge vs each human (mean) plus each human vs the others (the human ceiling)."""
    judge, per_human = loop_tables(jd, hd)
    score = sum(pair(lab, judge) for lab in per_human.values()) / len(per_human)
    names = sorted(per_human)
    on_judge = {h: {o: v for o, v in per_human[h].items() if o in judge} for h in names}
    for h in names:  # the ceiling, computed and discarded (the scorer computes it too)
        _ = [pair(on_judge[g], on_judge[h]) for g in names if g != h]
    return score


def loop_accuracy(jd, hd) -> float:
    return loop_with_ceiling(loop_pair_accuracy, jd, hd)


def loop_kappa(jd, hd) -> float:
    return loop_with_ceiling(loop_pair_kappa, jd, hd)


def loop_alt_test_rho(jd, hd) -> float:
    """The alt-test's advantage probability from per-row leave-one-out indicators
    (the statistical tests on top are cheap and identical in both versions)."""
    ind = loop_alt_test_indicators(jd, hd)
    rhos = [sum(w.values()) / len(w) for w in ind.values() if w]
    return sum(rhos) / len(rhos)


def loop_alt_test_indicators(jd, hd) -> dict[str, dict[str, int]]:
    """Per human, per item: the judge's leave-one-out advantage indicator W^f (per-row loop)."""
    judge, per_human = loop_tables(jd, hd)
    humans = sorted(per_human)
    out: dict[str, dict[str, int]] = {}
    for j in humans:
        wins: dict[str, int] = {}
        for oid, lab_j in per_human[j].items():
            if oid not in judge:
                continue
            others = [per_human[k][oid] for k in humans if k != j and oid in per_human[k]]
            if not others:
                continue
            s_f = sum(judge[oid] == o for o in others) / len(others)
            s_h = sum(lab_j == o for o in others) / len(others)
            wins[oid] = int(s_f >= s_h)
        out[j] = wins
    return out


def loop_alt_test_bootstrap(jd, hd, n_resamples: int) -> tuple[float, float]:
    """Per-row Python bootstrap of the advantage probability (indicators computed once)."""
    import random

    ind = loop_alt_test_indicators(jd, hd)
    items = sorted({o for w in ind.values() for o in w})
    rnd = random.Random(0)
    stats = []
    for _ in range(n_resamples):
        draw = [items[rnd.randrange(len(items))] for _ in items]
        rhos = []
        for w in ind.values():
            hits = [w[o] for o in draw if o in w]
            if hits:
                rhos.append(sum(hits) / len(hits))
        stats.append(sum(rhos) / len(rhos))
    stats.sort()
    return stats[int(0.025 * len(stats))], stats[int(0.975 * len(stats)) - 1]


def loop_bootstrap(pair, jd, hd, n_resamples: int) -> tuple[float, float]:
    """Per-row Python bootstrap: resample items, rebuild each human's pairs, recompute."""
    import random

    judge, per_human = loop_tables(jd, hd)
    items = [o for o in judge if any(o in lab for lab in per_human.values())]
    rnd = random.Random(0)
    stats = []
    for _ in range(n_resamples):
        draw = [items[rnd.randrange(len(items))] for _ in items]
        vals = []
        for lab in per_human.values():
            ref: dict[str, str] = {}
            cand: dict[str, str] = {}
            for k, o in enumerate(draw):  # duplicates get distinct keys
                if o in lab:
                    ref[f"{o}#{k}"] = lab[o]
                    cand[f"{o}#{k}"] = judge[o]
            vals.append(pair(ref, cand))
        stats.append(sum(vals) / len(vals))
    stats.sort()
    return stats[int(0.025 * len(stats))], stats[int(0.975 * len(stats)) - 1]


def time_loop_ci(
    pair, judges, humans, n: int, n_resamples: int, sub: int = 2_000, sub_resamples: int = 5
) -> float:
    """Loop bootstrap timed on ``sub`` items x ``sub_resamples`` resamples, scaled linearly."""
    ids = set(judges["judge0"]["original_id"].head(sub).to_list())
    js = {k: v.filter(pl.col("original_id").is_in(ids)) for k, v in judges.items()}
    hs = humans.filter(pl.col("original_id").is_in(ids))
    t0 = time.perf_counter()
    for jd in js.values():
        if pair is None:  # the alt-test's advantage probability
            loop_alt_test_bootstrap(jd, hs, sub_resamples)
        else:
            loop_bootstrap(pair, jd, hs, sub_resamples)
    dt = time.perf_counter() - t0
    return dt * (n / sub) * (n_resamples / sub_resamples)


def time_loop(fn, judges, humans, n: int, budget_n: int) -> tuple[float, bool, list[float]]:
    """Time ``fn`` over the judges; on more than ``budget_n`` items, time a subset and scale."""
    sub = min(n, budget_n)
    ids = set(judges["judge0"]["original_id"].head(sub).to_list())
    js = {k: v.filter(pl.col("original_id").is_in(ids)) for k, v in judges.items()}
    hs = humans.filter(pl.col("original_id").is_in(ids))
    t0 = time.perf_counter()
    vals = [fn(jd, hs) for jd in js.values()]
    dt = time.perf_counter() - t0
    return dt * n / sub, sub < n, vals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10,000 samples instead of 100,000")
    ap.add_argument("--n", type=int, default=None, help="number of samples")
    ap.add_argument(
        "--loop-subset",
        type=int,
        default=20_000,
        help="items the Python loop runs on before extrapolating linearly",
    )
    ap.add_argument(
        "--resamples",
        type=int,
        default=1000,
        help="bootstrap resamples for the CI timing (the scorers' default)",
    )
    args = ap.parse_args()
    n = args.n or (10_000 if args.quick else 100_000)
    judges, humans = make_data(n)
    print(f"{n:,} samples x {N_HUMANS} humans x {N_JUDGES} judges, {len(LABELS)} labels")

    # warm-up: imports (scipy, sklearn-free kernels) and first-call costs are not scoring time
    wj, wh = make_data(200, seed=1)
    for sc in (
        AccuracyScorer(n_resamples=10),
        CohensKappaScorer(n_resamples=10),
        AltTestScorer(n_resamples=10),
    ):
        time_scorer(sc, wj, wh)

    ci_n = args.resamples
    rows = [
        ("accuracy", AccuracyScorer, loop_accuracy, "accuracy", loop_pair_accuracy),
        ("cohens_kappa", CohensKappaScorer, loop_kappa, "kappa", loop_pair_kappa),
        ("alt_test", AltTestScorer, loop_alt_test_rho, "advantage_probability", None),
    ]
    print(f"CI = item-level percentile bootstrap with {ci_n} resamples")
    print(
        f"{'scorer':<14}{'with CI s':>11}{'loop+CI s':>11}{'speed-up':>10}"
        f"{'no CI s':>10}{'py-loop s':>11}{'speed-up':>10}"
    )
    notes = []
    for name, cls, loop_fn, key, pair in rows:
        t_ci, _ = time_scorer(cls(n_resamples=ci_n), judges, humans)
        t_noci, results = time_scorer(cls(n_resamples=0), judges, humans)
        t_loop, extrapolated, loop_vals = time_loop(loop_fn, judges, humans, n, args.loop_subset)
        if not extrapolated:
            for jid, v in zip(judges, loop_vals, strict=True):
                got = results[jid].scores[key]
                assert math.isclose(got, v, abs_tol=1e-9), (name, jid, got, v)
        note = (
            f"loop timed on {args.loop_subset:,} items and scaled x{n / args.loop_subset:g}"
            if extrapolated
            else "loop result == scorer result (checked)"
        )
        flag = "" if t_ci < 2.0 else "  [over the 2 s budget]"
        t_loop_ci = t_loop + time_loop_ci(pair, judges, humans, n, ci_n)
        ci_cols = f"{t_ci:>11.3f}{t_loop_ci:>11.1f}{t_loop_ci / t_ci:>9.0f}x"
        print(f"{name:<14}{ci_cols}{t_noci:>10.3f}{t_loop:>11.2f}{t_loop / t_noci:>9.1f}x{flag}")
        notes.append(f"{name}: {note}")
    print("notes:")
    for line in notes:
        print(f"  {line}")
    print(
        "  loop+CI = the per-row loop plus a per-row Python bootstrap, timed on 2,000 items x 5 "
        f"resamples and scaled linearly to {n:,} items x {ci_n} resamples"
    )
    ci_only(judges, humans, ci_n)


def ci_only(judges, humans, ci_n: int) -> None:
    """The CI cost of the scorers whose statistic is no per-item mean (one judge each).

    Each runs the one generic item bootstrap of ``meta_evaluator.stats.bootstrap_sums`` over
    additive per-item features (confusion cells, Fleiss' per-item agreement, alpha's
    coincidences); the time printed is with CI minus without, for one judge.
    """
    one = {"judge0": judges["judge0"]}
    print(f"bootstrap CI alone, {ci_n} resamples, 1 judge (goal < 1 s each)")
    for name, make in (
        ("f1 (macro)", lambda r: ClassificationScorer(metric="f1", n_resamples=r)),
        (
            "precision (weighted)",
            lambda r: ClassificationScorer(metric="precision", average="weighted", n_resamples=r),
        ),
        ("krippendorff_alpha", lambda r: KrippendorffAlphaScorer(n_resamples=r)),
        ("alpha (ordinal)", lambda r: KrippendorffAlphaScorer(level="ordinal", n_resamples=r)),
        ("fleiss_kappa", lambda r: FleissKappaScorer(n_resamples=r)),
    ):
        # best of 3 of each (wall, CPU): a single difference of two timings can go below zero
        with_ci, without = [], []
        for _ in range(3):
            c0 = time.process_time()
            t_ci, res = time_scorer(make(ci_n), one, humans)
            with_ci.append((t_ci, time.process_time() - c0))
            c0 = time.process_time()
            t_no, _ = time_scorer(make(0), one, humans)
            without.append((t_no, time.process_time() - c0))
        wall = min(t for t, _ in with_ci) - min(t for t, _ in without)
        cpu = min(c for _, c in with_ci) - min(c for _, c in without)
        lo, hi = res["judge0"].ci_low, res["judge0"].ci_high
        print(
            f"  {name:<22}{_noise_floor(wall)} s wall {_noise_floor(cpu)} s CPU"
            f"   (scorer {min(t for t, _ in with_ci):.3f} s; CI [{lo:.4f}, {hi:.4f}])"
        )


def _noise_floor(seconds: float) -> str:
    """A time difference; below 5 ms it is within the timing noise and printed as such."""
    return f"{seconds:>8.3f}" if seconds >= 0.005 else f"{'< 0.005':>8}"


if __name__ == "__main__":
    main()
