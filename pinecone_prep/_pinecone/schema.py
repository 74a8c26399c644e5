"""Read an SDK 10.x `IndexModel` into an `IndexDescription`: the schema as a `DocumentSchema`
(from the JSON the API exchanges, read by the same parser as a schema file), the index family
from it (the SDK has no "kind"), the vector slots, and where the index runs.

The SDK module is passed in (`client` is the only module that imports it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import PineconeError, UsageError
from .._index import CLOUDS, SCHEMA_FAMILIES, IndexDescription
from .._schema import DocumentSchema, parse_schema


def schema_of(model: Any) -> DocumentSchema:
    """The index's schema: `IndexSchema.to_dict()` is the API's own JSON (a field from before
    typed schemas without a `type`), the shape of a schema file."""
    try:
        return parse_schema(model.schema.to_dict(), described=True)
    except UsageError as exc:
        raise PineconeError(
            f"index {model.name!r} reports a schema pinecone-prep cannot read ({exc}): it cannot"
            " tell what the index imports"
        ) from None


def description_of(sdk: Any, model: Any, namespaces: Mapping[str, int]) -> IndexDescription:
    """Read an IndexModel the 10.x way: fields from the schema, placement from the deployment
    (the deprecated `.dimension`/`.spec` accessors raise on some schemas)."""
    schema = schema_of(model)
    if schema.family not in SCHEMA_FAMILIES:  # the server's own rule (API 2026-07)
        names = ", ".join(name for name, _ in schema.fields) or "no fields"
        raise PineconeError(
            f"index {model.name!r} has no vector, full-text or semantic_text field ({names}):"
            " pinecone-prep cannot tell what it imports"
        )
    # An index has one dense and one sparse slot (`_values` / `_sparse_values` on a legacy
    # index, named fields on a document index).
    dense = schema.dense[1] if schema.dense else None
    deployment = model.deployment
    if isinstance(deployment, sdk.ManagedDeployment):
        cloud: str | None = str(deployment.cloud).lower()
    else:  # pod and BYOC name an environment such as "us-east1-gcp" or "aws-us-east-1-b921"
        cloud = next((p for p in deployment.environment.split("-") if p in CLOUDS), None)
    return IndexDescription(
        name=model.name,
        kind="sparse" if schema.sparse and not dense else "dense",
        dimension=dense.dimension if dense else None,
        metric=dense.metric if dense else "dotproduct" if schema.sparse else None,
        cloud=cloud if cloud in CLOUDS else None,
        serverless=not isinstance(deployment, sdk.PodDeployment),
        schema=schema,
        namespaces=dict(namespaces),
        host=model.host,
    )
