"""Label tables: one judge's and the humans' labels aligned and encoded for the kernels.

Scorers receive long polars frames (``judge_data``: ``original_id``, ``label``;
``human_data``: ``original_id``, ``human_id``, ``label``). The statistics kernels in
:mod:`meta_evaluator.stats` want dense numpy arrays, so this module turns one judge's frame and
the humans' frame into a :class:`LabelTable`: a judge vector over items and a humans x items
matrix in one of four encodings:

``codes``    int64 category codes ``0..K-1`` (``-1`` = missing). Categorical labels use the
             task's **schema order** when the task context gives it (so weighted kappa and
             ordinal alpha see the ordinal order), else sorted order. List-valued labels become
             one *joint* category per distinct list (exact match).
``values``   float64 ratings (``nan`` = missing), for numeric scales.
``bitmask``  int64 bit sets plus a validity mask, for list-valued labels: a
             ``MultiLabelSchema`` set sets one bit per outcome; the ``multilabel`` strategy sets
             one bit per (task position, value) pair, so ``["yes", "no"]`` and ``["no", "yes"]``
             are different sets (plain value sets would collapse "yes"/"no" across tasks).
``text``     object arrays of strings (``None`` = missing).

The item universe of a table is the judge's items that at least one human labelled, so the
judge and its human ceiling are measured on the same items.

The schema comes from the :class:`~meta_evaluator.scores._context.TaskContext`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar, cast

import numpy as np
import polars as pl

from meta_evaluator.columns import HUMAN_ID, LABEL, ORIGINAL_ID
from meta_evaluator.errors import ScoringError
from meta_evaluator.scores._context import TaskContext

__all__ = ["Encoding", "LabelTable", "build_table", "shared_tables"]

logger = logging.getLogger("meta_evaluator.scores")

Encoding = Literal["codes", "values", "bitmask", "text"]

_MAX_BITS = 63


@dataclass(frozen=True, kw_only=True)
class LabelTable:
    """One judge's labels and the humans' labels aligned on the same items.

    ``judge`` has shape ``(n_items,)`` and ``humans`` ``(n_humans, n_items)``; the missing-value
    marker depends on ``encoding`` (see the module docstring).
    """

    encoding: Encoding
    """"codes", "values", "bitmask" or "text"."""
    item_ids: pl.Series
    """Item ids, in the order of the columns (a string Series)."""
    human_ids: list[str]
    """Human ids, in the order of the rows (sorted)."""
    judge: np.ndarray
    """The judge's labels per item."""
    humans: np.ndarray
    """The humans' labels, humans x items."""
    judge_valid: np.ndarray
    """Boolean mask: the judge labelled the item."""
    humans_valid: np.ndarray
    """Boolean mask: the human labelled the item."""
    labels: list[Any] = field(default_factory=list)
    """``codes``: the label of each code; ``bitmask``: the meaning of each bit."""
    sort_rank: np.ndarray | None = None
    """``codes`` of scalar labels: rank of each code in sorted label order (tie-breaks)."""
    components: tuple[LabelTable, ...] = ()
    """Positional list labels: one ``codes`` table per position (for per-position majority)."""
    bitmask_source: LabelTable | None = None
    """Set-valued labels encoded as joint codes: the bitmask table (for per-outcome majority)."""
    n_duplicates: int = 0
    """Rows dropped because a (sample, human) pair appeared more than once."""

    @property
    def n_items(self) -> int:
        """Number of items (columns)."""
        return len(self.item_ids)

    @property
    def n_humans(self) -> int:
        """Number of humans (rows)."""
        return len(self.human_ids)

    @property
    def n_labels(self) -> int:
        """Number of categories (``codes``) or bits (``bitmask``)."""
        return len(self.labels)


@dataclass(frozen=True)
class _Aligned:
    item_ids: pl.Series
    human_ids: list[str]
    judge_labels: pl.Series
    human_item: np.ndarray
    human_row: np.ndarray
    human_labels: pl.Series
    n_duplicates: int
    human_values: list[Any] | None = None
    human_codes: np.ndarray | None = None


