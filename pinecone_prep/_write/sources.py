"""Input files: Parquet, JSON Lines and CSV, local or on any fsspec URL, read as streams of
record batches of the wanted columns. Bytes that cannot be parsed are data (F001 at the file);
a failing store is a storage error."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.json as pjson

from .._errors import StorageError, UsageError, ValidationError
from .._report import Finding, Location, rejection_report
from .._spec import RESERVED_PREFIX
from .._storage import NotParquet, Store

READ_BLOCK = 16 * 1024 * 1024  # JSON/CSV block: types are inferred from the first one
FILE_FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
    ".csv": "csv",
}


def file_keys(uri: str, storage_options: Mapping[str, Any] | None) -> tuple[Store, list[str]]:
    """The input files at `uri`: the object itself, or the supported files under a prefix."""
    store = Store(uri, storage_options)
    if store.is_object():
        return store, [""]
    # The writer's own objects (a manifest, temporary files) are not input, so that an import
    # root written earlier can be converted again.
    keys = [
        obj.key
        for obj in store.list()
        if format_of(obj.key) is not None and not obj.key.startswith(RESERVED_PREFIX)
    ]
    if not keys:
        raise UsageError(f"no input files at {store.uri} (expected {', '.join(FILE_FORMATS)})")
    return store, keys


def format_of(name: str) -> str | None:
    return next((fmt for suffix, fmt in FILE_FORMATS.items() if name.endswith(suffix)), None)


def files_rows(uri: str, storage_options: Mapping[str, Any] | None) -> int | None:
    """Rows in the input files when their footers say (Parquet only), else None."""
    store, keys = file_keys(uri, storage_options)
    total = 0
    for key in keys:
        if format_of(key or uri) != "parquet":
            return None
        try:
            with store.reading(key):
                total += store.open_parquet(key).metadata.num_rows
        except Exception as exc:
            _judge(store.uri_of(key), exc)
    return total


def _judge(uri: str, exc: BaseException) -> None:
    """Raise the right error for a failed read of input `uri`: unparsable bytes are data (a
    ValidationError whose report holds one F001 finding at the file, CLI exit 1); an I/O
    failure is a storage error."""
    if isinstance(exc, StorageError | UsageError | ValidationError):
        raise exc
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, NotParquet | pa.ArrowException | ValueError | RecursionError):
        item = Finding("F001", "error", f"input file cannot be read: {first}", Location(uri))
        report = rejection_report(uri, [item], rows=0)
        raise ValidationError(report.describe_errors(), report=report) from None
    raise exc


def read_files(
    uri: str,
    *,
    wanted: Sequence[str],
    text: Sequence[str],
    batch_rows: int,
    storage_options: Mapping[str, Any] | None,
) -> Iterator[tuple[str, list[str], Iterator[pa.RecordBatch]]]:
    """Each input file at `uri` as (its URI, its column names, its batches of the wanted
    columns); reading errors surface while the batches are read."""
    store, keys = file_keys(uri, storage_options)
    for key in keys:
        where = store.uri_of(key)
        fmt = format_of(key or uri)
        if fmt is None:
            raise UsageError(f"unknown input format: {where} (expected {', '.join(FILE_FORMATS)})")
        try:
            with store.reading(key):
                names, batches = _open(store, key, fmt, wanted, text, batch_rows)
        except Exception as exc:
            _judge(where, exc)
            raise
        yield where, names, _guarded(store, key, batches)


def _guarded(store: Store, key: str, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The batches, each read under `store.reading`: a failing store is a storage error, bytes
    pyarrow rejects are data."""
    while True:
        try:
            with store.reading(key):
                batch = next(batches, None)
        except Exception as exc:
            _judge(store.uri_of(key), exc)
            raise
        if batch is None:
            return
        yield batch


def _open(
    store: Store, key: str, fmt: str, wanted: Sequence[str], text: Sequence[str], rows: int
) -> tuple[list[str], Iterator[pa.RecordBatch]]:
    if fmt == "parquet":
        parquet = store.open_parquet(key)
        names = list(parquet.schema_arrow.names)
        used = [n for n in names if n in wanted]
        return names, parquet.iter_batches(batch_size=rows, columns=used)
    if fmt == "json":
        handle = store.open_read(key)
        reader = pjson.open_json(handle, read_options=pjson.ReadOptions(block_size=READ_BLOCK))
        names = list(reader.schema.names)
        return names, _selected(reader, [n for n in names if n in wanted], handle)
    # CSV: read the header first, so that only wanted columns are parsed (type inference of an
    # unrelated column cannot fail the read) and ids stay text ("007" is not 7).
    with store.open_read(key) as handle:
        header = pcsv.open_csv(handle, read_options=pcsv.ReadOptions(block_size=READ_BLOCK))
        names = list(header.schema.names)
    csv_options = pcsv.ConvertOptions(
        include_columns=[n for n in names if n in wanted],
        column_types={name: pa.string() for name in text},
        strings_can_be_null=True,  # an empty cell is a missing value
    )
    handle = store.open_read(key)
    reader = pcsv.open_csv(
        handle,
        read_options=pcsv.ReadOptions(block_size=READ_BLOCK),
        convert_options=csv_options,
    )
    return names, _selected(reader, None, handle)


def _selected(
    reader: pa.RecordBatchReader, names: list[str] | None, handle: Any
) -> Iterator[pa.RecordBatch]:
    with handle:
        for batch in reader:
            yield batch if names is None else batch.select(names)
