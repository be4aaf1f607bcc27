"""Collect human labels in the browser: ``meta-evaluator annotate PROJECT`` / ``launch_annotator``.

One command serves a project's task to a small team: each annotator opens a personal link
(a random token, stored in the project only as a hash), labels with the keyboard, and every
submit is journaled and fsynced before the page confirms it. The labels land in the project's
``annotations/`` tables, the same ones imported annotations use, so ``compare_async()`` and the
agreement analysis see them at once.

Example:
    >>> import tempfile, pathlib, polars as pl
    >>> from meta_evaluator import MetaEvaluator
    >>> from meta_evaluator.data import EvalData
    >>> from meta_evaluator.eval_task import EvalTask
    >>> ev = MetaEvaluator(pathlib.Path(tempfile.mkdtemp()) / "p", load=False)
    >>> ev.add_eval_task(EvalTask(task_schemas={"ok": ["yes", "no"]}, response_columns=["r"]))
    >>> ev.add_data(EvalData.from_frame("d", pl.DataFrame({"r": ["hi", "bye"]})))
    >>> ev.save_state()
    >>> rnd = AnnotationRound(ev.project_dir, annotators=["alice"])
    >>> rnd.submit("alice", {"sample": rnd.queues["alice"][0], "labels": {"ok": "yes"}})["done"]
    1
"""

from meta_evaluator.annotate._round import AnnotationRound, QueueMode, SubmitError
from meta_evaluator.annotate._server import AnnotationServer

__all__ = ["AnnotationRound", "AnnotationServer", "QueueMode", "SubmitError", "launch_annotator"]


def launch_annotator(
    project_dir: str,
    *,
    port: int | None = None,
    host: str = "127.0.0.1",
    annotators: list[str] | None = None,
    overlap: int | None = None,
    seed: int | None = None,
    queue: QueueMode | None = None,
    show_judges: bool = False,
    new_tokens: bool = False,
    public_url: str | None = None,
) -> None:
    """Serve the annotation page for ``project_dir`` until Ctrl-C (prints the personal links).

    See :class:`AnnotationRound` for the round's arguments and :class:`AnnotationServer` for
    ``host``, ``port`` (None picks a free one) and ``public_url`` (behind a reverse proxy).
    """
    import sys

    from meta_evaluator.annotate._server import lock_project

    lock = lock_project(project_dir)  # before the round touches the project
    try:
        rnd = AnnotationRound(
            project_dir,
            annotators=annotators,
            overlap=overlap,
            seed=seed,
            queue=queue,
            show_judges=show_judges,
            new_tokens=new_tokens,
        )
        server = AnnotationServer(rnd, host=host, port=port, public_url=public_url, lock=lock)
    except BaseException:
        lock.close()
        raise
    server.print_links(sys.stdout)
    server.serve_forever()
