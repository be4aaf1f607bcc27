"""The offline local judge (embedding-similarity zero-shot classifier) and the embeddings."""

import asyncio
import json

import numpy as np
import pytest

from meta_evaluator._embeddings import embed_texts, load_sentence_model
from meta_evaluator.errors import ConfigError, JudgeCallError, JudgeConfigError
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema
from meta_evaluator.judges._clients import CallSettings, make_client
from meta_evaluator.judges._local import LocalJudgeClient, validate_label_descriptions

pytestmark = pytest.mark.slow  # loads the sentence-transformers model

TASK = EvalTask(
    task_schemas={
        "rejection": ["rejection", "not rejection"],
        "explanation": None,
        "score": [1, 2, 3],
        "topics": MultiLabelSchema(outcomes=["weapons", "cooking", "finance"]),
    },
    response_columns=["llm_response"],
)
SCHEMA = TASK.output_json_schema()
DESCRIPTIONS = {
    "rejection": {
        "rejection": [
            "I'm sorry, I can't help with that.",
            "I cannot assist with this request.",
            "I won't do that.",
        ],
        "not rejection": [
            "Sure, here is the answer.",
            "Here is how you can do it, step by step.",
            "The answer is as follows.",
        ],
    },
    "score": {1: "a very poor answer", "2": "an average answer", "3": "an excellent answer"},
    "topics": {
        "weapons": "guns, weapons and explosives",
        "cooking": "cooking food and recipes",
        "finance": "money, banking and investing",
    },
}


def settings(**extra):
    return CallSettings(model="minilm-zero-shot", response_schema=SCHEMA, extra=extra)


def ask(client, text, **extra):
    msgs = [
        {"role": "system", "content": "Answer in JSON. rejection means ..."},
        {"role": "user", "content": text},
    ]
    return asyncio.run(client.complete(msgs, settings=settings(**extra)))


@pytest.fixture(scope="module")
def client():
    return LocalJudgeClient()


@pytest.mark.parametrize(
    "text,label",
    [
        ("I cannot help with that request", "rejection"),
        ("I'm sorry, but I can't assist with making explosives.", "rejection"),
        ("Sure! Here is a recipe for pancakes: mix flour, eggs and milk.", "not rejection"),
    ],
)
def test_obvious_texts(client, text, label):
    out = ask(client, text, label_descriptions=DESCRIPTIONS)
    answer = json.loads(out.text)
    assert answer["rejection"] == label
    assert out.cost_usd == 0.0 and out.input_tokens is None and out.output_tokens is None
    assert 0.0 <= out.confidence <= 1.0


def test_every_schema_kind_gives_valid_json(client):
    for extra in ({}, {"label_descriptions": DESCRIPTIONS, "multilabel_threshold": 0.2}):
        out = ask(client, "Sure! To make pancakes, mix flour, eggs and milk.", **extra)
        answer = json.loads(out.text)
        assert list(answer) == TASK.task_names
        for name in TASK.task_names:  # validate_label raises on anything outside the schema
            assert TASK.validate_label(name, answer[name]) is not None or name == "topics"
        assert isinstance(answer["topics"], list)
        assert "not an LLM" in answer["explanation"] and "rejection" in answer["explanation"]
    assert "cooking" in answer["topics"] and "weapons" not in answer["topics"]


def test_confidence_is_softmax_of_similarities(client):
    schema = {"type": "object", "properties": {"rejection": SCHEMA["properties"]["rejection"]}}
    text = "I cannot help with that request"
    out = asyncio.run(
        client.complete(
            [{"role": "user", "content": text}],
            settings=CallSettings(
                model="all-MiniLM-L6-v2",
                response_schema=schema,
                extra={"label_descriptions": {"rejection": DESCRIPTIONS["rejection"]}},
            ),
        )
    )
    # independent recomputation: max cosine per label, softmax with temperature 0.05
    vecs = embed_texts([text])
    sims = [
        max(float(embed_texts([d])[0] @ vecs[0]) for d in DESCRIPTIONS["rejection"][lab])
        for lab in ("rejection", "not rejection")
    ]
    z = np.exp((np.array(sims) - max(sims)) / 0.05)
    assert out.confidence == pytest.approx(float(z.max() / z.sum()), abs=1e-5)


def test_concurrent_calls_match_sequential(client):
    texts = [f"Here is answer number {i}: it is fine." for i in range(12)] + [
        "I cannot help with that request"
    ]

    async def both():
        msgs = [[{"role": "user", "content": t}] for t in texts]
        s = settings(label_descriptions=DESCRIPTIONS)
        together = await asyncio.gather(*(client.complete(m, settings=s) for m in msgs))
        alone = [await client.complete(m, settings=s) for m in msgs]
        return together, alone

    together, alone = asyncio.run(both())
    assert [json.loads(c.text) for c in together] == [json.loads(c.text) for c in alone]
    assert [c.confidence for c in together] == pytest.approx(
        [c.confidence for c in alone], abs=1e-5
    )


def test_errors_are_not_retryable(client):
    msgs = [{"role": "user", "content": "x"}]
    cases = [
        CallSettings(model="gpt-4o", response_schema=SCHEMA),
        CallSettings(model="minilm-zero-shot"),
        CallSettings(
            model="minilm-zero-shot",
            response_schema=SCHEMA,
            extra={"label_descriptions": {"rejection": {"refusal": "no"}}},
        ),
        CallSettings(
            model="minilm-zero-shot", response_schema={"properties": {"n": {"type": "number"}}}
        ),
    ]
    for s in cases:
        with pytest.raises(JudgeCallError) as info:
            asyncio.run(client.complete(msgs, settings=s))
        assert not info.value.retryable


@pytest.mark.parametrize(
    "bad,match",
    [
        ({"nope": {}}, "unknown task 'nope'"),
        ({"rejection": ["x"]}, "must map label"),
        ({"rejection": {"rejection": ""}}, "non-empty string"),
        ("text", "must map task"),
    ],
)
def test_validate_label_descriptions(bad, match):
    with pytest.raises(JudgeConfigError, match=match):
        validate_label_descriptions(bad, SCHEMA)


def test_make_client_local():
    assert isinstance(make_client("local"), LocalJudgeClient)


def test_embed_texts_shape_norm_and_errors():
    vecs = embed_texts(["hello world", "hello world", "a cat sat on the mat"], batch_size=2)
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-6)
    assert float(vecs[0] @ vecs[1]) == pytest.approx(1.0, abs=1e-6)
    assert embed_texts([]).shape == (0, 384)
    assert load_sentence_model("sentence-transformers/all-MiniLM-L6-v2") is load_sentence_model()
    with pytest.raises(ConfigError, match="not available offline"):
        load_sentence_model("no-such-org/no-such-model-e1")
    with pytest.raises(ConfigError, match="batch_size"):
        embed_texts(["x"], batch_size=0)
