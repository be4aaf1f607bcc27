"""Charts for score reports: judges' scores, alt-test winning rates and advantage probabilities.

Every chart function takes finished numbers (it never computes a metric), draws on the ``ax`` it
is given or on a fresh figure, and returns the :class:`~matplotlib.figure.Figure`. Fresh figures
are built with the object-oriented API on an Agg canvas: pyplot is never imported here, so no
GUI backend is touched, no global figure registry grows (no "more than 20 figures" warnings)
and a notebook's own backend is left alone. Non-finite values (nan, None) are skipped and a note
is drawn instead of crashing.
"""

from __future__ import annotations

import base64
import io
import json
import math
import sys
import threading
from collections import OrderedDict
from collections.abc import Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from meta_evaluator._checks import to_float
from meta_evaluator._io import atomic_write

__all__ = [
    "advantage_chart",
    "chart_png",
    "figure_to_data_uri",
    "png_data_uri",
    "save_figure",
    "score_bar_chart",
    "winning_rate_chart",
]

_DPI = 110
"""Resolution of saved PNGs: sharp in a browser, small enough to inline in HTML."""
_PASS_LINE = 0.5
"""The alt-test passes when the winning rate is at least this value (Calderon et al., 2025)."""
_BAR_COLOR = "#4C72B0"
_NAN_COLOR = "#B0B0B0"
_CEILING_COLOR = "#555555"
_PASS_COLOR = "#C44E52"
_PNG_METADATA: dict[str, Any] = {"Software": None}
"""Drop matplotlib's "Software" PNG text chunk (it carries a URL and a version string)."""


def _finite(value: Any) -> float | None:
    """Return ``value`` as a float when it is a finite real number, else None."""
    number = to_float(value, None)
    return number if number is not None and math.isfinite(number) else None


def _plain(text: object) -> str:
    """Make ``text`` safe for matplotlib: a ``$`` must not start mathtext."""
    return str(text).replace("$", r"\$")


def _title_y(fresh: bool) -> float | None:
    """``set_title``'s ``y``: a fresh figure's title sits at the top of its axes (``1.0``).

    Nothing is drawn above our own axes, so that is where matplotlib's automatic placement puts
    the title anyway, without measuring every tick label first (about 15 ms per chart; the PNGs
    are byte-identical). Axes a caller passes keep the automatic placement.
    """
    return 1.0 if fresh else None


def _new_axes(
    ax: Axes | None, *, width: float, height: float, bottom: float = 0.55
) -> tuple[Figure, Axes]:
    """Return ``(figure, axes)``: the given axes and its root figure, or a fresh Agg figure.

    A fresh figure gets fixed margins in inches (``bottom`` leaves room for the x labels)
    instead of a layout engine: measuring every text extent for a constrained layout took
    about half of each chart's rendering time.
    """
    if ax is not None:
        return ax.get_figure(root=True), ax  # type: ignore[return-value]
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    fig.subplots_adjust(
        left=0.8 / width, right=1.0 - 0.2 / width, top=1.0 - 0.42 / height, bottom=bottom / height
    )
    return fig, fig.add_subplot()


def _note(ax: Axes, text: str) -> None:
    """Write a centred grey note on ``ax`` (used when there is nothing to draw)."""
    ax.text(
        0.5,
        0.5,
        _plain(text),
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="#777777",
        fontsize=10,
    )


