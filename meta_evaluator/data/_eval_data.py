"""EvalData: the evaluation samples (one row each) the judges label, keyed by ``original_id``."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator._compat import EvalDataCompat, adopt_raw_frame
from meta_evaluator._io import atomic_write
from meta_evaluator.data._files import first_rows, id_to_str, read_table, safe_file_stem
from meta_evaluator.errors import (
    ColumnError,
    ConfigError,
    DataError,
    DataFileError,
    IdError,
    ProjectError,
)

if TYPE_CHECKING:
    from meta_evaluator.eval_task import EvalTask

__all__ = ["EvalData"]

SaveFormat = Literal["json", "csv", "parquet"]
_EXTENSIONS: dict[str, str] = {"json": "json", "csv": "csv", "parquet": "parquet"}
_SIMPLE_DTYPES: dict[str, Any] = {
    str(t): t
    for t in (
        pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64,
        pl.Float32, pl.Float64, pl.Utf8, pl.Boolean, pl.Date,
    )
}  # fmt: skip
"""dtype name -> dtype, for the types a CSV/JSON file can be cast back to exactly."""


@dataclass(frozen=True, kw_only=True, eq=False)
class EvalData(EvalDataCompat):
    """Evaluation samples: one row per sample, keyed by :data:`~meta_evaluator.columns.ORIGINAL_ID`.

    Build it with :class:`~meta_evaluator.data.DataLoader` (from a file) or :meth:`from_frame`
    (from a polars frame). The constructor checks the invariants below and raises otherwise.

    Example:
        >>> data = EvalData.from_frame("demo", pl.DataFrame({"id": [7, 8], "text": ["a", "b"]}),
        ...                            id_column="id")
        >>> data.ids, len(data), data.data.columns
        (['7', '8'], 2, ['original_id', 'id', 'text'])
    """

    name: str
    """Dataset name (non-empty); the saved file is named after it."""
    data: pl.DataFrame
    """The samples. The first column is ``original_id`` (Utf8, unique, non-null); the user's
    columns follow unchanged."""
    id_column: str | None = None
    """The user's id column ``original_id`` was taken from (kept in ``data`` too), or None when
    ids were generated (``"row_000001"``, ...)."""
    source_file: str | None = None
    """The file the data was loaded from, when it came from a file."""

    def __post_init__(self) -> None:
        self.check_name(self.name)
        adopt_raw_frame(self)  # EvalData(name=, data=<any frame>, id_column=) as in the original
        cols = self.data.columns
        if not cols or cols[0] != C.ORIGINAL_ID:
            raise ColumnError(
                f"EvalData {self.name!r}: the first column must be {C.ORIGINAL_ID!r}; got "
                f"{cols[:5]!r}. Build EvalData with EvalData.from_frame or DataLoader."
            )
        if self.data.schema[C.ORIGINAL_ID] != pl.Utf8:
            raise IdError(
                f"EvalData {self.name!r}: column {C.ORIGINAL_ID!r} must be text (Utf8); got "
                f"{self.data.schema[C.ORIGINAL_ID]}. Build EvalData with EvalData.from_frame."
            )
        _check_ids(self.data, C.ORIGINAL_ID, origin=f"EvalData {self.name!r}")

    # ------------------------------------------------------------------ build
    @staticmethod
    def check_name(name: Any) -> None:
        """Raise :class:`ConfigError` unless ``name`` is a non-empty string."""
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(
                f"The 'name' of evaluation data must be a non-empty string; got {name!r}. "
                "Pass e.g. name='rejection'."
            )

    @classmethod
    def from_frame(
        cls,
        name: str,
        frame: pl.DataFrame,
        *,
        id_column: str | None = None,
        source_file: str | None = None,
        origin: str | None = None,
    ) -> EvalData:
        """Build EvalData from a frame, deriving ``original_id`` (see :class:`DataLoader` rules).

        Args:
            name: Dataset name.
            frame: The samples.
            id_column: Column with unique ids; None keeps an existing ``original_id`` column or
                generates ``"row_000001"``-style ids from the 1-based row number.
            source_file: The file the frame came from, if any.
            origin: Words naming the source in error messages (default: the dataset name).

        Raises:
            ConfigError: Empty name.
            DataFileError: The frame has no rows.
            ColumnError: ``id_column`` missing, or a different ``original_id`` column exists.
            IdError: Null, empty or duplicate ids.
        """
        cls.check_name(name)
        where = origin or f"EvalData {name!r}"
        if frame.height == 0:
            raise DataFileError(f"{where} holds no rows. Add at least one sample.")
        if id_column is None and C.ORIGINAL_ID in frame.columns:
            id_column = C.ORIGINAL_ID
        if id_column is not None:
            if id_column not in frame.columns:
                raise ColumnError(
                    f"{where}: id_column {id_column!r} is not a column. Available columns: "
                    f"{frame.columns!r}. Pass one of them, or id_column=None to generate ids."
                )
            if id_column != C.ORIGINAL_ID and C.ORIGINAL_ID in frame.columns:
                raise ColumnError(
                    f"{where}: has a column named {C.ORIGINAL_ID!r} and id_column={id_column!r}. "
                    f"{C.ORIGINAL_ID!r} is reserved for the sample id: pass "
                    f"id_column={C.ORIGINAL_ID!r} to use it, or rename that column."
                )
            try:
                ids = frame.select(id_to_str(id_column, frame.schema[id_column]))
            except pl.exceptions.PolarsError as exc:
                raise IdError(
                    f"{where}: id_column {id_column!r} has dtype {frame.schema[id_column]}, which "
                    "cannot be turned into text ids. Use a column of strings or integers."
                ) from exc
            _check_ids(ids, id_column, origin=where)
            id_series = ids.to_series().alias(C.ORIGINAL_ID)
        else:
            id_series = pl.Series(C.ORIGINAL_ID, generated_ids(frame.height), dtype=pl.Utf8)
        rest = frame.drop(C.ORIGINAL_ID) if C.ORIGINAL_ID in frame.columns else frame
        data = rest.with_columns(id_series).select(C.ORIGINAL_ID, *rest.columns)  # no mutation
        kept = id_column if id_column != C.ORIGINAL_ID else None
        return cls(name=name, data=data, id_column=kept, source_file=source_file)

    # ---------------------------------------------------------------- queries
    @property
    def ids(self) -> list[str]:
        """The sample ids, in row order."""
        return self.data[C.ORIGINAL_ID].to_list()

    @property
    def columns(self) -> list[str]:
        """The data columns, ``original_id`` first."""
        return self.data.columns

    def __len__(self) -> int:
        return self.data.height

    def __repr__(self) -> str:
        return (
            f"EvalData(name={self.name!r}, rows={self.data.height}, columns={self.columns!r}, "
            f"id_column={self.id_column!r})"
        )

    def validate_for_task(self, task: EvalTask) -> None:
        """Check that every prompt/response column of ``task`` exists in the data.

        Raises:
            ColumnError: Names the missing columns, the available ones and the fix.
        """
        missing = [c for c in task.data_columns if c not in self.data.columns]
        if missing:
            raise ColumnError(
                f"EvalData {self.name!r} lacks column(s) {missing!r} that the task reads "
                f"(prompt_columns={task.prompt_columns!r}, response_columns="
                f"{task.response_columns!r}). Available columns: {self.columns!r}. Fix the "
                "EvalTask's column names or load data that has these columns."
            )

    def rows(self, columns: list[str] | None = None) -> list[dict[str, Any]]:
        """The samples as dicts (column -> value), ``original_id`` included, in row order.

        Args:
            columns: Restrict to these columns (``original_id`` is always included).
        """
        frame = self.data
        if columns is not None:
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ColumnError(
                    f"EvalData {self.name!r} has no column(s) {missing!r}; available: "
                    f"{self.columns!r}."
                )
            frame = frame.select([C.ORIGINAL_ID, *[c for c in columns if c != C.ORIGINAL_ID]])
        return frame.to_dicts()

    # ---------------------------------------------------------------- storage
    def save(
        self, directory: Path, *, data_format: SaveFormat, file_name: str | None = None
    ) -> dict[str, Any]:
        """Write the data to ``directory/<name>.<ext>`` atomically and return its metadata.

        Args:
            directory: Target folder (created if needed).
            data_format: "json" (array of objects), "csv" or "parquet".
            file_name: The file's name in ``directory`` (default: the sanitised dataset name
                with the format's extension); a plain name, checked by the caller.

        Returns:
            ``{"name", "file", "format", "id_column", "n_rows", "columns", "dtypes",
            "source_file"}``; pass it back to :meth:`load`. ``file`` is relative to
            ``directory``; ``dtypes`` restores column types that csv/json do not carry.

        Raises:
            ConfigError: Unknown ``data_format``.
            DataError: CSV asked for data holding nested (list/struct) or binary columns.
        """
        if data_format not in _EXTENSIONS:
            raise ConfigError(
                f"The 'data_format' parameter of EvalData.save must be one of 'json', 'csv' or "
                f"'parquet'; got {data_format!r}."
            )
        if data_format == "csv":
            nested = [
                f"{c} ({t})"
                for c, t in self.data.schema.items()
                if t.is_nested() or t in (pl.Binary, pl.Object)
            ]
            if nested:
                raise DataError(
                    f"EvalData {self.name!r}: column(s) {nested!r} cannot be stored in CSV. "
                    "Save with data_format='json' or 'parquet'."
                )
        file_name = file_name or f"{safe_file_stem(self.name)}.{_EXTENSIONS[data_format]}"
        frame = self.data

        def write(path: Path) -> None:
            if data_format == "json":
                frame.write_json(path)
            elif data_format == "csv":
                frame.write_csv(path)
            else:
                frame.write_parquet(path)

        atomic_write(Path(directory) / file_name, write)
        return {
            "name": self.name,
            "file": file_name,
            "format": data_format,
            "id_column": self.id_column,
            "n_rows": self.data.height,
            "columns": self.columns,
            "dtypes": {c: str(t) for c, t in self.data.schema.items()},
            "source_file": self.source_file,
        }

    @classmethod
    def load(cls, directory: Path, metadata: dict[str, Any]) -> EvalData:
        """Read data written by :meth:`save`, given the metadata it returned.

        Raises:
            ProjectError: The file is missing or unreadable, or the metadata is incomplete.
        """
        try:
            path = Path(directory) / metadata["file"]
            fmt = metadata["format"]
            name = metadata["name"]
        except (KeyError, TypeError) as exc:
            raise ProjectError(
                f"Data metadata {metadata!r} lacks 'name', 'file' or 'format'. Restore "
                "state.json or add the data again with add_data()."
            ) from exc
        saved: dict[str, str] = dict(metadata.get("dtypes") or {})
        simple = {c: _SIMPLE_DTYPES[t] for c, t in saved.items() if t in _SIMPLE_DTYPES}
        try:
            frame = read_table(
                path, fmt=fmt, what=f"saved data {name!r}", schema_overrides=simple or None
            )
        except DataFileError as exc:
            raise ProjectError(
                f"{exc} The project's data file is damaged or missing: restore it, or add the "
                "data again with add_data()."
            ) from exc
        casts = [
            pl.col(c).cast(t)
            for c, t in simple.items()
            if c in frame.columns and frame.schema[c] != t
        ]
        if casts:
            with contextlib.suppress(pl.exceptions.PolarsError):  # keep types as read
                frame = frame.with_columns(casts)
        order = [c for c in metadata.get("columns") or frame.columns if c in frame.columns]
        return cls(
            name=name,
            data=frame.select(order),
            id_column=metadata.get("id_column"),
            source_file=metadata.get("source_file"),
        )


def generated_ids(n: int) -> list[str]:
    """Ids for ``n`` rows without an id column: ``"row_000001"`` for the first (1-based) row.

    Example:
        >>> generated_ids(2)
        ['row_000001', 'row_000002']
    """
    return [f"row_{i:06d}" for i in range(1, n + 1)]


def _check_ids(frame: pl.DataFrame, column: str, *, origin: str) -> None:
    """Raise IdError for null or duplicate values in ``frame[column]`` (already text)."""
    col = pl.col(column)
    null_rows = first_rows(frame, col.is_null())
    if null_rows:
        n_null = frame[column].null_count()
        raise IdError(
            f"{origin}: id column {column!r} is empty/null at row(s) {null_rows!r}"
            f"{f' ({n_null} rows in all)' if n_null > len(null_rows) else ''}. Every sample "
            "needs an id: fill them in, or pass id_column=None to generate row ids."
        )
    dup = frame.select(col.is_duplicated().alias("_d"))["_d"]
    if dup.any():
        rows = (
            frame.select(pl.int_range(1, pl.len() + 1).alias("_row"), col)
            .filter(dup)
            .group_by(column, maintain_order=True)
            .agg(pl.col("_row"))
        )
        first_id, first_at = rows.row(0)
        more = f" ({rows.height - 1} more duplicated id(s))" if rows.height > 1 else ""
        raise IdError(
            f"{origin}: id {first_id!r} in column {column!r} appears more than once, at rows "
            f"{first_at[0]} and {first_at[1]}{more}. Ids must be unique: fix the file, or pass "
            "id_column=None to generate row ids."
        )
