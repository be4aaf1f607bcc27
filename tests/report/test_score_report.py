from __future__ import annotations

import math
from html.parser import HTMLParser

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import meta_evaluator.report as report_pkg
from meta_evaluator.errors import ConfigError
from meta_evaluator.report import ScoreReport
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

ACC = "accuracy_1tasks_aaaa1111_single"
KAPPA = "cohens_kappa_1tasks_bbbb2222_single"
ALT = "alt_test_1tasks_cccc3333_single"


class _SummaryCells(HTMLParser):
    """Collect (judge, data-column, classes) for every cell of the #summary table."""

    def __init__(self) -> None:
        super().__init__()
        self.in_summary = False
        self.row_judge: str | None = None
        self.in_row_th = False
        self.cells: list[tuple[str, str, set[str]]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "summary":
            self.in_summary = True
        if not self.in_summary:
            return
        if tag == "th" and a.get("scope") == "row":
            self.in_row_th = True
        if tag == "td" and "data-column" in a and self.row_judge is not None:
            self.cells.append(
                (self.row_judge, a["data-column"], set((a.get("class") or "").split()))
            )

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_summary = False
        if tag == "th":
            self.in_row_th = False

    def handle_data(self, data):
        if self.in_summary and self.in_row_th:
            self.row_judge = data


def _summary_cells(page: str) -> list[tuple[str, str, set[str]]]:
    parser = _SummaryCells()
    parser.feed(page)
    return parser.cells


def test_all_lists_public_names():
    public = {n for n in dir(report_pkg) if not n.startswith("_")} - {"annotations"}
    assert set(report_pkg.__all__) == public | set(report_pkg._CHARTS)
    assert report_pkg.__all__ == sorted(report_pkg.__all__)
    assert callable(report_pkg.score_bar_chart)
    with pytest.raises(AttributeError, match="nope"):
        _ = report_pkg.nope


def test_to_frame_columns_and_values(results):
    frame = ScoreReport(results).to_frame()
    assert frame.columns == [
        "judge_id",
        ACC,
        KAPPA,
        f"{ALT}_winning_rate",
        f"{ALT}_advantage_prob",
    ]
    assert frame["judge_id"].to_list() == ["j1", "j2", "j3"]
    assert all(frame.schema[c] == pl.Float64 for c in frame.columns[1:])
    assert frame[ACC].to_list() == [0.87, 0.82, 0.60]
    kappa = frame[KAPPA].to_list()
    assert math.isnan(kappa[0])  # computed but undefined -> nan
    assert kappa[1] == 0.55
    assert kappa[2] is None  # j3 has no kappa result -> null
    # winning rate is read at the config's epsilon 0.15, not at the default 0.2
    assert frame[f"{ALT}_winning_rate"].to_list() == [0.6, 0.4, None]
    assert frame[f"{ALT}_advantage_prob"].to_list() == [0.70, 0.75, None]


def test_alt_test_default_epsilon_and_missing_key():
    def alt(judge, metadata):
        return BaseScoringResult(
            scorer_name="alt_test",
            task_name="t",
            judge_id=judge,
            scores={"winning_rate": {"0.10": 0.1, "0.20": 0.9}, "advantage_probability": None},
            metadata={"metric_config": "alt", **metadata},
        )

    frame = ScoreReport([alt("a", {}), alt("b", {"epsilon": 0.3})]).to_frame()
    wr = frame["alt_winning_rate"].to_list()
    assert wr[0] == 0.9  # default epsilon 0.2 -> key "0.20"
    assert math.isnan(wr[1])  # "0.30" absent -> nan (shown as a dash), no crash
    assert all(math.isnan(v) for v in frame["alt_advantage_prob"].to_list())


def test_multi_score_columns_and_fallback_config_name():
    r = BaseScoringResult(
        scorer_name="classification",
        task_name="t",
        judge_id="j",
        scores={"precision": 0.5, "recall": 0.25, "note": "text is ignored"},
    )
    frame = ScoreReport([r]).to_frame()
    assert frame.columns == ["judge_id", "classification_t_precision", "classification_t_recall"]
    assert frame.row(0) == ("j", 0.5, 0.25)


def test_best_cell_highlighting(page):
    cells = _summary_cells(page)
    best = {(judge, col) for judge, col, classes in cells if "best" in classes}
    assert best == {
        ("j1", ACC),  # 0.87 > 0.82 > 0.60
        ("j2", KAPPA),  # j1 is nan: never best
        ("j1", f"{ALT}_winning_rate"),  # 0.6 > 0.4
        ("j2", f"{ALT}_advantage_prob"),  # 0.75 > 0.70
    }
    missing = {(judge, col) for judge, col, classes in cells if "missing" in classes}
    assert missing == {
        ("j3", KAPPA),
        ("j3", f"{ALT}_winning_rate"),
        ("j3", f"{ALT}_advantage_prob"),
    }


def test_best_respects_lower_is_better_and_ties():
    def res(judge, value, scorer="rmse", **meta):
        return BaseScoringResult(
            scorer_name=scorer,
            task_name="t",
            judge_id=judge,
            scores={scorer: value},
            metadata={"metric_config": f"{scorer}_cfg", **meta},
        )

    rs = [
        res("a", 0.3),
        res("b", 0.1),
        res("a", 2.0, scorer="custom", higher_is_better=False),
        res("b", 1.0, scorer="custom", higher_is_better=False),
        res("a", 0.5, scorer="accuracy"),
        res("b", 0.5, scorer="accuracy"),
    ]
    best = {(j, c) for j, c, cl in _summary_cells(ScoreReport(rs).to_html()) if "best" in cl}
    assert best == {
        ("b", "rmse_cfg"),
        ("b", "custom_cfg"),
        ("a", "accuracy_cfg"),
        ("b", "accuracy_cfg"),
    }


def test_ci_ceiling_and_nan_rendering(page):
    assert "95% CI [0.800, 0.930]" in page
    assert "95% CI [0.740, 0.890]" in page
    assert (
        '<tr class="ceiling"><th scope="row">human ceiling</th><td class="num">0.910</td>' in page
    )
    assert "—" in page  # nan kappa / missing cells
    assert "judge gave a single label: kappa undefined" in page
    assert "moderate" in page
    assert "PASS" in page and "FAIL" in page  # j1 0.6 >= 0.5, j2 0.4 < 0.5 at epsilon 0.15
    assert page.count("data:image/png;base64,") >= 4  # acc, kappa, winning rate, advantage


def test_csv_round_trip(results, tmp_path):
    report = ScoreReport(results)
    path = report.save(tmp_path / "out" / "score_report.csv", format="csv")
    assert path == tmp_path / "out" / "score_report.csv"
    back = pl.read_csv(path, infer_schema_length=None)
    frame = report.to_frame()
    assert back.columns[: frame.width] == frame.columns  # the to_frame table comes first
    assert_frame_equal(back.select(frame.columns).cast(frame.schema), frame)
    # then intervals, ceilings, verdicts and readable labels
    assert back["accuracy_1tasks_aaaa1111_single__ci_low"].to_list() == [0.80, 0.74, None]
    assert back["accuracy_1tasks_aaaa1111_single__ci_high"].to_list() == [0.93, 0.89, None]
    assert back["accuracy_1tasks_aaaa1111_single__human_ceiling"].to_list() == [0.91] * 3
    assert back["alt_test_1tasks_cccc3333_single__verdict"].to_list()[:2] == ["pass", "fail"]
    assert back["accuracy_1tasks_aaaa1111_single__label"][0] == "accuracy · rejection"
    assert [p.name for p in path.parent.iterdir()] == ["score_report.csv"]  # no temp files left


def test_save_html(tmp_path):
    path = ScoreReport([make_one()], project_name="demo").save(str(tmp_path / "r.html"))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "Can these judges stand in for your annotators?" in text
    assert '<div class="project">demo</div>' in text


def test_page_header(page):
    assert "Can these judges stand in for your annotators?" in page
    assert '<div class="project">demo</div>' in page
    assert "generated 20" in page
    assert "3 judges" in page and "3 metric configs" in page
    assert '<h2 id="howto">How to read this</h2>' in page


def test_save_rejects_unknown_format(results, tmp_path):
    with pytest.raises(ConfigError, match=r"'format'.*'html' or 'csv'; got 'xlsx'"):
        ScoreReport(results).save(tmp_path / "r.xlsx", format="xlsx")  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())


