"""The writer's input side: any supported data to chunks of raw columns, and each column to the
writer's types, vectorised. Nothing here judges a record: that is `_rules.py`'s job, run on
exactly what these functions produce. Nothing here mutates the caller's data either: every
conversion builds new arrays (or zero-copy views that are only read).

Inputs: pandas DataFrames, polars DataFrames and LazyFrames (streamed), pyarrow Tables,
RecordBatches and RecordBatchReaders, Parquet / JSON Lines / CSV files on any fsspec URL, and
iterables of any of these.
"""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.json as pjson

from ._errors import StorageError, UsageError, ValidationError
from ._layout import namespace_problem
from ._report import Location, Report, Tally, finding
from ._rules import (
    Hit,
    Rows,
    is_list_type,
    is_string_type,
    metadata_problem,
    problem_hits,
    value_problem,
)
from ._storage import Store

# A raw input column: Arrow, or (pandas object columns only) a numpy array of Python objects.
Column: TypeAlias = "pa.Array | npt.NDArray[np.object_]"

VALUES_TYPE = pa.list_(pa.float32())
SPARSE_TYPE = pa.struct([("indices", pa.list_(pa.uint32())), ("values", pa.list_(pa.float32()))])
# Sparse vectors before the rules: indices stay wide so that out-of-range ones can be reported.
RAW_SPARSE_TYPE = pa.struct([("indices", pa.list_(pa.int64())), ("values", pa.list_(pa.float32()))])
# Reserved for the writer's own objects under an import root.
RESERVED_PREFIX = "_pinecone_prep"
READ_BLOCK = 16 * 1024 * 1024  # JSON/CSV block: types are inferred from the first one
FILE_FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
    ".csv": "csv",
}
# A decimal number as text, for vectors given as strings ("[0.1, -2e-3]" in CSV files).
_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


# --- chunks of input -----------------------------------------------------------------------


@dataclass
class Chunk:
    """Consecutive rows of one input: its wanted columns (those it has), where the rows are."""

    columns: dict[str, Column]
    rows: int
    source: str  # "input", "input[2]" (an item of an iterable) or a file's URI
    first_row: int  # 0-based row of the first row within `source`


@dataclass
class Sizing:
    """How many rows the next chunk should have; the writer tunes it from the bytes per row it
    sees, so a chunk is about one row group of output whatever the input's own batching."""

    rows: int = 4096


@dataclass
class Source:
    """The input, as chunks of rows. `total_rows` is known for in-memory frames and Parquet."""

    chunks: Iterator[Chunk]
    total_rows: int | None


@dataclass(frozen=True)
class ColumnPlan:
    """Which input column feeds each output column (None: not written)."""

    id: str
    values: str | None = None
    sparse: str | None = None
    metadata: str | None = None
    metadata_columns: tuple[str, ...] = ()
    namespace: str | None = None

    @property
    def wanted(self) -> list[str]:
        names = [self.id, self.values, self.sparse, self.metadata, *self.metadata_columns]
        names.append(self.namespace)
        return list(dict.fromkeys(n for n in names if n is not None))

    @property
    def text(self) -> list[str]:
        """Columns to read as text from CSV, where "007" must not become the number 7."""
        return [n for n in (self.id, self.namespace) if n is not None]


def read_input(
    data: Any,
    columns: ColumnPlan,
    sizing: Sizing,
    storage_options: Mapping[str, Any] | None,
) -> Source:
    """Open `data` (see the module docstring for what it may be) as a stream of chunks of the
    columns that `columns` may use."""
    items = _items(data)
    totals = [_total_rows(item, storage_options) for _, item in items]
    total = None if any(t is None for t in totals) else sum(t or 0 for t in totals)

    def chunks() -> Iterator[Chunk]:
        for label, item in items:
            yield from _chunks(item, label, columns, sizing, storage_options)

    return Source(chunks(), total)


