"""An index schema as the 2026-07 API gives it (`schema.fields` of describe_index), as typed
frozen values: what a document index holds, and what its JSON Lines import files must hold.

`parse_schema` reads the JSON of `{"fields": {...}}` (or of a whole describe response, which
holds it under `schema`); `document_schema` also accepts a `DocumentSchema`, a mapping or the
path of a JSON file, and insists that the schema is a document index's. Invalid JSON or a
schema the API would not describe is a `UsageError` that names the problem.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import orjson

from ._errors import UsageError
from ._spec import MAX_DENSE_DIMENSION, MAX_FIELD_NAME_BYTES, MAX_FULL_TEXT_FIELDS

METRICS = ("cosine", "dotproduct", "euclidean")
RESERVED_DENSE = "_values"
RESERVED_SPARSE = "_sparse_values"
Family = Literal["document", "legacy_vector", "legacy_integrated", "unknown"]
MetadataType = Literal["float", "integer", "boolean", "string_list", "string", "untyped"]


@dataclass(frozen=True)
class DenseVectorField:
    """`dense_vector`: a JSON array of `dimension` numbers, required in every document."""

    dimension: int
    metric: str
    description: str | None = None


@dataclass(frozen=True)
class SparseVectorField:
    """`sparse_vector`: `{"indices": [...], "values": [...]}`, optional."""

    description: str | None = None


@dataclass(frozen=True)
class StringField:
    """`string` with a search configuration: a JSON string. `embed` / `sparse_embed` mean
    Pinecone embeds the text itself (integrated embedding: import refuses such an index)."""

    full_text_search: bool = False
    embed: bool = False
    sparse_embed: bool = False
    store_text: bool | None = None
    description: str | None = None


@dataclass(frozen=True)
class MetadataField:
    """A field describe may report but create never takes (`float`, `integer`, `boolean`,
    `string_list`, a `string` without search configuration, or an untyped legacy field):
    metadata, with the JSON type its name says."""

    type: MetadataType
    filterable: bool = False


@dataclass(frozen=True)
class SemanticTextField:
    """`semantic_text`: the embedded text of a legacy integrated index."""

    model: str | None = None


Field = DenseVectorField | SparseVectorField | StringField | MetadataField | SemanticTextField


@dataclass(frozen=True)
class DocumentSchema:
    """An index's fields by name, in the order describe lists them."""

    fields: tuple[tuple[str, Field], ...] = field(default=())

    @staticmethod
    def from_json(doc: Any) -> DocumentSchema:
        """From the schema's JSON (see `parse_schema`)."""
        return parse_schema(doc)

    @staticmethod
    def load(path: str | os.PathLike[str]) -> DocumentSchema:
        """From a JSON file (see `load_schema`)."""
        return load_schema(path)

    @cached_property
    def by_name(self) -> dict[str, Field]:
        return dict(self.fields)

    @cached_property
    def dense(self) -> tuple[str, DenseVectorField] | None:
        """The dense_vector field (name, field), if any."""
        return next(((n, f) for n, f in self.fields if isinstance(f, DenseVectorField)), None)

    @cached_property
    def sparse(self) -> str | None:
        return next((n for n, f in self.fields if isinstance(f, SparseVectorField)), None)

    @cached_property
    def texts(self) -> tuple[str, ...]:
        """The searchable string fields (full-text and/or embedded)."""
        return tuple(n for n, f in self.fields if isinstance(f, StringField))

    @cached_property
    def embedded(self) -> tuple[str, ...]:
        """Fields Pinecone embeds itself (`embed`, `sparse_embed`, `semantic_text`)."""
        return tuple(
            n
            for n, f in self.fields
            if isinstance(f, SemanticTextField)
            or (isinstance(f, StringField) and (f.embed or f.sparse_embed))
        )

    @property
    def family(self) -> Family:
        """Which API serves an index of this schema (the server's rule, 2026-07): a
        `semantic_text` field is a legacy integrated index; the reserved `_values` /
        `_sparse_values` a legacy vector index; a named vector or searchable string field a
        document index."""
        names = self.by_name
        if any(isinstance(f, SemanticTextField) for f in names.values()):
            return "legacy_integrated"
        if RESERVED_DENSE in names or RESERVED_SPARSE in names:
            return "legacy_vector"
        if self.dense or self.sparse or self.texts:
            return "document"
        return "unknown"

    def same_fields(self, other: DocumentSchema) -> bool:
        """The same fields, whatever their order and descriptions: what a document must be."""
        return _plain(self) == _plain(other)

    def to_json(self) -> dict[str, Any]:
        """`{"fields": {...}}` in the API's shape (what `parse_schema` reads back)."""
        return {"fields": {name: _field_json(f) for name, f in self.fields}}