def test_rejects_non_results():
    with pytest.raises(ConfigError, match=r"results\[1\] must be a BaseScoringResult; got 'dict'"):
        ScoreReport([make_one(), {"judge_id": "x"}])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match="list of BaseScoringResult"):
        ScoreReport(make_one())  # type: ignore[arg-type]


def make_one() -> BaseScoringResult:
    return BaseScoringResult(
        scorer_name="accuracy", task_name="t", judge_id="j", scores={"accuracy": 1.0}
    )


def test_html_escapes_everything():
    evil_judge = "<script>alert(1)</script>"
    evil_warning = "&<>\"'"
    r = BaseScoringResult(
        scorer_name="accuracy<b>",
        task_name="<i>task</i>",
        judge_id=evil_judge,
        scores={"accuracy": 0.5},
        metadata={
            "metric_config": "cfg<u>x</u>",
            "warnings": [evil_warning],
            "interpretation": "<em>fair</em>",
            "per_human": {"<hx1>": 0.5},
        },
    )
    page = ScoreReport(
        [r],
        project_name="<img src=x onerror=alert(2)>",
        judge_info={
            evil_judge: {"model": "<model>", "status_counts": {"<ok>": 3}, "cost_usd": 0.25}
        },
        annotation_info={"<n>": "<v>"},
    ).to_html()
    for raw in (
        evil_judge,
        evil_warning,
        "<i>task</i>",
        "cfg<u>x</u>",
        "<em>fair</em>",
        "<hx1>",
        "<img src=x",
        "<model>",
        "<ok>",
        "<n>",
        "<v>",
    ):
        assert raw not in page, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&amp;&lt;&gt;&quot;&#x27;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "$0.2500" in page
    # the only script elements are the page's own (no data reaches them unescaped)
    assert page.lower().count("<script") == 1
    assert "<script>\n/* meta_evaluator score report" in page