def _items(data: Any) -> list[tuple[str, Any]]:
    """The input's items with their labels; an iterable (not a frame) is one item per element.
    A generator stays lazy: it becomes one streamed item."""
    if _is_frame(data) or isinstance(data, str | os.PathLike):
        return [("input", data)]
    if isinstance(data, Mapping | bytes):
        raise UsageError(f"cannot write data of type {type(data).__name__}")
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
    if isinstance(item, str | os.PathLike):
        return _files_rows(str(item), storage_options)
    return None


def _chunks(
    item: Any,
    label: str,
    columns: ColumnPlan,
    sizing: Sizing,
    storage_options: Mapping[str, Any] | None,
) -> Iterator[Chunk]:
    if isinstance(item, _Stream):
        for i, element in enumerate(item.items):
            yield from _chunks(element, f"{label}[{i}]", columns, sizing, storage_options)
        return
    if _is_pandas(item):
        yield from _pandas_chunks(item, label, columns.wanted, sizing)
        return
    if isinstance(item, str | os.PathLike):
        yield from _file_chunks(str(item), columns, sizing, storage_options)
        return
    yield from _arrow_chunks(_batches(item, columns.wanted), label, sizing)


def _batches(item: Any, wanted: Sequence[str]) -> Iterator[pa.RecordBatch]:
    """Record batches of the wanted columns that `item` has (polars converts zero-copy)."""
    kind = _polars_kind(item)
    if kind == "lazy":
        names = [n for n in item.collect_schema().names() if n in wanted]
        for frame in item.select(names).collect_batches():
            yield from _polars_arrow(frame).to_batches()
        return
    if kind == "frame":
        names = [n for n in item.columns if n in wanted]
        yield from _polars_arrow(item.select(names)).to_batches()
        return
    if isinstance(item, pa.Table | pa.RecordBatch):
        names = [n for n in item.schema.names if n in wanted]
        _unique_names(item.schema.names, names)
        selected = item.select(names)
        yield from selected.to_batches() if isinstance(selected, pa.Table) else [selected]
        return
    if isinstance(item, pa.RecordBatchReader):
        names = [n for n in item.schema.names if n in wanted]
        _unique_names(item.schema.names, names)
        for batch in item:
            yield batch.select(names)
        return
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


def _arrow_chunks(batches: Iterator[pa.RecordBatch], label: str, sizing: Sizing) -> Iterator[Chunk]:
    row = 0
    for batch in batches:
        start = 0
        while start < batch.num_rows:
            part = batch.slice(start, sizing.rows)
            columns: dict[str, Column] = {
                name: part.column(i) for i, name in enumerate(part.schema.names)
            }
            yield Chunk(columns, part.num_rows, label, row)
            start += part.num_rows
            row += part.num_rows


def _pandas_chunks(
    frame: Any, label: str, wanted: Sequence[str], sizing: Sizing
) -> Iterator[Chunk]:
    names = [n for n in frame.columns if isinstance(n, str) and n in wanted]
    _unique_names([str(n) for n in frame.columns], names)
    start = 0
    while start < len(frame):
        part = frame.iloc[start : start + sizing.rows]
        columns = {name: _pandas_column(part[name], name) for name in names}
        yield Chunk(columns, len(part), label, start)
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


# --- files (the CLI's inputs) ----------------------------------------------------------------


def _file_keys(uri: str, storage_options: Mapping[str, Any] | None) -> tuple[Store, list[str]]:
    """The input files at `uri`: the object itself, or the supported files under a prefix."""
    store = Store(uri, storage_options)
    if store.is_object():
        return store, [""]
    # The writer's own objects (a manifest, temporary files) are not input, so that an import
    # root written earlier can be converted again.
    keys = [
        obj.key
        for obj in store.list()
        if _format(obj.key) is not None and not obj.key.startswith(RESERVED_PREFIX)
    ]
    if not keys:
        raise UsageError(f"no input files at {uri} (expected {', '.join(FILE_FORMATS)})")
    return store, keys


def _format(name: str) -> str | None:
    return next((fmt for suffix, fmt in FILE_FORMATS.items() if name.endswith(suffix)), None)


