"""Staging: input chunks converted to the writer's types, judged by the checker's own rules on
exactly what would be written, accepted rows routed into files under a temporary folder of the
root, rejected rows kept with their findings. The result (`StagedPart`) is what `publish`
finishes: a plain `write` is one staged part published at once; an engine stages one part
per task and publishes them together."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from .._collector import Place, hit_findings
from .._dupes import hash_strings, vector_hashes
from .._errors import StorageError, UsageError
from .._rules.arrow import first_length
from .._rules.schema import dimension_issues
from .._spec import DEFAULT_NAMESPACE
from .._storage import Store
from .._types import Kind, Meter
from .columns import ColumnPlan, Converted, convert
from .documents import format_named
from .files import Pipeline, Placement, Router
from .formats import Judged, ParquetFormat
from .inputs import Chunk, Sizing
from .model import RejectedRow, StagedFile, StagedPart, WriteOptions
from .quarantine import quarantine_columns, quarantine_schema

MAX_CHUNK_ROWS = 1 << 20
HASH_SCHEMA = pa.schema(
    [
        ("namespace", pa.string()),
        ("id_hash", pa.uint64()),
        ("vector_hash", pa.uint64()),  # null: no vector to compare
        ("file", pa.int32()),  # index into the part's files
        ("row", pa.int64()),  # row within that file
        ("source", pa.string()),
        ("source_row", pa.int64()),
    ]
)


class Stager:
    """One staged part of a write, from its first chunk to its `StagedPart`."""

    def __init__(
        self,
        store: Store,
        options: WriteOptions,
        *,
        job: str,
        part: str,
        folder: str,
        claim: Callable[[str], None] | None = None,
        meter: Meter | None = None,
        total_rows: int | None = None,
    ) -> None:
        self.store = store
        self.options = options
        self.job, self.part, self.folder = job, part, folder
        self.claim = claim
        self.meter = meter
        self.total_rows = total_rows
        self.pipeline = Pipeline()
        self.format = format_named(options.format_name, options.schema)
        self.plan: ColumnPlan | None = None
        self.schema: pa.Schema | None = None
        self.kind: Kind | None = options.kind
        self.dimension = options.dimension
        self.router: Router | None = None
        self.rejects: Router | None = None  # quarantined rows, as files
        self.rejected: list[RejectedRow] = []
        self.sources: list[str] = []
        self.ignored: dict[str, None] = {}
        self.namespaces: set[str] = set()
        self.hashes: list[pa.RecordBatch] = []
        self.rows_seen = 0
        self.bytes_out = 0

    def _resolve(self, chunk: Chunk) -> None:
        fmt, names = self.format, list(chunk.columns)
        every = [*names, *chunk.ignored]
        plan, schema, kind = fmt.resolve(self.options.columns, names, self.kind, every=every)
        self.plan, self.schema, self.kind = plan, schema, kind
        opts = self.options
        self.router = Router(
            self.store,
            self.pipeline,
            prefix=self.folder,
            schema=schema,
            target_file_bytes=opts.target_file_bytes,
            encode=fmt.encoder(opts.row_group_bytes),
            suffix=fmt.suffix,
        )
        if opts.on_invalid == "quarantine":  # rejected rows are Parquet, whatever the format
            quarantine = ParquetFormat()
            self.rejects = Router(
                self.store,
                self.pipeline,
                prefix=f"{self.folder}/_rejected",
                schema=quarantine_schema(schema),
                target_file_bytes=opts.target_file_bytes,
                encode=quarantine.encoder(opts.row_group_bytes),
                suffix=quarantine.suffix,
            )

    def feed(self, chunk: Chunk, sizing: Sizing) -> None:
        self.ignored.update(dict.fromkeys(chunk.ignored))
        if self.plan is None:
            self._resolve(chunk)
        assert self.plan is not None
        if chunk.source not in self.sources:
            self.sources.append(chunk.source)
        conv = convert(chunk, self.plan)
        if conv.values is not None and self.dimension is None and self.format.infers_dimension:
            self.dimension = first_length(conv.values)
            for issue in dimension_issues(self.dimension or 1, None, "the first vector"):
                raise UsageError(issue.message)
        judged = self.format.judge(conv, self.dimension, self.kind)
        hits = judged.hits
        bad = np.unique(np.concatenate([h.rows for h in hits])) if hits else np.empty(0, np.int64)
        if len(bad):
            self._reject(chunk, conv, judged, bad)
        good = np.setdiff1d(np.arange(conv.rows, dtype=np.int64), bad, assume_unique=True)
        if len(good):
            self._accept(chunk, conv, judged, good)
        self.rows_seen += chunk.rows
        per_row = max(1, conv.nbytes // max(1, conv.rows))
        sizing.rows = int(np.clip(self.options.row_group_bytes // per_row, 1, MAX_CHUNK_ROWS))
        if self.meter is not None:
            total = self.total_rows or 0
            estimate = self.bytes_out * total // self.rows_seen if total else 0
            self.meter.set(self.bytes_out, max(estimate, self.bytes_out) if total else 0)

    def _namespaces_of(self, conv: Converted, rows: npt.NDArray[np.int64]) -> list[str | None]:
        if conv.namespaces is None:
            return [self.options.namespace or DEFAULT_NAMESPACE] * len(rows)
        names: list[str | None] = conv.namespaces.take(pa.array(rows)).to_pylist()
        return names

    def _reject(
        self, chunk: Chunk, conv: Converted, judged: Judged, bad: npt.NDArray[np.int64]
    ) -> None:
        hits = judged.hits
        spaces: list[str | None] = [None] * conv.rows
        for row, name in zip(bad.tolist(), self._namespaces_of(conv, bad), strict=True):
            spaces[row] = name
        place = Place(chunk.source, None, chunk.first_row, ids=conv.ids, namespaces=spaces)
        found = hit_findings(hits, place, None).findings
        by_row: dict[int, list] = {}  # type: ignore[type-arg]
        for item in found:
            assert item.location.row is not None
            by_row.setdefault(item.location.row - chunk.first_row, []).append(item)
        rows = [
            RejectedRow(
                chunk.source,
                chunk.first_row + row,
                spaces[row],
                by_row[row][0].location.id,
                tuple(by_row[row]),
                self.part or None,
            )
            for row in bad.tolist()
        ]
        self.rejected += rows
        if self.rejects is not None:
            taken = self.format.taken(conv, judged, bad)
            batch = quarantine_columns(self.rejects.schema, taken, rows)
            self.rejects.route("rejected", batch)

    def _accept(
        self, chunk: Chunk, conv: Converted, judged: Judged, good: npt.NDArray[np.int64]
    ) -> None:
        assert self.router is not None and self.schema is not None
        if conv.namespaces is None:
            groups = {self.options.namespace or DEFAULT_NAMESPACE: np.arange(len(good))}
        else:  # rows with a null or invalid namespace were rejected (L005)
            encoded = conv.namespaces.take(pa.array(good)).dictionary_encode()
            codes = encoded.indices.to_numpy(zero_copy_only=False)
            names = encoded.dictionary.to_pylist()
            groups = {name: np.flatnonzero(codes == k) for k, name in enumerate(names)}
        for name, at in groups.items():
            if name not in self.namespaces:
                if self.claim is not None:
                    self.claim(name)
                self.namespaces.add(name)
            rows = good[at]
            batch = self.format.output(conv, judged, rows, self.schema)
            placed = self.router.route(name, batch)
            self.bytes_out += batch.nbytes
            # The vectors as judged (a JSON Lines batch holds the documents' text only).
            vectors = None if conv.values is None else conv.values.take(pa.array(rows))
            self.hashes.append(_hash_batch(name, batch, placed, chunk, rows, vectors))

    def finish(self) -> StagedPart:
        for router in (self.router, self.rejects):
            if router is not None:
                router.close_all()
        self.pipeline.drain()
        self.pipeline.stop()
        return StagedPart(
            format=self.format.name,
            vector_field=self.format.vector_field,
            job=self.job,
            part=self.part,
            folder=self.folder,
            schema=self.schema,
            kind=self.kind,
            dimension=self.dimension,
            files=_staged(self.router),
            rejected=self.rejected,
            hashes=pa.Table.from_batches(self.hashes, HASH_SCHEMA),
            quarantine=_staged(self.rejects),
            ignored_columns=tuple(self.ignored),
            sources=tuple(self.sources),
        )

    def abort(self) -> None:
        """After a failure: stop the writer threads and remove the part's folder."""
        self.pipeline.stop()
        with suppress(StorageError):
            self.store.delete_prefix(self.folder)


