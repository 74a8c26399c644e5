"""The writer's input side: any supported data as chunks of raw columns.

Inputs: pandas DataFrames, polars DataFrames and LazyFrames (streamed), pyarrow Tables,
RecordBatches and RecordBatchReaders, lists of record dicts (the shape of an upsert), Parquet /
JSON Lines / CSV files on any fsspec URL, and iterables of any of these. Nothing here mutates
the caller's data.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from .._errors import UsageError
from .cells import Column
from .sources import files_rows, read_files


@dataclass
class Chunk:
    """Consecutive rows of one input: its wanted columns (those it has), where the rows are."""

    columns: dict[str, Column]
    rows: int
    source: str  # "input", "input[2]" (an item of an iterable) or a file's URI
    first_row: int  # 0-based row of the first row within `source`
    ignored: tuple[str, ...] = ()  # the input's columns that no option names


@dataclass
class Sizing:
    """How many rows the next chunk should have; the writer tunes it from the bytes per row it
    sees, so a chunk is about one row group of output whatever the input's own batching."""

    rows: int = 4096


@dataclass(frozen=True)
class Wanted:
    """The input columns a write may use, and those to read as text from CSV."""

    names: tuple[str, ...]
    text: tuple[str, ...] = ()


@dataclass
class Source:
    """The input, as chunks of rows. `total_rows` is known for in-memory frames and Parquet."""

    chunks: Iterator[Chunk]
    total_rows: int | None


def read_input(
    data: Any,
    wanted: Wanted,
    sizing: Sizing,
    storage_options: Mapping[str, Any] | None,
) -> Source:
    """Open `data` (see the module docstring for what it may be) as a stream of chunks of the
    wanted columns."""
    items = _items(data)
    totals = [_total_rows(item, storage_options) for _, item in items]
    total = None if any(t is None for t in totals) else sum(t or 0 for t in totals)

    def chunks() -> Iterator[Chunk]:
        for label, item in items:
            yield from _chunks(item, label, wanted, sizing, storage_options)

    return Source(chunks(), total)


def _items(data: Any) -> list[tuple[str, Any]]:
    """The input's items with their labels; an iterable (not a frame) is one item per element.
    A generator stays lazy: it becomes one streamed item."""
    if _is_frame(data) or isinstance(data, str | os.PathLike):
        return [("input", data)]
    if isinstance(data, Mapping | bytes):
        raise UsageError(f"cannot write data of type {type(data).__name__}")
    if isinstance(data, Sequence) and len(data) and isinstance(data[0], Mapping):
        return [("input", _Records(data))]  # the shape of an upsert: one dict per record
    if isinstance(data, Sequence):
        return [(f"input[{i}]", item) for i, item in enumerate(data)]
    if isinstance(data, Iterable):
        return [("input", _Stream(data))]
    raise UsageError(
        f"cannot write data of type {type(data).__name__}: expected a pandas or polars"
        " DataFrame, a polars LazyFrame, a pyarrow Table, RecordBatch or RecordBatchReader,"
        " a file URI, or an iterable of these"
    )


@dataclass
class _Stream:
    """An iterable input (say a generator of DataFrames): its items are chunked one by one."""

    items: Iterable[Any]


@dataclass
class _Records:
    """A list of record dicts ({"id": ..., "values": ..., "metadata": {...}})."""

    rows: Sequence[Mapping[str, Any]]


def _is_frame(data: Any) -> bool:
    return (
        isinstance(data, pa.Table | pa.RecordBatch | pa.RecordBatchReader)
        or _is_pandas(data)
        or _polars_kind(data) is not None
    )


def _is_pandas(data: Any) -> bool:
    pd = sys.modules.get("pandas")  # pandas is optional: a frame exists only if it is imported
    return pd is not None and isinstance(data, pd.DataFrame)


def _polars_kind(data: Any) -> str | None:
    pl = sys.modules.get("polars")
    if pl is None:
        return None
    if isinstance(data, pl.LazyFrame):
        return "lazy"
    return "frame" if isinstance(data, pl.DataFrame) else None


def _total_rows(item: Any, storage_options: Mapping[str, Any] | None) -> int | None:
    if isinstance(item, pa.Table | pa.RecordBatch):
        return int(item.num_rows)
    if _is_pandas(item) or _polars_kind(item) == "frame":
        return len(item)
    if isinstance(item, _Records):
        return len(item.rows)
    if isinstance(item, str | os.PathLike):
        return files_rows(os.fspath(item), storage_options)
    return None


