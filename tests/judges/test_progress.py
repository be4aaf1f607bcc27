"""Progress displays (judges/_progress.py) and quiet client logs during runs."""

from __future__ import annotations

import io
import logging
import sys
import types

from meta_evaluator.judges import _progress
from meta_evaluator.judges._progress import CLIENT_LOGGERS, RunProgress, quiet_client_logs


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_not_a_tty_prints_a_line_every_tenth_of_the_rows():
    out = io.StringIO()  # not a TTY: CI, a log file, a pipe
    bar = RunProgress(stream=out, clock=Clock())
    assert bar.mode == "lines"
    bar.add("j", 200)
    for i in range(200):
        bar.update("j", failed=i < 3)
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 10  # 10%, 20%, ... 100%; no carriage returns
    assert "\r" not in out.getvalue()
    assert lines[0].startswith("j: 20/200 done, 3 failed")
    assert lines[-1].startswith("j: 200/200 done")


def test_not_a_tty_prints_at_least_every_ten_seconds():
    out = io.StringIO()
    clock = Clock()
    bar = RunProgress(stream=out, clock=clock)
    bar.add("slow", 1000)
    bar.update("slow", failed=False)
    assert out.getvalue() == ""
    clock.now = 10.5
    bar.update("slow", failed=False)
    assert out.getvalue().startswith("slow: 2/1000 done, 0 failed")
    assert out.getvalue().count("\n") == 1
    bar.close()  # ended early: a last line says where it stopped
    assert out.getvalue().splitlines()[-1].startswith("slow: 2/1000 done")


def test_jupyter_gets_a_tqdm_bar(monkeypatch):
    from tqdm import tqdm as std_tqdm

    stream = io.StringIO()

    class Shell:
        pass

    Shell.__name__ = "ZMQInteractiveShell"
    fake_ipython = types.SimpleNamespace(get_ipython=lambda: Shell())
    monkeypatch.setitem(sys.modules, "IPython", fake_ipython)
    monkeypatch.setattr("tqdm.auto.tqdm", lambda **kw: std_tqdm(file=stream, mininterval=0, **kw))
    bar = RunProgress()
    assert bar.mode == "bars"
    bar.add("j", 4)
    for _ in range(4):
        bar.update("j", failed=False)
    bar.close()
    assert "j: 100%" in stream.getvalue() and "4/4" in stream.getvalue()
    assert RunProgress(enabled=False).mode == "off"


def test_no_jupyter_without_a_notebook_shell(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: None))
    assert _progress._notebook_tqdm() is None


def test_client_request_logs_are_quiet_during_a_run_unless_configured():
    httpx_log = logging.getLogger("httpx")
    openai_log = logging.getLogger("openai")
    saved = httpx_log.level, openai_log.level
    httpx_log.setLevel(logging.NOTSET)  # nobody configured httpx
    openai_log.setLevel(logging.DEBUG)  # the user (or --verbose) asked for openai's lines
    try:
        with quiet_client_logs():
            assert httpx_log.getEffectiveLevel() == logging.WARNING
            assert not httpx_log.isEnabledFor(logging.INFO)
            assert openai_log.level == logging.DEBUG
        assert httpx_log.level == logging.NOTSET  # restored
    finally:
        httpx_log.setLevel(saved[0])
        openai_log.setLevel(saved[1])
    assert set(CLIENT_LOGGERS) >= {"httpx", "openai", "anthropic", "LiteLLM"}


def test_broken_notebook_bar_falls_back_to_lines(monkeypatch):
    def broken(**kw):
        raise ImportError("IProgress not found")

    monkeypatch.setattr(_progress, "_notebook_tqdm", lambda: broken)
    bar = RunProgress()
    assert bar.mode == "bars"
    bar.stream = io.StringIO()
    bar.add("j", 1)
    bar.update("j", failed=False)
    bar.close()
    assert bar.mode == "lines" and bar.stream.getvalue().startswith("j: 1/1 done")
