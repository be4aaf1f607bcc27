"""JudgeSpec and the YAML loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from meta_evaluator.errors import JudgeConfigError
from meta_evaluator.judges._spec import JudgeSpec, check_judge_id, load_judge_specs

REPO = Path(__file__).resolve().parents[2]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_prompt_file_relative_to_yaml(tmp_path, monkeypatch):
    _write(tmp_path / "defs" / "p.txt", "R: {llm_response}")
    y = _write(
        tmp_path / "defs" / "judges.yaml",
        "judges:\n  - id: a\n    llm_client: openai\n    model: m\n    prompt_file: p.txt\n"
        "    temperature: 0\n    extra: {top_p: 0.5}\n",
    )
    monkeypatch.chdir(tmp_path)  # cwd does not hold p.txt: the YAML folder is used
    (spec,) = load_judge_specs(y)
    assert spec.prompt_template() == "R: {llm_response}"
    assert spec.extra == {"top_p": 0.5}
    assert spec.max_concurrency == 8


def test_prompt_file_relative_to_cwd(tmp_path, monkeypatch):
    _write(tmp_path / "prompts" / "p.txt", "x {llm_response}")
    y = _write(
        tmp_path / "judges" / "j.yaml",
        "judges:\n  - {id: a, llm_client: openai, model: m, prompt_file: prompts/p.txt}\n",
    )
    monkeypatch.chdir(tmp_path)
    assert load_judge_specs(y)[0].prompt_template() == "x {llm_response}"


def test_missing_prompt_file(tmp_path):
    y = _write(
        tmp_path / "j.yaml",
        "judges:\n  - {id: a, llm_client: openai, model: m, prompt_file: nope.txt}\n",
    )
    with pytest.raises(JudgeConfigError, match=r"prompt_file 'nope.txt' not found"):
        load_judge_specs(y)


def test_unknown_key_names_key_file_and_allowed(tmp_path):
    y = _write(
        tmp_path / "j.yaml",
        "judges:\n  - {id: a, llm_client: openai, model: m, prompt: x, max_concurency: 3}\n",
    )
    with pytest.raises(JudgeConfigError, match=r"unknown key 'max_concurency'.*allowed keys") as ei:
        load_judge_specs(y)
    assert "j.yaml" in str(ei.value)
    assert "max_concurrency" in str(ei.value)


def test_malformed_yaml_has_line_and_column(tmp_path):
    y = _write(tmp_path / "j.yaml", "judges:\n  - id: a\n    model: [unclosed\n")
    with pytest.raises(JudgeConfigError, match=r"not valid YAML at line \d+, column \d+"):
        load_judge_specs(y)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("- a\n", "top-level 'judges:' list"),
        ("judges: []\nother: 1\n", "unknown top-level key"),
        ("judges:\n  - 3\n", "must be a mapping"),
        (
            "judges:\n  - {id: a, llm_client: o, model: m, prompt: x}\n"
            "  - {id: a, llm_client: o, model: m, prompt: y}\n",
            "more than once",
        ),
        ("judges:\n  - {id: 'bad/id', llm_client: o, model: m, prompt: x}\n", "folder name"),
        ("judges:\n  - {id: a, llm_client: o, model: m}\n", "exactly one of 'prompt'"),
        ("judges:\n  - {id: a, llm_client: o, prompt: x}\n", "missing required key 'model'"),
        (
            "judges:\n  - {id: a, llm_client: o, model: m, prompt: x, max_concurrency: 0}\n",
            "max_concurrency=0",
        ),
    ],
)
def test_invalid_definitions(tmp_path, text, match):
    with pytest.raises(JudgeConfigError, match=match):
        load_judge_specs(_write(tmp_path / "j.yaml", text))


def test_missing_yaml_file(tmp_path):
    with pytest.raises(JudgeConfigError, match="not found"):
        load_judge_specs(tmp_path / "nope.yaml")


def test_to_state_has_no_secret_and_round_trips(tmp_path, monkeypatch):
    monkeypatch.setenv("MY_KEY", "sk-secret-value")
    _write(tmp_path / "prompts" / "p.txt", "{llm_response}")
    spec = JudgeSpec.create(
        base_dir=tmp_path,
        id="a",
        llm_client="openai",
        model="m",
        prompt_file="prompts/p.txt",
        api_key_env="MY_KEY",
    )
    state = spec.to_state(relative_to=tmp_path)
    assert state["api_key_env"] == "MY_KEY"
    assert "sk-secret-value" not in str(state)
    assert state["prompt_file"] == str(Path("prompts") / "p.txt")
    again = JudgeSpec.from_state(state, base_dir=tmp_path)
    assert again.fingerprint() == spec.fingerprint()


def test_fingerprint_tracks_answer_relevant_fields():
    base = JudgeSpec.create(id="a", llm_client="openai", model="m", prompt="{x}")
    same = JudgeSpec.create(
        id="a", llm_client="openai", model="m", prompt="{x}", max_concurrency=50, max_retries=1
    )
    assert base.fingerprint() == same.fingerprint()
    for change in ({"model": "m2"}, {"prompt": "{x}!"}, {"temperature": 0.5}, {"extra": {"s": 1}}):
        fields = {"id": "a", "llm_client": "openai", "model": "m", "prompt": "{x}", **change}
        assert JudgeSpec.create(**fields).fingerprint() != base.fingerprint()


def test_shipped_judge_definitions_load():
    files = sorted((REPO / "judges").glob("*.yaml"))
    specs = [s for f in files for s in load_judge_specs(f)]
    clients = {s.llm_client for s in specs}
    assert {"openai", "anthropic", "local"} <= clients
    assert any(s.base_url for s in specs)  # the OpenAI-compatible local server entry
    assert any(s.llm_client not in {"openai", "anthropic", "local"} for s in specs)
    for s in specs:
        assert "{" in s.prompt_template()


def test_constructor_raises_judge_config_error(tmp_path):
    with pytest.raises(JudgeConfigError, match=r"unknown key 'temprature'"):
        JudgeSpec(id="a", llm_client="openai", model="m", prompt="x", temprature=0)
    with pytest.raises(JudgeConfigError, match="not found"):
        JudgeSpec(id="a", llm_client="openai", model="m", prompt_file=str(tmp_path / "no.txt"))
    with pytest.raises(JudgeConfigError, match="folder name"):
        check_judge_id("a/b")
    assert check_judge_id("a.b-c_1") == "a.b-c_1"


def test_unknown_yaml_key_suggests_the_close_one(tmp_path):
    f = tmp_path / "j.yaml"
    f.write_text(
        "judges:\n  - id: g\n    llm_client: openai\n    model: m\n    prompt: '{llm_response}'\n"
        "    temprature: 0\n"
    )
    with pytest.raises(JudgeConfigError, match=r"'temprature'; did you mean 'temperature'\?"):
        load_judge_specs(f)