def _staged(router: Router | None) -> list[StagedFile]:
    """The router's files, in creation order: the hash rows' `file` indexes them."""
    parts = router.parts if router is not None else []
    return [StagedFile(p.key, p.namespace, p.records, p.bytes, p.sha256) for p in parts]


def _hash_batch(
    namespace: str,
    batch: pa.RecordBatch,
    placed: list[Placement],
    chunk: Chunk,
    rows: npt.NDArray[np.int64],
    values: pa.Array | None,
) -> pa.RecordBatch:
    """A hash row per accepted record: what `publish` needs to find duplicates across parts
    (`values`: the records' dense vectors, if any)."""
    n = batch.num_rows
    if values is not None:
        hashes, skip = vector_hashes(values)
        vectors = pa.array(hashes, pa.uint64(), mask=skip)
    else:
        vectors = pa.nulls(n, pa.uint64())
    files = np.repeat([p.part for p in placed], [p.rows for p in placed]).astype(np.int32)
    at = np.concatenate([np.arange(p.row, p.row + p.rows) for p in placed]).astype(np.int64)
    return pa.RecordBatch.from_arrays(
        [
            pa.repeat(pa.scalar(namespace, pa.string()), n),
            pa.array(hash_strings(batch.column("id")), pa.uint64()),
            vectors,
            pa.array(files, pa.int32()),
            pa.array(at, pa.int64()),
            pa.repeat(pa.scalar(chunk.source, pa.string()), n),
            pa.array(rows + chunk.first_row, pa.int64()),
        ],
        schema=HASH_SCHEMA,
    )
