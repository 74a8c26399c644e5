"""The writer: any DataFrame, or a stream of them, to import files that pass every rule.

A write goes like this (the README's "Writing" section has the user's view):

1. The root is listed once and its manifest read (`_manifest.py`); leftovers of a crashed
   write are removed. A namespace folder that holds anything but the crashed write's own files
   is refused unless `overwrite=True`.
2. Each chunk of input is converted (`_convert.py`) and judged by the checker's own rule
   functions (`_rules.py`) on exactly what would be written. Rows that break a rule (warnings
   included: the output must pass with none) are rejected. Accepted rows fill their
   namespace's current file; a full file (`target_file_bytes`) goes to a writer thread, which
   encodes it with polars into a temporary object under `ROOT/_pinecone_prep_tmp/` whose name
   does not end in `.parquet` (Pinecone ignores it).
3. At the end, duplicate ids (per namespace) and identical vectors (across the write), found by
   64-bit hashes, are confirmed on the written values; later copies are rejected and their
   files rewritten without them. With `on_invalid="error"` any rejection raises here, before
   anything is published.
4. Publishing: the manifest lists the new files as pending, each file is moved to
   `ROOT/NAMESPACE/part-NNNNN.parquet` (complete or absent, never partial), objects the new
   files replace are deleted, and the manifest is marked complete.
"""

from __future__ import annotations

import base64
import os
import re
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from ._codes import severity_of
from ._convert import (
    RAW_SPARSE_TYPE,
    RESERVED_PREFIX,
    SPARSE_TYPE,
    VALUES_TYPE,
    Chunk,
    ColumnPlan,
    Converted,
    Sizing,
    convert,
    final_sparse,
    folder_problem,
    read_input,
)
from ._dupes import DuplicateFinder, hash_strings, read_back, vector_hashes
from ._errors import StorageError, UsageError, ValidationError
from ._layout import DEFAULT_NAMESPACE, PARQUET
from ._limits import Limits
from ._manifest import MANIFEST_KEY, Manifest, ManifestFile
from ._report import Finding, Location, Report, Tally, finding
from ._rules import (
    KINDS,
    Hit,
    Kind,
    dense_hits,
    dimension_issues,
    first_length,
    id_hits,
    infer_kind,
    metadata_hits,
    schema_issues,
    sparse_hits,
)
from ._storage import Store, StoredObject

OnInvalid = Literal["error", "skip", "quarantine"]
Progress = Callable[[int, int], None]

MiB = 2**20
# Small enough that files are written while the next are checked (and memory stays bounded),
# large enough that a terabyte is ~7,500 files (the per-import limit is 100,000).
DEFAULT_TARGET_FILE_BYTES = 128 * MiB
# ~10k rows of 1536-d float32: tens of MB, so a reader holds one row group in bounded memory.
DEFAULT_ROW_GROUP_BYTES = 64 * MiB
MAX_FILE_BYTES = Limits.profile("2024").max_file_bytes or 10**10
TMP_PREFIX = f"{RESERVED_PREFIX}_tmp"
# Files written at once, and at most handed over: memory stays within about three times
# target_file_bytes (two being written, one being filled). Two keep both cores busy (measured
# on 2 cores, 600 MB of 1536-d vectors: 1.76 s with one writer thread, 1.19 s with two).
WRITER_THREADS = 2
MAX_CHUNK_ROWS = 1 << 20
QUARANTINE_FILE = re.compile(r"rejected-\d{5}\.parquet(\.partial)?")


# --- the result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenFile:
    uri: str
    namespace: str
    records: int
    bytes: int
    sha256: str  # of the bytes as written


@dataclass(frozen=True)
class RejectedRow:
    """One input row that was not written, with a finding per rule it breaks.

    `source` is "input" (the data given), "input[i]" (its i-th item when it is a list or other
    iterable) or an input file's URI; `row` is 0-based within that source.
    """

    source: str
    row: int
    namespace: str | None
    id: str | None
    findings: tuple[Finding, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)


@dataclass
class WriteResult:
    """What `write` did: the files published (in namespace order), the rows it rejected."""

    root: str
    files: list[WrittenFile]
    rejected: list[RejectedRow]
    manifest: str | None  # the manifest's URI, None when nothing was published
    quarantine: str | None  # the quarantine prefix's URI, when rows were quarantined

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    @property
    def namespaces(self) -> dict[str, int]:
        """Records written per namespace."""
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.namespace] = counts.get(f.namespace, 0) + f.records
        return counts

    def report(self) -> Report:
        """The rejected rows' findings as a Report (the one `ValidationError` carries)."""
        return _report(self.root, self.rejected)

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "records": self.records,
            "bytes": self.bytes,
            "namespaces": self.namespaces,
            "files": [vars(f) for f in self.files],
            "rejected": [
                {
                    "source": r.source,
                    "row": r.row,
                    "namespace": r.namespace,
                    "id": r.id,
                    "findings": [f.to_dict() for f in r.findings],
                }
                for r in self.rejected
            ],
            "manifest": self.manifest,
            "quarantine": self.quarantine,
        }


