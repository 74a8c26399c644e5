"""Schema rules S001-S012 (and the file's kind), judged on an Arrow schema as read from a Parquet
footer: no data page is needed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from .._codes import Severity
from .._spec import COLUMNS, MAX_DENSE_DIMENSION
from .._types import Kind
from . import Issue
from .arrow import is_float_list, is_string_type, sparse_fields


@dataclass(frozen=True)
class Shape:
    """What a file's schema says: its kind, a fixed dimension, and which columns are checkable."""

    kind: Kind | None
    dimension: int | None
    ids: bool
    values: bool
    sparse: bool
    metadata: bool

    @property
    def columns(self) -> list[str]:
        flags = (self.ids, self.values, self.sparse, self.metadata)
        return [name for name, ok in zip(COLUMNS, flags, strict=True) if ok]


def infer_kind(names: set[str]) -> Kind | None:
    if "values" in names:
        return "hybrid" if "sparse_values" in names else "dense"
    return "sparse" if "sparse_values" in names else None


def schema_issues(
    schema: pa.Schema,
    *,
    kind: Kind | None = None,
    dimension: int | None = None,
    metric: str | None = None,
    extra_columns: Literal["error", "warn"] = "error",
) -> tuple[Shape, list[Issue]]:
    """Judge a file's schema: the Shape to check its rows with, and the S-rule issues."""
    names = [f.name for f in schema]
    repeated = {n for n in names if names.count(n) > 1}
    types = {f.name: f.type for f in schema if f.name not in repeated}
    issues = [
        Issue(
            "S009",
            f"column `{name}` appears {names.count(name)} times: Pinecone cannot tell which to"
            " read",
            column=name,
        )
        for name in sorted(repeated)
    ]
    ids_ok = _judge(issues, _id_issues(types, repeated))
    if not ({"values", "sparse_values"} & (set(types) | repeated)):
        issues.append(Issue("S003", "no vector column: expected `values` and/or `sparse_values`"))
    values_ok = _judge(issues, _values_issues(types.get("values")))
    sparse_ok = _judge(issues, _sparse_issues(types.get("sparse_values")))
    metadata_ok = _judge(issues, _metadata_issues(types.get("metadata")))
    severity: Severity = "warning" if extra_columns == "warn" else "error"
    issues += [
        Issue("S009", f"extra column `{n}` is not allowed", column=n, severity=severity)
        for n in types
        if n not in COLUMNS
    ]
    file_kind = infer_kind(set(types) | repeated)
    issues += kind_issues(file_kind, kind=kind, metric=metric)
    t = types.get("values")
    fixed_dim = None
    if values_ok and t is not None and pa.types.is_fixed_size_list(t):
        fixed_dim = int(t.list_size)
    if fixed_dim is not None:
        issues += dimension_issues(fixed_dim, dimension, "fixed_size_list")
    shape = Shape(file_kind, fixed_dim, ids_ok, values_ok, sparse_ok, metadata_ok)
    return shape, issues


def _judge(issues: list[Issue], judged: tuple[bool, list[Issue]]) -> bool:
    """Collect a column's issues; whether its rows can be checked."""
    ok, found = judged
    issues += found
    return ok


def _id_issues(types: dict[str, pa.DataType], repeated: set[str]) -> tuple[bool, list[Issue]]:
    if "id" in repeated:
        return False, []
    if "id" not in types:
        return False, [Issue("S001", "required column `id` is missing", column="id")]
    if not is_string_type(types["id"]):
        found = types["id"]
        return False, [Issue("S002", f"`id` must be a string column, found {found}", column="id")]
    return True, []


def _values_issues(t: pa.DataType | None) -> tuple[bool, list[Issue]]:
    if t is None:
        return False, []
    if not is_float_list(t):
        message = f"`values` must be a list of float32 (or float64), found {t}"
        return False, [Issue("S004", message, column="values")]
    if pa.types.is_float64(t.value_type):
        message = "`values` holds float64; Pinecone narrows it to float32 (write float32)"
        return True, [Issue("S005", message, column="values")]
    return True, []


def _sparse_issues(t: pa.DataType | None) -> tuple[bool, list[Issue]]:
    if t is None:
        return False, []
    fields = sparse_fields(t)
    if fields is None:
        message = (
            "`sparse_values` must be struct<indices: list<uint32>, values: list<float32>>,"
            f" found {t}"
        )
        return False, [Issue("S006", message, column="sparse_values")]
    index_type = fields[0].value_type
    if not pa.types.is_uint32(index_type):
        message = f"`sparse_values.indices` is {index_type}; Pinecone expects uint32"
        return True, [Issue("S007", message, column="sparse_values")]
    return True, []


def _metadata_issues(t: pa.DataType | None) -> tuple[bool, list[Issue]]:
    if t is None:
        return False, []
    if not is_string_type(t):
        message = f"`metadata` must be a JSON-encoded string column, found {t}"
        return False, [Issue("S008", message, column="metadata")]
    return True, []


def kind_issues(file_kind: Kind | None, *, kind: Kind | None, metric: str | None) -> list[Issue]:
    """S010/S011: the file's vector columns against the index kind and metric, when given."""
    if file_kind is None:
        return []
    issues = []
    has_values = file_kind in ("dense", "hybrid")
    has_sparse = file_kind in ("sparse", "hybrid")
    if kind == "sparse" and has_values:
        issues.append(
            Issue("S010", "`values` column present but the index is sparse", column="values")
        )
    if kind == "sparse" and not has_sparse:
        issues.append(
            Issue(
                "S010", "`sparse_values` column missing for a sparse index", column="sparse_values"
            )
        )
    if kind in ("dense", "hybrid") and not has_values:
        issues.append(Issue("S010", f"`values` column missing for a {kind} index", column="values"))
    if kind in ("dense", "hybrid") and has_sparse and metric and metric != "dotproduct":
        issues.append(
            Issue(
                "S011",
                f"sparse values on a dense index with metric {metric!r}: upserts work but"
                " queries fail (hybrid needs dotproduct)",
                column="sparse_values",
            )
        )
    return issues


def dimension_issues(found: int, expected: int | None, source: str) -> list[Issue]:
    """S012: a file's dimension against the expected one and Pinecone's maximum."""
    issues = []
    if expected is not None and found != expected:
        issues.append(
            Issue("S012", f"dimension {found} ({source}) but {expected} expected", column="values")
        )
    if found > MAX_DENSE_DIMENSION:
        issues.append(
            Issue(
                "S012",
                f"dimension {found} exceeds Pinecone's maximum {MAX_DENSE_DIMENSION:,}",
                column="values",
            )
        )
    return issues
