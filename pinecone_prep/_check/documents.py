"""The check of a document index's import (JSON Lines): the survey (`docsurvey.py`), then
every line of every file against the schema, then the duplicate `_id`s of each namespace.

A file is one task on the thread pool (files come back in order, a bounded window in flight);
its lines are read in blocks (`_jsonl.LineReader`: gzip decompressed on the way) and each block
is judged by `check_block`, a pure function of its bytes, run in this process or, with
`processes`, in worker processes (the per-document pass holds the GIL). Findings, exact counts
and the cross-file rules then go through the Parquet check's own `Merge`.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from typing import Any

import numpy as np
import pyarrow as pa

from .._collector import Batch, Place, hit_findings
from .._dupes import hash_strings, vector_hashes
from .._jsonl import Block, LineReader, line_ids, line_vectors
from .._limits import Limits
from .._manifest import Manifest
from .._report import Finding, NamespaceSummary, Summary
from .._rules import Issue
from .._rules.blocks import Lines
from .._rules.documents import DocumentRules
from .._rules.files import empty_file, empty_namespace, manifest_records_issue, unreadable
from .._rules.layout import JSONL_FILES
from .._rules.limits import limit_issues
from .._schema import DocumentSchema
from .._spec import ID_KEY, VALUES_TYPE
from .._storage import Store
from .._survey import FileInfo, NamespaceInfo, SurveyOptions, ordered_map
from .._types import Progress
from .docsurvey import DocumentFile, DocumentSurvey
from .merge import Merge
from .rows import QUICK_ROWS, FileResult
from .scan import CheckOptions, Scan

POOL_MIN_BYTES = 64 * 1024 * 1024  # JSON Lines worth worker processes (each takes ~1 s)


@dataclass(frozen=True)
class BlockJob:
    """One block to judge, as plain picklable values."""

    lines: list[bytes]  # without their "\n" (an over-long line is empty)
    first_row: int
    oversized: dict[int, int]
    uri: str
    namespace: str
    schema: DocumentSchema
    cap: int | None
    bom: bool  # the file starts with a BOM: D004 at its row 0
    unterminated: bool  # this block ends the file without a final newline: D006


@dataclass
class BlockResult:
    batch: Batch
    hashes: np.ndarray[Any, Any]  # of `_id`, per line
    skip: np.ndarray[Any, Any]  # lines without a string `_id`
    vectors: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]] | None  # (hashes, skip)


_RULES: dict[DocumentSchema, DocumentRules] = {}


def check_block(job: BlockJob) -> BlockResult:
    """Judge one block of lines: its findings (capped per hit, exact counts) and the hashes
    of its ids. A module-level function: worker processes run it."""
    rules = _RULES.get(job.schema)
    if rules is None:
        rules = _RULES[job.schema] = DocumentRules(job.schema)
    out = Lines()
    for i, line in enumerate(job.lines):
        if i in job.oversized:
            rules.oversized(job.oversized[i], out)
        else:
            rules.judge_line(line, out)
    if job.bom and job.first_row == 0:
        message = "the file starts with a byte order mark (U+FEFF), which JSON Lines forbids"
        out.note(0, "D004", None, message)
    if job.unterminated:
        out.note(out.rows - 1, "D006", None, "the last line has no newline at its end")
    ids = pa.array(out.ids, pa.string())
    dense = rules.dense_values(out)
    hits = rules.block_hits(out, ids, dense)
    place = Place(job.uri, job.namespace, job.first_row, ids=ids)
    skip = np.asarray(ids.is_null().to_numpy(zero_copy_only=False))
    # Vectors are compared as Pinecone stores them: float32.
    vectors = None if dense is None else vector_hashes(dense.cast(VALUES_TYPE, safe=False))
    return BlockResult(hit_findings(hits, place, job.cap), hash_strings(ids), skip, vectors)


def _read_back(store: Any, key: str, rows: Any, column: str) -> dict[int, Any]:
    """Confirming duplicate candidates: the `_id`, or the dense field as float32 bytes."""
    if column == ID_KEY:
        return line_ids(store, key, rows)
    return line_vectors(store, key, rows, column)


class DocumentScan(Scan):
    """`Scan` for a JSON Lines prefix judged against a document schema."""

    def __init__(self, store: Store, options: CheckOptions, progress: Progress | None) -> None:
        super().__init__(store, options, progress)
        assert options.schema is not None
        self.schema = options.schema
        self.manifest = Manifest()
        self._processes = 0
        self._procs: ProcessPoolExecutor | None = None

    def _walk(self) -> Iterator[Finding]:
        with ThreadPoolExecutor(self.workers, thread_name_prefix="pinecone-prep") as pool:
            yield from self.survey(pool)
            total = sum(ns.bytes for ns in self.namespaces)
            self._processes = self._pool_size(total)
            if self._processes:
                self._procs = ProcessPoolExecutor(self._processes, mp_context=get_context("spawn"))
            try:
                yield from self.judged(lambda ns: self._results(pool, ns))
            finally:
                if self._procs is not None:
                    self._procs.shutdown(cancel_futures=True)

    def survey(self, pool: ThreadPoolExecutor) -> Iterator[Finding]:
        """Everything learnt from the listing (and the manifest): `namespaces`, `manifest`."""
        opts = self.options
        survey = DocumentSurvey(
            self.store,
            SurveyOptions(limits=opts.limits, index=opts.index, import_files=JSONL_FILES),
            collector=self.collector,
            pool=pool,
            meter=self.meter,
            schema=self.schema,
        )
        yield from survey
        self.namespaces = survey.namespaces
        self.manifest = survey.manifest

    def judged(self, results: Callable[[NamespaceInfo], Iterable[FileResult]]) -> Iterator[Finding]:
        """Each namespace's file results (`results(ns)`, in file order) merged into findings,
        then the rules across files and the record limit."""
        merge = Merge(
            self.store,
            self.collector,
            dimension=None,
            quick=self.options.quick,
            read_back=_read_back,
            id_column=ID_KEY,
            vector_column=self.schema.dense[0] if self.schema.dense else "values",
        )
        for ns in self.namespaces:
            yield from merge.namespace(ns, results(ns))
            yield from self._namespace_done(ns)
        yield from merge.finish()
        yield from self._record_limit(self.options.limits)

    def adopt(self, file: FileInfo, result: FileResult) -> FileResult:
        """What a file's result says of the file (a task checked it elsewhere): its lines and
        whether its gzip stream broke."""
        assert isinstance(file, DocumentFile)
        self._count(file, result.rows)
        file.readable_ = not any(issue.code == "F001" for issue in result.failures)
        return result

    def _results(self, pool: ThreadPoolExecutor, ns: NamespaceInfo) -> Iterator[FileResult]:
        """The namespace's files checked in parallel, in order; progress per file done."""
        sizes = {f.key: f.bytes for f in ns.files}
        for result in ordered_map(pool, self.file_result, ns.files, window=self.workers):
            self.meter.add(sizes[result.key])
            yield result

    def _pool_size(self, total: int) -> int:
        """Worker processes for the blocks: `processes`, or with None one per core but one
        (this process reads, splits and ships the blocks) from three cores and 64 MB up. On
        two cores they do not pay: measured with bench/bench_jsonl.py, 1 GB took 3.4x the CPU
        of orjson.loads in two workers, 2.45x in this process alone."""
        processes = self.options.processes
        if processes is None:
            cores = os.cpu_count() or 1
            many = total >= POOL_MIN_BYTES and not self.options.quick and cores >= 3
            return cores - 1 if many else 0
        return processes

    def file_result(self, file: Any) -> FileResult:
        """Every line of one file, judged; what the merge needs."""
        assert isinstance(file, DocumentFile)
        limit = QUICK_ROWS if self.options.quick else None
        reader = LineReader(self.store, file.key, rows=limit)
        pending: deque[Future[BlockResult] | BlockResult] = deque()
        done: list[BlockResult] = []
        depth = max(1, self._processes)
        for block in reader:
            pending.append(self._submit(self._job(file, block, reader)))
            while len(pending) > depth:
                done.append(_result(pending.popleft()))
        done += [_result(item) for item in pending]
        framing = reader.framing
        self._count(file, framing.rows)
        result = FileResult(file.key, framing.rows)
        for part in done:
            result.batch.findings += part.batch.findings
            result.batch.omitted += part.batch.omitted
            for key, n in part.batch.counts.items():
                result.batch.counts[key] = result.batch.counts.get(key, 0) + n
        if done:
            hashes = np.concatenate([d.hashes for d in done])
            result.ids = (hashes, np.concatenate([d.skip for d in done]))
        vectors = [d.vectors for d in done if d.vectors is not None]
        if vectors and len(vectors) == len(done):
            hashes, skips = zip(*vectors, strict=True)
            result.vectors = (np.concatenate(hashes), np.concatenate(skips))
        result.failures = self._file_issues(file, framing)
        return result

    def _count(self, file: DocumentFile, rows: int) -> None:
        """A file's lines: all of them once read to the end; a quick check that stopped early
        takes the manifest's count (its size matched: F004), or knows only a lower bound."""
        file.lines = rows
        if self.options.quick and rows >= QUICK_ROWS:
            listed = self.manifest.by_key.get(file.key)
            file.lines = listed.records if listed is not None else rows
            file.counted = listed is not None

    def _job(self, file: DocumentFile, block: Block, reader: LineReader) -> BlockJob:
        framing = reader.framing
        return BlockJob(
            block.lines,
            block.first_row,
            block.oversized,
            file.uri,
            file.namespace,
            self.schema,
            self.options.max_examples,
            framing.bom,
            not framing.final_newline,
        )

    def _submit(self, job: BlockJob) -> Future[BlockResult] | BlockResult:
        if self._procs is None:
            return check_block(job)
        return self._procs.submit(check_block, job)

    def _file_issues(self, file: DocumentFile, framing: Any) -> list[Issue]:
        """A file's own findings: a broken gzip stream (F001), several gzip members (D015),
        no line (F002), another line count than the manifest's (F004)."""
        issues = []
        if framing.failure is not None:
            file.readable_ = False
            reason = f"{framing.failure}, after {framing.rows:,} line(s)"
            issues.append(unreadable(file.bytes, reason, "gzip"))
        if framing.members > 1:
            message = f"the gzip file holds {framing.members} members (concatenated streams);"
            message += " a reader that stops after the first would miss the rest"
            issues.append(Issue("D015", message))
        cut = self.options.quick and framing.rows >= QUICK_ROWS  # not read to the end
        for issue in (
            empty_file(framing.rows) if framing.failure is None else None,
            None if cut else manifest_records_issue(self.manifest, file.key, framing.rows),
        ):
            if issue is not None:
                issues.append(issue)
        return issues

    def _namespace_done(self, ns: NamespaceInfo) -> Iterator[Finding]:
        if ns.records == 0 and all(getattr(f, "readable_", True) for f in ns.files):
            kept = self.collector.issue(empty_namespace(ns.name), key=ns.name, namespace=ns.name)
            if kept is not None:
                yield kept

    def _record_limit(self, limits: Limits) -> Iterator[Finding]:
        """M002, once the lines are counted."""
        if limits.max_records is None:
            return
        only = Limits(limits.name, max_records=limits.max_records)
        records = {ns.name: ns.records for ns in self.namespaces}
        for issue in limit_issues(only, {}, records, []):
            kept = self.collector.issue(issue)
            if kept is not None:
                yield kept

    def summary(self) -> Summary:
        summary = super().summary()
        dense = self.schema.dense
        dimension = dense[1].dimension if dense else None
        spaces = tuple(_document_namespace(ns, dimension) for ns in summary.by_namespace)
        counted = all(getattr(f, "counted", True) for ns in self.namespaces for f in ns.files)
        return replace(summary, by_namespace=spaces, records_counted=counted)


def _document_namespace(ns: NamespaceSummary, dimension: int | None) -> NamespaceSummary:
    return replace(ns, kind="document", kind_source="schema", dimension=dimension)


def _result(item: Future[BlockResult] | BlockResult) -> BlockResult:
    return item.result() if isinstance(item, Future) else item