@dataclass(frozen=True)
class _HumanPrep:
    """The humans' side of an alignment, reused across judges within :func:`shared_tables`."""

    uids: pl.DataFrame  # original_id -> _u (distinct ids the humans labelled)
    h_u: np.ndarray  # per row: _u of the row's item
    h_row: np.ndarray  # per row: index of the human
    labels: pl.Series
    human_ids: list[str]
    n_duplicates: int
    values: list[Any] | None = None  # distinct scalar labels (sorted), None for list labels
    codes: np.ndarray | None = None  # per row: index into ``values``


def _prepare_humans(human_data: pl.DataFrame) -> _HumanPrep:
    return _shared(("humans", id(human_data)), (human_data,), lambda: _build_human_prep(human_data))


def _build_human_prep(human_data: pl.DataFrame) -> _HumanPrep:
    h = human_data.select(
        pl.col(ORIGINAL_ID).cast(pl.Utf8), pl.col(HUMAN_ID).cast(pl.Utf8), pl.col(LABEL)
    ).filter(pl.col(LABEL).is_not_null() & pl.col(ORIGINAL_ID).is_not_null())  # no id: no item
    # _u: a dense number per distinct id (its rank), and uids: each number's id (one gather)
    ids = h.get_column(ORIGINAL_ID)
    h_u_all = (
        (ids.rank("dense").cast(pl.Int64) - 1).to_numpy().astype(np.int64)
        if h.height
        else np.zeros(0, dtype=np.int64)
    )
    n_u = int(h_u_all.max()) + 1 if h_u_all.size else 0
    row_of = np.empty(n_u, dtype=np.int64)
    row_of[h_u_all] = np.arange(h_u_all.size, dtype=np.int64)  # any row of the id will do
    uids = pl.DataFrame(
        {ORIGINAL_ID: ids.gather(row_of), "_u": np.arange(n_u, dtype=np.int64)},
        schema={ORIGINAL_ID: pl.Utf8, "_u": pl.Int64},
    )
    human_ids = sorted(h.get_column(HUMAN_ID).unique().to_list())
    h_row = (
        h.get_column(HUMAN_ID)
        .replace_strict(human_ids, list(range(len(human_ids))), return_dtype=pl.Int64)
        .to_numpy()
        .astype(np.int64)
        if h.height
        else np.zeros(0, dtype=np.int64)
    )
    labels = h.get_column(LABEL)
    key = h_row * max(n_u, 1) + h_u_all
    n_dup = 0
    if key.size and int(np.bincount(key).max()) > 1:
        _, first = np.unique(key, return_index=True)
        first.sort()
        n_dup = int(key.size - first.size)
        h_u_all, h_row = h_u_all[first], h_row[first]
        labels = labels.gather(first)
        logger.warning("dropped %d duplicate (sample, human) label rows (kept the first)", n_dup)
    values: list[Any] | None = None
    codes: np.ndarray | None = None
    if not isinstance(labels.dtype, pl.List | pl.Array) and labels.len():
        values = sorted(labels.unique().to_list(), key=_sort_key)
        codes = (
            labels.replace_strict(values, list(range(len(values))), return_dtype=pl.Int64)
            .to_numpy()
            .astype(np.int64)
        )
    return _HumanPrep(uids, h_u_all, h_row, labels, human_ids, n_dup, values, codes)


