"""Document rules: one JSON Lines document against a document index's schema (the D codes, and
the R codes a document shares with a Parquet record).

One pass in Python per document (orjson, then a loop over its few keys) notes each problem and
collects `_id`, the dense and the sparse field into a `Lines` block; `block_hits` then runs the
record rules of `records.py` vectorised over the block (R001-R004 on `_id`, R010-R013 on the
dense field, R021-R026 on the sparse field), so a document and a Parquet record are judged by
the same functions. The writer judges the documents it builds with the same `judge_document`.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from .._schema import (
    DenseVectorField,
    DocumentSchema,
    MetadataField,
    SparseVectorField,
    StringField,
)
from .._spec import (
    ID_KEY,
    MAX_DOCUMENT_BYTES,
    MAX_DOCUMENT_METADATA_BYTES,
    MAX_FIELD_NAME_BYTES,
    MAX_TEXT_FIELD_BYTES,
)
from . import Hit
from .blocks import Lines, dense_array, problem_hits, sparse_array, unexplained
from .lines import duplicate_keys, lenient
from .metadata import first_value_problem, parsed_value_problem
from .records import dense_hits, id_hits, sparse_hits

NUMBERS = frozenset({float, int})
JSON_TYPES = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    type(None): "null",
}
METADATA_TYPES = {  # a declared metadata field's JSON type (MetadataField.type)
    "float": ((int, float), "a number"),
    "integer": ((int,), "an integer"),
    "boolean": ((bool,), "a boolean"),
    "string": ((str,), "a string"),
    "string_list": ((list,), "an array of strings"),
}


def json_type(value: Any) -> str:
    return JSON_TYPES.get(type(value), type(value).__name__)


class DocumentRules:
    """A schema's rules, prepared once: which key is which kind of field."""

    def __init__(self, schema: DocumentSchema) -> None:
        self.schema = schema
        dense = schema.dense
        self.dense: str | None = dense[0] if dense else None
        self.dimension: int | None = dense[1].dimension if dense else None
        self.sparse = schema.sparse
        self.texts = frozenset(schema.texts)
        self.declared_metadata = {
            name: f.type
            for name, f in schema.fields
            if isinstance(f, MetadataField) and f.type != "untyped"
        }
        self._dense_key = f'"{self.dense}":'.encode() if self.dense else b""
        self.fields = frozenset(
            name
            for name, f in schema.fields
            if isinstance(f, DenseVectorField | SparseVectorField | StringField)
        )

    # -- one line ------------------------------------------------------------------------------

    def judge_line(self, raw: bytes, out: Lines) -> None:
        """Judge the block's next line (without its "\\n")."""
        row = out.add()
        if raw[-1:] == b"\r":
            out.note(row, "D005", None, "line ends with a carriage return (CR LF line ending)")
            raw = raw[:-1]
        if (not raw or raw[0] in (32, 9)) and not raw.strip():  # empty, or starts blank
            message = "blank line (JSON Lines has one JSON value on every line)"
            out.note(row, "D003", None, message, whole=True)
            return
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            doc = lenient(raw, exc, row, out)
            if doc is None:
                return
        if type(doc) is not dict:
            message = f"line holds a JSON {json_type(doc)}, not an object (one document per line)"
            out.note(row, "D002", None, message, whole=True)
            return
        span = self._dense_span(raw)
        # Only numbers in the vector's text (no string, true, false, null): numpy's
        # conversion is exact (it would take "2" or true as numbers, null as NaN).
        plain = span is not None
        if span is not None:
            a, b = span
            plain = raw.find(34, a, b) < 0 and raw.find(116, a, b) < 0  # `"`, `t`
            plain = plain and raw.find(102, a, b) < 0 and raw.find(110, a, b) < 0  # `f`, `n`
        self.judge_document(doc, row, len(raw), out, plain=plain, text=raw)
        duplicate_keys(raw, doc, row, out, span)

    def _dense_span(self, raw: bytes) -> tuple[int, int] | None:
        """Where the dense field's array is in the line, from its last `"name":` (orjson
        keeps the last of repeated keys) to the first `]`; None when that is not plain."""
        key = self._dense_key
        at = raw.rfind(key) if key else -1
        if at < 0:
            return None
        start, size = at + len(key), len(raw)
        while start < size and raw[start] in (32, 9):  # white space
            start += 1
        end = raw.find(93, start)  # `]`
        return (start, end + 1) if start < size and raw[start] == 91 and end > 0 else None

    # -- one document ----------------------------------------------------------------------------

    def oversized(self, size: int, out: Lines) -> None:
        """The block's next line is too long to be kept (its text was dropped unread)."""
        message = f"line is {size:,} bytes; a document is at most {MAX_DOCUMENT_BYTES:,}"
        out.note(out.add(), "D012", None, message, whole=True)

    def judge_document(
        self,
        doc: dict[str, Any],
        row: int,
        size: int,
        out: Lines,
        judged: Collection[str] = (),
        *,
        plain: bool = False,
        text: bytes | None = None,
    ) -> None:
        """Every per-document rule on a parsed document of `size` bytes; `_id`, the dense and
        the sparse field go to the block for the vectorised rules, except `judged` fields
        (the writer's: judged on its own arrays), whose presence alone counts. `plain`: the
        dense array's text holds only numbers, so they need no type test. `text`: the line
        `doc` was parsed from by orjson, which reads integers beyond 64 bits as floats."""
        fields = self.fields
        metadata: dict[str, Any] = {}
        present = 0
        for key, value in doc.items():
            if key in fields:
                present += 1
                if key not in judged:
                    self._field(key, value, row, out, plain)
            elif key == ID_KEY:
                if key not in judged:
                    _record_id(value, row, out)
            elif self._metadata_key(key, value, row, out):
                metadata[key] = value
        if ID_KEY not in doc:
            out.note(row, "R001", ID_KEY, "`_id` is missing")
        if self.dense is not None and self.dense not in doc:
            message = f"`{self.dense}` is missing; the schema's dense_vector field is required"
            out.note(row, "R010", self.dense, message)
        if not present and self.dense is None:
            names = ", ".join(repr(n) for n in sorted(fields))
            message = "the document holds no schema field (only `_id` and metadata); it needs"
            out.note(row, "D011", None, f"{message} one of {names}")
        if metadata:
            self._metadata(metadata, row, size, doc, out, text)
        if size > MAX_DOCUMENT_BYTES:
            message = f"line is {size:,} bytes; a document is at most {MAX_DOCUMENT_BYTES:,}"
            out.note(row, "D012", None, message)

    def _field(self, key: str, value: Any, row: int, out: Lines, plain: bool) -> None:
        """A schema field's value: its JSON type here, its contents in the block."""
        if key == self.dense:
            if type(value) is list:
                if plain:  # numpy raises on strings and nulls; `plain` rules out booleans
                    try:
                        out.dense.append((row, np.fromiter(value, np.float64, len(value))))
                        return
                    except (TypeError, ValueError):
                        pass
                kinds = set(map(type, value))
                if kinds <= NUMBERS or (type(None) in kinds and kinds - {type(None)} <= NUMBERS):
                    numbers = [math.nan if v is None else v for v in value]  # null: R012
                    out.dense.append((row, np.asarray(numbers, np.float64)))
                    return
                found = "an array holding " + ", ".join(sorted({json_type(v) for v in value}))
            elif value is None:
                return  # null: R010 from the block
            else:
                found = json_type(value)
            out.note(
                row,
                "D010",
                key,
                f"`{key}` must be an array of numbers (schema: dense_vector), found {found}",
            )
        elif key == self.sparse:
            self._sparse(key, value, row, out)
        elif type(value) is str:
            if len(value) * 4 > MAX_TEXT_FIELD_BYTES:  # else it cannot be over the limit
                size = len(value.encode("utf-8", "surrogatepass"))
                if size > MAX_TEXT_FIELD_BYTES:
                    message = f"`{key}` is {size:,} bytes of UTF-8; a full-text field holds at"
                    out.note(row, "D013", key, f"{message} most {MAX_TEXT_FIELD_BYTES:,}")
        else:
            message = f"`{key}` must be a string (schema: full-text string), found"
            out.note(row, "D010", key, f"{message} {json_type(value)}")

    @staticmethod
    def _sparse(key: str, value: Any, row: int, out: Lines) -> None:
        if type(value) is dict and value.keys() == {"indices", "values"}:
            indices, weights = value["indices"], value["values"]
            if type(indices) is list and type(weights) is list:
                i_kinds, w_kinds = set(map(type, indices)), set(map(type, weights))
                if i_kinds <= {int, type(None)} and w_kinds <= {int, float, type(None)}:
                    out.sparse.append((row, indices, weights))
                    return
        found = json_type(value) if type(value) is not dict else "another object"
        message = f'`{key}` must be {{"indices": [integers], "values": [numbers]}} (schema:'
        out.note(row, "D010", key, f"{message} sparse_vector), found {found}")

    def _metadata_key(self, key: str, value: Any, row: int, out: Lines) -> bool:
        """A key outside the schema's fields: its name's rules, and a declared metadata
        field's type. True when its value is metadata to judge."""
        if key[:1] == "_":
            message = f"key {key!r} starts with `_`, which Pinecone reserves (only `_id` may)"
            out.note(row, "D008", key, message)
            return False
        if not key or len(key) * 4 > MAX_FIELD_NAME_BYTES:
            size = len(key.encode("utf-8", "surrogatepass"))
            if not size or size > MAX_FIELD_NAME_BYTES:
                shown = repr(key if len(key) <= 60 else key[:60] + "...")
                message = f"key {shown} has {size} bytes; the maximum is {MAX_FIELD_NAME_BYTES}"
                out.note(row, "D009", key, message if size else "key is the empty string")
                return False
        declared = self.declared_metadata.get(key)
        if declared is not None and value is not None:
            kinds, expected = METADATA_TYPES[declared]
            if type(value) not in kinds:
                message = f"`{key}` must be {expected} (schema: {declared}), found"
                out.note(row, "D010", key, f"{message} {json_type(value)}")
                return False
        return True

    def _metadata(
        self,
        metadata: dict[str, Any],
        row: int,
        size: int,
        doc: dict[str, Any],
        out: Lines,
        text: bytes | None,
    ) -> None:
        """R032-R038 on the fields outside the schema, and a number array as metadata."""
        found = (
            first_value_problem(metadata) if text is None else parsed_value_problem(metadata, text)
        )
        if found is not None:
            code, key, message = found
            value = metadata[key]
            if code == "R035" and all(type(v) in NUMBERS for v in value):
                message = f"metadata key {key!r} holds an array of numbers, which only a"
                message += " dense_vector field of the schema may"
            out.note(row, code, key, message)
        # Re-encoding grows a text less than 5x (`1E15` -> `1000000000000000.0`): measure
        # only the lines whose metadata could be over the limit.
        if 5 * _metadata_bound(size, doc, self) > MAX_DOCUMENT_METADATA_BYTES:
            nbytes = len(orjson.dumps(metadata, default=str))
            if nbytes > MAX_DOCUMENT_METADATA_BYTES:
                message = f"metadata fields are {nbytes:,} bytes as compact JSON; the maximum"
                out.note(row, "R032", None, f"{message} is {MAX_DOCUMENT_METADATA_BYTES:,}")

    # -- the block ---------------------------------------------------------------------------

    def dense_values(self, out: Lines) -> pa.Array | None:
        """The block's dense field as list<double> (null where a line has none), or None
        when the schema has no dense field."""
        return dense_array(out.rows, out.dense) if self.dense is not None else None

    def block_hits(self, out: Lines, ids: pa.Array, dense: pa.Array | None) -> list[Hit]:
        """The block's hits: its problems, then the vectorised record rules on `_id` (`ids`,
        the block's as an array), the dense field (`dense`: `dense_values(out)`) and the
        sparse field (rows whose column problem is noted already are skipped)."""
        hits = problem_hits(out.problems)
        vectorised = id_hits(ids, ID_KEY)
        if self.dense is not None and dense is not None:
            vectorised += dense_hits(dense, self.dimension, self.dense)
        if self.sparse is not None and out.sparse:
            vectorised += sparse_hits(sparse_array(out.rows, out.sparse), None, self.sparse)
        return hits + unexplained(vectorised, out.explained)


def _record_id(value: Any, row: int, out: Lines) -> None:
    """`_id`: a string (its rules run on the block, R001-R004), null (R001 there) or wrong."""
    if type(value) is str:
        out.ids[row] = value
    elif value is not None:
        out.note(row, "D010", ID_KEY, f"`_id` must be a string, found {json_type(value)}")


def _metadata_bound(size: int, doc: dict[str, Any], rules: DocumentRules) -> int:
    """An upper bound on the raw bytes of a line's metadata: the line less what its schema
    fields and `_id` take at least (a number is 2 bytes with its comma, a character 1)."""
    taken = 0
    for key in (rules.dense, rules.sparse):
        value = doc.get(key) if key else None
        if type(value) is list:
            taken += 2 * len(value)
    for key in rules.texts:
        value = doc.get(key)
        if type(value) is str:
            taken += len(value)
    return max(0, size - taken)
