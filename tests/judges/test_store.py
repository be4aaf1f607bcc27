"""Response cache, journal and the package surface."""

from __future__ import annotations

import json

import meta_evaluator.judges as judges
from meta_evaluator import columns as C
from meta_evaluator.judges import Completion
from meta_evaluator.judges._cache import ResponseCache, cache_key
from meta_evaluator.judges._journal import Journal


def test_all_is_sorted_and_complete():
    assert judges.__all__ == sorted(judges.__all__)
    public = {n for n in dir(judges) if not n.startswith("_") and n != "annotations"}
    public -= {m for m in public if type(getattr(judges, m)).__name__ == "module"}
    assert set(judges.__all__) == public


def test_cache_round_trip_and_corrupt_file_is_a_miss(tmp_path):
    cache = ResponseCache(tmp_path)
    msgs = [{"role": "user", "content": "hi"}]
    key = cache_key(client="openai", base_url=None, model="m", params={"t": 0}, messages=msgs)
    assert cache.get(key) is None
    comp = Completion(text="ok", input_tokens=3, output_tokens=1, cost_usd=0.5, confidence=0.9)
    cache.put(key, comp)
    path = tmp_path / key[:2] / f"{key}.json"
    assert path.is_file()
    assert cache.get(key) == comp
    assert (cache.hits, cache.misses) == (1, 1)
    path.write_text("{torn")
    assert cache.get(key) is None
    # the key depends on every part of the call
    other = cache_key(
        client="openai", base_url=None, model="m", params={"t": 0}, messages=msgs, sample=1
    )
    assert other != key
    assert not list(tmp_path.rglob("*.tmp"))


def test_disabled_cache_never_hits(tmp_path):
    cache = ResponseCache(None)
    cache.put("ab" * 32, Completion(text="x"))
    assert cache.get("ab" * 32) is None
    assert not cache.enabled


def test_journal_last_entry_wins_and_stale_counted(tmp_path):
    path = tmp_path / "j" / "journal.jsonl"
    old = Journal(path, "fp-old")
    old.append("a", {C.STATUS: "success"})
    old.close()
    j = Journal(path, "fp-new")
    j.append("a", {C.STATUS: "llm_error"})
    j.append("a", {C.STATUS: "success"})
    j.append("b", {C.STATUS: "partial"})
    j.close()
    state = j.read()
    assert state.stale == 1
    assert state.rows == {"a": {C.STATUS: "success"}, "b": {C.STATUS: "partial"}}
    j.compact(state.rows)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [(x["id"], x["fp"]) for x in lines] == [("a", "fp-new"), ("b", "fp-new")]


def test_journal_open_cuts_torn_tail(tmp_path):
    path = tmp_path / "journal.jsonl"
    j = Journal(path, "fp")
    j.append("a", {C.STATUS: "success"})
    j.close()
    with open(path, "a") as fh:
        fh.write('{"v": 1, "fp": "fp", "id": "b", "ro')  # killed mid-write
    assert Journal(path, "fp").read().unreadable == 0
    j2 = Journal(path, "fp")
    j2.open()
    j2.append("c", {C.STATUS: "success"})
    j2.close()
    assert set(Journal(path, "fp").read().rows) == {"a", "c"}
    # a corrupt line in the middle is skipped and counted
    text = path.read_text().splitlines()
    path.write_text(text[0] + "\nnot json\n" + text[1] + "\n")
    state = Journal(path, "fp").read()
    assert state.unreadable == 1
    assert set(state.rows) == {"a", "c"}
