"""The checker's lazy core: one generator of findings over every row of every file.

`Scan` walks an import prefix: the layout, then per namespace each file's footer and schema,
then every row group in parallel threads (results consumed in file order), then the
cross-file rules (duplicate ids, identical vectors, kind/dimension agreement) and the limits.
`check()`, `is_valid()` and `iter_findings()` are thin wrappers around it.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from threading import Lock
from typing import Any, Literal, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ._codes import Severity, severity_of
from ._dupes import DuplicateFinder, Ordinals, hash_strings, read_back, vector_hashes
from ._errors import UsageError
from ._index import IndexDescription, index_issues
from ._layout import object_issue, read_layout, scheme_issue
from ._limits import Limits, breaches
from ._manifest import MANIFEST_KEY, Manifest, ManifestIssue, compare
from ._report import Finding, Location, Report, Tally, finding
from ._rules import (
    KINDS,
    Hit,
    Issue,
    Kind,
    Shape,
    dense_hits,
    dimension_issues,
    first_length,
    id_hits,
    metadata_hits,
    metadata_texts,
    scan_metadata,
    schema_issues,
    sparse_hits,
    vector_lengths,
)
from ._storage import NotParquet, Store, StoredObject

Progress = Callable[[int, int], None]
T = TypeVar("T")
R = TypeVar("R")

BATCH_BYTES = 8 * 1024 * 1024  # decoded bytes per batch: bounds memory (8 MiB measured best)
DEFAULT_MAX_EXAMPLES = 20
JSON_POOL_MIN_ROWS = 200_000  # metadata rows in a namespace worth worker processes for
# Footers kept from the footer pass for the row scan, by serialized size: in memory they take
# ~10x that (21 KB for a 2.2 KB footer), so a 100,000-file namespace would hold GBs. Footers
# beyond the budget are read again when their rows are (one more request per file).
FOOTER_BUDGET = 32 * 1024 * 1024


@dataclass(frozen=True)
class Options:
    kind: Kind | None = None
    dimension: int | None = None
    metric: str | None = None
    limits: Limits = field(default_factory=lambda: Limits.profile("2024"))
    extra_columns: Literal["error", "warn"] = "error"
    max_examples: int | None = DEFAULT_MAX_EXAMPLES
    workers: int | None = None
    index: IndexDescription | None = None
    processes: int | None = 0  # None: by volume (see `check`)
    rows: bool = True  # False: layout, footers, schema and limits only

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise UsageError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.dimension is not None and not (
            isinstance(self.dimension, int) and self.dimension > 0
        ):
            raise UsageError(f"dimension must be a positive integer, not {self.dimension!r}")
        if self.extra_columns not in ("error", "warn"):
            raise UsageError(f"extra_columns must be 'error' or 'warn', not {self.extra_columns!r}")
        if self.max_examples is not None and self.max_examples < 0:
            raise UsageError("max_examples must be >= 0 (or None for no cap)")
        if self.processes is not None and self.processes < 0:
            raise UsageError("processes must be >= 0 (or None to decide by volume)")


@dataclass
class FileInfo:
    """What the scan learnt about one .parquet object (never its data)."""

    namespace: str
    key: str
    uri: str
    bytes: int
    group_rows: tuple[int, ...] | None = None  # rows per row group; None: unreadable
    group_bytes: tuple[int, ...] = ()  # decoded bytes per row group
    meta: pq.FileMetaData | None = None  # held only while the file is being scanned
    shape: Shape | None = None
    lengths: set[int] = field(default_factory=set)  # distinct vector lengths seen

    @property
    def records(self) -> int:
        return sum(self.group_rows or ())

    def row_group_of(self, row: int) -> int:
        """The row group holding `row` (0-based within the file)."""
        starts = np.cumsum((0, *(self.group_rows or ())))
        return int(np.searchsorted(starts, row, side="right") - 1)

    def summary(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "namespace": self.namespace,
            "records": self.records,
            "bytes": self.bytes,
            "row_groups": len(self.group_rows or ()),
            "readable": self.group_rows is not None,
        }


@dataclass(frozen=True)
class Task:
    """Consecutive row groups of one file (one, unless they are small), with what is needed to
    check them."""

    file: FileInfo
    row_groups: tuple[int, ...]
    first_row: int
    kind: Kind | None
    dimension: int | None
    meta: pq.FileMetaData | None  # the file's footer when kept (see FOOTER_BUDGET)


@dataclass
class TaskResult:
    """A checked row group: example findings (capped), exact counts, hashes for duplicates."""

    task: Task
    findings: list[Finding]
    counts: dict[tuple[str, Severity], int]
    rows: int
    omitted: int = 0
    id_hashes: np.ndarray[Any, Any] | None = None
    id_skip: np.ndarray[Any, Any] | None = None
    vector_hashes: np.ndarray[Any, Any] | None = None
    vector_skip: np.ndarray[Any, Any] | None = None
    lengths: set[int] = field(default_factory=set)
    failure: Finding | None = None
    # Several row groups failed together: each checked on its own, to name the broken one.
    retried: list[TaskResult] = field(default_factory=list)


def _ordered_map(
    pool: ThreadPoolExecutor, fn: Callable[[T], R], items: Iterable[T], window: int
) -> Iterator[R]:
    """Like pool.map, but with at most `window` tasks in flight, so memory stays bounded."""
    pending: deque[Future[R]] = deque()
    source = iter(items)
    try:
        for item in source:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


class Scan:
    """The lazy core. Iterate it once for findings in file order (capped per code and file
    at `max_examples`); afterwards `summary()` holds exact counts."""

    def __init__(
        self,
        uri: str,
        options: Options,
        storage_options: Mapping[str, Any] | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.uri = uri
        self.options = options
        self.store = Store(uri, storage_options)
        self.progress = progress
        self.tally = Tally()
        self.files: list[FileInfo] = []
        self.namespaces: dict[str, dict[str, Any]] = {}
        self._shown: dict[tuple[str, str], int] = {}
        self._done_bytes = 0
        self._total_bytes = 0
        self._started = False
        # Local reads are CPU-bound (one thread per core); object stores wait on the network.
        self._workers = options.workers or ((os.cpu_count() or 2) if self.store.local else 16)
        self._json_pool: ProcessPoolExecutor | None = None
        self._manifest = Manifest()  # what the writer's manifest says, when there is one
        # Footers beyond FOOTER_BUDGET, read again for the row scan: once per file, though
        # its row groups are scanned in parallel; dropped when the file is done.
        self._footers_again: dict[str, Future[pq.FileMetaData]] = {}
        self._footers_lock = Lock()

    # --- the report side: caps and exact counts ---------------------------------------------

    def _emit(self, item: Finding) -> Iterator[Finding]:
        self.tally.add(item.code, item.severity)
        if self._keep(item):
            yield item

    def _keep(self, item: Finding) -> bool:
        cap = self.options.max_examples
        key = (item.code, item.location.uri)
        shown = self._shown.get(key, 0)
        if cap is not None and shown >= cap:
            self.tally.omitted += 1
            return False
        self._shown[key] = shown + 1
        return True

    def _location(self, key: str = "", namespace: str | None = None, **parts: Any) -> Location:
        return Location(self.store.uri_of(key), namespace, **parts)

    def _issue(self, issue: Issue, file: FileInfo) -> Iterator[Finding]:
        loc = self._location(file.key, file.namespace, column=issue.column)
        yield from self._emit(finding(issue.code, issue.message, loc, severity=issue.severity))

    # --- the walk ------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Finding]:
        if self._started:
            raise UsageError("a Scan can be iterated only once")
        self._started = True
        return self._walk()

    def _walk(self) -> Iterator[Finding]:
        dry_run = scheme_issue(self.store.scheme, self.store.importable)
        if dry_run is not None:
            yield from self._emit(finding(dry_run.code, dry_run.message, self._location()))
        if self.store.is_object():
            issue = object_issue(self.store.uri)
            yield from self._emit(finding(issue.code, issue.message, self._location()))
            return
        listing = self.store.list()
        layout = read_layout(listing)
        for issue in layout.issues:
            loc = self._location(issue.key, issue.namespace)
            yield from self._emit(finding(issue.code, issue.message, loc))
        yield from self._compare_manifest(listing)
        if self.options.index is not None:
            found = index_issues(
                self.options.index, scheme=self.store.scheme, namespaces=layout.namespaces
            )
            for item in found:
                loc = self._location(item.namespace or "", item.namespace)
                yield from self._emit(finding(item.code, item.message, loc))
        self._total_bytes = sum(obj.size for _, obj in layout.files)
        self._report_progress(0)
        vectors = DuplicateFinder()
        try:
            with ThreadPoolExecutor(self._workers, thread_name_prefix="pinecone-prep") as pool:
                for namespace, objects in layout.namespaces.items():
                    yield from self._namespace(pool, namespace, objects, vectors)
                yield from self._identical_vectors(vectors)
        finally:
            if self._json_pool is not None:
                self._json_pool.shutdown(cancel_futures=True)
        yield from self._limits()

    def _compare_manifest(self, listing: list[StoredObject]) -> Iterator[Finding]:
        """F004: a root written by pinecone-prep holds what its manifest says (record counts
        are compared as the footers are read)."""
        if not any(obj.key == MANIFEST_KEY for obj in listing):
            return
        try:
            self._manifest = Manifest.from_json(self.store.read_text(MANIFEST_KEY) or "")
        except ValueError as exc:
            message = f"the manifest cannot be read, so nothing is compared with it: {exc}"
            loc = self._location(MANIFEST_KEY)
            yield from self._emit(finding("F004", message, loc, severity="warning"))
            return
        for issue in compare(listing, self._manifest):
            yield from self._manifest_issue(issue)

    def _manifest_issue(self, issue: ManifestIssue) -> Iterator[Finding]:
        namespace = issue.key.split("/")[0] if "/" in issue.key else None
        loc = self._location(issue.key, namespace)
        yield from self._emit(finding("F004", issue.message, loc, severity=issue.severity))

    def _report_progress(self, done: int) -> None:
        self._done_bytes += done
        if self.progress is not None:
            self.progress(self._done_bytes, self._total_bytes)

    def _namespace(
        self,
        pool: ThreadPoolExecutor,
        namespace: str,
        objects: list[StoredObject],
        vectors: DuplicateFinder,
    ) -> Iterator[Finding]:
        opts = self.options
        files = [
            FileInfo(namespace, obj.key, self.store.uri_of(obj.key), obj.size) for obj in objects
        ]
        self.files += files
        # Footers: opened in parallel (they are round trips on object stores), judged in order.
        kept = 0
        footers = _ordered_map(pool, self._footer, files, window=64)
        for file, opened in zip(files, footers, strict=True):
            if isinstance(opened, NotParquet):
                yield from self._emit(
                    finding(
                        "F001",
                        f"not readable Parquet ({file.bytes:,} bytes): {opened}",
                        self._location(file.key, namespace),
                    )
                )
                self._report_progress(file.bytes)
                continue
            if kept + opened.serialized_size <= FOOTER_BUDGET:
                file.meta = opened
                kept += opened.serialized_size
            groups = [opened.row_group(i) for i in range(opened.num_row_groups)]
            file.group_rows = tuple(group.num_rows for group in groups)
            file.group_bytes = tuple(group.total_byte_size for group in groups)
            file.shape, issues = schema_issues(
                opened.schema.to_arrow_schema(),
                kind=opts.kind,
                dimension=opts.dimension,
                metric=opts.metric,
                extra_columns=opts.extra_columns,
            )
            for issue in issues:
                yield from self._issue(issue, file)
            changed = self._manifest.records_issue(file.key, opened.num_rows)
            if changed is not None:
                yield from self._manifest_issue(changed)
            if opened.num_rows == 0:
                yield from self._emit(
                    finding("F002", "file has zero rows", self._location(file.key, namespace))
                )
        readable = [f for f in files if f.shape is not None]
        kind = opts.kind or next((f.shape.kind for f in readable if f.shape and f.shape.kind), None)
        kind_source = "given" if opts.kind else "inferred"
        for file in readable if opts.kind is None else ():  # a given kind is S010's business
            assert file.shape is not None
            if file.shape.kind and kind and _family(file.shape.kind) != _family(kind):
                yield from self._emit(
                    finding(
                        "F003",
                        f"file is {file.shape.kind} but the namespace is {kind}",
                        self._location(file.key, namespace),
                    )
                )
        # rows=False (footers only): no data page is read, so no probe and no row tasks.
        scanned = readable if opts.rows else []
        dimension = opts.dimension or self._probe_dimension(scanned)
        self._start_json_pool(sum(f.records for f in scanned if f.shape and f.shape.metadata))

        ids = DuplicateFinder()
        tasks = (
            Task(file, groups, first, kind, dimension, file.meta)
            for file in scanned
            for groups, first in _task_groups(file)
        )
        window = 4 * self._workers
        current: FileInfo | None = None
        for done in _ordered_map(pool, self._check_group, tasks, window):
            file = done.task.file
            if current is not None and file is not current:
                self._footers_again.pop(current.key, None)
                yield from self._file_done(current, dimension)
            current = file
            for result in done.retried or [done]:
                for (code, severity), n in result.counts.items():
                    self.tally.add(code, severity, n)
                self.tally.omitted += result.omitted
                for item in result.findings:
                    if self._keep(item):
                        yield item
                if result.failure is not None:
                    yield from self._emit(result.failure)
                file.lengths |= result.lengths
                _feed(ids, result.id_hashes, result.id_skip, result.rows)
                _feed(vectors, result.vector_hashes, result.vector_skip, result.rows)
            self._report_progress(_task_bytes(done.task))
        if current is not None:
            self._footers_again.pop(current.key, None)
            yield from self._file_done(current, dimension)
        for file in files:
            file.meta = None  # footers can be large: keep only what the report needs
        yield from self._duplicate_ids(files, ids)
        records = sum(f.records for f in files)
        if records == 0 and all(f.group_rows is not None for f in files):
            yield from self._emit(
                finding(
                    "L008",
                    "namespace has no records at all; Pinecone fails with 'No vectors added,"
                    " all rows were skipped'",
                    self._location(namespace, namespace),
                )
            )
        self.namespaces[namespace] = {
            "name": namespace,
            "kind": kind,
            "kind_source": kind_source if kind else None,
            "dimension": dimension if kind != "sparse" else None,
            "files": len(files),
            "records": records,
            "bytes": sum(f.bytes for f in files),
        }

    def _start_json_pool(self, metadata_rows: int) -> None:
        """Start worker processes for metadata JSON once there is enough of it to repay their
        start-up (they import the package: about half a second)."""
        processes = self.options.processes
        if processes is None:
            many = metadata_rows >= JSON_POOL_MIN_ROWS
            processes = (os.cpu_count() or 1) if many else 0
        if self._json_pool is None and processes > 0:
            self._json_pool = ProcessPoolExecutor(processes, mp_context=get_context("spawn"))

    def _footer(self, file: FileInfo) -> pq.FileMetaData | NotParquet:
        try:
            return self.store.read_footer(file.key)
        except NotParquet as exc:
            return exc

    def _footer_again(self, key: str) -> pq.FileMetaData:
        """A footer dropped after the footer pass, read by the first task that needs it."""
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

    def _probe_dimension(self, files: list[FileInfo]) -> int | None:
        """The dimension of the namespace's first non-null vector, in sorted file order."""
        for file in files:
            assert file.shape is not None
            if not file.shape.values:
                continue
            if file.shape.dimension is not None:
                return file.shape.dimension
            try:
                for batch in self.store.batches(file.key, batch_size=1024, columns=["values"]):
                    found = first_length(batch.column(0))
                    if found is not None:
                        return found
            except NotParquet:
                continue  # the row scan reports the unreadable row group
        return None

    def _file_done(self, file: FileInfo, dimension: int | None) -> Iterator[Finding]:
        """File-level dimension rules, judged once the file's rows are known. A file whose
        vectors all share one length has that dimension; a mixed file has none (its odd rows
        are R011), so one bad row never makes a file-level finding."""
        shape = file.shape
        if shape is None or not shape.values:
            return
        if shape.dimension is not None:
            found = shape.dimension  # S012 was judged from the schema
        elif len(file.lengths) == 1:
            (found,) = file.lengths
            for issue in dimension_issues(found, self.options.dimension, "every vector"):
                yield from self._issue(issue, file)
        else:
            return
        if self.options.dimension is None and dimension is not None and found != dimension:
            yield from self._emit(
                finding(
                    "F003",
                    f"file has dimension {found} but the namespace's first vector has {dimension}",
                    self._location(file.key, file.namespace, column="values"),
                )
            )

    def _check_group(self, task: Task) -> TaskResult:
        file = task.file
        assert file.shape is not None
        shape = file.shape
        counts: dict[tuple[str, Severity], int] = {}
        findings: list[Finding] = []
        group_rows = file.group_rows or ()
        rows = sum(group_rows[g] for g in task.row_groups)
        result = TaskResult(task, findings, counts, rows)
        columns = shape.columns
        if not columns:
            return result
        id_parts, id_skip, vec_parts, vec_skip = [], [], [], []
        offset = 0
        try:
            for batch in self.store.batches(
                file.key,
                task.meta or self._footer_again(file.key),
                batch_size=_batch_rows(file, task.row_groups),
                row_groups=list(task.row_groups),
                columns=columns,
            ):
                self._check_batch(task, batch, task.first_row + offset, result)
                if shape.ids:
                    ids = batch.column("id")
                    id_parts.append(hash_strings(ids))
                    id_skip.append(ids.is_null().to_numpy(zero_copy_only=False))
                if shape.values:
                    hashes, skip = vector_hashes(batch.column("values"))
                    vec_parts.append(hashes)
                    vec_skip.append(skip)
                offset += batch.num_rows
        except NotParquet as exc:
            if len(task.row_groups) > 1:  # find the broken one: each group on its own
                firsts = np.cumsum([task.first_row] + [group_rows[g] for g in task.row_groups])
                singles = [
                    replace(task, row_groups=(g,), first_row=int(first))
                    for g, first in zip(task.row_groups, firsts, strict=False)
                ]
                return TaskResult(task, [], {}, rows, retried=[*map(self._check_group, singles)])
            (group,) = task.row_groups
            result.failure = finding(
                "F001",
                f"row group {group} is unreadable: {exc}",
                self._location(file.key, file.namespace, row_group=group),
            )
            return result  # its records cannot be compared for duplicates
        if id_parts:
            result.id_hashes, result.id_skip = np.concatenate(id_parts), np.concatenate(id_skip)
        if vec_parts:
            result.vector_hashes = np.concatenate(vec_parts)
            result.vector_skip = np.concatenate(vec_skip)
        return result

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
        cap = self.options.max_examples
        for hit in hits:
            severity = hit.severity or severity_of(hit.code)
            key = (hit.code, severity)
            result.counts[key] = result.counts.get(key, 0) + len(hit.rows)
            shown = hit.rows if cap is None else hit.rows[:cap]
            result.omitted += len(hit.rows) - len(shown)
            for row in shown.tolist():
                record_id = ids[row].as_py() if ids is not None else None
                loc = self._location(
                    task.file.key,
                    task.file.namespace,
                    row_group=task.file.row_group_of(first_row + row),
                    row=first_row + row,
                    column=hit.column,
                    id=record_id if isinstance(record_id, str) else None,
                )
                result.findings.append(finding(hit.code, hit.describe(row), loc, severity=severity))

    # --- cross-file rules ----------------------------------------------------------------------

    def _records_at(
        self, files: list[FileInfo], base: Ordinals, ordinals: Ordinals, column: str
    ) -> dict[int, Any]:
        """Read back the `column` value of each record ordinal (few: only hash candidates)."""
        out: dict[int, Any] = {}
        ordinals = np.unique(ordinals)  # sorted: each file's ordinals are one run
        which = np.searchsorted(base, ordinals, side="right") - 1
        for in_file in np.split(ordinals, np.flatnonzero(np.diff(which)) + 1):
            if not len(in_file):
                continue
            index = int(np.searchsorted(base, in_file[0], side="right") - 1)
            first = int(base[index])
            cells = read_back(self.store, files[index].key, in_file - first, column)
            out.update((first + row, value) for row, value in cells.items())
        return out

    def _locate(
        self,
        files: list[FileInfo],
        base: Ordinals,
        ordinal: int,
        column: str,
        record_id: str | None,
    ) -> Location:
        index = int(np.searchsorted(base, ordinal, side="right") - 1)
        file = files[index]
        row = ordinal - int(base[index])
        return self._location(
            file.key,
            file.namespace,
            row_group=file.row_group_of(row),
            row=row,
            column=column,
            id=record_id,
        )

    def _duplicates(
        self,
        finder: DuplicateFinder,
        files: list[FileInfo],
        column: str,
        message: Callable[[Location], str],
        code: str,
    ) -> Iterator[Finding]:
        """Confirm hash candidates on the real values; report each later copy against the first."""
        groups = finder.candidates()
        if not groups:
            return
        base = np.cumsum([0] + [f.records for f in files]).astype(np.int64)
        values = self._records_at(files, base, np.concatenate(groups), column)
        found: list[tuple[int, int]] = []
        for group in groups:
            first_of: dict[Any, int] = {}
            for ordinal in group.tolist():
                first = first_of.setdefault(values[ordinal], ordinal)
                if first != ordinal:
                    found.append((ordinal, first))
        ids = (
            self._records_at(
                files, base, np.array([o for pair in found for o in pair], np.int64), "id"
            )
            if column != "id"
            else values
        )
        for ordinal, first in sorted(found):
            loc = self._locate(files, base, ordinal, column, _text_or_none(ids.get(ordinal)))
            related = self._locate(files, base, first, column, _text_or_none(ids.get(first)))
            yield from self._emit(finding(code, message(related), loc, related=related))

    def _duplicate_ids(self, files: list[FileInfo], ids: DuplicateFinder) -> Iterator[Finding]:
        yield from self._duplicates(
            ids, files, "id", lambda first: f"duplicate id; first seen at {first}", "R005"
        )

    def _identical_vectors(self, vectors: DuplicateFinder) -> Iterator[Finding]:
        yield from self._duplicates(
            vectors,
            self.files,
            "values",
            lambda first: (
                f"`values` identical to the record at {first}; Pinecone skips or"
                " fails on the second"
            ),
            "R014",
        )

    def _limits(self) -> Iterator[Finding]:
        ns_bytes = {name: ns["bytes"] for name, ns in self.namespaces.items()}
        ns_records = {name: ns["records"] for name, ns in self.namespaces.items()}
        sizes = [(f.namespace, f.key, f.bytes) for f in self.files]
        for breach in breaches(self.options.limits, ns_bytes, ns_records, sizes):
            key = breach.file or breach.namespace or ""
            loc = self._location(key, breach.namespace)
            yield from self._emit(finding(breach.code, breach.message, loc))

    def summary(self) -> dict[str, Any]:
        """Exact counts; complete once the scan has been iterated to the end."""
        return {
            "uri": self.store.uri,
            "limits": self.options.limits.name,
            "namespaces": len(self.namespaces),
            "files": len(self.files),
            "records": sum(f.records for f in self.files),
            "bytes": sum(f.bytes for f in self.files),
            **self.tally.as_summary(),
            "by_namespace": list(self.namespaces.values()),
            "by_file": [f.summary() for f in self.files],
        }


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _family(kind: Kind) -> str:
    """Dense and hybrid records can share a (dense) index; sparse ones cannot."""
    return "sparse" if kind == "sparse" else "dense"