class RowsRejected(ValidationError):
    """`write(on_invalid="error")` rejected rows; nothing was published. `report` holds a
    finding per rejected row and rule (warnings too: the writer rejects those as well)."""

    def __init__(self, report: Report) -> None:
        super().__init__(report)
        counts = ", ".join(f"{code} x{n:,}" for code, n in report.summary["by_code"].items())
        self.args = (
            f"{report.summary['rows_rejected']:,} row(s) rejected ({counts});"
            f" nothing was published under {report.summary['uri']}",
        )


def _report(root: str, rejected: Sequence[RejectedRow]) -> Report:
    tally = Tally()
    findings = [f for row in rejected for f in row.findings]
    for item in findings:
        tally.add(item.code, item.severity)
    summary = {"uri": root, "rows_rejected": len(rejected), **tally.as_summary()}
    return Report(findings, summary)


# --- options ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    columns: ColumnPlan
    namespace: str | None
    kind: Kind | None
    dimension: int | None
    on_invalid: OnInvalid
    quarantine_uri: str | None
    target_file_bytes: int
    row_group_bytes: int
    overwrite: bool

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise UsageError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.dimension is not None and not (type(self.dimension) is int and self.dimension > 0):
            raise UsageError(f"dimension must be a positive integer, not {self.dimension!r}")
        if self.on_invalid not in ("error", "skip", "quarantine"):
            raise UsageError(
                f"on_invalid must be 'error', 'skip' or 'quarantine', not {self.on_invalid!r}"
            )
        for name in ("target_file_bytes", "row_group_bytes"):
            value = getattr(self, name)
            if type(value) is not int or value <= 0:
                raise UsageError(f"{name} must be a positive integer, not {value!r}")
        if self.target_file_bytes + self.row_group_bytes > MAX_FILE_BYTES:
            raise UsageError(
                "target_file_bytes + row_group_bytes must stay within Pinecone's file size limit"
                f" ({MAX_FILE_BYTES:,} bytes): sizes are estimated on Arrow data, and one row"
                " group is the margin for what encoding adds"
            )
        if self.namespace is not None and self.columns.namespace is not None:
            raise UsageError("give namespace or namespace_column, not both")
        if self.namespace is not None:
            if not isinstance(self.namespace, str):
                raise UsageError(f"namespace must be a string, not {self.namespace!r}")
            problem = folder_problem(self.namespace)
            if problem:
                raise UsageError(f"invalid namespace: {problem}")
        for issue in dimension_issues(self.dimension or 0, None, "the dimension argument"):
            raise UsageError(issue.message)
        if self.quarantine_uri is not None and self.on_invalid != "quarantine":
            raise UsageError("quarantine_uri needs on_invalid='quarantine'")


