"""The quarantine: rejected rows, as converted plus `namespace`, `source`, `row`, `codes` and
`messages` columns, in Parquet files `rejected-NNNNN.parquet` under a prefix outside the import
root (by default the sibling `ROOT.quarantine`), so Pinecone never imports them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from .._errors import UsageError
from .._spec import PARQUET, RAW_SPARSE_TYPE
from .._storage import Store
from .model import RejectedRow

QUARANTINE_FILE = re.compile(r"rejected-[\w.-]*\d{5}\.parquet")


def quarantine_schema(schema: pa.Schema) -> pa.Schema:
    fields = [pa.field(f.name, RAW_SPARSE_TYPE) if f.name == "sparse_values" else f for f in schema]
    fields += [
        pa.field("namespace", pa.string()),
        pa.field("source", pa.string()),
        pa.field("row", pa.int64()),
        pa.field("codes", pa.list_(pa.string())),
        pa.field("messages", pa.list_(pa.string())),
    ]
    return pa.schema(fields)


def quarantine_columns(
    schema: pa.Schema, columns: Mapping[str, pa.Array | None], rows: Sequence[RejectedRow]
) -> pa.RecordBatch:
    """Rejected rows (their converted columns and why they were rejected) as one batch."""
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
    for f in schema:
        arr = extra.get(f.name, columns.get(f.name))
        arrays.append(pa.nulls(len(rows), f.type) if arr is None else arr.cast(f.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def quarantine_store(root: Store, uri: str | None, storage_options: Any) -> Store:
    """The quarantine prefix: the one given (never inside the root: Pinecone would import
    it), else the root's sibling `ROOT.quarantine`."""
    if uri is None:
        if "/" not in root.path.strip("/") and not root.local:
            raise UsageError(
                f"{root.uri} is a bucket root: its sibling ROOT.quarantine would be another"
                " bucket; give quarantine_uri"
            )
        return Store(root.uri + ".quarantine", storage_options)
    store = Store(uri, storage_options)
    if store.inside(root):
        raise UsageError(
            f"quarantine_uri {store.uri} is inside the import root {root.uri}: Pinecone would"
            " import the rejected rows; choose a prefix outside it"
        )
    return store


def quarantine_name(part: str, seq: int) -> str:
    return f"rejected-{part + '-' if part else ''}{seq:05d}{PARQUET}"


def stale_quarantine(store: Store, keep: set[str]) -> list[str]:
    """The quarantine files of an earlier write (replaced by this one's)."""
    return [
        o.key
        for o in store.list()
        if "/" not in o.key and QUARANTINE_FILE.fullmatch(o.key) and o.key not in keep
    ]
