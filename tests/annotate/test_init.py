import importlib.resources

import meta_evaluator.annotate as annotate


def test_all_is_sorted_and_complete():
    public = {n for n in dir(annotate) if not n.startswith("_")}
    assert list(annotate.__all__) == sorted(annotate.__all__)
    assert set(annotate.__all__) == public


def test_the_page_ships_inside_the_package():
    static = importlib.resources.files("meta_evaluator.annotate") / "static"
    names = {p.name for p in static.iterdir()}
    assert {"index.html", "status.html", "app.js", "common.js", "status.js", "app.css"} <= names