def _column_name(value: Any, what: str, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise UsageError(f"{what} must be a column name, not {value!r}")
    return value


# --- one part file ---------------------------------------------------------------------------


@dataclass(eq=False)
class _Part:
    """One output file. The main thread adds accepted batches until it is full; then the writer
    thread encodes and writes it in one go, under a temporary key (`write`)."""

    namespace: str
    tmp_key: str
    batches: list[pa.RecordBatch] = field(default_factory=list)
    records: int = 0
    estimate: int = 0  # Arrow bytes added: deterministic, unlike encoded sizes
    bytes: int = 0
    sha256: str = ""

    def add(self, batch: pa.RecordBatch) -> None:
        self.batches.append(batch)
        self.records += batch.num_rows
        self.estimate += batch.nbytes

    def write(self, store: Store, schema: pa.Schema, row_group_bytes: int) -> None:
        table = pa.Table.from_batches(self.batches, schema)
        self.batches = []  # the data leaves memory once it is written
        self.bytes, self.sha256 = store.write_object(self.tmp_key, _encoder(table, row_group_bytes))


def _encoder(table: pa.Table, row_group_bytes: int) -> Callable[[Any], None]:
    """How a file is encoded: by polars, whose Parquet writer spends a fifth of pyarrow's CPU on
    list<float32> (measured: 0.3 s against 1.5 s for 600 MB of 1536-d vectors); snappy; no
    statistics (min/max of vectors or JSON buy nothing); row groups of about
    `row_group_bytes`, so that a reader holds one at a time in bounded memory.

    Polars would record its own Arrow types in the file (large_string, large_list); the Arrow
    schema stored instead is the table's, byte for byte what pyarrow stores, so every reader
    sees exactly the documented types (string, list<float32>)."""
    per_row = max(1, table.nbytes // max(1, table.num_rows))
    rows = max(1, row_group_bytes // per_row)
    frame = pl.from_arrow(table, rechunk=False)  # no copy of the vectors
    assert isinstance(frame, pl.DataFrame)
    arrow_schema = base64.b64encode(table.schema.remove_metadata().serialize().to_pybytes())

    def encode(target: Any) -> None:  # a local path or a binary file
        frame.write_parquet(
            target,
            compression="snappy",
            statistics=False,
            row_group_size=rows,
            metadata={"ARROW:schema": arrow_schema.decode()},
        )

    return encode


@dataclass(eq=False)
class _Namespace:
    name: str
    index: int
    parts: list[_Part] = field(default_factory=list)
    open_part: _Part | None = None
    ids: DuplicateFinder = field(default_factory=DuplicateFinder)


class _Pipeline:
    """Writer threads: each task encodes and writes one whole file (polars and hashlib release
    the GIL), overlapping the conversion and checks of the next chunks. At most `depth` files
    wait or are being written, which bounds memory. A failed task's error surfaces on a later
    submit or on drain."""

    def __init__(self, depth: int = WRITER_THREADS) -> None:
        self._pool = ThreadPoolExecutor(WRITER_THREADS, thread_name_prefix="pinecone-prep-writer")
        self._pending: deque[Future[None]] = deque()
        self._depth = depth

    def submit(self, task: Callable[[], None]) -> None:
        self._pending.append(self._pool.submit(task))
        while len(self._pending) > self._depth:
            self._pending.popleft().result()

    def drain(self) -> None:
        while self._pending:
            self._pending.popleft().result()

    def stop(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True)


# --- the run ---------------------------------------------------------------------------------


class _Run:
    """One call of `write`: its state from the first chunk to publishing."""

    def __init__(
        self,
        store: Store,
        quarantine: Store | None,
        options: _Options,
        progress: Progress | None,
        total_rows: int | None,
    ) -> None:
        self.store = store
        self.options = options
        self.progress = progress
        self.total_rows = total_rows
        self.pipeline = _Pipeline()
        self.plan: ColumnPlan | None = None
        self.schema: pa.Schema | None = None
        self.kind: Kind | None = None
        self.dimension = options.dimension
        self.namespaces: dict[str, _Namespace] = {}
        self.rejected: list[RejectedRow] = []
        self.sources: dict[str, int] = {}
        # Per accepted record, in input order: 8 + 8 + 4 + 4 + 8 bytes (hashes, namespace,
        # source, row), enough to find and report duplicates without keeping any data.
        self.vectors: DuplicateFinder | None = None
        self.acc_ns: list[npt.NDArray[np.int32]] = []
        self.acc_src: list[npt.NDArray[np.int32]] = []
        self.acc_row: list[npt.NDArray[np.int64]] = []
        self.drops: dict[_Part, dict[int, RejectedRow]] = {}
        self.rows_seen = 0
        self.bytes_out = 0
        self.quarantine = _Quarantine(quarantine, self.pipeline, options) if quarantine else None
        self.manifest = Manifest()
        self.listing: list[StoredObject] = []
        self.folders: dict[str, list[str]] = {}  # top-level folder -> its object keys
        self.created_root = False  # the root did not exist before this write

    # --- before the first chunk ----------------------------------------------------------

    def prepare(self) -> None:
        if self.store.uri.endswith(PARQUET) or self.store.is_object():
            raise UsageError(
                f"{self.store.uri} names an object; give the prefix that will hold the"
                " namespace folders"
            )
        self.created_root = not self.store.exists("")
        self.store.delete_prefix(TMP_PREFIX)  # a crashed write's temporary files
        text = self.store.read_text(MANIFEST_KEY)
        if text is not None:
            with suppress(ValueError):  # an unreadable manifest vouches for nothing
                self.manifest = Manifest.from_json(text)
        self.listing = self.store.list()
        for obj in self.listing:
            if "/" in obj.key:
                self.folders.setdefault(obj.key.split("/")[0], []).append(obj.key)
        if self.options.namespace is not None:
            self._namespace(self.options.namespace)

    def _resolve(self, chunk: Chunk) -> None:
        """Fix the columns, kind and schema from the first chunk's columns."""
        cols = self.options.columns
        names = set(chunk.columns)
        if cols.id not in names:
            raise UsageError(f"the data has no id column {cols.id!r} (set id_column)")
        if cols.namespace is not None and cols.namespace not in names:
            raise UsageError(f"the data has no namespace column {cols.namespace!r}")
        metadata = cols.metadata if cols.metadata in names else None
        if cols.metadata_columns:
            absent = [n for n in cols.metadata_columns if n not in names]
            if absent:
                raise UsageError(f"the data has no metadata column(s) {', '.join(absent)}")
            if metadata is not None:
                raise UsageError(
                    f"the data has a {metadata!r} column and metadata_columns are given: pass"
                    " metadata_column=None to build metadata from the named columns only"
                )
        plan = ColumnPlan(
            cols.id,
            cols.values if cols.values in names else None,
            cols.sparse if cols.sparse in names else None,
            metadata,
            cols.metadata_columns,
            cols.namespace,
        )
        fields = [pa.field("id", pa.string())]
        if plan.values:
            fields.append(pa.field("values", VALUES_TYPE))
        if plan.sparse:
            fields.append(pa.field("sparse_values", SPARSE_TYPE))
        if plan.metadata or plan.metadata_columns:
            fields.append(pa.field("metadata", pa.string()))
        schema = pa.schema(fields)
        kind = self.options.kind or infer_kind(set(schema.names))
        if kind is None:
            raise UsageError(
                f"the data has no vector column: neither {cols.values!r} nor {cols.sparse!r}"
            )
        _, issues = schema_issues(schema, kind=self.options.kind)
        if issues:
            raise UsageError("; ".join(issue.message for issue in issues))
        if plan.values:
            self.vectors = DuplicateFinder()
        self.plan, self.schema, self.kind = plan, schema, kind
        if self.quarantine is not None:
            self.quarantine.schema = _quarantine_schema(schema)

    def _namespace(self, name: str) -> _Namespace:
        """The namespace's state; the first time, check that its folder may be written."""
        ns = self.namespaces.get(name)
        if ns is not None:
            return ns
        own = set(self.manifest.pending)  # a crashed write's own files may be replaced
        foreign = [key for key in self.folders.get(name, []) if key not in own]
        if foreign and not self.options.overwrite:
            raise UsageError(
                f"{self.store.uri_of(name)} is not empty ({len(foreign)} object(s), e.g."
                f" {foreign[0]}); pass overwrite=True (CLI: --overwrite) to replace it"
            )
        ns = _Namespace(name, len(self.namespaces))
        self.namespaces[name] = ns
        return ns

    # --- each chunk ----------------------------------------------------------------------

    def feed(self, chunk: Chunk, sizing: Sizing) -> None:
        if self.plan is None:
            self._resolve(chunk)
        assert self.plan is not None
        self.sources.setdefault(chunk.source, len(self.sources))
        conv = convert(chunk, self.plan)
        hits = conv.hits + self._rule_hits(conv)
        bad = np.unique(np.concatenate([h.rows for h in hits])) if hits else np.empty(0, np.int64)
        if len(bad):
            self._reject(chunk, conv, hits, bad)
        good = np.setdiff1d(np.arange(conv.rows, dtype=np.int64), bad, assume_unique=True)
        if len(good):
            self._accept(chunk, conv, good)
        self.rows_seen += chunk.rows
        per_row = max(1, _nbytes(conv) // max(1, conv.rows))
        sizing.rows = int(np.clip(self.options.row_group_bytes // per_row, 1, MAX_CHUNK_ROWS))
        if self.progress is not None:
            total = self.total_rows or 0
            estimate = self.bytes_out * total // self.rows_seen if total else 0
            self.progress(self.bytes_out, max(estimate, self.bytes_out) if total else 0)

    def _rule_hits(self, conv: Converted) -> list[Hit]:
        """The checker's record rules, on exactly what would be written."""
        hits = id_hits(conv.ids)
        if conv.values is not None:
            if self.dimension is None:
                self.dimension = first_length(conv.values)
                for issue in dimension_issues(self.dimension or 0, None, "the first vector"):
                    raise UsageError(issue.message)
            hits += dense_hits(conv.values, self.dimension)
        if conv.sparse is not None:
            hits += sparse_hits(conv.sparse, self.kind)
        if conv.metadata is not None:
            hits += metadata_hits(conv.metadata, {} if conv.metadata_judged else None)
        return hits

    def _row_namespaces(self, conv: Converted, rows: npt.NDArray[np.int64]) -> list[str | None]:
        if conv.namespaces is None:
            return [self.options.namespace or DEFAULT_NAMESPACE] * len(rows)
        names: list[str | None] = conv.namespaces.take(pa.array(rows)).to_pylist()
        return names

    def _reject(
        self, chunk: Chunk, conv: Converted, hits: list[Hit], bad: npt.NDArray[np.int64]
    ) -> None:
        ids = conv.ids.take(pa.array(bad)).to_pylist()
        spaces = self._row_namespaces(conv, bad)
        where = {row: i for i, row in enumerate(bad.tolist())}
        found: dict[int, list[Finding]] = {}
        for hit in hits:
            severity = hit.severity or severity_of(hit.code)
            for row in hit.rows.tolist():
                i = where[row]
                loc = Location(
                    chunk.source, spaces[i], None, chunk.first_row + row, hit.column, ids[i]
                )
                found.setdefault(row, []).append(
                    finding(hit.code, hit.describe(row), loc, severity=severity)
                )
        rows = [
            RejectedRow(chunk.source, chunk.first_row + row, spaces[i], ids[i], tuple(found[row]))
            for i, row in enumerate(bad.tolist())
        ]
        self.rejected += rows
        if self.quarantine is not None:
            assert self.schema is not None
            index = pa.array(bad)
            columns = {
                "id": conv.ids.take(index),
                "values": conv.values.take(index) if conv.values is not None else None,
                "sparse_values": conv.sparse.take(index) if conv.sparse is not None else None,
                "metadata": conv.metadata.take(index) if conv.metadata is not None else None,
            }
            self.quarantine.add(columns, rows)

    def _accept(self, chunk: Chunk, conv: Converted, good: npt.NDArray[np.int64]) -> None:
        if conv.namespaces is None:
            groups = {self.options.namespace or DEFAULT_NAMESPACE: np.arange(len(good))}
        else:  # rows with a null or invalid namespace were rejected (L005)
            encoded = conv.namespaces.take(pa.array(good)).dictionary_encode()
            codes = encoded.indices.to_numpy(zero_copy_only=False)
            names = encoded.dictionary.to_pylist()
            groups = {name: np.flatnonzero(codes == k) for k, name in enumerate(names)}
        ns_index = np.empty(len(good), np.int32)
        vec_hashes = np.empty(len(good), np.uint64)
        for name, at in groups.items():
            ns = self._namespace(name)
            ns_index[at] = ns.index
            batch = self._output(conv, good[at])
            ns.ids.add(hash_strings(batch.column(0)))
            if self.vectors is not None:
                vec_hashes[at] = vector_hashes(batch.column(1))[0]
            self._route(ns, batch)
        self.acc_ns.append(ns_index)
        self.acc_src.append(np.full(len(good), self.sources[chunk.source], np.int32))
        self.acc_row.append(good + chunk.first_row)
        if self.vectors is not None:
            self.vectors.add(vec_hashes)

    def _output(self, conv: Converted, rows: npt.NDArray[np.int64]) -> pa.RecordBatch:
        """The accepted `rows` of a chunk in the output schema (no copy when that is all)."""
        assert self.schema is not None
        whole = len(rows) == conv.rows
        index = pa.array(rows)

        def pick(arr: pa.Array) -> pa.Array:
            return arr if whole else arr.take(index)

        arrays = [pick(conv.ids)]
        if conv.values is not None:
            arrays.append(pick(conv.values))
        if conv.sparse is not None:
            arrays.append(final_sparse(pick(conv.sparse)))
        if conv.metadata is not None:
            arrays.append(pick(conv.metadata))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    # --- files ------------------------------------------------------------------------------

    def _route(self, ns: _Namespace, batch: pa.RecordBatch) -> None:
        target = self.options.target_file_bytes
        per_row = max(1, batch.nbytes // max(1, batch.num_rows))
        while batch.num_rows:
            part = ns.open_part or self._open(ns)
            fits = max(1, (target - part.estimate) // per_row)  # a file has at least one row
            piece, batch = batch.slice(0, fits), batch.slice(fits)
            part.add(piece)
            self.bytes_out += piece.nbytes
            if part.estimate >= target or batch.num_rows:
                self._close(ns)
        # The files being filled together hold at most one file's worth: an input that
        # interleaves namespaces gets smaller files rather than unbounded memory.
        filling = [n for n in self.namespaces.values() if n.open_part is not None]
        while sum(_filled(n) for n in filling) > self.options.target_file_bytes:
            fullest = max(filling, key=_filled)
            self._close(fullest)
            filling.remove(fullest)

    def _open(self, ns: _Namespace) -> _Part:
        part = _Part(ns.name, f"{TMP_PREFIX}/{ns.name}/part-{len(ns.parts):05d}.parquet.tmp")
        ns.parts.append(part)
        ns.open_part = part
        return part

    def _close(self, ns: _Namespace) -> None:
        """Hand the namespace's open file to a writer thread."""
        part = ns.open_part
        assert part is not None and self.schema is not None
        ns.open_part = None
        schema, row_group_bytes = self.schema, self.options.row_group_bytes
        self.pipeline.submit(lambda: part.write(self.store, schema, row_group_bytes))

    # --- the end -------------------------------------------------------------------------

    def finish(self) -> WriteResult:
        for ns in self.namespaces.values():
            if ns.open_part is not None:
                self._close(ns)
        self.pipeline.drain()
        self._confirm_duplicates()
        order = self.sources
        self.rejected.sort(key=lambda r: (order.get(r.source, 0), r.row))
        if self.rejected and self.options.on_invalid == "error":
            raise RowsRejected(_report(self.store.uri, self.rejected))
        self._rewrite()
        quarantined = None
        if self.quarantine is not None:
            quarantined = self.quarantine.finish()
        files = self._publish()
        self.pipeline.stop()
        manifest = self.store.uri_of(MANIFEST_KEY) if files else None
        return WriteResult(self.store.uri, files, self.rejected, manifest, quarantined)

    def abort(self) -> None:
        """After a failure: stop the writer thread and remove the temporary objects."""
        self.pipeline.stop()
        with suppress(StorageError):
            self.store.delete_prefix(TMP_PREFIX)
            if self.created_root:  # leave no empty folder behind either
                self.store.remove_if_empty()
        if self.quarantine is not None:
            self.quarantine.discard()

    def _confirm_duplicates(self) -> None:
        """R005 and R014: confirm hash candidates on the written values, in input order; a
        record that repeats an id or a vector of an earlier kept record is dropped."""
        if not self.acc_ns:
            return
        acc_ns = np.concatenate(self.acc_ns)
        members = {ns.index: np.flatnonzero(acc_ns == ns.index) for ns in self.namespaces.values()}
        id_groups = [
            members[ns.index][group]
            for ns in self.namespaces.values()
            for group in ns.ids.candidates()
        ]
        vec_groups = self.vectors.candidates() if self.vectors is not None else []
        if not (id_groups or vec_groups):
            return
        by_id = set(np.concatenate(id_groups).tolist()) if id_groups else set()
        by_vector = set(np.concatenate(vec_groups).tolist()) if vec_groups else set()
        spaces = list(self.namespaces.values())
        where: dict[int, tuple[_Part, int]] = {}
        for g in sorted(by_id | by_vector):
            ns = spaces[int(acc_ns[g])]
            local = int(np.searchsorted(members[ns.index], g))
            where[g] = _locate(ns.parts, local)
        ids = self._read_back(where, "id", by_id | by_vector)
        vectors = self._read_back(where, "values", by_vector)
        sources = list(self.sources)
        acc_src, acc_row = np.concatenate(self.acc_src), np.concatenate(self.acc_row)

        def location(g: int, column: str) -> Location:
            ns = spaces[int(acc_ns[g])].name
            return Location(sources[acc_src[g]], ns, None, int(acc_row[g]), column, ids[g])

        first_id: dict[tuple[int, Any], int] = {}
        first_vector: dict[Any, int] = {}
        for g in sorted(by_id | by_vector):
            found = []
            id_key = (int(acc_ns[g]), ids[g])
            if g in by_id and id_key in first_id:
                first = location(first_id[id_key], "id")
                message = f"duplicate id; first seen at {first}"
                found.append(finding("R005", message, location(g, "id"), related=first))
            if g in by_vector and vectors[g] in first_vector:
                first = location(first_vector[vectors[g]], "values")
                message = f"`values` identical to the record at {first}; Pinecone skips or fails"
                found.append(finding("R014", message, location(g, "values"), related=first))
            if found:
                loc = found[0].location
                row = RejectedRow(loc.uri, int(acc_row[g]), loc.namespace, ids[g], tuple(found))
                self.rejected.append(row)
                part, at = where[g]
                self.drops.setdefault(part, {})[at] = row
                continue
            if g in by_id:
                first_id.setdefault(id_key, g)
            if g in by_vector:
                first_vector.setdefault(vectors[g], g)

    def _read_back(
        self, where: dict[int, tuple[_Part, int]], column: str, wanted: set[int]
    ) -> dict[int, Any]:
        """The `column` value of each wanted record, read from the temporary files (few: only
        hash candidates), as it was hashed."""
        by_part: dict[_Part, list[tuple[int, int]]] = {}
        for g in sorted(wanted):
            part, row = where[g]
            by_part.setdefault(part, []).append((g, row))
        out: dict[int, Any] = {}
        for part, cells in by_part.items():
            rows = np.array([row for _, row in cells], np.int64)
            values = read_back(self.store, part.tmp_key, rows, column)
            out.update((g, values[row]) for g, row in cells)
        return out

    def _rewrite(self) -> None:
        """Rewrite each file that holds dropped duplicates without them."""
        assert self.schema is not None
        for part, dropped in self.drops.items():
            fresh = _Part(part.namespace, part.tmp_key + ".rewrite")
            with self.store.open_parquet(part.tmp_key) as source:
                table = source.read().cast(self.schema)  # one file: bounded by its target size
            gone = np.isin(np.arange(table.num_rows), list(dropped))
            for batch in table.filter(pa.array(~gone)).to_batches():
                fresh.add(batch)
            if self.quarantine is not None:
                rows = [dropped[int(r)] for r in np.flatnonzero(gone)]
                lost = table.filter(pa.array(gone))
                self.quarantine.add({n: lost.column(n) for n in lost.schema.names}, rows)
            if fresh.records:
                fresh.write(self.store, self.schema, self.options.row_group_bytes)
                self.store.move(fresh.tmp_key, part.tmp_key)
            part.records, part.bytes, part.sha256 = fresh.records, fresh.bytes, fresh.sha256

    def _publish(self) -> list[WrittenFile]:
        final = [
            (part, f"{ns.name}/part-{number:05d}{PARQUET}")
            for ns in self.namespaces.values()
            for number, part in enumerate(p for p in ns.parts if p.records)
        ]
        new_keys = {key for _, key in final}
        written = {part.namespace for part, _ in final}
        listed = {o.key for o in self.listing}
        stale_own = {k for k in self.manifest.pending if k not in new_keys}
        kept = [
            f for f in self.manifest.files if f.namespace not in written and f.key not in stale_own
        ]
        entries = tuple(kept) + tuple(
            ManifestFile(key, part.namespace, part.records, part.bytes, part.sha256)
            for part, key in final
        )
        replaced = {k for name in written for k in self.folders.get(name, [])}
        stale = sorted((replaced | (stale_own & listed)) - new_keys)
        if final or stale or not self.manifest.complete:
            pending = tuple(sorted(new_keys))
            self.store.write_text(MANIFEST_KEY, Manifest(entries, pending).to_json())
            for part, key in final:
                self.store.move(part.tmp_key, key)
            self.store.delete(stale)
            self.store.write_text(MANIFEST_KEY, Manifest(entries).to_json())
        self.store.delete_prefix(TMP_PREFIX)
        uri = self.store.uri_of
        return [WrittenFile(uri(k), p.namespace, p.records, p.bytes, p.sha256) for p, k in final]


def _filled(ns: _Namespace) -> int:
    """Arrow bytes in the namespace's file being filled."""
    return ns.open_part.estimate if ns.open_part is not None else 0


def _locate(parts: list[_Part], local: int) -> tuple[_Part, int]:
    """The part holding a namespace's `local`-th accepted record, and its row in that part."""
    for part in parts:
        if local < part.records:
            return part, local
        local -= part.records
    raise AssertionError("record beyond the namespace's parts")


def _nbytes(conv: Converted) -> int:
    arrays = (conv.ids, conv.values, conv.sparse, conv.metadata)
    return sum(int(a.nbytes) for a in arrays if a is not None)


# --- the quarantine --------------------------------------------------------------------------


def _quarantine_schema(schema: pa.Schema) -> pa.Schema:
    fields = [pa.field(f.name, RAW_SPARSE_TYPE) if f.name == "sparse_values" else f for f in schema]
    fields += [
        pa.field("namespace", pa.string()),
        pa.field("source", pa.string()),
        pa.field("row", pa.int64()),
        pa.field("codes", pa.list_(pa.string())),
        pa.field("messages", pa.list_(pa.string())),
    ]
    return pa.schema(fields)


class _Quarantine:
    """Rejected rows with their codes and messages, as Parquet files `rejected-NNNNN.parquet`
    under the quarantine prefix (outside the import root), sized and written like the import
    files, through the writer thread."""

    def __init__(self, store: Store, pipeline: _Pipeline, options: _Options) -> None:
        self.store = store
        self.pipeline = pipeline
        self.options = options
        self.schema: pa.Schema | None = None
        self.parts: list[_Part] = []
        self.open: _Part | None = None

    def add(self, columns: dict[str, pa.Array | None], rows: Sequence[RejectedRow]) -> None:
        assert self.schema is not None
        extra = {
            "namespace": pa.array([r.namespace for r in rows], pa.string()),
            "source": pa.array([r.source for r in rows], pa.string()),
            "row": pa.array([r.row for r in rows], pa.int64()),
            "codes": pa.array([list(r.codes) for r in rows], pa.list_(pa.string())),
            "messages": pa.array(
                [[f.message for f in r.findings] for r in rows], pa.list_(pa.string())
            ),
        }
        arrays = []
        for f in self.schema:
            arr = extra.get(f.name, columns.get(f.name))
            arrays.append(pa.nulls(len(rows), f.type) if arr is None else arr.cast(f.type))
        table = pa.Table.from_arrays(arrays, schema=self.schema)
        if self.open is None:
            self.open = _Part("", f"rejected-{len(self.parts):05d}{PARQUET}.partial")
            self.parts.append(self.open)
        for batch in table.to_batches():
            self.open.add(batch)
        if self.open.estimate >= self.options.target_file_bytes:
            self._close()

    def _close(self) -> None:
        part, schema, row_group_bytes = self.open, self.schema, self.options.row_group_bytes
        assert part is not None and schema is not None
        self.open = None
        self.pipeline.submit(lambda: part.write(self.store, schema, row_group_bytes))

    def finish(self) -> str | None:
        """Publish the quarantine files, replacing those of an earlier write; the prefix's URI
        when rows were quarantined."""
        if self.open is not None:
            self._close()
        self.pipeline.drain()
        final = [part.tmp_key.removesuffix(".partial") for part in self.parts]
        ours = {*final, *(part.tmp_key for part in self.parts)}
        self.store.delete([key for key in self._files() if key not in ours])
        for part, key in zip(self.parts, final, strict=True):
            self.store.move(part.tmp_key, key)
        return self.store.uri if self.parts else None

    def discard(self) -> None:
        with suppress(StorageError):
            self.store.delete([key for key in self._files() if key.endswith(".partial")])

    def _files(self) -> list[str]:
        return [
            o.key
            for o in self.store.list()
            if re.fullmatch(r"rejected-\d{5}\.parquet(\.partial)?", o.key)
        ]


def _quarantine_store(root: Store, uri: str | None, storage_options: Any) -> Store:
    """The quarantine prefix: the one given, else the root's sibling `ROOT.quarantine` (outside
    the root, so Pinecone never imports it)."""
    if uri is None:
        if "/" not in root.path.strip("/") and not root.local:
            raise UsageError(
                f"{root.uri} is a bucket root: its sibling ROOT.quarantine would be another"
                " bucket; give quarantine_uri"
            )
        uri = root.uri + ".quarantine"
    return Store(uri, storage_options)


# --- the entry point -------------------------------------------------------------------------


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
    quarantine_uri: str | None = None,
    target_file_bytes: int = DEFAULT_TARGET_FILE_BYTES,
    row_group_bytes: int = DEFAULT_ROW_GROUP_BYTES,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> WriteResult:
    """Write `data` as Pinecone import files under `root` (`ROOT/NAMESPACE/part-NNNNN.parquet`).

    `data`: a pandas or polars DataFrame, a polars LazyFrame (streamed), a pyarrow Table,
    RecordBatch or RecordBatchReader, the URI of a Parquet / JSON Lines / CSV file or of a
    prefix holding such files, or an iterable (a list, a generator) of any of these.

    Columns: `id_column` (text or integers), `values_column` (dense vectors: lists, numpy
    arrays per row, polars List/Array, float16/32/64), `sparse_values_column` ({indices,
    values} dicts or structs), `metadata_column` (dicts, structs or JSON text) or
    `metadata_columns` (named columns, one metadata key each); None leaves a column out.
    Other columns are ignored. The namespace is `namespace`, or per row `namespace_column`,
    else `__default__`.

    Every row is judged by the checker's rules first. `on_invalid`: "error" raises
    `ValidationError` (nothing is published), "skip" leaves bad rows out, "quarantine" also
    writes them, with their codes, to `quarantine_uri` (default: the sibling prefix
    `ROOT.quarantine`). `progress(done_bytes, total_bytes)` is called per chunk (the total is
    an estimate, 0 when the input's length is unknown). A namespace folder that is not empty
    is refused unless `overwrite=True` (then its objects are replaced).
    """
    options = _Options(
        ColumnPlan(
            _column_name(id_column, "id_column", required=True) or "id",
            _column_name(values_column, "values_column"),
            _column_name(sparse_values_column, "sparse_values_column"),
            _column_name(metadata_column, "metadata_column"),
            _metadata_names(metadata_columns),
            _column_name(namespace_column, "namespace_column"),
        ),
        namespace,
        kind,
        dimension,
        on_invalid,
        quarantine_uri,
        target_file_bytes,
        row_group_bytes,
        bool(overwrite),
    )
    if not isinstance(root, str | os.PathLike) or not str(root):
        raise UsageError(f"root must be a URI or path, not {root!r}")
    if progress is not None and not callable(progress):
        raise UsageError("progress must be callable as progress(done_bytes, total_bytes)")
    store = Store(str(root), storage_options)
    quarantine = (
        _quarantine_store(store, quarantine_uri, storage_options)
        if on_invalid == "quarantine"
        else None
    )
    sizing = Sizing()
    source = read_input(data, options.columns, sizing, storage_options)
    run = _Run(store, quarantine, options, progress, source.total_rows)
    try:
        run.prepare()
        for chunk in source.chunks:
            run.feed(chunk, sizing)
        return run.finish()
    except BaseException:
        run.abort()
        raise


def _metadata_names(names: Sequence[str] | None) -> tuple[str, ...]:
    if names is None:
        return ()
    if isinstance(names, str) or not all(isinstance(n, str) and n for n in names) or not names:
        raise UsageError(f"metadata_columns must be a non-empty list of names, not {names!r}")
    return tuple(names)
