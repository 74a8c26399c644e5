"""The format of the files a write produces, as one parameter of the one writer: how a
converted chunk is judged and laid out, how a file is encoded, and how staged files are read
back (to confirm duplicates, to rewrite a file without them). `ParquetFormat` for a vector
index, `JsonlFormat` (in `documents.py`) for a document index."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from .._dupes import read_back
from .._rules import Hit
from .._rules.metadata import metadata_hits
from .._rules.records import dense_hits, id_hits, sparse_hits
from .._spec import PARQUET
from .._storage import Store
from .._types import Kind
from .columns import ColumnPlan, Converted, resolve_schema
from .files import parquet_encoder
from .vectors import final_sparse

Rows = npt.NDArray[np.int64]
Encoder = Callable[[pa.Table], Callable[[Any], None]]


@dataclass
class Judged:
    """A chunk judged: the rules' hits, and (JSON Lines) every row's encoded document."""

    hits: list[Hit]
    lines: pa.Array | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class FileFormat(Protocol):
    name: str  # "parquet", "jsonl", "jsonl.gz": what a StagedPart records
    suffix: str  # of the published files
    infers_dimension: bool  # the dimension comes from the first vector (else the schema)
    vector_field: str | None  # where a record's dense vector is, to read it back

    def resolve(
        self, plan: ColumnPlan, names: Sequence[str], kind: Kind | None, *, every: Sequence[str]
    ) -> tuple[ColumnPlan, pa.Schema, Kind | None]: ...

    def judge(self, conv: Converted, dimension: int | None, kind: Kind | None) -> Judged: ...

    def output(
        self, conv: Converted, judged: Judged, rows: Rows, schema: pa.Schema
    ) -> pa.RecordBatch: ...

    def taken(self, conv: Converted, judged: Judged, rows: Rows) -> dict[str, pa.Array | None]: ...

    def encoder(self, row_group_bytes: int) -> Encoder: ...

    def read_table(self, store: Store, key: str, schema: pa.Schema) -> pa.Table: ...

    def read_back(self, store: Store, key: str, rows: Rows, column: str) -> dict[int, Any]: ...


def explained_hits(conversion: list[Hit], hits: list[Hit]) -> list[Hit]:
    """The conversion's hits, then the rules' hits less the rows a conversion hit explains in
    the same column (a row that could not be converted is judged by that problem alone)."""
    explained: dict[str, list[Rows]] = {}
    for hit in conversion:
        explained.setdefault(hit.column, []).append(hit.rows)
    kept = []
    for hit in hits:
        if hit.column in explained:
            rows = hit.rows[~np.isin(hit.rows, np.concatenate(explained[hit.column]))]
            hit = Hit(hit.code, hit.column, rows, hit.describe, hit.severity)
        if len(hit.rows):
            kept.append(hit)
    return conversion + kept


def rule_hits(conv: Converted, dimension: int | None, kind: Kind | None) -> list[Hit]:
    """The checker's record rules on one converted chunk (Parquet's columns)."""
    hits = id_hits(conv.ids)
    if conv.values is not None:
        hits += dense_hits(conv.values, dimension)
    if conv.sparse is not None:
        hits += sparse_hits(conv.sparse, kind)
    if conv.metadata is not None:
        hits += metadata_hits(conv.metadata, {} if conv.metadata_judged else None)
    return explained_hits(conv.hits, hits)


class ParquetFormat:
    """Parquet files for a vector index: `id`, `values`, `sparse_values`, `metadata`."""

    name = "parquet"
    suffix = PARQUET
    infers_dimension = True
    vector_field: str | None = "values"

    def resolve(
        self, plan: ColumnPlan, names: Sequence[str], kind: Kind | None, *, every: Sequence[str]
    ) -> tuple[ColumnPlan, pa.Schema, Kind | None]:
        return resolve_schema(plan, names, kind, every=every)

    def judge(self, conv: Converted, dimension: int | None, kind: Kind | None) -> Judged:
        return Judged(rule_hits(conv, dimension, kind))

    def output(
        self, conv: Converted, judged: Judged, rows: Rows, schema: pa.Schema
    ) -> pa.RecordBatch:
        """The accepted `rows` of a chunk in the output schema (no copy when that is all)."""
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
        return pa.RecordBatch.from_arrays(arrays, schema=schema)

    def taken(self, conv: Converted, judged: Judged, rows: Rows) -> dict[str, pa.Array | None]:
        index = pa.array(rows)
        return {
            "id": conv.ids.take(index),
            "values": conv.values.take(index) if conv.values is not None else None,
            "sparse_values": conv.sparse.take(index) if conv.sparse is not None else None,
            "metadata": conv.metadata.take(index) if conv.metadata is not None else None,
        }

    def encoder(self, row_group_bytes: int) -> Encoder:
        return lambda table: parquet_encoder(table, row_group_bytes)

    def read_table(self, store: Store, key: str, schema: pa.Schema) -> pa.Table:
        with store.open_parquet(key) as source:
            return source.read().cast(schema)  # one file: bounded by its target size

    def read_back(self, store: Store, key: str, rows: Rows, column: str) -> dict[int, Any]:
        return read_back(store, key, rows, column)
