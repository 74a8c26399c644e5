"""What the checks need to know about the target index, and the preflight rules (RULES.md
section 5) as pure functions of it. Built by hand for dry runs or from the live index.

Pinecone's API 2026-07 has three index families, told apart by the schema `describe_index`
reports (the SDK has no "kind" for it):

- `vector`: a legacy vector index (Vectors API). Its vectors are the reserved fields `_values`
  (dense) and `_sparse_values` (sparse). It imports Parquet.
- `integrated`: a legacy integrated index (Records API, `create_for_model`): a `semantic_text`
  field that Pinecone embeds. The server refuses imports into it.
- `document`: a document index (Documents API): named `dense_vector` / `sparse_vector` fields
  and/or full-text `string` fields. It imports JSON Lines, not Parquet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from ._errors import UsageError
from ._spec import DEFAULT_NAMESPACE

IndexKind = Literal["dense", "sparse"]
IndexFamily = Literal["vector", "integrated", "document"]
FieldType = Literal[
    "dense_vector",
    "sparse_vector",
    "string",
    "semantic_text",
    "string_list",
    "boolean",
    "integer",
    "float",
    "metadata",  # a field from before typed schemas: filterable, no type recorded
]
CLOUDS = ("aws", "gcp", "azure")
FAMILIES: tuple[IndexFamily, ...] = ("vector", "integrated", "document")
FIELD_TYPES: tuple[FieldType, ...] = get_args(FieldType)


def _positive(name: str, value: object) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
        raise UsageError(f"{name} must be a positive integer, not {value!r}")


@dataclass(frozen=True, kw_only=True)
class SchemaField:
    """One field of an index schema, as `describe_index` reports it.

    `dimension` and `metric` are set for a `dense_vector` field (and for a `string` field that
    Pinecone embeds into a dense vector); `full_text` marks a string field indexed for
    full-text search; `embedded` marks a field whose vectors Pinecone computes itself (a
    `semantic_text` field, or a `string` field with `embed` / `sparse_embed`)."""

    name: str
    type: FieldType
    dimension: int | None = None
    metric: str | None = None
    full_text: bool = False
    embedded: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise UsageError(f"a schema field needs a non-empty name, not {self.name!r}")
        if self.type not in FIELD_TYPES:
            raise UsageError(
                f"field {self.name!r}: type must be one of {', '.join(FIELD_TYPES)},"
                f" not {self.type!r}"
            )
        _positive(f"field {self.name!r}: dimension", self.dimension)


@dataclass(frozen=True, kw_only=True)
class IndexDescription:
    """A target index. `namespaces` maps existing namespaces to their record counts (the
    default namespace may appear as "" or "__default__").

    `kind`, `dimension` and `metric` describe the index's vector slots (what the Parquet
    `values` / `sparse_values` columns must match). `family` says what the index imports (see
    the module text); `integrated` is True when Pinecone embeds any field itself, which it
    does for every `integrated` index and for a document index with an embedding field.
    `fields` is the whole schema (empty for an index described by hand)."""

    name: str | None = None
    kind: IndexKind = "dense"
    dimension: int | None = None
    metric: str | None = None
    cloud: str | None = None
    serverless: bool = True
    integrated: bool = False
    family: IndexFamily = "vector"
    fields: tuple[SchemaField, ...] = ()
    namespaces: Mapping[str, int] = field(default_factory=dict)
    host: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("dense", "sparse"):
            raise UsageError(f"index kind must be 'dense' or 'sparse', not {self.kind!r}")
        if self.family not in FAMILIES:
            raise UsageError(f"family must be one of {', '.join(FAMILIES)}, not {self.family!r}")
        if self.cloud is not None and self.cloud not in CLOUDS:
            raise UsageError(f"cloud must be one of {', '.join(CLOUDS)}, not {self.cloud!r}")
        _positive("dimension", self.dimension)
        if not all(isinstance(f, SchemaField) for f in self.fields):
            raise UsageError("fields must be SchemaField values")
        if self.family == "integrated" and not self.integrated:
            # A legacy integrated index embeds by definition; say so once, here.
            object.__setattr__(self, "integrated", True)

    def records_in(self, namespace: str) -> int | None:
        """Records already in `namespace` (None when it does not exist)."""
        keys = ("", DEFAULT_NAMESPACE) if namespace in ("", DEFAULT_NAMESPACE) else (namespace,)
        counts = [self.namespaces[k] for k in keys if k in self.namespaces]
        return sum(counts) if counts else None

    def existing(self, namespaces: Iterable[str]) -> list[tuple[str, int]]:
        """The namespaces among `namespaces` that already exist in the index, with their record
        counts: an import into any of them is refused (L007). An explicitly created namespace
        exists even when empty; the default namespace only counts once it holds records (a
        legacy index always has it)."""
        found = []
        for namespace in namespaces:
            existing = self.records_in(namespace)
            if existing is None or (namespace == DEFAULT_NAMESPACE and existing == 0):
                continue
            found.append((namespace, existing))
        return found


@dataclass(frozen=True)
class IndexIssue:
    code: str
    message: str
    namespace: str | None = None


def index_issues(
    index: IndexDescription, *, scheme: str, namespaces: Iterable[str]
) -> list[IndexIssue]:
    """P001/P002/P003, L010 and L007 for an import of Parquet files from a `scheme` URI into
    `index`."""
    label = f"index {index.name!r}" if index.name else "the index"
    issues = []
    if not index.serverless:
        issues.append(IndexIssue("P001", f"{label} is a pod index; only serverless can import"))
    if index.integrated:
        embedded = [f.name for f in index.fields if f.embedded]
        which = f" (field {', '.join(map(repr, embedded))})" if embedded else ""
        issues.append(
            IndexIssue(
                "P002",
                f"{label} has integrated embedding{which}; Pinecone refuses imports into"
                " an index that embeds for itself (start_import answers 400)",
            )
        )
    if index.family == "document":
        issues.append(
            IndexIssue(
                "P003",
                f"{label} is a document index; Pinecone imports JSON Lines documents into it,"
                " not Parquet (only a legacy vector index imports Parquet)",
            )
        )
    if scheme == "s3" and index.cloud not in (None, "aws"):
        issues.append(
            IndexIssue("L010", f"an s3:// source needs an AWS index; {label} is on {index.cloud}")
        )
    for namespace, existing in index.existing(namespaces):
        issues.append(
            IndexIssue(
                "L007",
                f"namespace {namespace!r} already exists in {label} ({existing:,} records);"
                " import only creates new namespaces",
                namespace,
            )
        )
    return issues