def test_no_network_references(page):
    lowered = page.lower()
    styles = lowered.split("<style>")[1].split("</style>")[0]
    assert "http://" not in lowered
    assert "https://" not in lowered
    assert 'src="http' not in lowered
    assert "<link" not in lowered
    assert "@import" not in lowered
    assert "url(" not in styles
    assert "fetch(" not in lowered and "xmlhttprequest" not in lowered


def test_judges_section(page):
    assert "<h2>Judges</h2>" in page
    assert "gpt-4o-mini" in page
    assert "success: 98; parsing_error: 2" in page
    assert "12,345" in page
    assert "$0.0123" in page


def test_no_judges_section_without_info():
    assert "<h2>Judges</h2>" not in ScoreReport([make_one()]).to_html()


def test_print_console(results, capsys):
    ScoreReport(results).print()
    out = capsys.readouterr().out
    assert out.startswith("Score Report:\n")
    for judge in ("j1", "j2", "j3"):
        assert judge in out
    assert "judge_id" in out
    assert "0.87" in out


def test_empty_report(capsys):
    report = ScoreReport([])
    assert report.to_frame().columns == ["judge_id"]
    assert report.to_frame().height == 0
    assert "No scores yet" in report.to_html()
    report.print()
    assert "Score Report:" in capsys.readouterr().out


def test_results_loaded_from_json(results, tmp_path):
    # nan is written as null and read back as nan: the report must not change
    loaded = []
    for i, r in enumerate(results):
        r.save_state(tmp_path / f"{i}.json")
        loaded.append(BaseScoringResult.load_state(tmp_path / f"{i}.json"))
    assert_frame_equal(ScoreReport(loaded).to_frame(), ScoreReport(results).to_frame())
    assert repr(ScoreReport(loaded)) == "ScoreReport(3 judges x 4 score columns)"


def test_error_result_is_visible():
    r = BaseScoringResult(
        scorer_name="accuracy",
        task_name="t",
        judge_id="j",
        scores={},
        metadata={
            "metric_config": "acc",
            "error": "ValueError: boom",
            "aggregation_fallback": "individual_average",
        },
    )
    page = ScoreReport([r]).to_html()
    assert "error: ValueError: boom" in page
    assert "fell back to individual_average" in page
    assert ScoreReport([r]).to_frame().columns == ["judge_id"]


def test_per_task_and_per_human_p_values():
    r = BaseScoringResult(
        scorer_name="alt_test",
        task_name="a+b",
        judge_id="j<1>",
        scores={"winning_rate": {"0.20": 1.0}, "advantage_probability": 0.8},
        metadata={
            "metric_config": "alt_multi",
            "per_task": {"task<a>": {"advantage_probability": 0.9}, "task_b": 0.7},
            "llm_advantage": {"h1": 0.81, "h2": 0.79},
            "human_advantage": {"h1": 0.6, "h2": 0.62},
            "p_values": {"h1": 0.00012, "h2": 0.03},
            "rejected": {"h1": True, "h2": False},
            "passed": True,
        },
    )
    page = ScoreReport([r]).to_html()
    assert "<h4>Per task</h4>" in page
    assert (
        '<th scope="row">task&lt;a&gt;</th><td class="num">advantage_probability: 0.9</td>' in page
    )
    assert "<th>j&lt;1&gt; · p-value</th>" in page
    assert '<td class="num">0.00012</td>' in page  # 4 significant digits, not rounded to 0
    assert '<td class="num">yes</td>' in page and '<td class="num">no</td>' in page
    assert '<span class="badge pass">PASS</span>' in page
    assert page.count("data:image/png;base64,") == 2  # winning rates + advantage scatter


def test_import_does_not_load_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys, meta_evaluator.report as r; "
        "r.ScoreReport([]).to_frame(); "
        "assert 'matplotlib' not in sys.modules, 'matplotlib loaded eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
