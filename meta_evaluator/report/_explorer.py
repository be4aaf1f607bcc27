r"""The disagreement explorer: every sample with its humans, judges and consensus, contested first.

Per labelled task the section embeds the rows **once** as JSON in a
``<script type="application/json">`` block (escaped so that no sample text can close the script
element: ``<``, ``>``, ``&`` and the JS line separators become ``\uXXXX`` escapes), and the page's
script (``explorer.js``) renders pages of 50 rows with filters, search, sorting and CSV export,
writing every text through ``textContent``. Without JavaScript the section still shows the 50 most
contested samples as a plain (escaped) table.

Order ("most contested first"): samples on which the humans split come before unanimous ones; then
samples more judges get wrong (judge label != consensus); then lower consensus support; then data
order.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.report._cells import _DASH, _e
from meta_evaluator.report._evidence import CodedTask, ReportEvidence, coded_task

__all__ = ["explorer_payload", "explorer_sections", "json_for_script", "payload_json"]

PAGE_SIZE = 50
"""Rows per page (and rows of the no-JavaScript table)."""
LOW_AGREEMENT = 0.75
"""Consensus support below this share counts as "low agreement"."""
MAX_ROWS = 50_000
"""At most this many samples are embedded (the most contested); the page says when it cuts."""
_MAX_TEXT = 4000
"""Input texts and rationales are cut after this many characters (the page stays small)."""
_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def json_for_script(value: Any) -> str:
    r"""JSON text that is safe inside an HTML ``<script>`` element.

    ``json.dumps`` with ``<``, ``>``, ``&``, U+2028 and U+2029 written as ``\uXXXX`` escapes, so a
    string such as ``"</script><script>alert(1)</script>"`` cannot end the element; ``JSON.parse``
    reads the escapes back as the original characters.

    Example:
        >>> json_for_script(["</script>"])
        '["\\u003c/script\\u003e"]'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in _JSON_ESCAPES.items():  # str.replace per character: C speed on MBs
        text = text.replace(chr(char), escape)
    return text


_INT_FIELDS = frozenset({"humans", "judges", "consensus", "split", "wrong"})
"""Payload fields held as integer numpy arrays (1-D, or ``items x raters``)."""


def _int_json(values: npt.NDArray[np.int64]) -> str:
    """``json.dumps(values.tolist())`` (compact) for an integer array, built in polars."""
    if values.ndim == 1:
        return "[" + ",".join(map(str, values.tolist())) + "]"
    n, k = values.shape
    if n == 0:
        return "[]"
    if k == 0:
        return "[" + ",".join(["[]"] * n) + "]"
    cells = [pl.Series(str(c), values[:, c]).cast(pl.Utf8) for c in range(k)]
    rows = pl.select(pl.concat_str(cells, separator=",").alias("r"))["r"].to_list()
    return "[[" + "],[".join(rows) + "]]"


def payload_json(payload: Mapping[str, Any]) -> str:
    """:func:`json_for_script` of an :func:`explorer_payload`, its integer arrays encoded fast.

    The text equals ``json_for_script`` of the payload with every array turned into a list.
    """
    parts = [
        json_for_script(key)
        + ":"
        + (_int_json(value) if key in _INT_FIELDS else json_for_script(value))
        for key, value in payload.items()
    ]
    return "{" + ",".join(parts) + "}"


def _clip_column(column: pl.Series) -> list[str]:
    """Every value of a text column as text cut after ``_MAX_TEXT`` characters (null -> "")."""
    text = column.cast(pl.Utf8)
    clipped = pl.select(
        pl.when(text.str.len_chars() <= _MAX_TEXT)
        .then(text)
        .otherwise(text.str.slice(0, _MAX_TEXT) + " … (cut)")
        .fill_null("")
        .alias("t")
    )["t"]
    return clipped.to_list()


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


