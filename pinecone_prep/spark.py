"""Write and check import files with Spark (`pip install 'pinecone-prep[spark]'`).

`write(df, root)` stages each partition of a Spark DataFrame in a `mapInArrow` task and
publishes the parts on the driver; `convert(spark, paths, root)` has each task read its own
input files (no rows through the JVM); `check(spark, uri)` checks whole files per task and
merges the results into the report `check` gives. Files are read and written through fsspec
inside the Python workers (the `storage_options` of the rest of the library: no Hadoop
connector), so the workers' Python (`spark.pyspark.python`) needs pinecone-prep installed.
The tasks run the engine-agnostic core (`pinecone_prep.distributed`); this module is only the
glue, and imports pyspark only when one of its functions runs.
"""

from __future__ import annotations

import itertools
import os
import pickle
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

import pyarrow as pa

from . import distributed as dist
from ._check.api import ExtraColumns, SchemaLike
from ._check.scan import DEFAULT_MAX_EXAMPLES
from ._engines import (
    SAMPLE_ROWS,
    Staged,
    WriteSpec,
    check_share,
    input_files,
    merged,
    meter,
    publish_staged,
    shares,
    stage_partition,
)
from ._index import IndexDescription
from ._limits import Limits
from ._report import Report, Summary
from ._types import Kind, Meter, Progress, uri_text
from ._write.model import DEFAULT_ROW_GROUP_BYTES, DEFAULT_TARGET_FILE_BYTES, OnInvalid, WriteResult

SparkSession = Any  # pyspark.sql.SparkSession: not imported before it is used
DataFrame = Any  # pyspark.sql.DataFrame
T = TypeVar("T")
RESULT_SCHEMA = "part long, staged binary"  # one row per write task: its pickled `Staged`
POLL_SECONDS = 0.5  # how often progress asks Spark's status tracker


def write(
    df: DataFrame,
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
) -> WriteResult:
    """`pinecone_prep.write` of a Spark DataFrame, one `mapInArrow` task per partition (the
    options of `write`; vectors as `array<float>` or `array<double>`). The kind and dimension
    are fixed on the driver from the DataFrame's first rows, unless given. Files are named
    `NS/part-<partition>-NNNNN.parquet`; a duplicate id (R005) or vector (R014) keeps the copy
    of the lowest partition. `on_invalid="error"` raises `RowsRejected` here with every
    partition's rejected rows. A task attempt that fails (and is retried) or loses to a
    speculative copy never has its files published. progress(tasks done, tasks)."""
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
    return _write_frame(df, uri_text(root, "root"), spec, progress=progress)


def _write_frame(
    df: DataFrame, uri: str, spec: WriteSpec, *, progress: Progress | None
) -> WriteResult:
    """`write` with its options gathered in `spec`."""
    spec = spec.fixed(
        lambda: [row.asDict(recursive=True) for row in df.limit(SAMPLE_ROWS).collect()]
    )
    with dist.write_job(uri, storage_options=spec.storage_options) as job:
        task = partial(_stage_batches, root=uri, job=job, spec=spec)
        # One action: its rows are the results of the attempts that won (a second action
        # over the same mapInArrow would run every task again).
        staged = df.mapInArrow(task, RESULT_SCHEMA)
        rows = _run(df.sparkSession, staged.collect, progress)
        return publish_staged(uri, [pickle.loads(row["staged"]) for row in rows], spec)


def _stage_batches(
    batches: Iterator[pa.RecordBatch], *, root: str, job: str, spec: WriteSpec
) -> Iterator[pa.RecordBatch]:
    """A `mapInArrow` task: the partition's batches staged as one part."""
    from pyspark import TaskContext

    context = TaskContext.get()
    assert context is not None  # always set inside a task
    part = context.partitionId()
    first = next(batches, None)
    data: Any = []  # an empty partition stages nothing
    if first is not None:  # one input, so that rejected rows count rows across its batches
        data = pa.RecordBatchReader.from_batches(first.schema, itertools.chain([first], batches))
    staged = stage_partition(data, part, root=root, job=job, spec=spec)
    yield pa.record_batch(
        [pa.array([part], pa.int64()), pa.array([pickle.dumps(staged)], pa.binary())],
        names=["part", "staged"],
    )


def convert(
    spark: SparkSession,
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
    progress: Progress | None = None,
) -> WriteResult:
    """`write` of input files (Parquet, JSON Lines, CSV: files or prefixes, in order), each
    task reading `files_per_task` of them itself through fsspec: no rows pass through the JVM
    or the driver (but a sample of the first file, for the kind and dimension). The options
    of `spark.write`."""
    uri = uri_text(root, "root")
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
        task = partial(stage_partition, root=uri, job=job, spec=spec)
        results: list[Staged] = _tasks(spark, work, task, progress)
        return publish_staged(uri, results, spec)


def check(
    spark: SparkSession,
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
    progress: Progress | None = None,
) -> Report[Summary]:
    """`pinecone_prep.check` with the rows of `files_per_task` whole files checked per task
    (the options of `check`, JSON Lines with `schema` or a document `index` included;
    `workers`: threads per task). The listing, the footers and the rules across files (R005,
    R014, limits) run on the driver: the report equals `check`'s."""
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
    results = _tasks(spark, work, lambda keys, _: check_share(plan, keys), progress)
    return merged(plan, results)


def _tasks(
    spark: SparkSession,
    work: list[list[str]],
    task: Callable[[list[str], int], T],
    progress: Progress | None,
) -> list[T]:
    """`task(share, i)` for each share of files, one Spark task each, results in order."""
    if not work:
        return []
    rdd = spark.sparkContext.parallelize(list(enumerate(work)), len(work))
    results: list[T] = _run(spark, rdd.map(lambda item: task(item[1], item[0])).collect, progress)
    return results


def _run(spark: SparkSession, action: Callable[[], T], progress: Progress | None) -> T:
    """Run a Spark action; with `progress`, report the tasks done as the job runs (polling
    Spark's status tracker for the jobs of a job group of our own)."""
    if progress is None:
        return action()
    context = spark.sparkContext
    group = f"pinecone-prep-{uuid.uuid4().hex[:12]}"
    previous = context.getLocalProperty("spark.jobGroup.id")
    context.setJobGroup(group, "pinecone-prep", interruptOnCancel=True)
    stop = threading.Event()
    done = meter(progress, 0)
    poller = threading.Thread(
        target=_poll, args=(context.statusTracker(), group, done, stop), daemon=True
    )
    poller.start()
    try:
        result = action()
    finally:
        stop.set()
        poller.join()
        context.setLocalProperty("spark.jobGroup.id", previous)
    _report(context.statusTracker(), group, done)
    return result


def _poll(tracker: Any, group: str, done: Meter, stop: threading.Event) -> None:
    while not stop.wait(POLL_SECONDS):
        _report(tracker, group, done)


def _report(tracker: Any, group: str, done: Meter) -> None:
    """The last stage of the group's jobs (the one of our tasks): tasks done, tasks."""
    stages = [
        stage
        for job in tracker.getJobIdsForGroup(group)
        for stage in (getattr(tracker.getJobInfo(job), "stageIds", None) or [])
    ]
    info = tracker.getStageInfo(max(stages)) if stages else None
    if info is not None and (info.numCompletedTasks, info.numTasks) != (done.done, done.total):
        done.set(info.numCompletedTasks, info.numTasks)
