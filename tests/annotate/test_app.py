from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from meta_evaluator import MetaEvaluator
from meta_evaluator.annotate import AnnotationRound, AnnotationServer
from meta_evaluator.annotate._app import build_app
from meta_evaluator.annotate._tokens import OWNER

from .conftest import XSS, make_project


@pytest.fixture
def served(project):
    rnd = AnnotationRound(project.project_dir, annotators=["alice", "bob"], show_judges=False)
    with TestClient(build_app(rnd)) as client:
        yield rnd, client


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", ["/api/session", "/api/item?id=s01", "/api/guidelines",
                                  "/api/status"])  # fmt: skip
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": "Basic abc"}])  # fmt: skip
def test_no_or_wrong_token_is_401(served, path, headers):
    _, client = served
    r = client.get(path, headers=headers)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert "token" in r.json()["error"]


def test_a_token_in_a_cookie_or_query_is_not_enough(served):
    rnd, client = served
    tok = rnd.new_tokens["alice"]
    assert client.get(f"/api/session?token={tok}").status_code == 401
    client.cookies.set("token", tok)
    assert client.post("/api/undo", json={}).status_code == 401


def test_roles_are_separate(served):
    rnd, client = served
    assert client.get("/api/status", headers=_auth(rnd.new_tokens["alice"])).status_code == 403
    assert client.get("/api/session", headers=_auth(rnd.new_tokens[OWNER])).status_code == 403
    assert client.get("/api/status", headers=_auth(rnd.new_tokens[OWNER])).status_code == 200


def test_pages_hold_no_data_and_send_a_strict_csp(served):
    _, client = served
    for path in ["/", "/status", "/static/app.js", "/static/common.js", "/static/app.css"]:
        r = client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "http" not in r.text.replace("http.response", "")  # nothing from the internet
    js = client.get("/static/app.js").text + client.get("/static/common.js").text
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "eval(" not in js


def test_each_annotator_sees_and_changes_only_their_labels(served):
    rnd, client = served
    a, b = _auth(rnd.new_tokens["alice"]), _auth(rnd.new_tokens["bob"])
    r = client.post("/api/submit", headers=a,
                    json={"sample": "s07", "labels": {"verdict": "bad", "score": 1}})  # fmt: skip
    assert r.status_code == 200 and r.json()["done"] == 1
    item = client.get("/api/item", params={"id": "s07"}, headers=b).json()
    assert item["answer"] is None
    assert [f["text"] for f in item["fields"]][1] == XSS  # sent as data, rendered as text
    assert client.post("/api/undo", headers=b, json={}).status_code == 409
    mine = client.get("/api/item", params={"id": "s07"}, headers=a).json()
    assert mine["answer"]["labels"] == {"verdict": "bad", "score": 1}
    assert "judges" not in mine  # blind by default


def test_bad_requests_get_their_reason(served):
    rnd, client = served
    a = _auth(rnd.new_tokens["alice"])
    r = client.post("/api/submit", headers=a, content=b"not json")
    assert r.status_code == 400 and "not JSON" in r.json()["error"]
    r = client.post("/api/submit", headers=a, json={"sample": "s01", "labels": {"verdict": "x"}})
    assert r.status_code == 400 and "not in the schema" in r.json()["error"]
    r = client.post("/api/submit", headers=a, content=b"x" * 1_000_001)
    assert r.status_code == 413
    r = client.get("/api/item", params={"id": "nope"}, headers=a)
    assert r.status_code == 404


def test_session_delivers_the_annotation_prompt_as_text(tmp_path, served):
    plain_round, plain = served
    ev = make_project(tmp_path / "prompted", n=3, annotation_prompt=f"Rate it. {XSS}")
    rnd = AnnotationRound(ev.project_dir, annotators=["alice"])
    with TestClient(build_app(rnd)) as client:
        session = client.get("/api/session", headers=_auth(rnd.new_tokens["alice"])).json()
    assert session["annotation_prompt"] == f"Rate it. {XSS}"
    # no prompt set: an empty string, and the page hides the line
    unset = plain.get("/api/session", headers=_auth(plain_round.new_tokens["alice"])).json()
    assert unset["annotation_prompt"] == ""
    # the page sets it with textContent (never as HTML) above the widgets
    js = plain.get("/static/app.js").text
    assert '$("annotation-prompt").textContent = session.annotation_prompt' in js
    html = plain.get("/").text
    assert html.index('id="annotation-prompt"') < html.index('id="tasks"')


def test_show_judges_reveals_judge_labels_only_after_submit(project, tmp_path):
    import polars as pl

    csv = tmp_path / "j.csv"
    pl.DataFrame({"original_id": ["s01"], "verdict": ["good"], "score": [5]}).write_csv(csv)
    project.add_external_judge_results(csv, judge_id="j1")
    rnd = AnnotationRound(project.project_dir, annotators=["alice"], show_judges=True)
    assert "judges" not in rnd.item("alice", "s01")
    rnd.submit("alice", {"sample": "s01", "labels": {"verdict": "bad", "score": 1}})
    assert rnd.item("alice", "s01")["judges"] == {"j1": {"verdict": "good", "score": 5}}


def test_server_thread_flushes_on_stop(project):
    import httpx

    rnd = AnnotationRound(project.project_dir, annotators=["alice"])
    with AnnotationServer(rnd, port=0) as srv:
        assert srv.link("abc").endswith("/#token=abc")
        body = {"sample": "s01", "labels": {"verdict": "good", "score": 3}}
        headers = _auth(rnd.new_tokens["alice"])
        r = httpx.post(f"{srv.base_url}/api/submit", headers=headers, json=body)
        assert r.status_code == 200
    labels = MetaEvaluator(project.project_dir, load=True).annotations.long_frame()
    assert labels.select("original_id", "verdict", "score").rows() == [("s01", "good", 3)]