def _judge_columns(
    evidence: ReportEvidence, judge_ids: list[str], ids: list[str]
) -> tuple[list[list[str]], list[list[float | None]]]:
    """Per judge, aligned on ``ids``: rationale text and consistency share (vote share)."""
    rationale_task = evidence.rationale_task()
    frame = pl.DataFrame({C.ORIGINAL_ID: ids})
    rationales: list[list[str]] = []
    shares: list[list[float | None]] = []
    for jid in judge_ids:
        df = evidence.judges[jid]
        cols = [C.ORIGINAL_ID]
        why = None
        if rationale_task is not None and rationale_task in df.columns:
            why = pl.col(rationale_task).cast(pl.Utf8)
        status_note = (
            pl.when(pl.col(C.STATUS).is_in([C.STATUS_SUCCESS, C.STATUS_PARTIAL]))
            .then(pl.lit(None, dtype=pl.Utf8))
            .otherwise(
                pl.concat_str(
                    [pl.col(C.STATUS), pl.col(C.ERROR_MESSAGE).fill_null("")], separator=": "
                )
            )
        )
        text = pl.coalesce(status_note, why) if why is not None else status_note
        picked = df.select(
            *cols,
            text.alias("_why"),
            pl.col(C.CONFIDENCE).cast(pl.Float64).alias("_share"),
        )
        joined = frame.join(picked, on=C.ORIGINAL_ID, how="left", maintain_order="left")
        rationales.append(_clip_column(joined["_why"]))
        shares.append([_round(v) if v is not None else None for v in joined["_share"].to_list()])
    return rationales, shares


def contested_order(coded: CodedTask) -> np.ndarray:
    """Row order, most contested first (see the module docstring)."""
    n_humans = (coded.humans >= 0).sum(axis=0)
    split = (n_humans >= 2) & (np.nan_to_num(coded.support, nan=1.0) < 1.0)
    has_consensus = coded.consensus >= 0
    wrong = ((coded.judges >= 0) & (coded.judges != coded.consensus[None, :])).sum(axis=0)
    wrong = np.where(has_consensus, wrong, 0)
    support = np.nan_to_num(coded.support, nan=2.0)
    position = np.arange(len(coded.ids))
    # np.lexsort sorts by the last key first
    return np.lexsort((position, support, -wrong, ~split))


def explorer_payload(evidence: ReportEvidence, coded: CodedTask) -> dict[str, Any]:
    """The JSON the explorer script reads for one task, columnar, already in contested order.

    Item ``i`` (``0 <= i < len(ids)``) has ``texts[c][i]`` per text column, ``humans[i]`` (one code
    per annotator) and ``judges[i]`` (one code per judge), ``why[j][i]`` / ``share[j][i]`` per
    judge, ``consensus[i]``, ``support[i]``, ``agreement[i]``, ``split[i]`` (0/1) and ``wrong[i]``
    (judges != consensus). Codes index ``labels`` (-1 = no label). ``humans``, ``judges``,
    ``consensus``, ``split`` and ``wrong`` are integer numpy arrays (:func:`payload_json` encodes
    them); the rest is JSON-ready.
    """
    order = contested_order(coded)[:MAX_ROWS]
    ids = evidence.samples[C.ORIGINAL_ID].gather(order).to_list()  # == coded.ids[order]
    texts = [_clip_column(evidence.samples[c].gather(order)) for c in evidence.text_columns]
    rationales, shares = _judge_columns(evidence, coded.judge_ids, ids)
    n_humans = (coded.humans >= 0).sum(axis=0)[order]
    consensus = coded.consensus[order]
    judges = coded.judges[:, order]
    wrong = ((judges >= 0) & (judges != consensus[None, :])).sum(axis=0)
    wrong = np.where(consensus >= 0, wrong, 0)
    support = coded.support[order]
    split = (n_humans >= 2) & (np.nan_to_num(support, nan=1.0) < 1.0)
    return {
        "task": coded.task.name,
        "labels": coded.labels,
        "annotators": coded.annotators,
        "judge_ids": coded.judge_ids,
        "text_columns": evidence.text_columns,
        "rationale": evidence.rationale_task(),
        "page_size": PAGE_SIZE,
        "n_samples": len(coded.ids),
        "low_agreement": LOW_AGREEMENT,
        "ids": ids,
        "texts": texts,
        "humans": np.ascontiguousarray(coded.humans[:, order].T),
        "judges": np.ascontiguousarray(judges.T),
        "why": rationales,
        "share": shares,
        "consensus": consensus,
        "support": _rounded(support),
        "agreement": _rounded(coded.pair_agreement[order]),
        "split": split.astype(np.int64),
        "wrong": wrong.astype(np.int64),
    }