def _files_rows(uri: str, storage_options: Mapping[str, Any] | None) -> int | None:
    store, keys = _file_keys(uri, storage_options)
    total = 0
    for key in keys:
        if _format(key or uri) != "parquet":
            return None
        with _reading(store.uri_of(key)):
            total += store.open_parquet(key).metadata.num_rows
    return total


@contextmanager
def _reading(uri: str) -> Iterator[None]:
    """Reading input `uri`: bytes that cannot be parsed are data (a ValidationError whose
    report holds one F001 finding at the file, CLI exit 1); an I/O failure is a storage
    error."""
    try:
        yield
    except StorageError:
        raise
    except OSError as exc:
        raise StorageError(f"cannot read input {uri}: {_first_line(exc)}") from None
    except (pa.ArrowException, ValueError) as exc:
        message = f"input file cannot be read: {_first_line(exc)}"
        tally = Tally()
        tally.add("F001", "error")
        report = Report(
            [finding("F001", message, Location(uri))], {"uri": uri, **tally.as_summary()}
        )
        raise ValidationError(report) from None


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _file_chunks(
    uri: str,
    columns: ColumnPlan,
    sizing: Sizing,
    storage_options: Mapping[str, Any] | None,
) -> Iterator[Chunk]:
    store, keys = _file_keys(uri, storage_options)
    for key in keys:
        where = store.uri_of(key)
        fmt = _format(key or uri)
        if fmt is None:
            raise UsageError(f"unknown input format: {where} (expected {', '.join(FILE_FORMATS)})")
        with _reading(where):
            yield from _arrow_chunks(_file_batches(store, key, fmt, columns, sizing), where, sizing)


def _file_batches(
    store: Store, key: str, fmt: str, columns: ColumnPlan, sizing: Sizing
) -> Iterator[pa.RecordBatch]:
    wanted = columns.wanted
    if fmt == "parquet":
        parquet = store.open_parquet(key)
        names = [n for n in parquet.schema_arrow.names if n in wanted]
        yield from parquet.iter_batches(batch_size=sizing.rows, columns=names)
        return
    options = pjson.ReadOptions(block_size=READ_BLOCK)
    if fmt == "json":
        with store.open_read(key) as handle:
            yield from _selected(pjson.open_json(handle, read_options=options), wanted)
        return
    # CSV: read the header first, so that only wanted columns are parsed (type inference of an
    # unrelated column cannot fail the read) and ids stay text ("007" is not 7).
    with store.open_read(key) as handle:
        header = pcsv.open_csv(handle, read_options=pcsv.ReadOptions(block_size=READ_BLOCK))
        names = [n for n in header.schema.names if n in wanted]
    convert = pcsv.ConvertOptions(
        include_columns=names,
        column_types={name: pa.string() for name in columns.text},
        strings_can_be_null=True,  # an empty cell is a missing value
    )
    with store.open_read(key) as handle:
        reader = pcsv.open_csv(
            handle,
            read_options=pcsv.ReadOptions(block_size=READ_BLOCK),
            convert_options=convert,
        )
        yield from reader


def _selected(reader: pa.RecordBatchReader, wanted: Sequence[str]) -> Iterator[pa.RecordBatch]:
    names = [n for n in reader.schema.names if n in wanted]
    for batch in reader:
        yield batch.select(names)


# --- columns to the writer's types -----------------------------------------------------------