def _align(judge_data: pl.DataFrame, human_data: pl.DataFrame) -> _Aligned:
    for frame, name, cols in (
        (judge_data, "judge_data", (ORIGINAL_ID, LABEL)),
        (human_data, "human_data", (ORIGINAL_ID, HUMAN_ID, LABEL)),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ScoringError(
                f"{name} lacks column(s) {missing!r}; it has {frame.columns!r}. Pass the "
                f"columns {list(cols)!r}."
            )
    prep = _prepare_humans(human_data)
    j = judge_data.select(pl.col(ORIGINAL_ID).cast(pl.Utf8), pl.col(LABEL)).filter(
        pl.col(LABEL).is_not_null()
    )
    if j.height and j.get_column(ORIGINAL_ID).n_unique() < j.height:
        j = j.filter(pl.col(ORIGINAL_ID).is_first_distinct())
    j = j.join(prep.uids, on=ORIGINAL_ID, how="inner", maintain_order="left")
    j_u = j.get_column("_u").to_numpy().astype(np.int64)
    n_u = prep.uids.height
    pos = np.full(n_u, -1, dtype=np.int64)
    pos[j_u] = np.arange(j_u.size, dtype=np.int64)
    h_item = pos[prep.h_u] if prep.h_u.size else prep.h_u
    keep = h_item >= 0
    idx = np.flatnonzero(keep)
    return _Aligned(
        item_ids=j.get_column(ORIGINAL_ID),
        human_ids=prep.human_ids,
        judge_labels=j.get_column(LABEL),
        human_item=h_item[keep],
        human_row=prep.h_row[keep],
        human_labels=prep.labels.gather(idx) if idx.size < prep.labels.len() else prep.labels,
        n_duplicates=prep.n_duplicates,
        human_values=prep.values,
        human_codes=prep.codes[idx] if prep.codes is not None else None,
    )


def _sort_key(x: Any) -> tuple[int, Any]:
    # Numbers before strings; each group in natural order (total order over mixed types).
    if isinstance(x, int | float) and not isinstance(x, bool):
        return (0, float(x))
    return (1, str(x))


def _code_map(
    values: pl.Series, order: Sequence[Any] | None
) -> tuple[list[Any], pl.Series, np.ndarray]:
    """Return (labels in code order, codes for ``values``, sort rank per code)."""
    seen = [v for v in values.unique().to_list() if v is not None]
    base = list(order) if order is not None else []
    base_set = set(base)
    extra = sorted((v for v in seen if v not in base_set), key=_sort_key)
    labels = base + extra
    if values.len() == 0:
        codes = pl.Series(values.name, [], dtype=pl.Int64)
    else:
        codes = values.replace_strict(
            labels, list(range(len(labels))), default=-1, return_dtype=pl.Int64
        ).fill_null(-1)
    order_idx = sorted(range(len(labels)), key=lambda i: _sort_key(labels[i]))
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order_idx] = np.arange(len(labels))
    return labels, codes, rank


def _matrices(
    al: _Aligned, judge_vals: np.ndarray, human_vals: np.ndarray, fill: Any, dtype: Any
) -> tuple[np.ndarray, np.ndarray]:
    n, hn = len(al.item_ids), len(al.human_ids)
    humans = np.full((hn, n), fill, dtype=dtype)
    if human_vals.size:
        humans[al.human_row, al.human_item] = human_vals
    return np.asarray(judge_vals, dtype=dtype), humans


def _codes_table(
    al: _Aligned, judge_s: pl.Series, human_s: pl.Series, order: Sequence[Any] | None
) -> LabelTable:
    if al.human_values is not None and al.human_codes is not None and human_s is al.human_labels:
        # fast path: the humans' labels were coded once per human frame; remap those codes
        seen = al.human_values + [v for v in judge_s.unique().to_list() if v is not None]
        labels, _, rank = _code_map(pl.Series(seen), order)
        _, jc, _ = _code_map(judge_s, labels)
        lookup = {v: i for i, v in enumerate(labels)}
        remap = np.array([lookup[v] for v in al.human_values] or [0], dtype=np.int64)
        hc_np = remap[al.human_codes] if al.human_codes.size else al.human_codes
        judge, humans = _matrices(al, jc.to_numpy(), hc_np, -1, np.int64)
    else:
        both = pl.concat([judge_s, human_s]) if human_s.len() else judge_s
        labels, _, rank = _code_map(both, order)
        _, jc, _ = _code_map(judge_s, labels)
        _, hc, _ = _code_map(human_s, labels)
        judge, humans = _matrices(al, jc.to_numpy(), hc.to_numpy(), -1, np.int64)
    return _coded_table(al, judge, humans, labels, sort_rank=rank)


