"""JSON Lines for a document index: each row becomes one document (`_id` first, the dense and
sparse fields, the full-text fields, the metadata spread into flat keys), encoded compactly by
orjson (never NaN) and judged by the checker's own document rules (`DocumentRules`) on that
very document and line, the vectors by the record rules on the writer's arrays. Files are
`part-NNNNN.jsonl`, or `.jsonl.gz` (one gzip stream)."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from .._errors import UsageError
from .._jsonl import LineReader, line_id, line_ids, line_vectors
from .._rules import Hit
from .._rules.blocks import Lines, problem_hits, unexplained
from .._rules.documents import DocumentRules
from .._rules.metadata import metadata_problem
from .._rules.records import dense_hits, id_hits, sparse_hits
from .._schema import DocumentSchema
from .._spec import ID_KEY, JSONL, JSONL_GZ
from .._storage import Store
from .._types import Kind
from .columns import ColumnPlan, Converted
from .formats import Encoder, FileFormat, Judged, ParquetFormat, Rows, explained_hits

LINES_SCHEMA = pa.schema([pa.field("id", pa.string()), pa.field("line", pa.binary())])
GZIP_LEVEL = 6  # zlib's default: level 9 costs about three times the CPU for ~1% less


def format_named(
    name: str, schema: DocumentSchema | None = None, *, vector_field: str | None = None
) -> FileFormat:
    """The format a write or a staged part names ("parquet", "jsonl", "jsonl.gz"); a part
    read back without its schema names its `vector_field`."""
    if name == "parquet":
        return ParquetFormat()
    return JsonlFormat(schema, gzip=name == "jsonl.gz", vector_field=vector_field)


class JsonlFormat:
    """JSON Lines files for a document index (`schema`: needed to write, not to read back)."""

    infers_dimension = False

    def __init__(
        self, schema: DocumentSchema | None, *, gzip: bool, vector_field: str | None = None
    ) -> None:
        self.schema = schema
        self.vector_field = schema.dense[0] if schema is not None and schema.dense else vector_field
        self.gzip = gzip
        self.name = "jsonl.gz" if gzip else "jsonl"
        self.suffix = JSONL_GZ if gzip else JSONL
        self.rules = DocumentRules(schema) if schema is not None else None

    def resolve(
        self, plan: ColumnPlan, names: Sequence[str], kind: Kind | None, *, every: Sequence[str]
    ) -> tuple[ColumnPlan, pa.Schema, Kind | None]:
        """Which columns feed which schema fields: the vector column (or one named like the
        dense field) the dense field, the sparse column (or one named like the sparse field)
        the sparse field, columns named like full-text fields those fields; the metadata
        column and the named metadata columns become flat keys."""
        assert self.schema is not None
        schema, found = self.schema, set(names)
        listed = ", ".join(repr(n) for n in (every or names)) or "none"
        if plan.id not in found:
            raise UsageError(f"the data has no id column {plan.id!r} (columns: {listed})")
        if plan.namespace is not None and plan.namespace not in found:
            raise UsageError(f"the data has no namespace column {plan.namespace!r}")
        dense = schema.dense[0] if schema.dense else None
        values = next((c for c in (plan.values, dense) if dense and c and c in found), None)
        if dense is not None and values is None:
            raise UsageError(
                f"the schema's dense_vector field {dense!r} needs a column (columns: {listed}):"
                " name it with values_column= (CLI: --values-column)"
            )
        sparse_field = schema.sparse
        sparse = next((c for c in (plan.sparse, sparse_field) if sparse_field and c in found), None)
        texts = tuple(n for n in schema.texts if n in found and n not in (plan.id, values, sparse))
        used = {*plan.metadata_columns} & {*texts, *(n for n in (values, sparse) if n)}
        if used:
            raise UsageError(f"column(s) {', '.join(map(repr, sorted(used)))} feed schema fields")
        absent = [n for n in plan.metadata_columns if n not in found]
        if absent:
            raise UsageError(f"the data has no metadata column(s) {', '.join(absent)}")
        metadata = plan.metadata if plan.metadata in found else None
        if not (values or sparse or texts):
            raise UsageError(
                f"no column feeds a field of the schema (columns: {listed}; fields:"
                f" {', '.join(n for n, _ in schema.fields)})"
            )
        plan = ColumnPlan(
            plan.id, values, sparse, metadata, plan.metadata_columns, plan.namespace, texts
        )
        return plan, LINES_SCHEMA, None

    def judge(self, conv: Converted, dimension: int | None, kind: Kind | None) -> Judged:
        """Every row as its document and line, judged: the document rules on the document
        (the vectors' presence only), the record rules on the arrays."""
        rules = self.rules
        assert rules is not None
        out = Lines()
        lines = [self._line(doc, i, rules, out) for i, doc in enumerate(_documents(conv, rules))]
        vectorised = id_hits(conv.ids, ID_KEY)
        if conv.values is not None and rules.dense:
            vectorised += dense_hits(conv.values, rules.dimension, rules.dense)
        if conv.sparse is not None and rules.sparse:
            vectorised += sparse_hits(conv.sparse, None, rules.sparse)
        names = {"values": rules.dense, "sparse_values": rules.sparse}
        conversion = [
            Hit(h.code, names.get(h.column) or h.column, h.rows, h.describe, h.severity)
            for h in conv.hits
        ]
        hits = problem_hits(out.problems) + unexplained(vectorised, out.explained)
        return Judged(explained_hits(conversion, hits), pa.array(lines, pa.binary()))

    @staticmethod
    def _line(doc: dict[Any, Any], row: int, rules: DocumentRules, out: Lines) -> bytes:
        out.add()
        for code, column, message in doc.pop(_PROBLEMS, ()):
            out.note(row, code, column, message)
        line = orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)
        judged = [n for n in (ID_KEY, rules.dense, rules.sparse) if n is not None]
        rules.judge_document(doc, row, len(line), out, judged=judged)
        return line

    def output(
        self, conv: Converted, judged: Judged, rows: Rows, schema: pa.Schema
    ) -> pa.RecordBatch:
        assert judged.lines is not None
        index = pa.array(rows)
        return pa.RecordBatch.from_arrays(
            [conv.ids.take(index), judged.lines.take(index)], schema=schema
        )

    def taken(self, conv: Converted, judged: Judged, rows: Rows) -> dict[str, pa.Array | None]:
        assert judged.lines is not None
        index = pa.array(rows)
        return {"id": conv.ids.take(index), "line": judged.lines.take(index)}

    def encoder(self, row_group_bytes: int) -> Encoder:
        return lambda table: _writer(table, self.gzip)

    def read_table(self, store: Store, key: str, schema: pa.Schema) -> pa.Table:
        lines = [line for block in LineReader(store, key) for line in block.lines]
        ids = pa.array([line_id(line) for line in lines], pa.string())
        return pa.table([ids, pa.array(lines, pa.binary())], schema=LINES_SCHEMA)

    def read_back(self, store: Store, key: str, rows: Rows, column: str) -> dict[int, Any]:
        """`id`: the documents' `_id`; `values`: their dense field, as float32 bytes."""
        if column == "id":
            return line_ids(store, key, rows)
        if self.vector_field is None:  # no vector was hashed: no candidate to confirm
            raise ValueError("a JSON Lines part without a dense field has no vectors to read")
        return line_vectors(store, key, rows, self.vector_field)