def _arrow(col: Column, name: str) -> pa.Array:
    """Python objects (a pandas object column) as Arrow, with pandas' idea of missing."""
    if isinstance(col, pa.Array):
        return col
    try:
        return pa.array(col, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise UsageError(
            f"column {name!r} holds values of mixed or unsupported types: {exc}"
        ) from None


def _missing(cells: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """Missing cells (None, NaN, NA, NaT) of an object column; such columns come from pandas."""
    missing: npt.NDArray[np.bool_] = sys.modules["pandas"].isna(cells)
    return missing


def id_column(col: Column, name: str) -> pa.Array:
    """Ids as strings: text as is, integers as decimal strings."""
    arr = _arrow(col, name)
    t = arr.type
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string())
    if is_string_type(t) or pa.types.is_integer(t):
        return arr.cast(pa.string())
    raise UsageError(
        f"column {name!r} holds {t}; ids must be strings or integers (cast the column first)"
    )


def values_column(col: Column, name: str) -> pa.Array:
    """Dense vectors as list<float32>. float64 beyond the float32 range becomes +-Inf here, which
    the rules then reject (R012): a too-large number is never silently changed."""
    if isinstance(col, np.ndarray):
        return _values_from_objects(col, name)
    t = col.type
    if pa.types.is_null(t):
        return pa.nulls(len(col), VALUES_TYPE)
    if is_string_type(t):
        return _values_from_text(col.cast(pa.string()))
    if not is_list_type(t) or not _numeric_or_null(t.value_type):
        raise UsageError(f"column {name!r} must hold vectors (lists of numbers), found {t}")
    if pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        col = col.cast(pa.large_list(t.value_type))
    if pa.types.is_integer(t.value_type):  # exact in float64, then rounded like any float
        col = col.cast(pa.large_list(pa.float64()))
    return col.cast(VALUES_TYPE)


def _numeric_or_null(t: pa.DataType) -> bool:
    return bool(pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_null(t))


def _values_from_objects(cells: npt.NDArray[np.object_], name: str) -> pa.Array:
    """Per-row arrays (or lists) stacked into one matrix: no per-row conversion to Arrow."""
    missing = _missing(cells)
    present = cells[~missing]
    if len(present) and isinstance(present[0], str):
        return values_column(_arrow(cells, name), name)
    try:
        matrix = np.stack(list(present)) if len(present) else np.empty((0, 0), np.float32)
        lengths = np.full(len(present), matrix.shape[1] if matrix.ndim == 2 else -1, np.int64)
        flat = matrix.reshape(-1) if matrix.ndim == 2 else matrix
    except (ValueError, TypeError):  # rows of different lengths: concatenate instead
        parts = [np.asarray(c) for c in present]
        if any(p.ndim != 1 for p in parts):
            raise UsageError(f"column {name!r}: each cell must be a 1-D vector") from None
        lengths = np.fromiter((p.size for p in parts), np.int64, len(parts))
        flat = np.concatenate(parts) if parts else np.empty(0, np.float32)
    if (lengths < 0).any() or flat.dtype.kind not in "fiu":
        raise UsageError(
            f"column {name!r}: each cell must be a 1-D vector of numbers, found {flat.dtype}"
        )
    with np.errstate(over="ignore"):  # float64 beyond float32 becomes Inf: R012 rejects it
        flat32 = flat.astype(np.float32)
    all_lengths = np.zeros(len(cells), np.int64)
    all_lengths[~missing] = lengths
    return _list_array(pa.array(flat32), all_lengths, missing, VALUES_TYPE)


def _list_array(
    child: pa.Array, lengths: npt.NDArray[np.int64], missing: npt.NDArray[np.bool_], t: pa.DataType
) -> pa.Array:
    offsets = np.zeros(len(lengths) + 1, np.int32)
    np.cumsum(lengths, out=offsets[1:])
    mask = pa.array(missing) if missing.any() else None
    return pa.ListArray.from_arrays(pa.array(offsets), child, type=t, mask=mask)


def _values_from_text(text: pa.Array) -> pa.Array:
    """Vectors written as text, "[0.1, 2e-3]": split and parsed in Arrow. An element that is
    not a number becomes null, so the rules reject its row (R012)."""
    inner = pc.utf8_trim(pc.utf8_trim_whitespace(text), "[]")
    parts = pc.split_pattern(inner, ",")
    empty = pc.fill_null(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(inner)), 0), False)
    empty_np = empty.to_numpy(zero_copy_only=False)
    elements = pc.list_flatten(parts)
    owners = pc.list_parent_indices(parts).to_numpy(zero_copy_only=False)
    elements = elements.filter(pa.array(~empty_np[owners]))
    numbers = pc.match_substring_regex(elements, _NUMBER)
    parsed = pc.cast(
        pc.if_else(numbers, pc.utf8_trim_whitespace(elements), pa.scalar(None, pa.string())),
        pa.float64(),
    ).cast(pa.float32())
    lengths = pc.list_value_length(parts).fill_null(0).to_numpy(zero_copy_only=False)
    lengths = np.where(empty_np, 0, lengths).astype(np.int64)
    missing = text.is_null().to_numpy(zero_copy_only=False)
    return _list_array(parsed, lengths, missing, VALUES_TYPE)