def _chunks(
    item: Any,
    label: str,
    wanted: Wanted,
    sizing: Sizing,
    storage_options: Mapping[str, Any] | None,
) -> Iterator[Chunk]:
    if isinstance(item, _Stream):
        for i, element in enumerate(item.items):
            yield from _chunks(element, f"{label}[{i}]", wanted, sizing, storage_options)
        return
    if _is_pandas(item):
        yield from _pandas_chunks(item, label, wanted.names, sizing)
        return
    if isinstance(item, _Records):
        yield from _record_chunks(item.rows, label, wanted.names, sizing)
        return
    if isinstance(item, str | os.PathLike):
        files = read_files(
            os.fspath(item),
            wanted=wanted.names,
            text=wanted.text,
            batch_rows=sizing.rows,
            storage_options=storage_options,
        )
        for where, names, batches in files:
            yield from _arrow_chunks(batches, where, sizing, _ignored(names, wanted.names))
        return
    names, batches = _batches(item, wanted.names)
    yield from _arrow_chunks(batches, label, sizing, _ignored(names, wanted.names))


def _ignored(names: Sequence[Any], wanted: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(n) for n in names if n not in wanted)


def _batches(item: Any, wanted: Sequence[str]) -> tuple[list[str], Iterator[pa.RecordBatch]]:
    """The item's column names and its record batches of the wanted columns it has (polars
    converts zero-copy)."""
    kind = _polars_kind(item)
    if kind == "lazy":
        names = list(item.collect_schema().names())
        frames = item.select([n for n in names if n in wanted]).collect_batches()
        return names, (b for frame in frames for b in _polars_arrow(frame).to_batches())
    if kind == "frame":
        used = item.select([n for n in item.columns if n in wanted])
        return list(item.columns), iter(_polars_arrow(used).to_batches())
    if isinstance(item, pa.Table | pa.RecordBatch | pa.RecordBatchReader):
        names = list(item.schema.names)
        used = [n for n in names if n in wanted]
        _unique_names(names, used)
        if isinstance(item, pa.RecordBatchReader):
            return names, (batch.select(used) for batch in item)
        selected = item.select(used)
        return names, iter(selected.to_batches() if isinstance(selected, pa.Table) else [selected])
    raise UsageError(
        f"cannot write an item of type {type(item).__name__}: expected a DataFrame, LazyFrame,"
        " pyarrow Table, RecordBatch, RecordBatchReader or a file URI"
    )


def _unique_names(names: Sequence[str], used: Sequence[str]) -> None:
    repeated = sorted({n for n in used if list(names).count(n) > 1})
    if repeated:
        raise UsageError(f"column name(s) {', '.join(map(repr, repeated))} appear more than once")


def _polars_arrow(frame: Any) -> pa.Table:
    try:
        table: pa.Table = frame.to_arrow()
    except Exception as exc:  # e.g. a column of Python objects, which Arrow cannot hold
        raise UsageError(f"cannot convert the polars frame to Arrow: {exc}") from None
    return table


def _arrow_chunks(
    batches: Iterator[pa.RecordBatch], label: str, sizing: Sizing, ignored: tuple[str, ...]
) -> Iterator[Chunk]:
    row = 0
    for batch in batches:
        start = 0
        while start < batch.num_rows:
            part = batch.slice(start, sizing.rows)
            columns: dict[str, Column] = {
                name: part.column(i) for i, name in enumerate(part.schema.names)
            }
            yield Chunk(columns, part.num_rows, label, row, ignored)
            start += part.num_rows
            row += part.num_rows


def _pandas_chunks(
    frame: Any, label: str, wanted: Sequence[str], sizing: Sizing
) -> Iterator[Chunk]:
    names = [n for n in frame.columns if isinstance(n, str) and n in wanted]
    _unique_names([str(n) for n in frame.columns], names)
    ignored = _ignored(list(frame.columns), wanted)
    start = 0
    while start < len(frame):
        part = frame.iloc[start : start + sizing.rows]
        columns = {name: _pandas_column(part[name], name) for name in names}
        yield Chunk(columns, len(part), label, start, ignored)
        start += len(part)


def _record_chunks(
    records: Sequence[Mapping[str, Any]], label: str, wanted: Sequence[str], sizing: Sizing
) -> Iterator[Chunk]:
    """Record dicts as object columns (a Python step per record: the input is Python objects)."""
    names = list(dict.fromkeys(key for record in records for key in record))
    if not all(isinstance(record, Mapping) for record in records):
        raise UsageError("a list of records must hold only dicts")
    used = [n for n in names if n in wanted]
    start = 0
    while start < len(records):
        part = records[start : start + sizing.rows]
        columns: dict[str, Column] = {}
        for name in used:
            cells = np.empty(len(part), dtype=object)
            for i, record in enumerate(part):  # item by item: lists must stay cells
                cells[i] = record.get(name)
            columns[name] = cells
        yield Chunk(columns, len(part), label, start, _ignored(names, wanted))
        start += len(part)


def _pandas_column(series: Any, name: str) -> Column:
    """A pandas column as Arrow; object columns stay Python objects for the vectorised paths
    below (per-row numpy arrays are stacked, dicts become JSON)."""
    if series.dtype == object:
        cells: npt.NDArray[np.object_] = series.to_numpy()
        return cells
    try:
        arr = pa.array(series)  # pandas semantics: NaN is a missing value
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise UsageError(f"column {name!r}: cannot convert {series.dtype}: {exc}") from None
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