_PROBLEMS = object()  # a document's key for what its building found (removed before use)


def _documents(conv: Converted, rules: DocumentRules) -> list[dict[Any, Any]]:
    """Each row's document, `_id` first (a null vector or text leaves its field out); a
    metadata key that repeats a field is noted (D007), as is metadata that is not an object."""
    ids = conv.ids.to_pylist()
    docs: list[dict[Any, Any]] = [{ID_KEY: i} for i in ids]
    if conv.values is not None and rules.dense:
        _vectors(docs, rules.dense, conv.values)
    if conv.sparse is not None and rules.sparse:
        _sparse(docs, rules.sparse, conv.sparse)
    for name, column in conv.texts.items():
        for doc, text in zip(docs, column.to_pylist(), strict=True):
            if text is not None:
                doc[name] = text
    if conv.metadata is not None:
        taken = {ID_KEY, rules.dense, rules.sparse}  # fed by their own columns only
        for doc, text in zip(docs, conv.metadata.to_pylist(), strict=True):
            if text is not None:
                _spread(doc, text, taken)
    return docs


def _spread(doc: dict[Any, Any], text: str, taken: set[str | None]) -> None:
    """Metadata JSON text as flat keys of the document (a key naming a full-text field is
    that field, judged as such)."""
    problems = doc.setdefault(_PROBLEMS, [])
    try:
        meta = orjson.loads(text)
    except orjson.JSONDecodeError:
        code, message = metadata_problem(text) or ("R030", "`metadata` is not valid JSON")
        problems.append((code, "metadata", message))
        return
    if type(meta) is not dict:
        message = f"`metadata` must be a JSON object, found {type(meta).__name__}"
        problems.append(("R031", "metadata", message))
        return
    for key, value in meta.items():
        if key in doc or key in taken:
            message = f"key {key!r} appears 2 times in the document (a metadata key and a field)"
            problems.append(("D007", None, message))
            continue
        doc[key] = value