def sparse_column(col: Column, name: str) -> pa.Array:
    """Sparse vectors from {indices, values} dicts or structs, as RAW_SPARSE_TYPE. A row whose
    indices and values are both null has no sparse part: it becomes a null row."""
    arr = _arrow(col, name)
    t = arr.type
    if pa.types.is_null(t):
        return pa.nulls(len(arr), RAW_SPARSE_TYPE)
    names = [t.field(i).name for i in range(t.num_fields)] if pa.types.is_struct(t) else []
    if sorted(names) != ["indices", "values"]:
        raise UsageError(
            f"column {name!r} must hold sparse vectors ({{'indices': [...], 'values': [...]}}),"
            f" found {t}"
        )
    parts = dict(zip(names, arr.flatten(), strict=True))
    indices, weights = parts["indices"], parts["values"]
    for part, ok in ((indices, pa.types.is_integer), (weights, _is_number)):
        pt = part.type
        if not (pa.types.is_null(pt) or (is_list_type(pt) and _or_null(ok)(pt.value_type))):
            raise UsageError(
                f"column {name!r}: sparse indices must be integers and values numbers, found {t}"
            )
    # uint64 indices beyond int64 wrap to negative numbers: still outside uint32, still R023.
    wide = _as_list(indices).cast(pa.list_(pa.int64()), safe=False)
    numbers = _as_list(weights).cast(pa.list_(pa.float64())).cast(pa.list_(pa.float32()))
    valid = arr.is_valid()
    valid = pc.and_(valid, pc.or_(indices.is_valid(), weights.is_valid()))
    return pa.StructArray.from_arrays(
        [wide, numbers], fields=list(RAW_SPARSE_TYPE), mask=pc.invert(valid)
    )


def _is_number(t: pa.DataType) -> bool:
    return bool(pa.types.is_floating(t) or pa.types.is_integer(t))


def _or_null(ok: Callable[[pa.DataType], bool]) -> Callable[[pa.DataType], bool]:
    """Lists of nothing but nulls (or empty lists) infer as list<null>: accept those too."""
    return lambda t: bool(ok(t) or pa.types.is_null(t))


def _as_list(arr: pa.Array) -> pa.Array:
    t = arr.type
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.list_(pa.null()))
    if pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        return arr.cast(pa.large_list(t.value_type))
    return arr


def final_sparse(raw: pa.Array) -> pa.Array:
    """RAW_SPARSE_TYPE rows that passed the rules as SPARSE_TYPE: indices uint32, each row's
    entries sorted by index (values moved with them)."""
    valid = raw.is_valid().to_numpy(zero_copy_only=False)
    indices, weights = raw.flatten()
    i_off = np.asarray(indices.offsets, np.int64)
    v_off = np.asarray(weights.offsets, np.int64)
    lengths = np.where(valid, np.diff(i_off), 0)
    flat_i = indices.values.to_numpy(zero_copy_only=False)[_positions(i_off[:-1], lengths)]
    flat_v = weights.values.to_numpy(zero_copy_only=False)[_positions(v_off[:-1], lengths)]
    owner = np.repeat(np.arange(len(lengths)), lengths)
    rising = flat_i[1:] > flat_i[:-1]
    if not (rising | (owner[1:] != owner[:-1])).all():
        order = np.lexsort((flat_i, owner))  # by row, then index: rows keep their ranges
        flat_i, flat_v = flat_i[order], flat_v[order]
    missing = ~valid
    return pa.StructArray.from_arrays(
        [
            _list_array(pa.array(flat_i.astype(np.uint32)), lengths, missing, SPARSE_TYPE[0].type),
            _list_array(pa.array(flat_v, pa.float32()), lengths, missing, SPARSE_TYPE[1].type),
        ],
        fields=list(SPARSE_TYPE),
        mask=pa.array(missing) if missing.any() else None,
    )


