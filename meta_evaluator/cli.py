"""The ``meta-evaluator`` command line: inspect, run, score and report a project directory.

This is the only module that configures logging.

Examples::

    meta-evaluator status my_project
    meta-evaluator run-judges my_project --judge gpt4o_mini
    meta-evaluator score my_project
    meta-evaluator score my_project --metrics metrics.yaml
    meta-evaluator report my_project --format csv
    meta-evaluator fake-llm-server --port 8765 --latency 0.2
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from meta_evaluator.errors import MetaEvaluatorError

__all__ = ["main"]


def _status(args: argparse.Namespace) -> int:
    from meta_evaluator import MetaEvaluator

    ev = MetaEvaluator(args.project_dir, load=True)
    print(f"project: {ev.project_dir}")
    if ev.eval_task is not None:
        for name in ev.eval_task.task_names:
            labels = ev.eval_task.allowed_labels(name)
            print(f"  task {name!r} ({ev.eval_task.task_kind(name)}): {labels}")
    if ev.data is not None:
        print(f"data: {ev.data.name!r}, {len(ev.data)} rows")
    for jid, spec in ev.judges.items():
        print(f"judge {jid!r}: {spec.llm_client} / {spec.model}")
    for jid, res in ev.load_all_judge_results().items():
        print(f"results {jid!r} ({res.source}): {res.status_counts()}")
    if ev.eval_task is not None:
        ids = ev.annotations.annotator_ids
        print(f"annotators: {len(ids)} {ids}")
    for cfg in ev.metrics_configs:
        print(f"metric: {cfg.unique_name()}")
    return 0


def _run_judges(args: argparse.Namespace) -> int:
    from meta_evaluator import MetaEvaluator

    ev = MetaEvaluator(args.project_dir, load=True)
    cache: Literal["on", "refresh", "off"] = (
        "off" if args.no_cache else ("refresh" if args.rerun else "on")
    )
    results = ev.run_judges_async(
        judge_ids=args.judge or None, skip_duplicates=not args.rerun, cache=cache, wait=args.wait
    )
    for jid, res in results.items():
        cost = res.info.get("cost_usd")
        cost_text = f"${cost:,.4f}" if cost is not None else f"— ({res.info.get('cost_note')})"
        print(f"{jid}: {res.status_counts()}, cost {cost_text}")
    return 0


def _score(args: argparse.Namespace) -> int:
    from meta_evaluator import MetaEvaluator

    ev = MetaEvaluator(args.project_dir, load=True)
    if args.metrics is not None:
        ev.load_metrics_from_yaml(args.metrics, replace=True)
    ev.compare_async(judge_ids=args.judge or None)
    ev.score_report.print()
    print(f"report: {ev.scores_dir / 'score_report.html'}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from meta_evaluator import MetaEvaluator

    ev = MetaEvaluator(args.project_dir, load=True)
    out = args.output or ev.scores_dir / f"score_report.{args.format}"
    path = ev.score_report.save(out, format=args.format)
    print(f"report: {path}")
    return 0


def _fake_server(args: argparse.Namespace) -> int:
    import time

    from meta_evaluator.testing import FakeLLMServer

    server = FakeLLMServer(latency_s=args.latency, port=args.port)
    with server:
        print(f"fake OpenAI-compatible server on {server.base_url} (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


_VERBOSE_HELP = "debug logging, including every HTTP request of the client libraries"


def configure_logging(*, verbose: bool) -> None:
    """Log INFO and up (DEBUG with ``verbose``); client libraries' request lines only if verbose.

    httpx / openai / anthropic / litellm log a line per HTTP request at INFO: they are set to
    WARNING, or to DEBUG with ``verbose``.
    """
    from meta_evaluator.judges._progress import CLIENT_LOGGERS

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for name in CLIENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)


# ---- annotate (browser labeling round; see meta_evaluator.annotate) ----
def _annotate(args: argparse.Namespace) -> int:
    from meta_evaluator.annotate import launch_annotator

    launch_annotator(
        str(args.project_dir),
        port=args.port,
        host=args.host,
        annotators=args.annotator,
        overlap=args.overlap,
        seed=args.seed,
        queue=args.queue,
        show_judges=args.show_judges,
        new_tokens=args.new_tokens,
        public_url=args.public_url,
    )
    return 0


def _add_annotate_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "annotate", parents=[common], help="serve the browser labeling page for a project"
    )
    p.add_argument("project_dir", type=Path)
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default loopback)")
    p.add_argument("--port", type=int, default=0, help="TCP port (0 = any free one)")
    p.add_argument("--annotator", action="append", help="annotator name (repeatable)")
    p.add_argument("--overlap", type=int, default=None, help="annotators per sample (default all)")
    p.add_argument("--seed", type=int, default=None, help="seed of assignment and order")
    p.add_argument("--queue", choices=["all", "low-agreement"], default=None)
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--blind", dest="show_judges", action="store_false",
                       help="hide judge labels (the default)")  # fmt: skip
    shown.add_argument("--show-judges", dest="show_judges", action="store_true",
                       help="show judge labels after a sample is submitted")  # fmt: skip
    p.add_argument("--new-tokens", action="store_true", help="issue new links to everyone")
    p.add_argument("--public-url", default=None, help="address behind a reverse proxy, for links")
    p.set_defaults(func=_annotate, show_judges=False)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``meta-evaluator``."""
    parser = argparse.ArgumentParser(
        prog="meta-evaluator",
        description="Can this LLM judge stand in for our human annotators?",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=_VERBOSE_HELP)
    common = argparse.ArgumentParser(add_help=False)  # --verbose after the command, too
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=_VERBOSE_HELP
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("status", parents=[common], help="summarise a project directory")
    p.add_argument("project_dir", type=Path)
    p.set_defaults(func=_status)

    p = sub.add_parser("run-judges", parents=[common], help="run (or resume) the project's judges")
    p.add_argument("project_dir", type=Path)
    p.add_argument("--judge", action="append", help="judge id (repeatable; default: all)")
    p.add_argument(
        "--rerun",
        action="store_true",
        help="re-query every row, finished or cached (the new answers replace the cached ones)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the response cache (finished rows are still reused "
        "unless --rerun)",
    )
    p.add_argument(
        "--wait",
        action="store_true",
        help="if another process is running this project's judges, wait for it (then resume) "
        "instead of failing at once",
    )
    p.set_defaults(func=_run_judges)

    p = sub.add_parser(
        "score", parents=[common], help="compare judges with humans using the saved metrics configs"
    )
    p.add_argument("project_dir", type=Path)
    p.add_argument("--judge", action="append", help="judge id (repeatable; default: all)")
    p.add_argument(
        "--metrics",
        type=Path,
        default=None,
        help="YAML file with a 'metrics:' list (replaces "
        "the project's saved metric configs for this run)",
    )
    p.set_defaults(func=_score)

    p = sub.add_parser("report", parents=[common], help="write the score report from saved scores")
    p.add_argument("project_dir", type=Path)
    p.add_argument("--format", choices=["html", "csv"], default="html")
    p.add_argument("--output", type=Path, default=None)
    p.set_defaults(func=_report)

    p = sub.add_parser(
        "fake-llm-server", parents=[common], help="start the local fake OpenAI/Anthropic server"
    )
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--latency", type=float, default=0.0)
    p.set_defaults(func=_fake_server)

    _add_annotate_parser(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``meta-evaluator`` console script.

    Returns:
        The process exit code (0 success, 2 a meta_evaluator error with its message printed).
    """
    args = build_parser().parse_args(argv)
    configure_logging(verbose=args.verbose)
    try:
        return int(args.func(args))
    except MetaEvaluatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
