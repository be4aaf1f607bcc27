"""The :class:`DataLoader` front door: csv / tsv / json / jsonl / parquet files as EvalData.

The shared readers (:func:`read_table`, :func:`id_to_str`, :func:`first_rows`,
:func:`safe_file_stem`) live in :mod:`meta_evaluator.data._files` and are re-exported here.

Row numbers in error messages are **1-based data rows**: "row 1" is the first record (the CSV
header line is not counted).
"""

from __future__ import annotations

from pathlib import Path

from meta_evaluator import columns as C
from meta_evaluator._compat import DataLoaderCompat
from meta_evaluator.data._eval_data import EvalData
from meta_evaluator.data._files import (
    FileFormat,
    first_rows,
    format_of,
    id_to_str,
    read_table,
    safe_file_stem,
)

__all__ = [
    "DataLoader",
    "FileFormat",
    "first_rows",
    "format_of",
    "id_to_str",
    "read_table",
    "safe_file_stem",
]


class DataLoader(DataLoaderCompat):
    r"""Load evaluation data from a file into :class:`EvalData`.

    Ids: with ``id_column``, ``original_id`` is that column as text (stripped; integral floats
    lose ``.0``); the column is also kept as is. Without ``id_column``, a file that already has an
    ``original_id`` column (e.g. one written by :meth:`EvalData.save`) keeps those ids; otherwise
    ids are generated from the 1-based data row number, ``"row_000001"`` for the first row, so
    reloading the same file always gives the same ids. A file with an ``original_id`` column and a
    different ``id_column`` is an error (the name is reserved for the sample id).

    Example:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = pathlib.Path(d) / "data.csv"
        ...     _ = path.write_text("prompt,llm_response\nhi,hello\nhey,hi\n")
        ...     DataLoader.load_csv(name="demo", file_path=path).ids
        ['row_000001', 'row_000002']
    """

    @staticmethod
    def load(name: str, file_path: str | Path, id_column: str | None = None) -> EvalData:
        """Load a csv / tsv / json / jsonl / parquet file, choosing the reader by extension.

        Args:
            name: Name of the dataset (used for the saved file name).
            file_path: The file.
            id_column: Column holding unique sample ids; None generates stable row ids.

        Raises:
            DataFileError: Missing, malformed or empty file, or an unknown extension.
            ColumnError: ``id_column`` is not in the file, or conflicts with ``original_id``.
            IdError: Null or duplicate ids.
            ConfigError: ``name`` is empty.
        """
        return _load(name, file_path, id_column, None)

    @staticmethod
    def load_csv(name: str, file_path: str | Path, id_column: str | None = None) -> EvalData:
        """Load a comma-separated file with a header row (whatever its extension).

        Column types are inferred from the whole file; ``id_column`` is read as text so ids
        such as ``"007"`` survive. Empty cells are nulls. See :meth:`load` for arguments.
        """
        return _load(name, file_path, id_column, "csv")

    @staticmethod
    def load_json(name: str, file_path: str | Path, id_column: str | None = None) -> EvalData:
        """Load a JSON array of objects (or an object whose "records"/"data" key holds one).

        See :meth:`load` for arguments.
        """
        return _load(name, file_path, id_column, "json")

    @staticmethod
    def load_jsonl(name: str, file_path: str | Path, id_column: str | None = None) -> EvalData:
        """Load a JSON-lines file: one object per line. See :meth:`load` for arguments."""
        return _load(name, file_path, id_column, "jsonl")

    @staticmethod
    def load_parquet(name: str, file_path: str | Path, id_column: str | None = None) -> EvalData:
        """Load a parquet file. See :meth:`load` for arguments."""
        return _load(name, file_path, id_column, "parquet")


def _load(
    name: str, file_path: str | Path, id_column: str | None, fmt: FileFormat | None
) -> EvalData:
    EvalData.check_name(name)
    path = Path(file_path)
    frame = read_table(path, fmt=fmt, string_columns=[id_column or C.ORIGINAL_ID])
    return EvalData.from_frame(
        name, frame, id_column=id_column, source_file=str(path), origin=f"data file {str(path)!r}"
    )
