"""Write and check import files with Dask (`pip install 'pinecone-prep[dask]'`).

`write(ddf, root)` stages each partition of a Dask DataFrame in a task and publishes the parts
on the client; `convert(paths, root)` has each task read its own input files (no data through
the client); `check(uri)` checks whole files per task and merges the results into the report
`check` gives. They run on a `distributed.Client` (the current one, or `client=`). The tasks
run the engine-agnostic core (`pinecone_prep.distributed`); this module is only the glue, and
imports Dask only when one of its functions runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from . import distributed as dist
from ._check.api import ExtraColumns, SchemaLike
from ._check.scan import DEFAULT_MAX_EXAMPLES
from ._engines import (
    SAMPLE_ROWS,
    WriteSpec,
    check_share,
    input_files,
    merged,
    meter,
    publish_staged,
    shares,
    stage_partition,
)
from ._errors import UsageError
from ._index import IndexDescription
from ._limits import Limits
from ._report import Report, Summary
from ._types import Kind, Progress, check_count, uri_text
from ._write.model import DEFAULT_ROW_GROUP_BYTES, DEFAULT_TARGET_FILE_BYTES, OnInvalid, WriteResult

Client = Any  # distributed.Client: not imported before it is used


def write(
    ddf: Any,
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
    client: Client | None = None,
    retries: int = 0,
    progress: Progress | None = None,
) -> WriteResult:
    """`pinecone_prep.write` of a Dask DataFrame, one task per partition (the options of
    `write`). The kind and dimension are fixed on the client from the first rows of the first
    non-empty partition, unless given. Files are named `NS/part-<partition>-NNNNN.parquet`; a
    duplicate id (R005) or vector (R014) keeps the copy of the lowest partition.
    `on_invalid="error"` raises `RowsRejected` here with every partition's rejected rows.
    `retries`: Dask retries of a task that raised (a lost worker's tasks are rerun anyway);
    a retried task's files are never published twice. progress(tasks done, tasks)."""
    uri = uri_text(root, "root")
    client = _client(client)
    spec = WriteSpec(
        namespace=namespace,
        namespace_column=namespace_column,
        id_column=id_column,
        values_column=values_column,
        sparse_values_column=sparse_values_column,
        metadata_column=metadata_column,
        metadata_columns=metadata_columns,
        kind=kind,
        dimension=dimension,
        on_invalid=on_invalid,
        quarantine_uri=quarantine_uri,
        target_file_bytes=target_file_bytes,
        row_group_bytes=row_group_bytes,
        overwrite=overwrite,
        storage_options=storage_options,
    )
    return _write_frame(ddf, uri, spec, client=client, retries=retries, progress=progress)


def _write_frame(
    ddf: Any, uri: str, spec: WriteSpec, *, client: Client, retries: int, progress: Progress | None
) -> WriteResult:
    """`write` with its options gathered in `spec`."""
    from dask.delayed import delayed

    spec = spec.fixed(lambda: _sample(ddf, client))
    with dist.write_job(uri, storage_options=spec.storage_options) as job:
        task = delayed(stage_partition, pure=False)
        tasks = [task(d, i, root=uri, job=job, spec=spec) for i, d in enumerate(ddf.to_delayed())]
        futures = client.compute(tasks, retries=_retries(retries))
        return publish_staged(uri, _gather(client, futures, progress), spec)


def convert(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
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
    files_per_task: int = 1,
    client: Client | None = None,
    retries: int = 0,
    progress: Progress | None = None,
) -> WriteResult:
    """`write` of input files (Parquet, JSON Lines, CSV: files or prefixes, in order), each
    task reading `files_per_task` of them itself: only a sample of the first file's rows is
    read on the client (for the kind and dimension). The options of `dask.write`."""
    uri = uri_text(root, "root")
    client = _client(client)
    files = input_files(paths, storage_options)
    spec = WriteSpec(
        namespace=namespace,
        namespace_column=namespace_column,
        id_column=id_column,
        values_column=values_column,
        sparse_values_column=sparse_values_column,
        metadata_column=metadata_column,
        metadata_columns=metadata_columns,
        kind=kind,
        dimension=dimension,
        on_invalid=on_invalid,
        quarantine_uri=quarantine_uri,
        target_file_bytes=target_file_bytes,
        row_group_bytes=row_group_bytes,
        overwrite=overwrite,
        storage_options=storage_options,
    ).fixed(lambda: files[0])
    work = shares(files, files_per_task, "files_per_task")
    with dist.write_job(uri, storage_options=storage_options) as job:
        futures = client.map(
            stage_partition,
            work,
            range(len(work)),
            root=uri,
            job=job,
            spec=spec,
            pure=False,
            retries=_retries(retries),
        )
        return publish_staged(uri, _gather(client, futures, progress), spec)


def check(
    uri: str | os.PathLike[str],
    *,
    kind: Kind | None = None,
    dimension: int | None = None,
    metric: str | None = None,
    limits: str | Limits | None = None,
    extra_columns: ExtraColumns = "error",
    index: IndexDescription | None = None,
    schema: SchemaLike | None = None,
    quick: bool = False,
    max_examples: int | None = DEFAULT_MAX_EXAMPLES,
    storage_options: Mapping[str, Any] | None = None,
    workers: int | None = None,
    files_per_task: int = 1,
    client: Client | None = None,
    retries: int = 0,
    progress: Progress | None = None,
) -> Report[Summary]:
    """`pinecone_prep.check` with the rows of `files_per_task` whole files checked per task
    (the options of `check`, JSON Lines with `schema` or a document `index` included;
    `workers`: threads per task). The listing, the footers and the rules across files (R005,
    R014, limits) run on the client: the report equals `check`'s."""
    client = _client(client)
    plan = dist.plan_check(
        uri,
        kind=kind,
        dimension=dimension,
        metric=metric,
        limits=limits,
        extra_columns=extra_columns,
        index=index,
        schema=schema,
        quick=quick,
        max_examples=max_examples,
        storage_options=storage_options,
        workers=workers,
    )
    work = shares(plan.files, files_per_task, "files_per_task")
    shared = client.scatter(plan, broadcast=True, hash=False)
    futures = client.map(
        check_share, [shared] * len(work), work, pure=False, retries=_retries(retries)
    )
    return merged(plan, _gather(client, futures, progress))


def _client(client: Client | None) -> Client:
    from distributed import get_client

    if client is not None:
        return client
    try:
        return get_client()
    except ValueError:
        raise UsageError(
            "no Dask client: start one first (e.g. `distributed.Client()` for a local cluster)"
            " or pass client="
        ) from None


def _retries(value: Any) -> int:
    return check_count(value, "retries") or 0


def _sample(ddf: Any, client: Client) -> Any:
    """The first rows of the first non-empty partition."""
    rows = None
    for i in range(ddf.npartitions):
        rows = client.compute(ddf.partitions[i].head(SAMPLE_ROWS, compute=False)).result()
        if len(rows):
            break
    return [] if rows is None else rows


def _gather(client: Client, futures: list[Any], progress: Progress | None) -> list[Any]:
    """Every task's result, once all have ended; a task's exception (after its retries) is
    raised once the others have ended too, so that none is still staging when the job's
    folder is removed."""
    from distributed import as_completed

    done = meter(progress, len(futures))
    failed = None
    for future in as_completed(futures):  # type: ignore[no-untyped-call]
        if failed is None and future.status == "error":
            failed = future
        done.add(1)
    if failed is not None:
        failed.result()  # raises the task's exception
    return list(client.gather(futures))