def _coded_table(
    al: _Aligned, judge: np.ndarray, humans: np.ndarray, labels: list[Any], **extra: Any
) -> LabelTable:
    """A "codes" LabelTable for aligned labels (-1 = missing)."""
    return _aligned_table(
        al, "codes", judge, humans, judge >= 0, humans >= 0, labels=labels, **extra
    )


def _aligned_table(
    al: _Aligned,
    encoding: Encoding,
    judge: np.ndarray,
    humans: np.ndarray,
    judge_valid: np.ndarray,
    humans_valid: np.ndarray,
    **extra: Any,
) -> LabelTable:
    """A LabelTable of ``al``'s items and humans (``extra``: the encoding's own fields)."""
    return LabelTable(
        encoding=encoding,
        item_ids=al.item_ids,
        human_ids=al.human_ids,
        judge=judge,
        humans=humans,
        judge_valid=judge_valid,
        humans_valid=humans_valid,
        n_duplicates=al.n_duplicates,
        **extra,
    )


def _joint_codes(
    stack_j: np.ndarray, stack_h: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Compact rows of component codes (C x ...) into joint codes; -1 anywhere -> missing."""
    c = stack_j.shape[0]
    flat_h = stack_h.reshape(c, -1)
    all_cols = np.concatenate([stack_j, flat_h], axis=1)
    valid = (all_cols >= 0).all(axis=0)
    joint = np.full(all_cols.shape[1], -1, dtype=np.int64)
    if valid.any():
        uniq, inv = np.unique(all_cols[:, valid].T, axis=0, return_inverse=True)
        joint[valid] = inv.reshape(-1)
        keys = [tuple(int(x) for x in row) for row in uniq]
    else:
        keys = []
    n = stack_j.shape[1]
    return joint[:n], joint[n:].reshape(stack_h.shape[1:]), keys


def build_table(
    judge_data: pl.DataFrame,
    human_data: pl.DataFrame,
    *,
    encoding: Encoding,
    context: TaskContext | None = None,
) -> LabelTable:
    """Align one judge's labels with the humans' labels and encode them.

    Args:
        judge_data: Columns ``original_id``, ``label``.
        human_data: Columns ``original_id``, ``human_id``, ``label``.
        encoding: "codes", "values", "bitmask" or "text" (see the module docstring).
        context: The task context (schema order, positional lists); None = infer from values.

    Returns:
        The aligned, encoded table.

    Raises:
        ScoringError: A column is missing or the labels cannot be encoded that way.

    Example:
        >>> j = pl.DataFrame({"original_id": ["a", "b"], "label": ["no", "yes"]})
        >>> h = pl.DataFrame({"original_id": ["a", "b"], "human_id": ["h1", "h1"],
        ...                   "label": ["yes", "yes"]})
        >>> t = build_table(j, h, encoding="codes",
        ...                 context=TaskContext(kind="categorical", labels=("yes", "no")))
        >>> t.labels, t.judge.tolist(), t.humans.tolist()
        (['yes', 'no'], [1, 0], [[0, 0]])
    """

    def build() -> LabelTable:
        return _frozen(_build_table(judge_data, human_data, encoding=encoding, context=context))

    key = ("table", id(judge_data), id(human_data), encoding, context)
    return _shared(key, (judge_data, human_data), build)


@dataclass
class _Shared:
    """What one :func:`shared_tables` block has built, by key (ids of the frames it came from)."""

    built: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    frames: list[pl.DataFrame] = field(default_factory=list)
    """The keyed frames, kept alive for the block so that their ids stay theirs."""


_SHARED: ContextVar[_Shared | None] = ContextVar("meta_evaluator_shared_tables", default=None)

T = TypeVar("T")


def _shared(key: tuple[Any, ...], frames: tuple[pl.DataFrame, ...], build: Callable[[], T]) -> T:
    """``build()``, or what it returned for ``key`` earlier in this :func:`shared_tables` block."""
    shared = _SHARED.get()
    if shared is None or not _hashable(key):
        return build()
    if key not in shared.built:
        shared.built[key] = build()
        shared.frames.extend(frames)
    return cast(T, shared.built[key])


@contextmanager
def shared_tables() -> Iterator[None]:
    """Within the block, label work asked for again on the same frame objects is reused.

    The humans' side of an alignment is prepared once per human frame (for every judge), and a
    table asked for again (same judge and human frames, encoding and context) is the same,
    read-only table. The comparison driver runs in one such block and hands every config that
    scores the same tasks the same frame objects, so accuracy, kappa and the alt-test on one task
    align and encode the labels once per judge. Outside a block (a scorer called directly) every
    call does its own work, so a frame changed in place between two calls is never served stale.
    """
    token = _SHARED.set(_Shared())
    try:
        yield
    finally:
        _SHARED.reset(token)


def _hashable(key: object) -> bool:
    try:
        hash(key)
    except TypeError:  # a context whose labels cannot be hashed: no sharing
        return False
    return True


def _frozen(table: LabelTable) -> LabelTable:
    """``table`` with its arrays read-only (returned for chaining).

    A scorer that wrote into a shared table would change the next scorer's input; it fails
    loudly instead.
    """
    for t in (
        table,
        *table.components,
        *(() if table.bitmask_source is None else (table.bitmask_source,)),
    ):
        for arr in (t.judge, t.humans, t.judge_valid, t.humans_valid, t.sort_rank):
            if isinstance(arr, np.ndarray):
                arr.flags.writeable = False
    return table


def _build_table(
    judge_data: pl.DataFrame,
    human_data: pl.DataFrame,
    *,
    encoding: Encoding,
    context: TaskContext | None,
) -> LabelTable:
    al = _align(judge_data, human_data)
    js, hs = al.judge_labels, al.human_labels
    is_list = isinstance(js.dtype, pl.List | pl.Array) or isinstance(hs.dtype, pl.List | pl.Array)
    positional = context is not None and context.positional
    if encoding == "text":
        judge, humans = _matrices(al, _objects(js), _objects(hs), None, object)
        return _present_table(al, "text", judge, humans)
    if encoding == "values":
        if is_list or not (js.dtype.is_numeric() and (hs.len() == 0 or hs.dtype.is_numeric())):
            raise ScoringError(
                f"numeric scoring needs number labels; got dtypes {js.dtype} / {hs.dtype}"
            )
        judge, humans = _matrices(
            al,
            js.cast(pl.Float64).to_numpy(),
            hs.cast(pl.Float64).to_numpy(),
            np.nan,
            np.float64,
        )
        return _aligned_table(al, "values", judge, humans, ~np.isnan(judge), ~np.isnan(humans))
    if not is_list:
        if encoding == "bitmask":
            raise ScoringError("bitmask encoding needs list-valued labels")
        order = context.labels if context is not None and context.kind != "multilabel" else None
        return _codes_table(al, js, hs, order)
    # ---- list-valued labels
    if positional:
        assert context is not None
        comps = _component_tables(al, context)
    else:
        comps = ()
    if encoding == "bitmask":
        return _bitmask_table(al, context, comps)
    # joint codes (exact match of the whole list)
    if positional:
        sj = np.stack([c.judge for c in comps])
        sh = np.stack([c.humans for c in comps])
        jj, hj, keys = _joint_codes(sj, sh)
        labels = [tuple(comps[k].labels[v] for k, v in enumerate(key)) for key in keys]
        return _coded_table(al, jj, hj, labels, sort_rank=None, components=comps)
    bm = _bitmask_table(al, context, ())
    jj, hj, keys = _joint_codes(
        np.where(bm.judge_valid, bm.judge, -1)[None, :],
        np.where(bm.humans_valid, bm.humans, -1)[None, :, :],
    )
    labels = [tuple(bm.labels[b] for b in range(bm.n_labels) if (key[0] >> b) & 1) for key in keys]
    return _coded_table(al, jj, hj, labels, bitmask_source=bm)


def _objects(s: pl.Series) -> np.ndarray:
    """Strings (or tuples of strings for list labels) as a 1-D object array."""
    vals = s.to_list()
    out = np.empty(len(vals), dtype=object)
    for i, v in enumerate(vals):
        out[i] = tuple("" if x is None else str(x) for x in v) if isinstance(v, list) else str(v)
    return out


def _component_tables(al: _Aligned, context: TaskContext) -> tuple[LabelTable, ...]:
    out = []
    for k, comp in enumerate(context.components):
        js = al.judge_labels.list.get(k, null_on_oob=True)
        hs = al.human_labels.list.get(k, null_on_oob=True)
        sub = replace(al, judge_labels=js, human_labels=hs)
        order = comp.labels
        if (
            order is not None
            and js.dtype == pl.String
            and not all(isinstance(v, str) for v in order)
        ):
            # the driver joined tasks of different dtypes (e.g. a categorical and a rating task)
            # as text: (task, value) pairs keep their meaning, the schema order its spelling
            order = tuple(str(v) for v in order)
        out.append(_codes_table(sub, js, hs, order))
    return tuple(out)


def _bitmask_table(
    al: _Aligned, context: TaskContext | None, comps: tuple[LabelTable, ...]
) -> LabelTable:
    if comps:
        offsets = np.cumsum([0] + [c.n_labels for c in comps])
        n_bits = int(offsets[-1])
        if n_bits > _MAX_BITS:
            raise ScoringError(
                f"the multilabel strategy needs one bit per (task, value) pair; these tasks have "
                f"{n_bits} pairs, more than {_MAX_BITS}. Score fewer tasks together."
            )
        judge = np.zeros(len(al.item_ids), dtype=np.int64)
        humans = np.zeros((len(al.human_ids), len(al.item_ids)), dtype=np.int64)
        jv = np.ones(judge.shape, dtype=bool)
        hv = np.ones(humans.shape, dtype=bool)
        labels: list[Any] = []
        for k, (c, off) in enumerate(zip(comps, offsets[:-1], strict=False)):
            judge |= np.where(c.judge_valid, np.left_shift(1, np.clip(c.judge, 0, None) + off), 0)
            humans |= np.where(
                c.humans_valid, np.left_shift(1, np.clip(c.humans, 0, None) + off), 0
            )
            jv &= c.judge_valid
            hv &= c.humans_valid
            labels += [(k, lab) for lab in c.labels]
        return _aligned_table(
            al,
            "bitmask",
            np.where(jv, judge, 0),
            np.where(hv, humans, 0),
            jv,
            hv,
            labels=labels,
            components=comps,
        )
    js = al.judge_labels.cast(pl.List(pl.Utf8))
    hs = al.human_labels.cast(pl.List(pl.Utf8))
    seen = set(js.explode().drop_nulls().to_list()) | set(hs.explode().drop_nulls().to_list())
    base = list(context.labels) if context is not None and context.labels else []
    outcomes = base + sorted(seen - set(base))
    if len(outcomes) > _MAX_BITS:
        raise ScoringError(
            f"multilabel sets are encoded as 64-bit masks; {len(outcomes)} outcomes exceed "
            f"{_MAX_BITS}."
        )
    bits = [1 << i for i in range(len(outcomes))]

    def to_mask(s: pl.Series) -> np.ndarray:
        if s.len() == 0:
            return np.zeros(0, dtype=np.int64)
        return (
            s.list.eval(pl.element().replace_strict(outcomes, bits, return_dtype=pl.Int64))
            .list.unique()
            .list.sum()
            .fill_null(0)
            .to_numpy()
            .astype(np.int64)
        )

    judge, humans = _matrices(al, to_mask(js), to_mask(hs), 0, np.int64)
    return _present_table(al, "bitmask", judge, humans, labels=outcomes)


def _present_table(
    al: _Aligned, encoding: Encoding, judge: np.ndarray, humans: np.ndarray, **extra: Any
) -> LabelTable:
    """A LabelTable whose validity is "the human labelled the item" (no missing-value code)."""
    hv = np.zeros(humans.shape, dtype=bool)
    if al.human_item.size:
        hv[al.human_row, al.human_item] = True
    return _aligned_table(
        al, encoding, judge, humans, np.ones(judge.shape, dtype=bool), hv, **extra
    )