def _plain(schema: DocumentSchema) -> dict[str, Field]:
    described = (DenseVectorField, SparseVectorField, StringField)
    return {
        name: replace(f, description=None) if isinstance(f, described) else f
        for name, f in schema.fields
    }


def _field_json(f: Field) -> dict[str, Any]:
    if isinstance(f, DenseVectorField):
        out: dict[str, Any] = {"type": "dense_vector", "dimension": f.dimension, "metric": f.metric}
    elif isinstance(f, SparseVectorField):
        out = {"type": "sparse_vector"}
    elif isinstance(f, StringField):
        out = {"type": "string"}
        for key in ("full_text_search", "embed", "sparse_embed"):
            if getattr(f, key):
                out[key] = {}
        if f.store_text is not None:
            out["store_text"] = f.store_text
    elif isinstance(f, MetadataField):
        out = {} if f.type == "untyped" else {"type": f.type}
        out["filterable"] = f.filterable
    else:
        out = {"type": "semantic_text", "model": f.model}
    if getattr(f, "description", None) is not None:
        out["description"] = f.description  # type: ignore[union-attr]
    return out


# --- parsing ------------------------------------------------------------------------------------


def _bad(where: str, problem: str) -> UsageError:
    return UsageError(f"invalid index schema: {where}: {problem}")


