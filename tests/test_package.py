"""The package surface: public names, lazy heavy imports, console script, error tree."""

import subprocess
import sys

import meta_evaluator
from meta_evaluator import errors


def test_all_is_sorted_and_complete():
    public = {n for n in dir(meta_evaluator) if not n.startswith("_")} - {
        "agreement",
        "annotate",
        "annotations",
        "columns",
        "common",
        "data",
        "errors",
        "eval_task",
        "judges",
        "meta_evaluator",
        "os",
        "project",
        "report",
        "scores",
        "stats",
        "testing",
        "cli",
    }
    assert sorted(meta_evaluator.__all__) == list(meta_evaluator.__all__)
    assert set(meta_evaluator.__all__) - {"__version__"} == public


def test_heavy_dependencies_are_imported_lazily():
    code = (
        "import os, sys\n"
        "os.environ.pop('LITELLM_LOCAL_MODEL_COST_MAP', None)\n"
        "import meta_evaluator, meta_evaluator.judges, meta_evaluator.scores.metrics\n"
        "import meta_evaluator.report, meta_evaluator.data, meta_evaluator.annotations\n"
        "heavy = [m for m in ('litellm', 'sentence_transformers', 'torch', 'matplotlib.pyplot')"
        " if m in sys.modules]\n"
        "print(heavy, os.environ.get('LITELLM_LOCAL_MODEL_COST_MAP'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] True"


def test_every_error_derives_from_the_root():
    names = [n for n in errors.__all__ if n != "UndefinedMetricWarning"]
    for name in names:
        assert issubclass(getattr(errors, name), errors.MetaEvaluatorError), name
    assert issubclass(errors.UndefinedMetricWarning, UserWarning)
    for name in names:  # the docstring draws the whole tree
        assert name in errors.__doc__, name


def test_console_script_help():
    from meta_evaluator.cli import main

    out = subprocess.run(
        [sys.executable, "-m", "meta_evaluator.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "run-judges" in out.stdout
    assert main(["status", "/nonexistent/project"]) == 2
