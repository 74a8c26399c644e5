"""Record rules on tiny Arrow arrays: the right code on exactly the right rows."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from pinecone_prep._rules import arrow, records
from tests.support.rules import F32, rows_of


def test_id_rules() -> None:
    ids = pa.array(["ok", None, "", "x" * 513, "x" * 512, "naïve", "a\x00b", "fine"])
    assert rows_of(records.id_hits(ids)) == {"R001": [1], "R002": [2], "R003": [3], "R004": [5, 6]}


def test_id_rules_on_sliced_and_dictionary_arrays() -> None:
    ids = pa.array(["a", "", "b", None]).slice(1)
    assert rows_of(records.id_hits(ids)) == {"R001": [2], "R002": [0]}
    encoded = pa.array(["a", "", "a"]).dictionary_encode()
    assert rows_of(records.id_hits(encoded)) == {"R002": [1]}


# --- dense ----------------------------------------------------------------------------------


def dense(rows: list[list[float] | None], value_type: pa.DataType = F32) -> pa.Array:
    return pa.array(rows, pa.list_(value_type))


def test_dense_rules() -> None:
    nan, inf = math.nan, math.inf
    values = dense([[1, 2], None, [1, 2, 3], [nan, 1], [0, 0], [1, inf], [0.0, -0.0], [3, 4]])
    assert rows_of(records.dense_hits(values, 2)) == {
        "R010": [1],
        "R011": [2],
        "R012": [3, 5],
        "R013": [4, 6],
    }


def test_dense_null_element_and_float64_overflow() -> None:
    with_null = pa.array([[1.0, None], [1.0, 2.0]], pa.list_(F32))
    assert rows_of(records.dense_hits(with_null, 2)) == {"R012": [0]}
    huge = dense([[1e39, 1.0], [1.0, 1.0]], pa.float64())
    assert rows_of(records.dense_hits(huge, 2)) == {"R012": [0]}


def test_dense_rechecks_float32_overflow_and_underflow_exactly() -> None:
    # Squared norms overflow (1e20^2) or underflow (1e-30^2) in float32: not a defect.
    values = dense([[1e20, 1e20], [1e-30, 0.0], [0.0, 0.0]])
    assert rows_of(records.dense_hits(values, 2)) == {"R013": [2]}


def test_dense_fixed_size_and_sliced() -> None:
    flat = pa.array(np.array([1, 2, 0, 0, 5, 6], np.float32))
    fsl = pa.FixedSizeListArray.from_arrays(flat, 2)
    assert rows_of(records.dense_hits(fsl, 2)) == {"R013": [1]}
    assert rows_of(records.dense_hits(fsl.slice(1), 2)) == {"R013": [0]}
    listed = dense([[1, 1], [0, 0], [2, 2]]).slice(1)
    assert rows_of(records.dense_hits(listed, 2)) == {"R013": [0]}


def test_first_length() -> None:
    assert arrow.first_length(dense([None, [1, 2, 3], [1]])) == 3
    assert arrow.first_length(dense([None])) is None


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
    hits = records.sparse_hits(arr, "sparse")
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
    assert "R020" not in rows_of(records.sparse_hits(arr, "hybrid"))


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
    assert rows_of(records.sparse_hits(arr, "sparse")) == {"R023": [0, 1, 2]}