def _optional(spec: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = spec.get(key)
    if value is not None and type(value) is not kind:
        raise _bad(where, f"`{key}` must be a {kind.__name__}, not {value!r}")
    return value


def _config(spec: Mapping[str, Any], key: str, where: str) -> bool:
    """A search configuration (`full_text_search`, `embed`, `sparse_embed`): an object or
    null; only its presence matters here."""
    value = spec.get(key)
    if value is not None and not isinstance(value, Mapping):
        raise _bad(where, f"`{key}` must be an object or null, not {value!r}")
    return value is not None


def _dense(spec: Mapping[str, Any], where: str) -> DenseVectorField:
    dimension = spec.get("dimension")
    if type(dimension) is not int or not 1 <= dimension <= MAX_DENSE_DIMENSION:
        limit = f"1-{MAX_DENSE_DIMENSION:,}"
        raise _bad(where, f"`dimension` must be a whole number {limit}, not {dimension!r}")
    metric = spec.get("metric")
    if not isinstance(metric, str) or metric.lower() not in METRICS:
        raise _bad(where, f"`metric` must be one of {', '.join(METRICS)}, not {metric!r}")
    description = _optional(spec, "description", str, where)
    return DenseVectorField(dimension, metric.lower(), description)


def _string(spec: Mapping[str, Any], where: str) -> StringField | MetadataField:
    fts, embed, sparse = (
        _config(spec, k, where) for k in ("full_text_search", "embed", "sparse_embed")
    )
    store_text = _optional(spec, "store_text", bool, where)
    description = _optional(spec, "description", str, where)
    if not (fts or embed or sparse):  # filter-only: metadata, as describe reports it
        return MetadataField("string", bool(_optional(spec, "filterable", bool, where)))
    return StringField(fts, embed, sparse, store_text, description)


def parse_field(name: str, spec: Any) -> Field:
    """One entry of `schema.fields`."""
    where = f"field {name!r}"
    if not isinstance(spec, Mapping):
        raise _bad(where, f"a field must be a JSON object, not {spec!r}")
    kind = spec.get("type")
    if kind is None:  # a field from before typed schemas: metadata
        return MetadataField("untyped", bool(_optional(spec, "filterable", bool, where)))
    if kind == "dense_vector":
        return _dense(spec, where)
    if kind == "sparse_vector":
        return SparseVectorField(_optional(spec, "description", str, where))
    if kind == "string":
        return _string(spec, where)
    if kind in ("float", "integer", "boolean", "string_list"):
        return MetadataField(kind, bool(_optional(spec, "filterable", bool, where)))
    if kind == "semantic_text":
        return SemanticTextField(_optional(spec, "model", str, where))
    known = "dense_vector, sparse_vector, string, semantic_text, float, integer, boolean,"
    known += " string_list"
    raise _bad(where, f"unknown `type` {kind!r} (known: {known})")


def _name_problem(name: str) -> str | None:
    if not name:
        return "a field name must not be empty"
    if len(name.encode("utf-8")) > MAX_FIELD_NAME_BYTES:
        return f"a field name has at most {MAX_FIELD_NAME_BYTES} bytes"
    if name.startswith("$"):
        return "a field name must not start with `$`"
    return None


def _check_fields(fields: list[tuple[str, Field]]) -> None:
    """The create-time rules describe output obeys: names, reserved fields, one dense and one
    sparse slot, at most 100 full-text fields."""
    for name, f in fields:
        problem = _name_problem(name)
        reserved = {RESERVED_DENSE: DenseVectorField, RESERVED_SPARSE: SparseVectorField}
        if problem is None and name.startswith("_"):
            kind = reserved.get(name)
            if kind is None or not isinstance(f, kind):
                problem = "names starting with `_` are reserved (`_values` is dense_vector,"
                problem += " `_sparse_values` sparse_vector)"
        if problem:
            raise _bad(f"field {name!r}", problem)
    texts = [f for _, f in fields if isinstance(f, StringField)]
    dense = sum(isinstance(f, DenseVectorField) for _, f in fields) + sum(f.embed for f in texts)
    sparse = sum(isinstance(f, SparseVectorField) for _, f in fields)
    if dense > 1:
        raise _bad("fields", "at most one dense_vector field (or string field with `embed`)")
    if sparse + sum(f.sparse_embed for f in texts) > 1:
        raise _bad("fields", "at most one sparse_vector field (or string with `sparse_embed`)")
    if sum(f.full_text_search for f in texts) > MAX_FULL_TEXT_FIELDS:
        raise _bad("fields", f"at most {MAX_FULL_TEXT_FIELDS} full-text fields")


def parse_schema(doc: Any, *, described: bool = False) -> DocumentSchema:
    """A schema from its JSON: `{"fields": {...}}`, or a describe response holding it under
    `schema`. `described`: the schema of a live index, as the server reports it: each field
    is read as strictly, but the rules of creating one (names, counts of fields) are the
    server's business, so an index is never refused a description over them."""
    if isinstance(doc, Mapping) and "fields" not in doc and isinstance(doc.get("schema"), Mapping):
        doc = doc["schema"]
    if not isinstance(doc, Mapping) or not isinstance(doc.get("fields"), Mapping):
        raise _bad("the JSON", 'expected an object {"fields": {NAME: {"type": ...}, ...}}')
    fields = [(str(name), parse_field(str(name), spec)) for name, spec in doc["fields"].items()]
    if not described:
        if not fields:
            raise _bad("fields", "the schema has no field")
        _check_fields(fields)
    return DocumentSchema(tuple(fields))


def load_schema(path: str | os.PathLike[str]) -> DocumentSchema:
    """A schema from a JSON file (local)."""
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the schema file {os.fspath(path)}: {exc}") from None
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"the schema file {os.fspath(path)} is not JSON: {exc}") from None
    return parse_schema(doc)


FAMILY_HINTS = {
    "legacy_vector": "the reserved fields `_values`/`_sparse_values` make it a legacy vector"
    " index, which imports Parquet: check or write without a schema",
    "legacy_integrated": "a `semantic_text` field makes it a legacy integrated index, which"
    " Pinecone refuses imports into",
    "unknown": "it declares no vector field and no searchable string field",
}


def document_schema(value: Any) -> DocumentSchema:
    """`value` (a DocumentSchema, the schema's JSON as a mapping, or a JSON file's path) as a
    document index's schema."""
    if isinstance(value, DocumentSchema):
        schema = value
    elif isinstance(value, Mapping):
        schema = parse_schema(value)
    elif isinstance(value, str | os.PathLike) and os.fspath(value):
        schema = load_schema(value)
    else:
        raise UsageError(
            "schema must be a DocumentSchema, the schema's JSON as a dict, or the path of a"
            f" JSON file, not {type(value).__name__}"
        )
    if schema.family != "document":
        raise UsageError(f"not a document index's schema: {FAMILY_HINTS[schema.family]}")
    return schema
