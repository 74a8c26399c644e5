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

The schema itself is a `DocumentSchema` (`_schema.py`), the one representation of an index's
fields: the checker judges a document index's JSON Lines against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ._errors import UsageError
from ._schema import DocumentSchema
from ._spec import DEFAULT_NAMESPACE

IndexKind = Literal["dense", "sparse"]
IndexFamily = Literal["vector", "integrated", "document"]
ImportFiles = Literal["parquet", "jsonl"]
CLOUDS = ("aws", "gcp", "azure")
FAMILIES: tuple[IndexFamily, ...] = ("vector", "integrated", "document")
# DocumentSchema.family names the same families after the APIs that serve them.
SCHEMA_FAMILIES: dict[str, IndexFamily] = {
    "legacy_vector": "vector",
    "legacy_integrated": "integrated",
    "document": "document",
}


def _positive(name: str, value: object) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
        raise UsageError(f"{name} must be a positive integer, not {value!r}")


@dataclass(frozen=True, kw_only=True)
class IndexDescription:
    """A target index. `namespaces` maps existing namespaces to their record counts (the
    default namespace may appear as "" or "__default__").

    `kind`, `dimension` and `metric` describe the index's vector slots (what the Parquet
    `values` / `sparse_values` columns must match). `schema` is the index's schema as
    `describe_index` reports it (a `DocumentSchema`; None for an index described by hand):
    a document index's JSON Lines are checked against it. `family` says what the index
    imports (see the module text): None takes it from the schema (a legacy vector index
    without one); given with a schema, it must agree. `integrated` is True when Pinecone
    embeds any field itself, which it does for every `integrated` index and for a document
    index with an embedding field."""

    name: str | None = None
    kind: IndexKind = "dense"
    dimension: int | None = None
    metric: str | None = None
    cloud: str | None = None
    serverless: bool = True
    integrated: bool = False
    family: IndexFamily | None = None  # None: from the schema; always set once built
    schema: DocumentSchema | None = None
    namespaces: Mapping[str, int] = field(default_factory=dict)
    host: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("dense", "sparse"):
            raise UsageError(f"index kind must be 'dense' or 'sparse', not {self.kind!r}")
        if self.family is not None and self.family not in FAMILIES:
            raise UsageError(f"family must be one of {', '.join(FAMILIES)}, not {self.family!r}")
        if self.cloud is not None and self.cloud not in CLOUDS:
            raise UsageError(f"cloud must be one of {', '.join(CLOUDS)}, not {self.cloud!r}")
        _positive("dimension", self.dimension)
        object.__setattr__(self, "family", self._family())
        self._dense_slot()
        # A legacy integrated index embeds by definition; a document index when its schema
        # has an embedding field. Say so once, here.
        embeds = self.family == "integrated" or bool(self.schema and self.schema.embedded)
        if embeds and not self.integrated:
            object.__setattr__(self, "integrated", True)

    def _family(self) -> IndexFamily:
        if self.schema is None:
            return self.family or "vector"
        if not isinstance(self.schema, DocumentSchema):
            raise UsageError(f"schema must be a DocumentSchema, not {type(self.schema).__name__}")
        found = SCHEMA_FAMILIES.get(self.schema.family)
        if found is None:
            raise UsageError(
                "the schema has no vector, full-text or semantic_text field: it says nothing"
                " of what the index imports"
            )
        if self.family is not None and self.family != found:
            raise UsageError(f"family={self.family!r} contradicts the schema (a {found} index)")
        return found

    def _dense_slot(self) -> None:
        """The dimension and metric are the schema's dense field's, when it has one."""
        dense = self.schema.dense if self.schema is not None else None
        if dense is None:
            return
        for name, known in (("dimension", dense[1].dimension), ("metric", dense[1].metric)):
            given = getattr(self, name)
            if given is None:
                object.__setattr__(self, name, known)
            elif given != known:
                raise UsageError(f"{name}={given!r} contradicts the schema's {dense[0]!r} field")

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
    index: IndexDescription,
    *,
    scheme: str,
    namespaces: Iterable[str],
    files: ImportFiles = "parquet",
) -> list[IndexIssue]:
    """P001-P004, L010 and L007 for an import of `files` (what the prefix holds: Parquet or
    JSON Lines) from a `scheme` URI into `index`."""
    label = f"index {index.name!r}" if index.name else "the index"
    issues = []
    if not index.serverless:
        issues.append(IndexIssue("P001", f"{label} is a pod index; only serverless can import"))
    if index.integrated:
        embedded = index.schema.embedded if index.schema else ()
        which = f" (field {', '.join(map(repr, embedded))})" if embedded else ""
        issues.append(
            IndexIssue(
                "P002",
                f"{label} has integrated embedding{which}; Pinecone refuses imports into"
                " an index that embeds for itself (start_import answers 400)",
            )
        )
    if index.family == "document" and files == "parquet":
        issues.append(
            IndexIssue(
                "P003",
                f"{label} is a document index; Pinecone imports JSON Lines documents into it,"
                " not Parquet (only a legacy vector index imports Parquet)",
            )
        )
    if index.family != "document" and files == "jsonl":
        issues.append(
            IndexIssue(
                "P004",
                f"{label} is a legacy {index.family} index; Pinecone imports Parquet into it,"
                " not JSON Lines (only a document index imports JSON Lines)",
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
