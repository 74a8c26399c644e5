"""Read an SDK 10.x `IndexModel` into an `IndexDescription`: the index family from its schema
(the SDK has no "kind"), the vector slots, every schema field, and where the index runs.

The SDK module is passed in (`client` is the only module that imports it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import PineconeError
from .._index import CLOUDS, FIELD_TYPES, IndexDescription, IndexFamily, SchemaField

# The reserved field names a legacy vector index reports its vectors under (2026-07).
LEGACY_VECTOR_FIELDS = ("_values", "_sparse_values")


# The SDK's tag for a field that carries no `type` on the wire (from before typed schemas).
UNTYPED_TAG = "__untyped__"


def schema_field(sdk: Any, name: str, spec: Any) -> SchemaField:
    """One SDK schema field as a `SchemaField`."""
    if isinstance(spec, sdk.DenseVectorField):
        return SchemaField(
            name=name, type="dense_vector", dimension=spec.dimension, metric=spec.metric
        )
    if isinstance(spec, sdk.SemanticTextField):
        return SchemaField(name=name, type="semantic_text", metric=spec.metric, embedded=True)
    if isinstance(spec, sdk.StringField):
        embed = spec.embed
        return SchemaField(
            name=name,
            type="string",
            dimension=embed.dimension if embed is not None else None,
            metric=embed.metric if embed is not None else None,
            full_text=spec.full_text_search is not None,
            embedded=embed is not None or spec.sparse_embed is not None,
        )
    tag = type(spec).__struct_config__.tag  # msgspec's tag: the field's `type` on the wire
    kind = "metadata" if tag == UNTYPED_TAG else str(tag)
    for field_type in FIELD_TYPES:
        if field_type == kind:
            return SchemaField(name=name, type=field_type)
    raise PineconeError(
        f"schema field {name!r} has the type {kind!r}, which pinecone-prep does not know;"
        " it cannot tell what this index imports"
    )


def family_of(name: str, fields: tuple[SchemaField, ...]) -> IndexFamily:
    """The server's own rule (API 2026-07, data plane, tag "Document Operations")."""
    if any(f.type == "semantic_text" for f in fields):
        return "integrated"
    if any(f.name in LEGACY_VECTOR_FIELDS for f in fields):
        return "vector"
    if any(
        f.type in ("dense_vector", "sparse_vector") or f.full_text or f.embedded for f in fields
    ):
        return "document"
    names = ", ".join(f.name for f in fields) or "no fields"
    raise PineconeError(
        f"index {name!r} has no vector, full-text or semantic_text field ({names}):"
        " pinecone-prep cannot tell what it imports"
    )


def description_of(sdk: Any, model: Any, namespaces: Mapping[str, int]) -> IndexDescription:
    """Read an IndexModel the 10.x way: fields from the schema, placement from the deployment
    (the deprecated `.dimension`/`.spec` accessors raise on some schemas)."""
    fields = tuple(schema_field(sdk, n, spec) for n, spec in model.schema.fields.items())
    family = family_of(model.name, fields)
    # An index has one dense and one sparse slot (`_values` / `_sparse_values` on a legacy
    # index, named fields on a document index).
    dense = next((f for f in fields if f.type == "dense_vector"), None)
    sparse = next((f for f in fields if f.type == "sparse_vector"), None)
    deployment = model.deployment
    if isinstance(deployment, sdk.ManagedDeployment):
        cloud: str | None = str(deployment.cloud).lower()
    else:  # pod and BYOC name an environment such as "us-east1-gcp" or "aws-us-east-1-b921"
        cloud = next((p for p in deployment.environment.split("-") if p in CLOUDS), None)
    return IndexDescription(
        name=model.name,
        kind="sparse" if sparse and not dense else "dense",
        dimension=dense.dimension if dense else None,
        metric=dense.metric if dense else "dotproduct" if sparse else None,
        cloud=cloud if cloud in CLOUDS else None,
        serverless=not isinstance(deployment, sdk.PodDeployment),
        integrated=any(f.embedded for f in fields),
        family=family,
        fields=fields,
        namespaces=dict(namespaces),
        host=model.host,
    )