def _rounded(values: np.ndarray) -> list[float | None]:
    """Round to 3 decimals; nan -> None (JSON null)."""
    out = np.round(values.astype(np.float64), 3)
    return [None if v != v else v for v in out.tolist()]


def _static_table(payload: dict[str, Any]) -> str:
    """The first page as plain HTML (shown when JavaScript is off; replaced by the script)."""
    labels: list[str] = payload["labels"]

    def lab(code: int) -> str:
        return labels[code] if code >= 0 else _DASH

    head = "<th>sample</th><th>input</th><th>humans</th><th>consensus</th>" + "".join(
        f"<th>{_e(j)}</th>" for j in payload["judge_ids"]
    )
    body = []
    why: list[list[str]] = payload["why"]
    n = len(payload["ids"])
    for i in range(min(PAGE_SIZE, n)):
        inputs = "".join(
            f'<div class="ex-text"><b>{_e(col)}</b>: {_e(payload["texts"][c][i][:300])}</div>'
            for c, col in enumerate(payload["text_columns"])
        )
        humans = ", ".join(
            f"{_e(a)}: {_e(lab(code))}"
            for a, code in zip(payload["annotators"], payload["humans"][i], strict=True)
            if code >= 0
        )
        cons, sup = payload["consensus"][i], payload["support"][i]
        support = f" ({sup:.0%})" if sup is not None else ""
        judges = "".join(
            f'<td class="{"ex-bad" if code >= 0 and cons >= 0 and code != cons else ""}">'
            f'{_e(lab(code))}<div class="ex-why">{_e(why[j][i][:200])}</div></td>'
            for j, code in enumerate(payload["judges"][i])
        )
        body.append(
            f'<tr><th scope="row">{_e(payload["ids"][i])}</th><td class="ex-input">{inputs}</td>'
            f'<td class="ex-humans">{humans or _DASH}</td>'
            f"<td>{_e(lab(cons))}{_e(support)}</td>{judges}</tr>"
        )
    return (
        '<div class="scroll ex-static"><table class="ex-table">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f'<p class="meta">The {min(PAGE_SIZE, n)} most contested of {n:,} samples (turn on '
        "JavaScript for filters, search, paging and CSV export).</p></div>"
    )


def explorer_sections(evidence: ReportEvidence) -> str:
    """The explorer section(s): one per labelled task with human or judge labels."""
    parts = []
    for index, task in enumerate(evidence.tasks):
        coded = coded_task(evidence, task)
        if coded is None or (not coded.annotators and not coded.judge_ids):
            continue
        payload = explorer_payload(evidence, coded)
        cut = (
            f" Only the {MAX_ROWS:,} most contested of {payload['n_samples']:,} samples are "
            "embedded."
            if payload["n_samples"] > len(payload["ids"])
            else ""
        )
        n_split = int(payload["split"].sum())
        n_wrong = int(np.count_nonzero(payload["wrong"] > 0))
        parts.append(
            f'<section class="explorer" id="explorer-{index}" data-task="{_e(task.name)}">'
            f"<h3>{_e(task.name)}</h3>"
            f'<p class="meta">{len(payload["ids"]):,} samples · humans split on {n_split:,} · '
            f"at least one judge differs from the consensus on {n_wrong:,}. Sorted most "
            "contested first: humans split, then more judges against the consensus, then lower "
            f"consensus support.{_e(cut)}</p>"
            '<div class="ex-controls" hidden></div>'
            f"{_static_table(payload)}"
            '<div class="ex-live"></div>'
            f'<script type="application/json" class="ex-data">{payload_json(payload)}</script>'
            "</section>"
        )
    if not parts:
        return ""
    return (
        '<h2 id="explorer">Disagreement explorer</h2>'
        '<p class="lead">Every sample with its input, each human label, each judge label with its '
        "rationale and consistency share (the share of the judge's sampled answers that agree; "
        "for single-sample judges the client's confidence), and the human consensus with its "
        "support (share of humans who chose it). Red: the judge differs from the consensus.</p>"
        + "".join(parts)
    )
