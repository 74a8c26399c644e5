"""The row scan: every row group of a namespace's files as tasks on a thread pool (results come
back in file order, a bounded window in flight), each task checking its batches with the record
rules and hashing ids and vectors for the cross-file rules."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from threading import Lock
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .._collector import Batch, Place, hit_findings
from .._dupes import hash_strings, vector_hashes
from .._rules import Hit, Issue
from .._rules.arrow import first_length, vector_lengths
from .._rules.files import not_parquet_start, rows_issue, unreadable_row_group
from .._rules.metadata import metadata_hits, metadata_texts, scan_metadata
from .._rules.records import dense_hits, id_hits, sparse_hits
from .._storage import NotParquet, Store
from .._survey import FileInfo, ordered_map
from .._types import Kind, Meter

BATCH_BYTES = 8 * 1024 * 1024  # decoded bytes per batch: bounds memory (8 MiB measured best)
JSON_POOL_MIN_ROWS = 200_000  # metadata rows in a namespace worth worker processes for
QUICK_ROWS = 100  # rows a quick check reads of each file (within its first data pages)


@dataclass(frozen=True)
class Task:
    """Consecutive row groups of one file (one, unless they are small), with what is needed to
    check them."""

    file: FileInfo
    row_groups: tuple[int, ...]
    first_row: int
    kind: Kind | None
    dimension: int | None


@dataclass
class TaskResult:
    """A checked task: its findings (examples capped per hit, exact counts), the hashes for
    the cross-file rules, or the failure that stopped it."""

    task: Task
    batch: Batch
    rows: int  # as the footer says
    id_hashes: np.ndarray[Any, Any] | None = None
    id_skip: np.ndarray[Any, Any] | None = None
    vector_hashes: np.ndarray[Any, Any] | None = None
    vector_skip: np.ndarray[Any, Any] | None = None
    lengths: set[int] = field(default_factory=set)
    failures: list[Issue] = field(default_factory=list)  # F001s
    # Several row groups failed together: each checked on its own, to name the broken one.
    retried: list[TaskResult] = field(default_factory=list)


@dataclass
class FileResult:
    """One file's rows, checked: what the merge needs, in one picklable value (the tasks of a
    distributed check return these). Hashes are aligned to the file's records; records that
    could not be read are marked to skip."""

    key: str
    rows: int
    batch: Batch = field(default_factory=Batch)
    failures: list[Issue] = field(default_factory=list)
    lengths: set[int] = field(default_factory=set)
    ids: tuple[Any, Any] | None = None  # (hashes, skip)
    vectors: tuple[Any, Any] | None = None

    @staticmethod
    def of(file: FileInfo, done: list[TaskResult]) -> FileResult:
        out = FileResult(file.key, file.records)
        ids, vectors = [], []
        for result in (r for d in done for r in (d.retried or [d])):
            out.batch.findings += result.batch.findings
            out.batch.omitted += result.batch.omitted
            for key, n in result.batch.counts.items():
                out.batch.counts[key] = out.batch.counts.get(key, 0) + n
            out.failures += result.failures
            out.lengths |= result.lengths
            ids.append(_or_missing(result.id_hashes, result.id_skip, result.rows))
            vectors.append(_or_missing(result.vector_hashes, result.vector_skip, result.rows))
        if ids:
            out.ids = (np.concatenate([h for h, _ in ids]), np.concatenate([s for _, s in ids]))
            out.vectors = (
                np.concatenate([h for h, _ in vectors]),
                np.concatenate([s for _, s in vectors]),
            )
        return out


def _or_missing(hashes: Any, skip: Any, rows: int) -> tuple[Any, Any]:
    if hashes is None:
        return np.zeros(rows, np.uint64), np.ones(rows, np.bool_)
    return hashes, skip


class RowScanner:
    """Runs the row tasks of one check. `quick` reads only the first rows of each file."""

    def __init__(
        self,
        store: Store,
        pool: ThreadPoolExecutor,
        *,
        workers: int,
        max_examples: int | None,
        processes: int | None,
        quick: bool,
        meter: Meter | None = None,
    ) -> None:
        self.store = store
        self.meter = meter  # progress over bytes, per task done
        self.pool = pool
        self.workers = workers
        self.max_examples = max_examples
        self.processes = processes
        self.quick = quick
        self._json_pool: ProcessPoolExecutor | None = None
        # Footers beyond the survey's budget, read again: once per file, though its row groups
        # are scanned in parallel; dropped when the file is done (`forget`).
        self._footers_again: dict[str, Future[pq.FileMetaData]] = {}
        self._footers_lock = Lock()

    def close(self) -> None:
        if self._json_pool is not None:
            self._json_pool.shutdown(cancel_futures=True)

    def run(
        self, files: list[FileInfo], kind: Kind | None, dimension: int | None
    ) -> Iterator[FileResult]:
        """Check the files' rows; one result per readable file, in file order."""
        self._start_json_pool(sum(f.records for f in files if f.shape and f.shape.metadata))
        tasks = (
            Task(file, groups, first, kind, dimension)
            for file in files
            for groups, first in self._task_groups(file)
        )
        done: list[TaskResult] = []
        for result in ordered_map(self.pool, self.check, tasks, window=4 * self.workers):
            if self.meter is not None:
                file = result.task.file
                share = file.bytes * result.rows // file.records if file.records else 0
                self.meter.add(file.bytes if self.quick else share)
            if done and result.task.file is not done[0].task.file:
                yield self._file_done(done)
                done = []
            done.append(result)
        if done:
            yield self._file_done(done)

    def _file_done(self, done: list[TaskResult]) -> FileResult:
        file = done[0].task.file
        self._footers_again.pop(file.key, None)
        return FileResult.of(file, done)

    def probe_dimension(self, files: list[FileInfo]) -> int | None:
        """The dimension of the namespace's first non-null vector, in file order."""
        for file in files:
            if file.shape is None or not file.shape.values:
                continue
            if file.shape.dimension is not None:
                return file.shape.dimension
            try:
                batches = self.store.batches(
                    file.key, file.meta, first_rows=True, batch_size=QUICK_ROWS, columns=["values"]
                )
                for batch in batches:
                    found = first_length(batch.column(0))
                    if found is not None:
                        return found
            except NotParquet:
                continue  # the row scan reports the unreadable row group
        return None

    def _task_groups(self, file: FileInfo) -> list[tuple[tuple[int, ...], int]]:
        """The row groups of a readable file as tasks: (groups, first row within the file).
        Consecutive small groups share a task up to BATCH_BYTES, as each task has a fixed cost
        (measured: 2,000 files of five 10-row groups took 16.5 s one group per task, 4.3 s so).
        A quick check has one task per file: its first row group."""
        if self.quick:
            return [((0,), 0)] if file.group_rows else []
        tasks: list[tuple[tuple[int, ...], int]] = []
        groups: list[int] = []
        first = size = row = 0
        for index, (rows, nbytes) in enumerate(
            zip(file.group_rows or (), file.group_bytes, strict=True)
        ):
            if groups and size + nbytes > BATCH_BYTES:
                tasks.append((tuple(groups), first))
                groups, size = [], 0
            if not groups:
                first = row
            groups.append(index)
            size += nbytes
            row += rows
        if groups:
            tasks.append((tuple(groups), first))
        return tasks

    def _start_json_pool(self, metadata_rows: int) -> None:
        """Start worker processes for metadata JSON once there is enough of it to repay their
        start-up (they import the package: about half a second)."""
        processes = self.processes
        if processes is None:
            many = metadata_rows >= JSON_POOL_MIN_ROWS and not self.quick
            processes = (os.cpu_count() or 1) if many else 0
        if self._json_pool is None and processes > 0:
            # Workers leave Ctrl-C to this process, which stops them: no traceback from each.
            self._json_pool = ProcessPoolExecutor(
                processes,
                mp_context=get_context("spawn"),
                initializer=signal.signal,
                initargs=(signal.SIGINT, signal.SIG_IGN),
            )

    def _footer_again(self, key: str) -> pq.FileMetaData:
        """A footer dropped after the survey, read by the first task that needs it."""
        with self._footers_lock:
            pending = self._footers_again.get(key)
            first = pending is None
            if pending is None:
                pending = self._footers_again[key] = Future()
        if first:
            try:
                pending.set_result(self.store.read_footer(key))
            except BaseException as exc:
                pending.set_exception(exc)
        return pending.result()

    def check(self, task: Task) -> TaskResult:
        file = task.file
        group_rows = file.group_rows or ()
        rows = sum(group_rows[g] for g in task.row_groups)
        result = TaskResult(task, Batch(), rows)
        assert file.shape is not None
        if not file.shape.columns:
            return result
        if task.row_groups[0] == 0 and self.store.head(file.key, 4) != b"PAR1":
            # pyarrow checks only the trailing magic; Pinecone's reader may check both.
            result.failures.append(not_parquet_start())
        try:
            read = self._read(task, result)
        except NotParquet as exc:
            if len(task.row_groups) > 1:  # find the broken one: each group on its own
                firsts = np.cumsum([task.first_row] + [group_rows[g] for g in task.row_groups])
                singles = [
                    replace(task, row_groups=(g,), first_row=int(first))
                    for g, first in zip(task.row_groups, firsts, strict=False)
                ]
                return TaskResult(task, Batch(), rows, retried=[*map(self.check, singles)])
            # its records cannot be compared for duplicates: no hashes
            result.failures.append(unreadable_row_group(task.row_groups[0], str(exc)))
            return result
        if read != rows and not self.quick:
            result.failures.append(rows_issue(task.row_groups[0], rows, read))
            result.id_hashes = result.vector_hashes = None  # not the records the footer says
        return result

    def _read(self, task: Task, result: TaskResult) -> int:
        """Check the task's batches; the rows read."""
        file = task.file
        shape = file.shape
        assert shape is not None
        id_parts, id_skip, vec_parts, vec_skip = [], [], [], []
        offset = 0
        batches = self.store.batches(
            file.key,
            file.meta or self._footer_again(file.key),
            first_rows=self.quick,
            batch_size=QUICK_ROWS if self.quick else self._batch_rows(task),
            row_groups=list(task.row_groups),
            columns=shape.columns,
        )
        for batch in batches:
            self._check_batch(task, batch, task.first_row + offset, result)
            offset += batch.num_rows
            if self.quick:
                break  # and no hashes: a quick check compares no rows across files
            if shape.ids:
                ids = batch.column("id")
                id_parts.append(hash_strings(ids))
                id_skip.append(ids.is_null().to_numpy(zero_copy_only=False))
            if shape.values:
                hashes, skip = vector_hashes(batch.column("values"))
                vec_parts.append(hashes)
                vec_skip.append(skip)
        if id_parts:
            result.id_hashes, result.id_skip = np.concatenate(id_parts), np.concatenate(id_skip)
        if vec_parts:
            result.vector_hashes = np.concatenate(vec_parts)
            result.vector_skip = np.concatenate(vec_skip)
        return offset

    @staticmethod
    def _batch_rows(task: Task) -> int:
        file = task.file
        rows = sum((file.group_rows or ())[g] for g in task.row_groups)
        nbytes = sum(file.group_bytes[g] for g in task.row_groups)
        per_row = max(1, nbytes // max(1, rows))
        return int(max(1024, BATCH_BYTES // per_row))

    def _check_batch(
        self, task: Task, batch: pa.RecordBatch, first_row: int, result: TaskResult
    ) -> None:
        shape = task.file.shape
        assert shape is not None
        hits: list[Hit] = []
        ids = batch.column("id") if shape.ids else None
        parsed = None
        if shape.metadata and self._json_pool is not None:
            # JSON parsing holds the GIL: a worker process does it while this thread goes on.
            texts = metadata_texts(batch.column("metadata")).standalone()
            parsed = self._json_pool.submit(scan_metadata, texts)
        if ids is not None:
            hits += id_hits(ids)
        if shape.values:
            values = batch.column("values")
            hits += dense_hits(values, task.dimension)
            result.lengths |= vector_lengths(values)
        if shape.sparse:
            hits += sparse_hits(batch.column("sparse_values"), task.kind)
        if shape.metadata:
            hits += metadata_hits(batch.column("metadata"), parsed.result() if parsed else None)
        place = Place(task.file.uri, task.file.namespace, first_row, task.file.row_group_of, ids)
        found = hit_findings(hits, place, self.max_examples)
        result.batch.findings += found.findings
        result.batch.omitted += found.omitted
        for key, n in found.counts.items():
            result.batch.counts[key] = result.batch.counts.get(key, 0) + n
