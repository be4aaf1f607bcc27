"""Command line entry for the local fake LLM server (manual runs and benchmarks).

Usage::

    python -m meta_evaluator.testing.server --port 8765 --latency 0.5 --faults 429=0.1,500=0.05

It serves on 127.0.0.1 until interrupted; see :class:`~meta_evaluator.testing.FakeLLMServer`.
"""

from __future__ import annotations

import argparse
import threading

from meta_evaluator.testing._server import FAULT_KINDS, FakeLLMServer

__all__ = ["main", "parse_faults"]


def parse_faults(text: str) -> dict[str, float]:
    """Parse ``"429=0.1,500=0.05"`` into a fault-rate dict.

    Example:
        >>> parse_faults("429=0.1,hang=0.02")
        {'429': 0.1, 'hang': 0.02}
    """
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, rate = part.partition("=")
        if kind not in FAULT_KINDS or not rate:
            raise argparse.ArgumentTypeError(
                f"--faults entry {part!r} must look like KIND=RATE with KIND in {FAULT_KINDS!r}."
            )
        out[kind] = float(rate)
    return out


def main(argv: list[str] | None = None) -> None:
    """Run the server until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m meta_evaluator.testing.server",
        description="Local OpenAI/Anthropic-compatible fake LLM server.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 = free port)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--jitter", type=float, default=0.0, help="extra uniform random latency")
    parser.add_argument("--faults", type=parse_faults, default={}, help="e.g. 429=0.1,500=0.05")
    parser.add_argument("--hang-s", type=float, default=30.0, help="duration of a 'hang' fault")
    parser.add_argument("--retry-after", type=float, default=0.05, help="Retry-After on 429")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault draws")
    args = parser.parse_args(argv)
    server = FakeLLMServer(
        latency_s=args.latency,
        latency_jitter_s=args.jitter,
        fault_rates=args.faults,
        hang_s=args.hang_s,
        retry_after_s=args.retry_after,
        seed=args.seed,
        port=args.port,
    ).start()
    print(
        f"FakeLLMServer on {server.base_url} (anthropic: {server.anthropic_base_url})", flush=True
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
