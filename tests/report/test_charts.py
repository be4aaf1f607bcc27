from __future__ import annotations

import base64
import math

import pytest
from matplotlib.figure import Figure

from meta_evaluator.report import (
    advantage_chart,
    figure_to_data_uri,
    save_figure,
    score_bar_chart,
    winning_rate_chart,
)

NAN = float("nan")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_ok(path) -> bytes:
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 1000
    return data


def test_score_bar_chart_saves_png(tmp_path):
    fig = score_bar_chart(
        {"j1": 0.87, "j2": 0.82, "$weird$ id": NAN},
        title="accuracy_1tasks_x_single",
        ylabel="accuracy",
        ci={"j1": (0.80, 0.93), "j2": (0.85, 0.80), "$weird$ id": (NAN, NAN)},  # j2: bad bounds
        ceiling=0.91,
    )
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["j1", "j2", r"\$weird\$ id"]
    assert ax.get_legend().get_texts()[0].get_text() == "human ceiling (0.910)"
    save_figure(fig, tmp_path / "sub" / "accuracy_scores.png")
    data = _png_ok(tmp_path / "sub" / "accuracy_scores.png")
    assert b"matplotlib.org" not in data  # no "Software" text chunk with a URL
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["accuracy_scores.png"]


def test_score_bar_chart_negative_kappa_and_all_nan(tmp_path):
    fig = score_bar_chart({"a": -0.2, "b": 0.4}, title="kappa", ylabel="kappa", ceiling=NAN)
    low, high = fig.axes[0].get_ylim()
    assert low < -0.2 and high > 0.4
    assert fig.axes[0].get_legend() is None  # nan ceiling: no line
    save_figure(fig, tmp_path / "k.png")
    _png_ok(tmp_path / "k.png")

    fig = score_bar_chart({"a": NAN, "b": None}, title="t", ylabel="y")  # type: ignore[dict-item]
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "no finite scores to draw" in texts
    save_figure(fig, tmp_path / "nan.png")
    _png_ok(tmp_path / "nan.png")

    fig = score_bar_chart({}, title="empty", ylabel="y")
    assert "no finite scores to draw" in [t.get_text() for t in fig.axes[0].texts]
    save_figure(fig, tmp_path / "empty.png")
    _png_ok(tmp_path / "empty.png")


def test_winning_rate_chart(tmp_path):
    rates = {
        "j1": {"0.00": 0.2, "0.10": 0.5, "0.05": NAN, "0.20": 0.8, "bogus": 0.1},
        "j2": {"0.00": NAN, "0.10": NAN},  # nothing to draw for j2
    }
    fig = winning_rate_chart(rates, epsilon=0.1)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["j1", "pass line (0.5)", "ε = 0.10"]
    xs, ys = ax.lines[0].get_data()
    assert list(xs) == [0.0, 0.05, 0.10, 0.20]  # sorted by epsilon, bogus key dropped
    assert math.isnan(ys[1])
    save_figure(fig, tmp_path / "aggregate_winning_rates.png")
    _png_ok(tmp_path / "aggregate_winning_rates.png")

    fig = winning_rate_chart({}, epsilon=NAN)
    assert "no finite winning rates to draw" in [t.get_text() for t in fig.axes[0].texts]
    assert figure_to_data_uri(fig).startswith("data:image/png;base64,")


def test_advantage_chart_scatter_and_bars(tmp_path):
    llm = {"j1": {"h1": 0.7, "h2": NAN}, "j2": {"h1": 0.6, "h2": 0.55}}
    human = {"j1": {"h1": 0.6, "h2": 0.6}, "j2": {"h1": 0.65}}
    fig = advantage_chart(llm, human)
    ax = fig.axes[0]
    # points with both numbers finite: j1/h1, j2/h1 -> 2 scatter collections of 1 point each
    assert [len(c.get_offsets()) for c in ax.collections] == [1, 1]
    save_figure(fig, tmp_path / "aggregate_human_vs_llm_advantage.png")
    _png_ok(tmp_path / "aggregate_human_vs_llm_advantage.png")

    fig = advantage_chart(llm)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["h1", "h2"]
    assert len(ax.patches) == 3  # j1/h1, j2/h1, j2/h2 (j1/h2 is nan)
    save_figure(fig, tmp_path / "aggregate_advantage_probabilities.png")
    _png_ok(tmp_path / "aggregate_advantage_probabilities.png")

    fig = advantage_chart({"j": {"h": NAN}})
    assert "no finite advantage probabilities to draw" in [t.get_text() for t in fig.axes[0].texts]
    figure_to_data_uri(fig)


def test_data_uri_is_png():
    uri = figure_to_data_uri(score_bar_chart({"j": 0.5}, title="t", ylabel="y"))
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix) :]).startswith(PNG_MAGIC)


def test_draws_on_given_axes_and_closes_pyplot_figures(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    pfig, (ax1, ax2) = plt.subplots(1, 2)
    assert score_bar_chart({"j": 0.5}, title="t", ylabel="y", ax=ax1) is pfig
    assert winning_rate_chart({"j": {"0.00": 0.5}}, epsilon=0.2, ax=ax2) is pfig
    save_figure(pfig, tmp_path / "both.png")
    _png_ok(tmp_path / "both.png")
    assert plt.get_fignums() == []  # save_figure closed the pyplot-managed figure

    for _ in range(3):  # charts never register with pyplot: nothing to leak, nothing left open
        figure_to_data_uri(score_bar_chart({"j": 0.5}, title="t", ylabel="y"))
    assert plt.get_fignums() == []


def test_save_figure_failure_leaves_no_file(tmp_path):
    fig = score_bar_chart({"j": 0.5}, title="t", ylabel="y")
    target = tmp_path / "dir_instead_of_file"
    target.mkdir()
    with pytest.raises(OSError):
        save_figure(fig, target)
    assert list(tmp_path.iterdir()) == [target]
    assert list(target.iterdir()) == []


def test_chart_png_asked_twice_at_once_is_drawn_once(monkeypatch):
    """The writer thread and the page ask for the same chart: the second waits for the first."""
    import threading

    from meta_evaluator.report import _charts

    started, release = threading.Event(), threading.Event()
    drawn: list[str] = []
    real = _charts._render_png

    def slow(kind, kwargs):
        drawn.append(kind)
        started.set()
        release.wait(10)
        return real(kind, kwargs)

    monkeypatch.setattr(_charts, "_render_png", slow)
    args = {"values": {"judge-x": 0.25}, "title": "concurrent", "ylabel": "y"}
    out: list[bytes] = []
    first = threading.Thread(target=lambda: out.append(_charts.chart_png("score_bar", **args)))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: out.append(_charts.chart_png("score_bar", **args)))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waiting for the first thread's drawing, not drawing itself
    release.set()
    first.join(10)
    second.join(10)
    assert drawn == ["score_bar"]
    assert len(out) == 2 and out[0] == out[1] and out[0][1:4] == b"PNG"


def test_chart_png_failure_reaches_every_waiter_and_is_not_cached(monkeypatch):
    from meta_evaluator.report import _charts

    calls: list[int] = []

    def broken(kind, kwargs):
        calls.append(1)
        raise RuntimeError("no font")

    monkeypatch.setattr(_charts, "_render_png", broken)
    args = {"values": {"judge-y": 0.5}, "title": "broken", "ylabel": "y"}
    for _ in range(2):
        with pytest.raises(RuntimeError, match="no font"):
            _charts.chart_png("score_bar", **args)
    assert len(calls) == 2  # a failure is not cached: the next ask draws again
    assert not _charts._PNG_PENDING
