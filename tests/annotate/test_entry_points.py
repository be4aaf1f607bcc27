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
    assert main(["annotate", str(project.project_dir), "--annotator", "bad\nname"]) == 2
    assert "annotator" in capsys.readouterr().err


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


def test_one_server_per_project(project):
    from meta_evaluator.annotate import AnnotationRound
    from meta_evaluator.errors import ProjectError

    rnd = AnnotationRound(project.project_dir, annotators=["alice"])
    first = AnnotationServer(rnd)
    try:
        with pytest.raises(ProjectError, match="Another annotate server"):
            AnnotationServer(AnnotationRound(project.project_dir))
    finally:
        first._release()
    AnnotationServer(rnd)._release()  # free again


def test_a_second_launch_changes_nothing_while_a_server_runs(project, capsys):
    from meta_evaluator.annotate import AnnotationRound

    rnd = AnnotationRound(project.project_dir, annotators=["alice"])
    first = AnnotationServer(rnd)
    round_file = project.project_dir / "annotations" / "annotate" / "round.json"
    before = round_file.read_text()
    try:
        assert main(["annotate", str(project.project_dir), "--annotator", "mallory"]) == 2
        assert "Another annotate server" in capsys.readouterr().err
        assert round_file.read_text() == before  # mallory was not added
    finally:
        first._release()


def test_annotating_a_missing_project_creates_nothing(tmp_path, capsys):
    assert main(["annotate", str(tmp_path / "typo"), "--annotator", "a"]) == 2
    assert "no saved project" in capsys.readouterr().err
    assert not (tmp_path / "typo").exists()


def test_serve_forever_works_inside_a_running_event_loop(project):
    import asyncio
    import threading

    import httpx

    from meta_evaluator.annotate import AnnotationRound

    rnd = AnnotationRound(project.project_dir, annotators=["alice"])
    server = AnnotationServer(rnd)
    seen = []

    def annotator():
        while not server._server.started:
            threading.Event().wait(0.01)
        seen.append(httpx.get(f"{server.base_url}/api/session").status_code)
        server._server.should_exit = True  # what Ctrl-C does

    async def notebook_cell():  # asyncio.run() would fail in here
        threading.Thread(target=annotator).start()
        server.serve_forever()

    asyncio.run(notebook_cell())
    assert seen == [401]
