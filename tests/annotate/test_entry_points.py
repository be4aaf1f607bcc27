from __future__ import annotations

import pytest

from meta_evaluator.annotate import AnnotationServer
from meta_evaluator.cli import build_parser, main


def test_cli_annotate_flags():
    args = build_parser().parse_args(
        ["annotate", "p", "--annotator", "a", "--annotator", "b", "--overlap", "2",
         "--queue", "low-agreement", "--show-judges", "--port", "9000"]
    )  # fmt: skip
    assert (args.annotator, args.overlap, args.queue, args.show_judges, args.port) == (
        ["a", "b"], 2, "low-agreement", True, 9000)  # fmt: skip
    assert build_parser().parse_args(["annotate", "p", "--blind"]).show_judges is False
    defaults = build_parser().parse_args(["annotate", "p"])
    assert (defaults.host, defaults.port, defaults.show_judges) == ("127.0.0.1", 0, False)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["annotate", "p", "--blind", "--show-judges"])


def test_cli_annotate_bad_name_is_a_clear_error(project, capsys):
    assert main(["annotate", str(project.project_dir), "--annotator", "no spaces"]) == 2
    assert "not a valid id" in capsys.readouterr().err


def test_launch_annotator_prints_links_then_serves(project, monkeypatch, capsys):
    served = []
    monkeypatch.setattr(AnnotationServer, "serve_forever", lambda self: served.append(self.port))
    project.launch_annotator(annotators=["alice"], port=None)
    out = capsys.readouterr().out
    assert served and served[0] > 0
    assert f"http://127.0.0.1:{served[0]}/#token=" in out
    assert f"http://127.0.0.1:{served[0]}/status#token=" in out
    project.launch_annotator(port=0)  # restart: same links, not printed again
    assert "link issued earlier" in capsys.readouterr().out
    project.launch_annotator(new_tokens=True, public_url="https://label.example.org/")
    assert "  annotator alice: https://label.example.org/#token=" in capsys.readouterr().out