def _positions(starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]) -> Rows:
    """Flat positions of the ranges [start, start + length), concatenated, vectorised."""
    total = int(lengths.sum())
    if not total:
        return np.empty(0, np.int64)
    ends = np.cumsum(lengths)
    shift = np.repeat(starts - (ends - lengths), lengths)
    positions: Rows = np.arange(total, dtype=np.int64) + shift
    return positions


# --- metadata --------------------------------------------------------------------------------

Problems = dict[int, tuple[str, str]]


def metadata_column(col: Column, name: str) -> tuple[pa.Array, Problems | None]:
    """Metadata as JSON text: text as is, dicts and structs encoded with orjson. Problems are
    the rows that break a metadata rule (see `_encode`); None when the column is text that
    nobody has judged yet (the writer runs the rules on it)."""
    if isinstance(col, np.ndarray):
        cells = col.tolist()
        for i in np.flatnonzero(_missing(col)).tolist():
            cells[i] = None
        return _encode(cells)
    t = col.type
    if pa.types.is_null(t):
        return pa.nulls(len(col), pa.string()), {}
    if is_string_type(t):
        return col.cast(pa.string()), None
    if pa.types.is_struct(t):
        return _encode(col.to_pylist())
    if pa.types.is_map(t):
        return _encode([None if row is None else dict(row) for row in col.to_pylist()])
    raise UsageError(
        f"column {name!r} must hold metadata as dicts, structs or JSON text, found {t}"
    )


def metadata_from_columns(columns: Mapping[str, Column]) -> tuple[pa.Array, Problems]:
    """Metadata built from named columns: one key per column, null cells left out."""
    values: list[list[Any]] = []
    for name, col in columns.items():
        if isinstance(col, np.ndarray):
            cells = col.tolist()
            for i in np.flatnonzero(_missing(col)).tolist():
                cells[i] = None
            values.append(cells)
            continue
        t = col.type
        scalar = (
            is_string_type(t)
            or pa.types.is_integer(t)
            or pa.types.is_floating(t)
            or pa.types.is_boolean(t)
            or pa.types.is_null(t)
            or pa.types.is_temporal(t)
        )
        if not (scalar or (is_list_type(t) and is_string_type(t.value_type))):
            raise UsageError(
                f"metadata column {name!r} holds {t}; Pinecone metadata values are strings,"
                " numbers, booleans or lists of strings"
            )
        values.append(col.to_pylist())
    names = list(columns)
    return _encode([dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)])


def _encode(cells: Sequence[Any]) -> tuple[pa.Array, Problems]:
    """JSON text for each cell (the one per-row Python path). A dict's null values are dropped
    (Pinecone: remove the key instead; Arrow structs cannot tell a null from a missing key).
    A cell the rules would reject before encoding (orjson would turn NaN into null, for
    instance) is a problem with its rule's code and gets no text."""
    texts: list[str | None] = []
    problems: Problems = {}
    for i, cell in enumerate(cells):
        if cell is None:
            texts.append(None)
            continue
        if isinstance(cell, str):  # JSON text among dicts: judged here like the rest
            found = metadata_problem(cell)
            if found is not None:
                problems[i] = found
            texts.append(cell)
            continue
        if not isinstance(cell, Mapping):
            problems[i] = ("R031", f"`metadata` must be an object, found {type(cell).__name__}")
            texts.append(None)
            continue
        doc = {key: _plain(value) for key, value in cell.items() if value is not None}
        bad_key = next((key for key in doc if not isinstance(key, str)), None)
        problem = (
            ("R030", f"metadata key {bad_key!r} is not a string")
            if bad_key is not None
            else value_problem(doc)
        )
        if problem is None:
            try:
                texts.append(orjson.dumps(doc, default=_json_default).decode())
                continue
            except TypeError as exc:
                problem = ("R030", f"`metadata` cannot be encoded as JSON: {exc}")
        problems[i] = problem
        texts.append(None)
    return pa.array(texts, pa.string()), problems


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as Python values, so the rules see their real type."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.time):  # pandas Timestamps too
        return value.isoformat()
    raise TypeError(f"type {type(value).__name__} is not JSON serializable")