def score_bar_chart(
    values: Mapping[str, float],
    *,
    title: str,
    ylabel: str,
    ci: Mapping[str, tuple[float, float]] | None = None,
    ceiling: float | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Bar chart of one score per judge, with 95% CI error bars and a human-ceiling line.

    Args:
        values: Judge id -> score. A nan score is drawn as a grey "n/a" marker, not a bar.
        title: Chart title.
        ylabel: Label of the y axis (the metric's name).
        ci: Judge id -> ``(low, high)`` confidence bounds; judges without a finite pair get no
            error bar.
        ceiling: The humans' own agreement on the same metric; drawn as a dashed line when
            finite.
        ax: Axes to draw on; a new figure is created when None.

    Returns:
        The figure holding the chart.

    Examples:
        >>> fig = score_bar_chart({"j1": 0.8, "j2": float("nan")}, title="t", ylabel="accuracy")
        >>> len(fig.axes)
        1
    """
    names = list(values)
    rotate = bool(names) and (len(names) > 4 or max(len(n) for n in names) > 12)
    longest = max((len(n) for n in names), default=0)
    fresh = ax is None
    fig, ax = _new_axes(
        ax,
        width=max(4.5, 1.0 * len(names) + 2.5),
        height=3.4 + (min(longest, 40) * 0.05 if rotate else 0.0),
        bottom=0.45 + (min(longest, 40) * 0.055 if rotate else 0.0),
    )
    ci = ci or {}
    positions = list(range(len(names)))
    heights: list[float] = []
    low_err: list[float] = []
    high_err: list[float] = []
    span: list[float] = []
    for name in names:
        value = _finite(values[name])
        heights.append(0.0 if value is None else value)
        bounds = ci.get(name)
        low = _finite(bounds[0]) if bounds is not None else None
        high = _finite(bounds[1]) if bounds is not None else None
        if value is None or low is None or high is None:
            low_err.append(0.0)
            high_err.append(0.0)
        else:
            low_err.append(max(value - low, 0.0))
            high_err.append(max(high - value, 0.0))
            span.extend((low, high))
        if value is not None:
            span.append(value)
    finite_mask = [_finite(values[n]) is not None for n in names]
    ceiling_value = _finite(ceiling)
    if ceiling_value is not None:
        span.append(ceiling_value)

    if names:
        ax.bar(
            positions,
            heights,
            color=[_BAR_COLOR if ok else _NAN_COLOR for ok in finite_mask],
            width=0.6,
        )
        with_ci = [i for i in positions if low_err[i] > 0 or high_err[i] > 0]
        if with_ci:
            ax.errorbar(
                [positions[i] for i in with_ci],
                [heights[i] for i in with_ci],
                yerr=[[low_err[i] for i in with_ci], [high_err[i] for i in with_ci]],
                fmt="none",
                capsize=4,
                ecolor="#333333",
                elinewidth=1.2,
            )
        for pos, ok in zip(positions, finite_mask, strict=True):
            height = heights[pos]
            ax.annotate(
                f"{height:.3f}" if ok else "n/a",
                (pos, max(height + high_err[pos], 0.0)),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
                color="#222222" if ok else "#777777",
            )
        ax.set_xticks(positions, [_plain(n) for n in names])
        if rotate:
            ax.tick_params(axis="x", labelrotation=30)
            for tick in ax.get_xticklabels():
                tick.set_horizontalalignment("right")
    if not any(finite_mask):
        _note(ax, "no finite scores to draw")
    if ceiling_value is not None:
        ax.axhline(
            ceiling_value,
            linestyle="--",
            color=_CEILING_COLOR,
            linewidth=1.2,
            label=f"human ceiling ({ceiling_value:.3f})",
        )
        ax.legend(loc="best", fontsize=8)
    if span and all(-1.0 <= s <= 1.0 for s in span):
        ax.set_ylim(min(0.0, min(span) - 0.05), 1.08)
    ax.axhline(0.0, color="#999999", linewidth=0.6)
    ax.set_title(_plain(title), fontsize=11, y=_title_y(fresh))
    ax.set_ylabel(_plain(ylabel))
    ax.grid(axis="y", alpha=0.3)
    return fig


def _sorted_epsilon_points(rates: Mapping[str, Any]) -> tuple[list[float], list[float]]:
    """Return the (epsilon, winning rate) points of one judge sorted by epsilon, nan kept."""
    points: list[tuple[float, float]] = []
    for key, rate in rates.items():
        eps = _finite(key)
        if eps is None:
            continue
        value = _finite(rate)
        points.append((eps, math.nan if value is None else value))
    points.sort()
    return [p[0] for p in points], [p[1] for p in points]


def winning_rate_chart(
    winning_rates: Mapping[str, Mapping[str, float]],
    *,
    epsilon: float,
    ax: Axes | None = None,
) -> Figure:
    """Alt-test winning rate against epsilon, one line per judge, with the 0.5 pass line.

    A judge passes the alternative annotator test at ``epsilon`` when its winning rate there is
    at least 0.5 (Calderon, Reichart & Dror, 2025, "The Alternative Annotator Test for
    LLM-as-a-Judge").

    Args:
        winning_rates: Judge id -> {epsilon as ``"0.00"``-style string -> winning rate}.
            Keys that are not numbers are ignored; nan rates leave a gap in the line.
        epsilon: The config's epsilon, marked with a vertical dotted line.
        ax: Axes to draw on; a new figure is created when None.

    Returns:
        The figure holding the chart.

    Examples:
        >>> fig = winning_rate_chart({"j1": {"0.00": 0.2, "0.10": 0.6}}, epsilon=0.1)
        >>> fig.axes[0].get_ylabel()
        'winning rate'
    """
    fresh = ax is None
    fig, ax = _new_axes(ax, width=6.0, height=3.6, bottom=0.6)
    drawn = 0
    for judge, rates in winning_rates.items():
        xs, ys = _sorted_epsilon_points(rates)
        if not any(math.isfinite(y) for y in ys):
            continue
        ax.plot(xs, ys, marker="o", linewidth=1.6, markersize=4, label=_plain(judge))
        drawn += 1
    if drawn == 0:
        _note(ax, "no finite winning rates to draw")
    ax.axhline(
        _PASS_LINE, linestyle="--", color=_PASS_COLOR, linewidth=1.2, label="pass line (0.5)"
    )
    eps = _finite(epsilon)
    if eps is not None:
        ax.axvline(eps, linestyle=":", color="#555555", linewidth=1.2, label=f"ε = {eps:.2f}")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("ε (the humans' handicap)")
    ax.set_ylabel("winning rate")
    ax.set_title("Alt-test winning rate vs ε", fontsize=11, y=_title_y(fresh))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return fig


def advantage_chart(
    llm_adv: Mapping[str, Mapping[str, float]],
    human_adv: Mapping[str, Mapping[str, float]] | None = None,
    *,
    ax: Axes | None = None,
) -> Figure:
    """Alt-test advantage probabilities per left-out human: the LLM's against the human's.

    With ``human_adv`` the chart is a scatter of (human advantage, LLM advantage), one point per
    judge and human, with the diagonal: points above it are humans the judge beats. Without it,
    grouped bars show the LLM's advantage probability per human for each judge.

    Args:
        llm_adv: Judge id -> {human id -> the judge's advantage probability against that human}.
        human_adv: Judge id -> {human id -> that human's advantage probability}; optional.
        ax: Axes to draw on; a new figure is created when None.

    Returns:
        The figure holding the chart.

    Examples:
        >>> fig = advantage_chart({"j1": {"h1": 0.7}}, {"j1": {"h1": 0.6}})
        >>> fig.axes[0].get_xlabel()
        'human advantage probability'
    """
    if human_adv is not None:
        return _advantage_scatter(llm_adv, human_adv, ax=ax)
    humans: list[str] = []
    for per_human in llm_adv.values():
        humans.extend(h for h in per_human if h not in humans)
    fresh = ax is None
    fig, ax = _new_axes(
        ax, width=max(5.0, 0.8 * len(humans) * max(len(llm_adv), 1) ** 0.5 + 3.0), height=3.6
    )
    n_judges = max(len(llm_adv), 1)
    width = 0.8 / n_judges
    drawn = 0
    for j, (judge, per_human) in enumerate(llm_adv.items()):
        xs: list[float] = []
        ys: list[float] = []
        for i, human in enumerate(humans):
            value = _finite(per_human.get(human))
            if value is not None:
                xs.append(i - 0.4 + width * (j + 0.5))
                ys.append(value)
        if xs:
            ax.bar(xs, ys, width=width, label=_plain(judge))
            drawn += 1
    if drawn == 0:
        _note(ax, "no finite advantage probabilities to draw")
    else:
        ax.legend(fontsize=8)
    ax.set_xticks(list(range(len(humans))), [_plain(h) for h in humans])
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel("left-out human")
    ax.set_ylabel("LLM advantage probability")
    ax.set_title("Alt-test advantage probability per human", fontsize=11, y=_title_y(fresh))
    ax.grid(axis="y", alpha=0.3)
    return fig


def _advantage_scatter(
    llm_adv: Mapping[str, Mapping[str, float]],
    human_adv: Mapping[str, Mapping[str, float]],
    *,
    ax: Axes | None,
) -> Figure:
    """Scatter of (human advantage, LLM advantage) per judge and human, with the diagonal."""
    fresh = ax is None
    fig, ax = _new_axes(ax, width=5.2, height=4.4, bottom=0.6)
    points: list[tuple[str, str, float, float]] = []
    for judge, per_human in llm_adv.items():
        theirs = human_adv.get(judge, {})
        for human, value in per_human.items():
            y = _finite(value)
            x = _finite(theirs.get(human))
            if x is not None and y is not None:
                points.append((judge, human, x, y))
    ax.plot([0, 1], [0, 1], linestyle="--", color="#999999", linewidth=1.0, label="LLM = human")
    judges = list(dict.fromkeys(p[0] for p in points))
    for judge in judges:
        mine = [p for p in points if p[0] == judge]
        ax.scatter([p[2] for p in mine], [p[3] for p in mine], s=30, label=_plain(judge))
    if len(points) <= 30:
        for _, human, x, y in points:
            ax.annotate(
                _plain(human), (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7
            )
    if not points:
        _note(ax, "no finite advantage probabilities to draw")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("human advantage probability")
    ax.set_ylabel("LLM advantage probability")
    ax.set_title(
        "LLM vs human advantage (above the line: LLM ahead)", fontsize=10, y=_title_y(fresh)
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def _close(fig: Figure) -> None:
    """Release ``fig``; if pyplot manages it (a caller passed pyplot axes), close it there."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)


def _png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata=_PNG_METADATA)
    return buffer.getvalue()


_PNG_CACHE: OrderedDict[str, bytes] = OrderedDict()
_PNG_CACHE_SIZE = 64
_PNG_LOCK = threading.Lock()
_PNG_PENDING: dict[str, Future[bytes]] = {}
"""Charts being drawn right now: a second thread asking for one waits instead of drawing it."""
_DRAW_LOCK = threading.Lock()
"""One chart is drawn at a time: the writer thread and the page may both draw, and matplotlib
promises no thread safety (drawing holds the GIL anyway, so nothing is lost)."""


def chart_png(kind: str, /, **kwargs: Any) -> bytes:
    """Render a chart to PNG bytes once: the same chart asked for again is served from memory.

    The result files' PNGs and the HTML report's inline images draw the same charts from the
    same numbers; keying a small LRU on the chart kind and its arguments renders each once.

    Args:
        kind: "score_bar" (:func:`score_bar_chart`), "winning_rate" (:func:`winning_rate_chart`)
            or "advantage" (:func:`advantage_chart`).
        **kwargs: The chart function's arguments (no ``ax``).

    Returns:
        The PNG bytes.

    Examples:
        >>> chart_png("score_bar", values={"j": 0.5}, title="t", ylabel="y")[1:4]
        b'PNG'
    """
    key = kind + json.dumps(kwargs, default=repr)
    with _PNG_LOCK:
        if key in _PNG_CACHE:
            _PNG_CACHE.move_to_end(key)
            return _PNG_CACHE[key]
        pending = _PNG_PENDING.get(key)
        if pending is None:  # this thread draws it; others asking meanwhile wait for it
            _PNG_PENDING[key] = mine = Future[bytes]()
    if pending is not None:
        return pending.result()
    try:
        data = _render_png(kind, kwargs)
    except BaseException as exc:
        with _PNG_LOCK:
            del _PNG_PENDING[key]
        mine.set_exception(exc)
        raise
    with _PNG_LOCK:
        _PNG_CACHE[key] = data
        while len(_PNG_CACHE) > _PNG_CACHE_SIZE:
            _PNG_CACHE.popitem(last=False)
        del _PNG_PENDING[key]
    mine.set_result(data)
    return data


def _render_png(kind: str, kwargs: dict[str, Any]) -> bytes:
    with _DRAW_LOCK:
        return _draw_png(kind, kwargs)


def _draw_png(kind: str, kwargs: dict[str, Any]) -> bytes:
    if kind == "advantage":
        fig = advantage_chart(kwargs["llm_adv"], kwargs.get("human_adv"))
    elif kind == "winning_rate":
        fig = winning_rate_chart(kwargs["winning_rates"], epsilon=kwargs["epsilon"])
    elif kind == "score_bar":
        fig = score_bar_chart(**kwargs)
    else:
        raise ValueError(
            f"chart_png: unknown chart kind {kind!r}; use 'score_bar', 'winning_rate' or "
            "'advantage'."
        )
    try:
        return _png_bytes(fig)
    finally:
        _close(fig)


def png_data_uri(data: bytes) -> str:
    """``data:image/png;base64,...`` for PNG bytes (see :func:`chart_png`)."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def save_figure(fig: Figure, path: Path) -> None:
    """Write ``fig`` as a PNG to ``path`` atomically, then close the figure.

    Args:
        fig: A figure returned by one of the chart functions.
        path: Destination file; parent directories are created.
    """
    try:
        data = _png_bytes(fig)
    finally:
        _close(fig)

    def _write(tmp: Path) -> None:
        tmp.write_bytes(data)

    atomic_write(Path(path), _write)


def figure_to_data_uri(fig: Figure) -> str:
    """Render ``fig`` as a ``data:image/png;base64,...`` URI for inline HTML, then close it.

    Args:
        fig: A figure returned by one of the chart functions.

    Returns:
        The data URI.

    Examples:
        >>> figure_to_data_uri(score_bar_chart({"j": 0.5}, title="t", ylabel="y"))[:22]
        'data:image/png;base64,'
    """
    try:
        data = _png_bytes(fig)
    finally:
        _close(fig)
    return png_data_uri(data)
