"""Each rule function on tiny Arrow arrays: the right code on exactly the right rows."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from pinecone_prep import _rules as rules

F32 = pa.float32()
SPARSE = pa.struct([("indices", pa.list_(pa.uint32())), ("values", pa.list_(F32))])


def rows_of(hits: list[rules.Hit]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for hit in hits:
        out.setdefault(hit.code, []).extend(hit.rows.tolist())
    return out


def codes_of(issues: list[rules.Issue]) -> list[str]:
    return [i.code for i in issues]


# --- schema ----------------------------------------------------------------------------------


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


# --- ids ------------------------------------------------------------------------------------


def test_id_rules() -> None:
    ids = pa.array(["ok", None, "", "x" * 513, "x" * 512, "naïve", "a\x00b", "fine"])
    assert rows_of(rules.id_hits(ids)) == {"R001": [1], "R002": [2], "R003": [3], "R004": [5, 6]}


def test_id_rules_on_sliced_and_dictionary_arrays() -> None:
    ids = pa.array(["a", "", "b", None]).slice(1)
    assert rows_of(rules.id_hits(ids)) == {"R001": [2], "R002": [0]}
    encoded = pa.array(["a", "", "a"]).dictionary_encode()
    assert rows_of(rules.id_hits(encoded)) == {"R002": [1]}


# --- dense ----------------------------------------------------------------------------------


def dense(rows: list[list[float] | None], value_type: pa.DataType = F32) -> pa.Array:
    return pa.array(rows, pa.list_(value_type))


def test_dense_rules() -> None:
    nan, inf = math.nan, math.inf
    values = dense([[1, 2], None, [1, 2, 3], [nan, 1], [0, 0], [1, inf], [0.0, -0.0], [3, 4]])
    assert rows_of(rules.dense_hits(values, 2)) == {
        "R010": [1],
        "R011": [2],
        "R012": [3, 5],
        "R013": [4, 6],
    }


def test_dense_null_element_and_float64_overflow() -> None:
    with_null = pa.array([[1.0, None], [1.0, 2.0]], pa.list_(F32))
    assert rows_of(rules.dense_hits(with_null, 2)) == {"R012": [0]}
    huge = dense([[1e39, 1.0], [1.0, 1.0]], pa.float64())
    assert rows_of(rules.dense_hits(huge, 2)) == {"R012": [0]}


def test_dense_rechecks_float32_overflow_and_underflow_exactly() -> None:
    # Squared norms overflow (1e20^2) or underflow (1e-30^2) in float32: not a defect.
    values = dense([[1e20, 1e20], [1e-30, 0.0], [0.0, 0.0]])
    assert rows_of(rules.dense_hits(values, 2)) == {"R013": [2]}


def test_dense_fixed_size_and_sliced() -> None:
    flat = pa.array(np.array([1, 2, 0, 0, 5, 6], np.float32))
    fsl = pa.FixedSizeListArray.from_arrays(flat, 2)
    assert rows_of(rules.dense_hits(fsl, 2)) == {"R013": [1]}
    assert rows_of(rules.dense_hits(fsl.slice(1), 2)) == {"R013": [0]}
    listed = dense([[1, 1], [0, 0], [2, 2]]).slice(1)
    assert rows_of(rules.dense_hits(listed, 2)) == {"R013": [0]}


def test_first_length() -> None:
    assert rules.first_length(dense([None, [1, 2, 3], [1]])) == 3
    assert rules.first_length(dense([None])) is None


# --- sparse ---------------------------------------------------------------------------------


def sparse(rows: list[dict[str, list[float]] | None], index_type: pa.DataType | None = None):
    t = pa.struct([("indices", pa.list_(index_type or pa.uint32())), ("values", pa.list_(F32))])
    return pa.array(rows, t)


def test_sparse_rules() -> None:
    arr = sparse(
        [
            {"indices": [1, 5], "values": [0.5, 0.1]},
            None,
            {"indices": [1, 2], "values": [0.5]},
            {"indices": [], "values": []},
            {"indices": [3, 1, 3], "values": [1, 1, 1]},
            {"indices": [1], "values": [math.nan]},
            {"indices": list(range(1001)), "values": [1.0] * 1001},
            {"indices": list(range(2049)), "values": [1.0] * 2049},
        ]
    )
    hits = rules.sparse_hits(arr, "sparse")
    assert rows_of(hits) == {
        "R020": [1],
        "R021": [2],
        "R022": [3],
        "R024": [4],
        "R026": [5],
        "R025": [7, 6],
    }
    severities = {(h.code, int(h.rows[0])): h.severity for h in hits if h.code == "R025"}
    assert severities == {("R025", 7): None, ("R025", 6): "warning"}
    assert "R020" not in rows_of(rules.sparse_hits(arr, "hybrid"))


def test_sparse_index_range_and_nulls() -> None:
    arr = sparse(
        [
            {"indices": [1, 2**32], "values": [1, 1]},
            {"indices": [-1, 2], "values": [1, 1]},
            {"indices": [None, 2], "values": [1, 1]},
            {"indices": [2**32 - 1], "values": [1]},
        ],
        pa.int64(),
    )
    assert rows_of(rules.sparse_hits(arr, "sparse")) == {"R023": [0, 1, 2]}


# --- metadata -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"a": 1, "b": "x", "c": true, "d": ["p", "q"], "e": 1.5}', None),
        ("{not json", "R030"),
        (b"\xff\xfe", "R030"),
        ("[1, 2]", "R031"),
        ('"text"', "R031"),
        ('{"a": {"b": 1}}', "R033"),
        ('{"a": null}', "R034"),
        ('{"a": ["x", 1]}', "R035"),
        ('{"$a": 1}', "R036"),
        ('{"a": 9007199254740993}', "R037"),
        ('{"a": NaN}', "R038"),
        ('{"a": -Infinity}', "R038"),
    ],
)
def test_metadata_problem(text: str | bytes, code: str | None) -> None:
    found = rules.metadata_problem(text)
    assert (found[0] if found else None) == code


def test_metadata_hits_on_a_column() -> None:
    md = pa.array(['{"a": 1}', None, '{"a": null}', "x" * 40_961, '{"b": [1]}', '{"c": "["}'])
    assert rows_of(rules.metadata_hits(md)) == {"R032": [3], "R030": [3], "R034": [2], "R035": [4]}
    assert rows_of(rules.metadata_hits(md.slice(2))) == {
        "R032": [1],
        "R030": [1],
        "R034": [0],
        "R035": [2],
    }
    assert rows_of(rules.metadata_hits(md.cast(pa.large_string()))) == rows_of(
        rules.metadata_hits(md)
    )