# --- namespaces ------------------------------------------------------------------------------


def namespace_column(col: Column, name: str) -> tuple[pa.Array, list[Hit]]:
    """Namespace names as strings, and L005 hits for rows whose name is not a valid folder."""
    arr = _arrow(col, name)
    t = arr.type
    if not (is_string_type(t) or pa.types.is_integer(t) or pa.types.is_null(t)):
        raise UsageError(f"column {name!r} holds {t}; namespaces must be strings")
    names = arr.cast(pa.string())
    problems: Problems = {}
    for row in np.flatnonzero(names.is_null().to_numpy(zero_copy_only=False)).tolist():
        problems[row] = ("L005", "namespace is null")
    for value in pc.unique(names.drop_null()).to_pylist():
        problem = folder_problem(value)
        if problem:
            same = pc.equal(names, value).fill_null(False)
            rows = np.flatnonzero(same.to_numpy(zero_copy_only=False))
            problems.update((row, ("L005", problem)) for row in rows.tolist())
    return names, problem_hits(problems, name)


def folder_problem(name: str) -> str | None:
    """Why `name` cannot be a namespace folder written by pinecone-prep: L005, or a name that
    would leave its folder or clash with the writer's own objects."""
    problem = namespace_problem(name)
    if problem:
        return problem
    if "/" in name or name in (".", ".."):
        return f"namespace name {name!r} is not a single folder name"
    if name.startswith(RESERVED_PREFIX):
        return f"namespace names starting with {RESERVED_PREFIX!r} are reserved for the writer"
    return None


@dataclass
class Converted:
    """One chunk in the writer's types (see the module docstring), before any rule."""

    rows: int
    ids: pa.Array
    values: pa.Array | None = None
    sparse: pa.Array | None = None
    metadata: pa.Array | None = None
    namespaces: pa.Array | None = None
    hits: list[Hit] = field(default_factory=list)  # conversion problems: rows with no output
    # True when the metadata rules (but R032, size) already ran during conversion: the texts
    # were encoded from dicts that passed them.
    metadata_judged: bool = False


def convert(chunk: Chunk, plan: ColumnPlan) -> Converted:
    """A chunk in the writer's types. The plan's columns must all be in the chunk."""
    cols = chunk.columns
    absent = [name for name in plan.wanted if name not in cols]
    if absent:
        raise UsageError(
            f"{chunk.source} (from row {chunk.first_row}) has no column(s)"
            f" {', '.join(map(repr, absent))}"
        )
    out = Converted(chunk.rows, id_column(cols[plan.id], plan.id))
    if plan.values:
        out.values = values_column(cols[plan.values], plan.values)
    if plan.sparse:
        out.sparse = sparse_column(cols[plan.sparse], plan.sparse)
    problems: Problems | None = {}
    if plan.metadata:
        out.metadata, problems = metadata_column(cols[plan.metadata], plan.metadata)
    elif plan.metadata_columns:
        out.metadata, problems = metadata_from_columns({n: cols[n] for n in plan.metadata_columns})
    out.metadata_judged = problems is not None
    out.hits += problem_hits(problems or {}, "metadata")
    if plan.namespace:
        out.namespaces, hits = namespace_column(cols[plan.namespace], plan.namespace)
        out.hits += hits
    return out
