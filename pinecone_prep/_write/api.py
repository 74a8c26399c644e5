"""write(), stage() and publish(): the writer's public entry points.

`write` = one staged part published at once. An engine (or any scheduler) runs `stage` in each
task, with one `job` and a distinct `part` per partition, and `publish`es the parts on the
driver: the same code path, split at the seam."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from .._errors import UsageError
from .._rules.arrow import first_length
from .._rules.schema import dimension_issues
from .._schema import DocumentSchema, document_schema
from .._spec import TMP_PREFIX
from .._storage import Store
from .._types import Kind, Meter, Progress, check_progress, uri_text
from . import vectors
from .columns import ColumnPlan, resolve_schema
from .inputs import Sizing, Wanted, read_input
from .model import (
    DEFAULT_ROW_GROUP_BYTES,
    DEFAULT_TARGET_FILE_BYTES,
    FileFormatName,
    OnInvalid,
    StagedPart,
    WriteOptions,
    WriteResult,
)
from .publish import LOCAL_JOB, Publishing, Root, publish_parts
from .quarantine import quarantine_store
from .stage import Stager


def _columns(
    *,
    id_column: str,
    values_column: str | None,
    sparse_values_column: str | None,
    metadata_column: str | None,
    metadata_columns: Sequence[str] | None,
    namespace_column: str | None,
    schema: DocumentSchema | None = None,
) -> ColumnPlan:
    def name(value: Any, what: str, required: bool = False) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise UsageError(f"{what} must be a column name, not {value!r}")
        return value

    if metadata_columns is not None and (
        isinstance(metadata_columns, str)
        or not metadata_columns
        or not all(isinstance(n, str) and n for n in metadata_columns)
    ):
        raise UsageError(
            f"metadata_columns must be a non-empty list of names, not {metadata_columns!r}"
        )
    fields = () if schema is None else (schema.dense[0] if schema.dense else None, schema.sparse)
    return ColumnPlan(
        name(id_column, "id_column", required=True) or "id",
        name(values_column, "values_column"),
        name(sparse_values_column, "sparse_values_column"),
        name(metadata_column, "metadata_column"),
        tuple(metadata_columns or ()),
        name(namespace_column, "namespace_column"),
        texts=schema.texts if schema is not None else (),
        fields=tuple(n for n in fields if n is not None),
    )


def _run(
    stager: Stager, data: Any, options: WriteOptions, storage_options: Mapping[str, Any] | None
) -> StagedPart:
    """Stage `data`: every chunk fed, the part finished (or its folder removed on failure)."""
    cols = options.columns
    sizing = Sizing()
    source = read_input(data, Wanted(tuple(cols.wanted), tuple(cols.text)), sizing, storage_options)
    stager.total_rows = source.total_rows
    try:
        for chunk in source.chunks:
            stager.feed(chunk, sizing)
        return stager.finish()
    except BaseException:
        stager.abort()
        raise


def write(
    data: Any,
    root: str | os.PathLike[str],
    *,
    namespace: str | None = None,
    namespace_column: str | None = None,
    id_column: str = "id",
    values_column: str | None = "values",
    sparse_values_column: str | None = "sparse_values",
    metadata_column: str | None = "metadata",
    metadata_columns: Sequence[str] | None = None,
    kind: Kind | None = None,
    dimension: int | None = None,
    on_invalid: OnInvalid = "error",
    quarantine_uri: str | os.PathLike[str] | None = None,
    target_file_bytes: int = DEFAULT_TARGET_FILE_BYTES,
    row_group_bytes: int = DEFAULT_ROW_GROUP_BYTES,
    overwrite: bool = False,
    storage_options: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    format: FileFormatName = "parquet",
    schema: DocumentSchema | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    gzip: bool = False,
) -> WriteResult:
    """Write `data` as Pinecone import files under `root` (`ROOT/NAMESPACE/part-NNNNN.parquet`).

    `data`: a pandas or polars DataFrame, a polars LazyFrame (streamed), a pyarrow Table,
    RecordBatch or RecordBatchReader, a list of record dicts (`{"id", "values", "metadata"}`),
    the URI or path of a Parquet / JSON Lines / CSV file or of a prefix holding such files, or
    an iterable (a list, a generator) of any of these.

    Columns: `id_column` (text or integers), `values_column` (dense vectors: lists, numpy
    arrays per row, polars List/Array, float16/32/64), `sparse_values_column` ({indices,
    values} dicts or structs), `metadata_column` (dicts, structs or JSON text) or
    `metadata_columns` (named columns, one metadata key each); None leaves a column out.
    Other columns are not written (`WriteResult.ignored_columns` names them). The namespace is
    `namespace`, or per row `namespace_column`, else `__default__`.

    Every row is judged by the checker's rules first. `on_invalid`: "error" raises
    `RowsRejected` (nothing is published), "skip" leaves bad rows out, "quarantine" also
    writes them, with their codes, to `quarantine_uri` (default: the sibling prefix
    `ROOT.quarantine`). `progress(done_bytes, total_bytes)` is called per chunk (the total is
    an estimate, 0 when the input's length is unknown). A namespace folder that is not empty
    is refused unless `overwrite=True` (then its objects are replaced). One write at a time per
    root: a second is refused while the first holds the root's lock.

    `format="jsonl"` writes a document index's import instead: `schema` (a `DocumentSchema`,
    its JSON as a dict, or a JSON file's path) names its fields; the vector column feeds the
    dense field (or a column named like it), the sparse column the sparse field, columns
    named like full-text fields those fields, and the metadata spreads into flat keys. Files
    are `part-NNNNN.jsonl`, or `.jsonl.gz` with `gzip=True` (see docs/documents.md).
    """
    doc_schema = None if schema is None else document_schema(schema)
    options = WriteOptions(
        columns=_columns(
            id_column=id_column,
            values_column=values_column,
            sparse_values_column=sparse_values_column,
            metadata_column=metadata_column,
            metadata_columns=metadata_columns,
            namespace_column=namespace_column,
            schema=doc_schema,
        ),
        file_format=format,
        schema=doc_schema,
        gzip=bool(gzip),
        namespace=namespace,
        kind=kind,
        dimension=dimension,
        on_invalid=on_invalid,
        quarantine_uri=None if quarantine_uri is None else uri_text(quarantine_uri),
        target_file_bytes=target_file_bytes,
        row_group_bytes=row_group_bytes,
        overwrite=bool(overwrite),
    )
    meter = Meter(check_progress(progress))
    store = Store(uri_text(root, "root"), storage_options)
    how = _publishing(store, options, storage_options)
    home = Root(store)
    home.check_target()
    folder = f"{TMP_PREFIX}/{LOCAL_JOB}"
    acquired = False
    try:
        with home.locked(LOCAL_JOB):
            acquired = True
            home.prepare()
            store.delete_prefix(folder)  # a crashed write's temporary files
            claim = _claim(home, options)
            stager = Stager(
                store, options, job=LOCAL_JOB, part="", folder=f"{folder}/local", claim=claim
            )
            stager.meter = meter
            staged = _run(stager, data, options, storage_options)
            return publish_parts(home, [staged], how)
    except BaseException:
        if acquired:  # never touch the folder of the write that holds the lock
            home.abort(folder)
        raise


def _claim(home: Root, options: WriteOptions) -> Callable[[str], None]:
    return lambda name: home.claim(name, overwrite=options.overwrite)


def _publishing(
    store: Store, options: WriteOptions, storage_options: Mapping[str, Any] | None
) -> Publishing:
    quarantine = (
        quarantine_store(store, options.quarantine_uri, storage_options)
        if options.on_invalid == "quarantine"
        else None
    )
    return Publishing(
        on_invalid=options.on_invalid,
        overwrite=options.overwrite,
        row_group_bytes=options.row_group_bytes,
        quarantine=quarantine,
    )


def stage(
    data: Any,
    root: str | os.PathLike[str],
    *,
    job: str,
    part: str,
    attempt: str | None = None,
    namespace: str | None = None,
    namespace_column: str | None = None,
    id_column: str = "id",
    values_column: str | None = "values",
    sparse_values_column: str | None = "sparse_values",
    metadata_column: str | None = "metadata",
    metadata_columns: Sequence[str] | None = None,
    kind: Kind | None = None,
    dimension: int | None = None,
    quarantine: bool = False,
    target_file_bytes: int = DEFAULT_TARGET_FILE_BYTES,
    row_group_bytes: int = DEFAULT_ROW_GROUP_BYTES,
    storage_options: Mapping[str, Any] | None = None,
    format: FileFormatName = "parquet",
    schema: DocumentSchema | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    gzip: bool = False,
) -> StagedPart:
    """Stage one partition of a distributed write: its files under
    `ROOT/_pinecone_prep_tmp/JOB/PART-ATTEMPT/` (names that Pinecone ignores), judged by every
    rule. Never raises on bad data: the rejected rows are in the result, for `publish` to
    decide. Give every task of one write the same `job`, each partition its own `part`, and the
    same `kind` and `dimension` (fix them on the driver: each part would infer its own).
    `attempt` (default: a fresh id) keeps a retried or speculative task's files apart.
    `quarantine`: also stage the rejected rows as files, for `publish(on_invalid="quarantine")`.
    `format`, `schema`, `gzip`: as for `write` (JSON Lines for a document index).
    """
    for value, what in ((job, "job"), (part, "part"), (attempt or "a", "attempt")):
        if not isinstance(value, str) or not value or "/" in value:
            raise UsageError(f"{what} must be a name without '/', not {value!r}")
    doc_schema = None if schema is None else document_schema(schema)
    options = WriteOptions(
        columns=_columns(
            id_column=id_column,
            values_column=values_column,
            sparse_values_column=sparse_values_column,
            metadata_column=metadata_column,
            metadata_columns=metadata_columns,
            namespace_column=namespace_column,
            schema=doc_schema,
        ),
        file_format=format,
        schema=doc_schema,
        gzip=bool(gzip),
        namespace=namespace,
        kind=kind,
        dimension=dimension,
        on_invalid="quarantine" if quarantine else "skip",
        target_file_bytes=target_file_bytes,
        row_group_bytes=row_group_bytes,
    )
    store = Store(uri_text(root, "root"), storage_options)
    folder = f"{TMP_PREFIX}/{job}/{part}-{attempt or uuid.uuid4().hex[:12]}"
    store.delete_prefix(folder)  # the same attempt, run again
    stager = Stager(store, options, job=job, part=part, folder=folder)
    return _run(stager, data, options, storage_options)


def probe(
    data: Any,
    *,
    namespace_column: str | None = None,
    id_column: str = "id",
    values_column: str | None = "values",
    sparse_values_column: str | None = "sparse_values",
    metadata_column: str | None = "metadata",
    metadata_columns: Sequence[str] | None = None,
    kind: Kind | None = None,
    dimension: int | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> tuple[Kind | None, int | None]:
    """The kind and dimension that a write of `data` fixes from its first rows (given ones are
    kept): run it on the driver over a sample (the first rows of the first non-empty
    partition) and give both to every `stage`, so that the parts agree. Only the first chunks
    are read; the column options are checked against them as `write` would. (None, None) for
    data without rows."""
    columns = _columns(
        id_column=id_column,
        values_column=values_column,
        sparse_values_column=sparse_values_column,
        metadata_column=metadata_column,
        metadata_columns=metadata_columns,
        namespace_column=namespace_column,
    )
    WriteOptions(columns=columns, kind=kind, dimension=dimension)
    wanted = Wanted(tuple(columns.wanted), tuple(columns.text))
    found = kind
    for chunk in read_input(data, wanted, Sizing(), storage_options).chunks:
        plan, _, found = resolve_schema(columns, list(chunk.columns), kind)
        if dimension is None and plan.values is not None:  # as the writer: the first vector
            values, _ = vectors.values_column(chunk.columns[plan.values], plan.values)
            dimension = first_length(values)
            for issue in dimension_issues(dimension or 1, None, "the first vector"):
                raise UsageError(issue.message)
        if dimension is not None or plan.values is None:
            break
    return found, dimension


def publish(
    root: str | os.PathLike[str],
    parts: Sequence[StagedPart],
    *,
    on_invalid: OnInvalid = "error",
    quarantine_uri: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    row_group_bytes: int = DEFAULT_ROW_GROUP_BYTES,
    storage_options: Mapping[str, Any] | None = None,
) -> WriteResult:
    """Publish staged parts (see `stage`) as one write: duplicate ids per namespace (R005) and
    identical vectors (R014) across the parts are confirmed and later copies dropped (the parts'
    order decides which copy is first), files are named `NS/part-<part>-NNNNN.parquet`, and the
    one manifest is written (pending, moves, complete). `on_invalid="error"` raises
    `RowsRejected` with every part's rejected rows and publishes nothing. The job's temporary
    folder is removed afterwards, the other attempts' files included."""
    parts = list(parts)
    if not all(isinstance(p, StagedPart) for p in parts):
        raise UsageError("parts must be the StagedPart results of stage()")
    jobs = {p.job for p in parts}
    if len(jobs) > 1:
        raise UsageError(f"parts of several jobs cannot be published together: {sorted(jobs)}")
    labels = [p.part for p in parts]
    if len(set(labels)) != len(labels):
        raise UsageError("two parts have the same label: publish one result per partition")
    options = WriteOptions(
        columns=ColumnPlan("id"),
        on_invalid=on_invalid,
        quarantine_uri=None if quarantine_uri is None else uri_text(quarantine_uri),
        row_group_bytes=row_group_bytes,
        overwrite=bool(overwrite),
    )
    store = Store(uri_text(root, "root"), storage_options)
    how = _publishing(store, options, storage_options)
    home = Root(store)
    home.check_target()
    job = next(iter(jobs), LOCAL_JOB)
    acquired = False
    try:
        with home.locked(job):
            acquired = True
            home.prepare()
            return publish_parts(home, parts, how)
    except BaseException:
        if acquired:
            home.abort(f"{TMP_PREFIX}/{job}")
        raise


@contextmanager
def write_job(
    root: str | os.PathLike[str], *, storage_options: Mapping[str, Any] | None = None
) -> Iterator[str]:
    """Hold the root's lock for a distributed write and yield its job id: run `stage(...,
    job=job)` in the tasks, then `publish` the parts inside the block. A second writer is
    refused meanwhile; if the block fails, the job's staged files are removed."""
    store = Store(uri_text(root, "root"), storage_options)
    home = Root(store)
    home.check_target()
    job = f"job-{uuid.uuid4().hex[:12]}"
    with home.locked(job):
        try:
            yield job
        except BaseException:
            home.abort(f"{TMP_PREFIX}/{job}")
            raise
