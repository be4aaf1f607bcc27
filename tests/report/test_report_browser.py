"""The demo report in headless Chromium: no console error, no request, explorer, escaping.

Needs Debian's ``chromium`` (``.ci/run`` installs it) and the ``playwright`` Python package (which
drives it; no ``playwright install``). Without Chromium the test skips, except with ``CI=true``
where a missing browser is a failure. The screenshot is written to ``$REPORT_SCREENSHOT`` when set
(else into the test's temporary directory) and its path printed.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "projects" / "demo_rejection"
EVIL = "<script>alert(1)</script></script><b>bold?</b>"
EVIL_ID = "s083"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None and Path("/usr/bin/chromium").exists():
        path = "/usr/bin/chromium"
    reason = None
    if path is None:
        reason = "Debian chromium is not installed (apt-get install chromium; .ci/run does it)"
    elif importlib.util.find_spec("playwright") is None:
        reason = "the playwright Python package is not installed (pip install -e '.[dev]')"
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser test cannot run on CI: {reason}")
        pytest.skip(reason)
    assert path is not None
    return path


def _load_run_demo(inputs: Path):
    spec = importlib.util.spec_from_file_location("_demo_run", DEMO / "run_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["_demo_run"] = module
    spec.loader.exec_module(module)
    module.INPUTS = inputs  # the demo's inputs, with one poisoned prompt
    return module


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    _chromium()
    base = tmp_path_factory.mktemp("demo")
    inputs = base / "inputs"
    shutil.copytree(DEMO / "inputs", inputs)
    with (inputs / "data.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["sample_id"] == EVIL_ID:
            row["prompt"] = f"{EVIL} {row['prompt']}"
    with (inputs / "data.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    run_demo = _load_run_demo(inputs)
    ev = run_demo.build(base / "project")
    ev.run_judges_async(skip_duplicates=True, progress=False)
    ev.compare_async()
    return ev, ev.scores_dir / "score_report.html", inputs


def _contested_keys(ev, inputs: Path) -> dict[str, tuple[int, int, float]]:
    """Independent "most contested" key per sample, from the raw annotation files and results."""
    labels: dict[str, list[str]] = {}
    for path in sorted((inputs / "annotations").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["rejection"]:
                    labels.setdefault(row["original_id"], []).append(row["rejection"])
    judges = {
        jid: dict(res.succeeded.select("original_id", "rejection").iter_rows())
        for jid, res in ev.load_all_judge_results().items()
    }
    keys = {}
    for sid, votes in labels.items():
        counts = Counter(votes)
        top = max(counts.values())
        consensus = sorted(label for label, n in counts.items() if n == top)[0]
        support = top / len(votes)
        split = int(len(votes) >= 2 and support < 1)
        wrong = sum(1 for j in judges.values() if j.get(sid) not in (None, consensus))
        keys[sid] = (split, wrong, -support)
    return keys


def test_demo_report_in_chromium(demo_report, tmp_path):
    from playwright.sync_api import sync_playwright

    ev, report, inputs = demo_report
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    shot = Path(os.environ.get("REPORT_SCREENSHOT", tmp_path / "score_report.png"))
    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a new user-data dir
            executable_path=_chromium(),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(report.as_uri())
        page.wait_for_selector("section.explorer .ex-live tbody tr")

        # the explorer shows the most contested samples first
        keys = _contested_keys(ev, inputs)
        shown = page.locator("section.explorer .ex-live tbody tr > th").all_inner_texts()
        assert len(shown) == 50
        shown_keys = [keys[s] for s in shown]
        assert shown_keys[0] == max(keys.values())
        assert shown_keys == sorted(shown_keys, reverse=True)
        assert shown_keys[0][0] == 1  # humans split on the first sample

        # filter "humans split": the count matches the raw files
        page.select_option("section.explorer select >> nth=0", "split")
        n_split = sum(k[0] for k in keys.values())
        assert page.locator("section.explorer .ex-count").inner_text().startswith(f"{n_split} of")

        # the poisoned sample: found by search, shown as text, no script ran
        page.select_option("section.explorer select >> nth=0", "all")
        page.fill("section.explorer input[type=search]", "alert(1)")
        page.wait_for_function(
            "document.querySelector('section.explorer .ex-count').textContent.startsWith('1 of')"
        )
        row = page.locator("section.explorer .ex-live tbody tr").first
        assert row.locator("th").inner_text() == EVIL_ID
        assert EVIL in row.locator("td.ex-input").inner_text()
        assert page.evaluate("document.querySelectorAll('script').length") == 2  # page + data
        made_bold = (
            "Array.from(document.querySelectorAll('b')).some(b => b.textContent === 'bold?')"
        )
        assert page.evaluate(made_bold) is False

        # CSV export of the current filter, in the page
        with page.expect_download() as download:
            page.click("section.explorer button.ex-btn >> text=Export CSV")
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        lines = list(csv.reader(exported.splitlines()))
        assert lines[0][0] == "original_id" and [r[0] for r in lines[1:]] == [EVIL_ID]

        # the sortable summary table sorts by a click
        page.fill("section.explorer input[type=search]", "")
        page.locator("#summary thead tr:last-child th").first.click()
        page.wait_for_timeout(200)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(shot), full_page=True)

        # prints cleanly: navigation and explorer controls are hidden on paper
        page.emulate_media(media="print")
        assert not page.locator("section.explorer .ex-controls").is_visible()
        assert not page.locator("nav.toc").is_visible()
        assert page.locator("#summary").is_visible()
        browser.close()
    print(f"screenshot: {shot}")
    assert not errors, errors
    assert not dialogs, dialogs
    assert all(u.startswith(("file:", "blob:", "data:")) for u in requests), requests
    assert shot.stat().st_size > 10_000