def _task_groups(file: FileInfo) -> Iterator[tuple[tuple[int, ...], int]]:
    """The row groups of a readable file as tasks: (groups, first row within the file).
    Consecutive small groups share a task up to BATCH_BYTES, as each task has a fixed cost
    (measured: 2,000 files of five 10-row groups took 16.5 s one group per task, 4.3 s so)."""
    groups: list[int] = []
    first = size = row = 0
    for index, (rows, nbytes) in enumerate(
        zip(file.group_rows or (), file.group_bytes, strict=True)
    ):
        if groups and size + nbytes > BATCH_BYTES:
            yield tuple(groups), first
            groups, size = [], 0
        if not groups:
            first = row
        groups.append(index)
        size += nbytes
        row += rows
    if groups:
        yield tuple(groups), first


def _batch_rows(file: FileInfo, row_groups: tuple[int, ...]) -> int:
    rows = sum((file.group_rows or ())[g] for g in row_groups)
    nbytes = sum(file.group_bytes[g] for g in row_groups)
    per_row = max(1, nbytes // max(1, rows))
    return int(max(1024, BATCH_BYTES // per_row))


def _task_bytes(task: Task) -> int:
    """The task's share of its file's bytes, for progress over bytes."""
    file = task.file
    rows = sum((file.group_rows or ())[g] for g in task.row_groups)
    return file.bytes * rows // file.records if file.records else 0


def _feed(finder: DuplicateFinder, hashes: Any, skip: Any, rows: int) -> None:
    if hashes is None:
        finder.add_missing(rows)
    else:
        finder.add(hashes, skip)


# --- the public entry points ------------------------------------------------------------------


def _scan(
    uri: str,
    *,
    kind: Kind | None = None,
    dimension: int | None = None,
    metric: str | None = None,
    limits: str | Limits = "2024",
    extra_columns: Literal["error", "warn"] = "error",
    storage_options: Mapping[str, Any] | None = None,
    max_examples: int | None = DEFAULT_MAX_EXAMPLES,
    progress: Progress | None = None,
    workers: int | None = None,
    index: IndexDescription | None = None,
    processes: int | None = 0,
    rows: bool = True,
) -> Scan:
    if not isinstance(uri, str) or not uri:
        raise UsageError("uri must be a non-empty string")
    if index is not None:
        # The index decides what the data must be; an explicit option may only agree with it.
        if kind is not None and _family(kind) != _family(index.kind):
            raise UsageError(f"kind={kind!r} contradicts the {index.kind} index")
        for name, given, known in (
            ("dimension", dimension, index.dimension),
            ("metric", metric, index.metric),
        ):
            if given is not None and known is not None and given != known:
                raise UsageError(f"{name}={given!r} contradicts the index ({known!r})")
        kind = kind or index.kind
        dimension = dimension or index.dimension
        metric = metric or index.metric
    options = Options(
        kind,
        dimension,
        metric,
        Limits.resolve(limits),
        extra_columns,
        max_examples,
        workers,
        index,
        processes,
        rows,
    )
    return Scan(uri, options, storage_options, progress)


def iter_findings(uri: str, **options: Any) -> Iterator[Finding]:
    """Lazily yield every finding for the import prefix `uri` (same options as `check`)."""
    return iter(_scan(uri, **options))


def check(uri: str, **options: Any) -> Report:
    """Check every row of every file under `uri`; return a `Report`.

    Options: kind ("dense" | "sparse" | "hybrid"; inferred per namespace when None),
    dimension (else each namespace's first vector), metric, limits (profile name or `Limits`),
    extra_columns ("error" | "warn"), storage_options (for fsspec), max_examples (per code and
    file; None for all), progress (callable(done_bytes, total_bytes)), workers (threads),
    processes (worker processes for metadata JSON: 0, the default, for none; None starts them
    for namespaces of 200,000+ metadata rows. They import the caller's main module, so a script
    needs the `if __name__ == "__main__":` guard; the CLI uses None),
    rows (False: footers only, no data page read: layout, schema, limits and index rules).
    """
    scan = _scan(uri, **options)
    findings = list(scan)
    return Report(findings, scan.summary())


def is_valid(uri: str, **options: Any) -> bool:
    """True when `uri` has no error; stops at the first error found."""
    options["max_examples"] = 1
    return not any(f.severity == "error" for f in _scan(uri, **options))