def _vectors(docs: list[dict[Any, Any]], name: str, values: pa.Array) -> None:
    offsets = np.asarray(values.offsets, np.int64)
    flat = values.values.to_numpy(zero_copy_only=False)
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    for row in np.flatnonzero(valid).tolist():
        docs[row][name] = flat[offsets[row] : offsets[row + 1]]


def _sparse(docs: list[dict[Any, Any]], name: str, sparse: pa.Array) -> None:
    """Sparse vectors with their entries sorted by index (values moved with them)."""
    valid = sparse.is_valid().to_numpy(zero_copy_only=False)
    indices, weights = sparse.flatten()
    i_off, v_off = np.asarray(indices.offsets, np.int64), np.asarray(weights.offsets, np.int64)
    flat_i = indices.values.to_numpy(zero_copy_only=False)
    flat_v = weights.values.to_numpy(zero_copy_only=False)
    for row in np.flatnonzero(valid).tolist():
        idx = flat_i[i_off[row] : i_off[row + 1]]
        val = flat_v[v_off[row] : v_off[row + 1]]
        if len(idx) == len(val) and len(idx) > 1 and not (idx[1:] > idx[:-1]).all():
            order = np.argsort(idx, kind="stable")
            idx, val = idx[order], val[order]
        docs[row][name] = {"indices": idx, "values": val}


def _newlines(lines: pa.Array) -> bytes:
    """A binary column's values, each followed by "\\n", as one buffer (vectorised)."""
    n = len(lines)
    if not n:
        return b""
    lines = lines.cast(pa.large_binary())
    _, offset_buffer, data_buffer = lines.buffers()
    offsets = np.frombuffer(offset_buffer, np.int64)[lines.offset : lines.offset + n + 1]
    start, stop = int(offsets[0]), int(offsets[-1])
    data = np.frombuffer(data_buffer, np.uint8)[start:stop] if data_buffer else np.empty(0)
    out = np.empty(stop - start + n, np.uint8)
    breaks = offsets[1:] - start + np.arange(n)
    keep = np.ones(len(out), np.bool_)
    keep[breaks] = False
    out[keep] = data
    out[breaks] = ord("\n")
    return out.tobytes()


def _writer(table: pa.Table, compress: bool) -> Any:
    """Write the lines, one gzip stream when `compress` (no name, no time: deterministic)."""

    def write(target: Any) -> None:
        if not compress:
            for chunk in table.column("line").chunks:
                target.write(_newlines(chunk))
            return
        with gzip.GzipFile(fileobj=target, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as out:
            for chunk in table.column("line").chunks:
                out.write(_newlines(chunk))

    return write
