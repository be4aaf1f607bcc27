from __future__ import annotations

import json
from pathlib import Path

import pytest

from meta_evaluator.annotate._journal import Journal
from meta_evaluator.errors import ProjectError


def test_submit_replaces_earlier_answer_and_survives_reopen(tmp_path: Path):
    path = tmp_path / "j" / "alice.jsonl"
    j = Journal(path)
    j.submit("s1", {"t": "a"})
    j.submit("s2", {"t": "b"}, flag=True, comment="why?")
    j.submit("s1", {"t": "c"})  # a second tab: the later write wins
    again = Journal(path)
    cur = again.current()
    assert {s: sub.labels for s, sub in cur.items()} == {"s1": {"t": "c"}, "s2": {"t": "b"}}
    assert cur["s2"].flag is True and cur["s2"].comment == "why?"
    assert cur["s1"].ts >= cur["s2"].ts
    assert len(path.read_text().splitlines()) == 3


def test_undo_restores_the_previous_answer_then_nothing(tmp_path: Path):
    j = Journal(tmp_path / "a.jsonl")
    j.submit("s1", {"t": "a"})
    j.submit("s1", {"t": "b"})
    assert j.undo_last().labels == {"t": "b"}
    assert j.current()["s1"].labels == {"t": "a"}
    assert j.undo_last().labels == {"t": "a"}
    assert j.current() == {}
    assert j.undo_last() is None and not j.can_undo()
    reopened = Journal(tmp_path / "a.jsonl")
    assert reopened.current() == {} and not reopened.can_undo()


def test_skip_is_kept_until_the_sample_is_answered(tmp_path: Path):
    j = Journal(tmp_path / "a.jsonl")
    j.skip("s1")
    j.skip("s2")
    j.submit("s2", {"t": "a"})
    assert set(Journal(tmp_path / "a.jsonl").skipped()) == {"s1"}


def test_a_torn_last_line_is_dropped_and_the_journal_stays_appendable(tmp_path: Path):
    path = tmp_path / "a.jsonl"
    j = Journal(path)
    j.submit("s1", {"t": "a"})
    with open(path, "ab") as fh:
        fh.write(b'{"seq":2,"ts":1.0,"op":"sub')  # the process died mid-write
    again = Journal(path)
    assert set(again.current()) == {"s1"}
    again.submit("s2", {"t": "b"})
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["seq"] for x in lines] == [1, 2]
    assert set(Journal(path).current()) == {"s1", "s2"}


def test_corruption_before_the_last_line_is_an_error(tmp_path: Path):
    path = tmp_path / "a.jsonl"
    path.write_text('garbage\n{"seq":1,"ts":1.0,"op":"skip","sample":"s"}\n')
    with pytest.raises(ProjectError, match=r"line 1, is not a journal event"):
        Journal(path)
