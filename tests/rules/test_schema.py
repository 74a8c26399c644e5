"""Schema rules on Arrow schemas: the right code for each type."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pinecone_prep._rules import schema as rules
from tests.support.rules import F32, SPARSE, codes_of


def schema(**cols: pa.DataType) -> pa.Schema:
    return pa.schema(list(cols.items()))


@pytest.mark.parametrize(
    "values_type",
    [pa.list_(F32), pa.large_list(F32), pa.list_(F32, 4), pa.list_(pa.float64())],
)
def test_schema_accepts_parquet_equivalent_list_types(values_type: pa.DataType) -> None:
    shape, issues = rules.schema_issues(
        schema(id=pa.large_string(), values=values_type, metadata=pa.string_view())
    )
    assert shape.kind == "dense" and shape.ids and shape.values and shape.metadata
    assert set(codes_of(issues)) <= {"S005"}
    assert ("S005" in codes_of(issues)) == (values_type.value_type == pa.float64())


@pytest.mark.parametrize(
    ("cols", "code"),
    [
        ({"values": pa.list_(F32)}, "S001"),
        ({"id": pa.int64(), "values": pa.list_(F32)}, "S002"),
        ({"id": pa.binary(), "values": pa.list_(F32)}, "S002"),
        ({"id": pa.string()}, "S003"),
        ({"id": pa.string(), "values": pa.list_(pa.string())}, "S004"),
        ({"id": pa.string(), "values": pa.list_(pa.float16())}, "S004"),
        ({"id": pa.string(), "values": pa.list_(F32), "metadata": pa.struct([("a", F32)])}, "S008"),
        ({"id": pa.string(), "sparse_values": pa.list_(F32)}, "S006"),
        (
            {
                "id": pa.string(),
                "sparse_values": pa.struct(
                    [("indices", pa.list_(pa.int64())), ("values", pa.list_(F32))]
                ),
            },
            "S007",
        ),
        ({"id": pa.string(), "values": pa.list_(F32), "extra": pa.int8()}, "S009"),
    ],
)
def test_schema_rules(cols: dict[str, pa.DataType], code: str) -> None:
    _, issues = rules.schema_issues(schema(**cols))
    assert codes_of(issues) == [code]


def test_extra_columns_policy_is_an_option() -> None:
    s = schema(id=pa.string(), values=pa.list_(F32), extra=pa.int8())
    (issue,) = rules.schema_issues(s, extra_columns="warn")[1]
    assert (issue.code, issue.severity) == ("S009", "warning")


def test_kind_and_metric_rules() -> None:
    dense = schema(id=pa.string(), values=pa.list_(F32))
    hybrid = schema(id=pa.string(), values=pa.list_(F32), sparse_values=SPARSE)
    sparse = schema(id=pa.string(), sparse_values=SPARSE)
    assert codes_of(rules.schema_issues(dense, kind="sparse")[1]) == ["S010", "S010"]
    assert codes_of(rules.schema_issues(sparse, kind="dense")[1]) == ["S010"]
    assert codes_of(rules.schema_issues(hybrid, kind="hybrid", metric="cosine")[1]) == ["S011"]
    assert codes_of(rules.schema_issues(hybrid, kind="hybrid", metric="dotproduct")[1]) == []
    assert rules.schema_issues(hybrid)[0].kind == "hybrid"
    assert rules.schema_issues(sparse)[0].kind == "sparse"


def test_fixed_size_list_dimension() -> None:
    s = schema(id=pa.string(), values=pa.list_(F32, 4))
    assert codes_of(rules.schema_issues(s, dimension=8)[1]) == ["S012"]
    assert rules.schema_issues(s, dimension=4)[1] == []
    big = schema(id=pa.string(), values=pa.list_(F32, 20_001))
    assert codes_of(rules.schema_issues(big)[1]) == ["S012"]
