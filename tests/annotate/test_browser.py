"""End to end in headless Chromium: two annotators label 20 samples each with the keyboard.

The server runs as a subprocess (``meta-evaluator annotate``) and is SIGKILLed half-way, then
restarted; afterwards the project must hold exactly the 40 labels that were typed.
Screenshots go to ``$ANNOTATE_SCREENSHOTS`` (default: the test's tmp dir).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from meta_evaluator import MetaEvaluator
from meta_evaluator import columns as C

from .conftest import XSS, make_project

CHROMIUM = "/usr/bin/chromium"
LABELS = ["good", "bad", "unsure"]


def _browser_or_skip():
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed (pip install playwright)"
        sync_playwright = None
    if reason is None and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        reason = "Debian chromium is not installed (apt-get install chromium)"
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser test cannot run under CI=true: {reason}")
        pytest.skip(reason)
    return sync_playwright, (CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"))


def _expected(annotator: str, sample: str) -> tuple[int, int]:
    """Deterministic key choices: (verdict key 1-3, score key 1-5)."""
    h = hashlib.sha256(f"{annotator}/{sample}".encode()).digest()
    return 1 + h[0] % 3, 1 + h[1] % 5


class Server:
    def __init__(self, project: Path, args: list[str]):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "meta_evaluator.cli", "annotate", str(project), *args]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        self.lines: list[str] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("Ctrl-C"):
                break
        else:
            raise AssertionError("server did not start:\n" + "\n".join(self.lines))
        self.base = re.search(r"at (http://\S+?)/?$", self.lines[0]).group(1)

    def links(self) -> dict[str, str]:
        out = {}
        for line in self.lines:
            m = re.match(r"\s+(owner status|annotator \S+): (http://\S+)$", line)
            if m:
                out[m.group(1).replace("annotator ", "")] = m.group(2)
        return out

    def kill(self, sig: int) -> None:
        self.proc.send_signal(sig)
        self.proc.wait(timeout=20)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def _wait_sample(page, sample: str, *, changed: bool) -> None:
    op = "!==" if changed else "==="
    page.wait_for_function(f"document.body.dataset.sample {op} {json.dumps(sample)}")


def _wait_progress(page, done: int, timeout: float = 30000) -> None:
    prefix = json.dumps(f"{done} /")
    page.wait_for_function(
        f"document.getElementById('progress-text').textContent.startsWith({prefix})",
        timeout=timeout,
    )


def _token(link: str) -> str:
    return link.split("#token=", 1)[1]


def test_two_annotators_label_with_the_keyboard_through_a_crash(tmp_path: Path):
    sync_playwright, chromium = _browser_or_skip()
    shots = Path(os.environ.get("ANNOTATE_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    proj = tmp_path / "proj"
    make_project(proj, guidelines="# Guidelines\n\n<b>not bold</b>: rate **honestly**.\n")
    people = ["alice", "bob"]

    server = Server(proj, ["--port", "0", "--annotator", "alice", "--annotator", "bob"])
    links = server.links()
    assert set(links) == {"owner status", "alice", "bob"}
    tokens = {k: _token(v) for k, v in links.items()}
    typed: dict[tuple[str, str], tuple[str, int]] = {}
    dialogs: list[str] = []
    errors: list[str] = []

    user_dir = tempfile.mkdtemp(prefix="h11-chromium-")
    with sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            user_dir,
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking"],
            viewport={"width": 1200, "height": 900},
            # the page's CSP forbids eval, which Playwright's waits use; bypassing it also proves
            # the XSS probe stays text because of how the page renders, not only thanks to CSP
            bypass_csp=True,
        )  # fmt: skip
        try:
            # one tab per annotator: each tab keeps its own token (sessionStorage)
            pages = {p: browser.new_page() for p in people}
            for page in pages.values():
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.on("pageerror", lambda e: errors.append(str(e)))

            def open_page(person: str, base: str) -> None:
                page = pages[person]
                page.bring_to_front()  # background tabs are throttled
                page.goto(f"{base}/#token={tokens[person]}")
                page.wait_for_selector("body[data-ready='1']")

            def label(person: str, until: int, *, first_round: bool) -> None:
                page = pages[person]
                done = int(page.inner_text("#progress-text").split("/")[0])
                while done < until:
                    page.wait_for_selector("body:not([data-busy='1'])", state="attached")
                    sample = page.get_attribute("body", "data-sample")
                    if sample == "s07":
                        # the XSS probe is shown as text, never run
                        pre = page.locator(".field.response pre.text")
                        assert pre.text_content() == XSS
                        assert page.locator("#sample script").count() == 0
                    v, s = _expected(person, sample)
                    if first_round and person == "alice" and not undone_once:
                        undone_once.append(sample)
                        # a wrong answer, undone with u, then the right one
                        page.keyboard.press(str(1 + v % 3))
                        page.keyboard.press(str(1 + s % 5))
                        page.keyboard.press("Enter")
                        _wait_sample(page, sample, changed=True)
                        page.keyboard.press("u")
                        _wait_sample(page, sample, changed=False)
                        _wait_progress(page, 0)
                        page.wait_for_selector("body:not([data-busy='1'])", state="attached")
                    if first_round and person == "bob" and done == 3 and not skipped_once:
                        skipped_once.append(sample)  # skip one; it must come back at the end
                        page.keyboard.press("s")
                        _wait_sample(page, sample, changed=True)
                        continue
                    page.keyboard.press(str(v))
                    page.keyboard.press(str(s))
                    if person == "alice" and done == 4 and first_round:
                        page.screenshot(path=str(shots / "desktop_annotator.png"), full_page=True)
                    page.keyboard.press("Enter")
                    done += 1
                    try:
                        _wait_progress(page, done, timeout=5000)
                    except Exception:
                        page.screenshot(path=str(shots / "failure.png"), full_page=True)
                        state = [page.inner_text(x) for x in ("#progress-text", "#message")]
                        raise AssertionError(f"{person} on {sample}: {state!r}") from None
                    typed[(person, sample)] = (LABELS[v - 1], s)

            skipped_once: list[str] = []
            undone_once: list[str] = []
            for p in people:
                open_page(p, server.base)
                label(p, 10, first_round=True)

            server.kill(signal.SIGKILL)  # mid-way, no chance to flush
            server = Server(proj, ["--port", "0"])
            assert "link issued earlier" in "\n".join(server.lines)
            for p in people:
                open_page(p, server.base)  # the same personal token, resumed
                assert pages[p].inner_text("#progress-text").startswith("10 /")
                label(p, 20, first_round=False)
            assert skipped_once and ("bob", skipped_once[0]) in typed

            # a phone-sized screen shows the same page usable
            ppage = browser.new_page()
            ppage.set_viewport_size({"width": 390, "height": 844})
            ppage.goto(f"{server.base}/#token={tokens['alice']}")
            ppage.wait_for_selector("body[data-ready='1']")
            ppage.keyboard.press("k")
            ppage.wait_for_function("document.body.dataset.sample !== undefined")
            ppage.screenshot(path=str(shots / "phone_annotator.png"), full_page=False)
            width = ppage.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"page wider than the phone screen: {width}px"

            # guidelines: Markdown/HTML shown as text
            pages["alice"].keyboard.press("g")
            pages["alice"].wait_for_selector("#guidelines-dialog[open]")
            text = pages["alice"].text_content("#guidelines-text")
            assert "<b>not bold</b>" in text
            pages["alice"].screenshot(path=str(shots / "guidelines.png"))
            pages["alice"].keyboard.press("Escape")

            # wrong and missing tokens: 401, and the page says so
            api = browser.request
            assert api.get(f"{server.base}/api/session").status == 401
            bad = {"Authorization": "Bearer not-a-token"}
            assert api.get(f"{server.base}/api/session", headers=bad).status == 401
            ok = {"Authorization": f"Bearer {tokens['alice']}"}
            assert api.get(f"{server.base}/api/session", headers=ok).status == 200
            stranger = browser.new_page()
            stranger.goto(f"{server.base}/#token=wrong")
            stranger.wait_for_selector("#message:not([hidden])")
            assert "not valid" in stranger.inner_text("#message")
            stranger.screenshot(path=str(shots / "wrong_token.png"))

            # the owner's status view
            owner = browser.new_page()
            owner.set_viewport_size({"width": 1100, "height": 700})
            owner.goto(f"{server.base}/status#token={tokens['owner status']}")
            owner.wait_for_selector("body[data-ready='1']")
            assert "20 / 20" in owner.inner_text("#people")
            assert "alice \u2013 bob" in owner.inner_text("#agreement")
            owner.screenshot(path=str(shots / "status.png"), full_page=True)
        finally:
            browser.close()
            shutil.rmtree(user_dir, ignore_errors=True)

    server.kill(signal.SIGTERM)
    assert dialogs == []
    assert errors == []
    labels = MetaEvaluator(proj, load=True).annotations.long_frame()
    assert labels.height == 40
    got = {
        (r[C.ANNOTATOR_ID], r[C.ORIGINAL_ID]): (r["verdict"], r["score"])
        for r in labels.iter_rows(named=True)
    }
    assert got == typed


def test_every_widget_kind_flag_and_comment_with_the_keyboard(tmp_path: Path):
    """Checkboxes, a 0-10 slider, free text, the flag and its comment, on a phone-sized page."""
    from meta_evaluator.annotate import AnnotationRound, AnnotationServer

    sync_playwright, chromium = _browser_or_skip()
    shots = Path(os.environ.get("ANNOTATE_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    proj = tmp_path / "proj"
    make_project(proj, n=3, multilabel=True)
    rnd = AnnotationRound(proj, annotators=["carol"])
    user_dir = tempfile.mkdtemp(prefix="h11-chromium-")
    errors: list[str] = []
    with AnnotationServer(rnd) as srv, sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            user_dir,
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking"],
            viewport={"width": 390, "height": 844},
            bypass_csp=True,
        )  # fmt: skip
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(srv.link(rnd.new_tokens["carol"]))
            page.wait_for_selector("body[data-ready='1']")
            sample = page.get_attribute("body", "data-sample")
            kb = page.keyboard
            kb.press("2")  # verdict: bad -> the highlight moves to score
            kb.press("4")  # score: 4 -> tags
            kb.press("1")  # tags: rude
            kb.press("2")  # tags: wrong
            kb.press("2")  # tags: wrong again = off
            slider = page.locator("input[type=range]")
            slider.focus()
            kb.press("Home")
            for _ in range(7):
                kb.press("ArrowRight")  # the slider's own key, not "next sample"
            assert page.get_attribute("body", "data-sample") == sample
            page.locator("textarea.free").fill("looks <i>fine</i>\nsecond line")
            kb.press("Escape")
            kb.press("f")
            page.locator("#comment").fill("ask the team")
            page.screenshot(path=str(shots / "phone_all_widgets.png"), full_page=True)
            kb.press("Control+Enter")  # submit from inside the comment box
            _wait_progress(page, 1)
            page.wait_for_selector("body:not([data-busy='1'])", state="attached")
            assert page.get_attribute("body", "data-sample") != sample
            kb.press("ArrowLeft")  # back to the answered sample: the form shows the answer
            _wait_sample(page, sample, changed=False)
            page.wait_for_selector("body:not([data-busy='1'])", state="attached")
            checked = page.eval_on_selector_all(
                "input:checked", "els => els.map(e => e.closest('label').textContent.trim())"
            )
            assert checked == ["2bad", "44", "1rude", "Needs discussion f"]
            assert page.input_value("input[type=range]") == "7"
            assert page.input_value("textarea.free") == "looks <i>fine</i>\nsecond line"
            assert page.input_value("#comment") == "ask the team"
        finally:
            browser.close()
            shutil.rmtree(user_dir, ignore_errors=True)
    assert errors == []
    row = MetaEvaluator(proj, load=True).annotations.long_frame().row(0, named=True)
    assert row == {
        "original_id": sample, "annotator_id": "carol", "verdict": "bad", "score": 4,
        "tags": ["rude"], "certainty": 7, "note": "looks <i>fine</i>\nsecond line",
    }  # fmt: skip
    assert rnd.status()["flags"] == [
        {"annotator": "carol", "sample": sample, "comment": "ask the team"}
    ]


def test_show_judges_reveals_judge_labels_after_submit(tmp_path: Path):
    import polars as pl

    from meta_evaluator.annotate import AnnotationRound, AnnotationServer

    sync_playwright, chromium = _browser_or_skip()
    shots = Path(os.environ.get("ANNOTATE_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    ev = make_project(tmp_path / "proj", n=2)
    csv = tmp_path / "judge.csv"
    pl.DataFrame(
        {"original_id": ["s00", "s01"], "verdict": ["good", "bad"], "score": [5, 1]}
    ).write_csv(csv)
    ev.add_external_judge_results(csv, judge_id="gpt_judge")
    rnd = AnnotationRound(ev.project_dir, annotators=["dan"], show_judges=True)
    user_dir = tempfile.mkdtemp(prefix="h11-chromium-")
    with AnnotationServer(rnd) as srv, sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            user_dir,
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking"],
            bypass_csp=True,
        )  # fmt: skip
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.goto(srv.link(rnd.new_tokens["dan"]))
            page.wait_for_selector("body[data-ready='1']")
            sample = page.get_attribute("body", "data-sample")
            assert page.locator("#judges").is_hidden()  # blind before the submit
            page.keyboard.press("1")
            page.keyboard.press("3")
            page.keyboard.press("Enter")
            page.wait_for_selector("#judges:not([hidden])")
            expected = {"s00": "verdict: good · score: 5", "s01": "verdict: bad · score: 1"}
            assert page.inner_text("#judges .judge") == f"gpt_judge {expected[sample]}"
            page.screenshot(path=str(shots / "show_judges.png"))
            page.wait_for_selector("body:not([data-busy='1'])", state="attached")
            page.keyboard.press("Enter")  # on to the next sample, not a second submit
            _wait_sample(page, sample, changed=True)
            assert page.locator("#judges").is_hidden()
        finally:
            browser.close()
            shutil.rmtree(user_dir, ignore_errors=True)
    assert len(rnd.journals["dan"].current()) == 1
