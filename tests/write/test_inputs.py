"""The writer's conversions: every kind of input to the output types, never mutating it."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import pinecone_prep as pp
from tests.support.writing import clean, frame, parquet_files, read_back, vectors


def test_pandas_per_row_arrays_round_trip(tmp_path: Path) -> None:
    df = frame()
    result = pp.write(df, tmp_path / "out")
    assert result.records == 12 and result.namespaces == {"__default__": 12}
    assert clean(tmp_path / "out").summary.records == 12
    table = read_back(tmp_path / "out")
    assert table.schema.names == ["id", "values", "metadata"]
    assert table.schema.field("values").type.value_type == pa.float32()
    assert table.column("id").to_pylist() == list(df["id"])
    np.testing.assert_array_equal(
        np.stack(table.column("values").to_pylist()), np.stack(df["values"])
    )
    assert [orjson.loads(m) for m in table.column("metadata").to_pylist()] == [
        {"n": i, "tag": "x"}
        for i in range(12)  # null values dropped
    ]
    assert table.column("metadata")[0].as_py() == '{"n":0,"tag":"x"}'  # compact


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(lambda m: pl.Series(m), id="polars-array"),
        pytest.param(lambda m: pl.Series(m.tolist(), dtype=pl.List(pl.Float64)), id="polars-list"),
        pytest.param(lambda m: pl.Series(m.astype(np.float16)), id="polars-float16"),
    ],
)
def test_polars_vectors(tmp_path: Path, values: Any) -> None:
    m = np.round(vectors(6), 2).astype(np.float16).astype(np.float32)  # exact in every width
    df = pl.DataFrame({"id": [str(i) for i in range(6)], "values": values(m)})
    pp.write(df, tmp_path / "out")
    clean(tmp_path / "out")
    np.testing.assert_array_equal(
        np.stack(read_back(tmp_path / "out").column("values").to_pylist()), m
    )


def test_arrow_inputs_and_integer_ids(tmp_path: Path) -> None:
    m = vectors(5)
    fixed = pa.FixedSizeListArray.from_arrays(pa.array(m.ravel()), 4)
    table = pa.table({"id": pa.array(range(5), pa.uint64()), "values": fixed})
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=2))
    pp.write(reader, tmp_path / "reader")
    pp.write(table.to_batches()[0], tmp_path / "batch")
    for name in ("reader", "batch"):
        back = read_back(tmp_path / name)
        assert back.column("id").to_pylist() == ["0", "1", "2", "3", "4"]
        clean(tmp_path / name)


def test_polars_lazyframe_is_streamed(tmp_path: Path) -> None:
    source = tmp_path / "embeddings.parquet"
    m = vectors(300)
    pl.DataFrame({"id": [f"d{i}" for i in range(300)], "values": m}).write_parquet(source)
    lazy = pl.scan_parquet(source).filter(pl.col("id") != "d7")
    result = pp.write(lazy, tmp_path / "out", row_group_bytes=2000)
    assert result.records == 299
    back = read_back(tmp_path / "out")
    assert "d7" not in back.column("id").to_pylist()
    assert back.num_rows == 299
    assert max(rg.num_rows for rg in iter_row_groups(tmp_path / "out")) < 300  # sized, streamed
    clean(tmp_path / "out")


def iter_row_groups(root: Path) -> Iterator[Any]:
    for path in parquet_files(root):
        meta = pq.ParquetFile(path).metadata
        yield from (meta.row_group(i) for i in range(meta.num_row_groups))


def test_sparse_vectors_sorted_with_their_values(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "sparse_values": [
                {"indices": np.array([9, 2, 5]), "values": np.array([0.9, 0.2, 0.5])},
                {"indices": [7], "values": [1.0]},
                {"indices": [4_000_000_000, 3], "values": [0.4, 0.3]},
            ],
        }
    )
    pp.write(df, tmp_path / "out")
    report = clean(tmp_path / "out")
    assert report.summary.by_namespace[0].kind == "sparse"
    back = read_back(tmp_path / "out")
    assert back.schema.field("sparse_values").type.field("indices").type.value_type == pa.uint32()
    assert back.column("sparse_values").to_pylist() == [
        {"indices": [2, 5, 9], "values": pytest.approx([0.2, 0.5, 0.9])},
        {"indices": [7], "values": [1.0]},
        {"indices": [3, 4_000_000_000], "values": pytest.approx([0.3, 0.4])},
    ]


def test_hybrid_rows_may_have_no_sparse_part(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {
            "id": ["a", "b"],
            "values": vectors(2),
            "sparse_values": [{"indices": [1], "values": [0.5]}, None],
        }
    )
    pp.write(df, tmp_path / "out")
    assert clean(tmp_path / "out").summary.by_namespace[0].kind == "hybrid"
    assert read_back(tmp_path / "out").column("sparse_values")[1].as_py() is None


def test_metadata_from_named_columns_drops_nulls(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "values": list(vectors(3)),
            "genre": ["x", None, "z"],
            "year": [2001.0, np.nan, 2003.0],  # pandas: NaN is a missing value
            "tags": [["p", "q"], None, []],
            "when": pd.to_datetime(["2024-01-02", None, "2024-03-04"]),
        }
    )
    pp.write(df, tmp_path / "out", metadata_columns=["genre", "year", "tags", "when"])
    clean(tmp_path / "out")
    docs = [orjson.loads(m) for m in read_back(tmp_path / "out").column("metadata").to_pylist()]
    assert docs == [
        {"genre": "x", "year": 2001.0, "tags": ["p", "q"], "when": "2024-01-02T00:00:00"},
        {},
        {"genre": "z", "year": 2003.0, "tags": [], "when": "2024-03-04T00:00:00"},
    ]


def test_metadata_that_cannot_be_json_is_rejected_with_its_rule(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "id": [str(i) for i in range(7)],
            "values": list(vectors(7)),
            "metadata": [
                {"score": float("nan")},  # orjson would write null: R038, not a silent change
                {"score": np.float64("inf")},
                {1: "a"},  # keys must be text
                {"nested": {"a": 1}},
                ["not", "a", "dict"],
                {"when": datetime.date(2024, 1, 2), "n": np.int64(3)},
                '{"already": "json"}',
            ],
        }
    )
    result = pp.write(df, tmp_path / "out", on_invalid="skip")
    assert [(r.row, r.codes) for r in result.rejected] == [
        (0, ("R038",)),
        (1, ("R038",)),
        (2, ("R030",)),
        (3, ("R033",)),
        (4, ("R031",)),
    ]
    clean(tmp_path / "out")
    assert read_back(tmp_path / "out").column("metadata").to_pylist() == [
        '{"when":"2024-01-02","n":3}',
        '{"already": "json"}',
    ]


def test_float64_beyond_float32_is_rejected_not_changed(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"id": ["big", "ok"], "values": [np.array([1e39, 1.0]), np.array([0.5, 1e-3])]}
    )
    result = pp.write(df, tmp_path / "out", on_invalid="skip")
    assert [(r.id, r.codes) for r in result.rejected] == [("big", ("R012",))]
    assert read_back(tmp_path / "out").column("id").to_pylist() == ["ok"]


def test_vectors_as_text_and_ragged_rows(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "values": [np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0]), None, [0.5, 0.25]],
        }
    )
    result = pp.write(df, tmp_path / "ragged", on_invalid="skip")
    assert [(r.id, r.codes) for r in result.rejected] == [("b", ("R011",)), ("c", ("R010",))]
    text = pa.table({"id": ["a", "b", "c"], "values": ["[0.5, -2e-3]", "[1, x]", " [3,4] "]})
    result = pp.write(text, tmp_path / "text", on_invalid="skip")
    assert [(r.id, r.codes) for r in result.rejected] == [("b", ("R012",))]
    assert read_back(tmp_path / "text").column("values").to_pylist() == [
        pytest.approx([0.5, -2e-3]),
        [3.0, 4.0],
    ]


def test_caller_frames_are_not_mutated(tmp_path: Path) -> None:
    df = frame()
    df.loc[3, "values"][0] = np.nan  # a rejected row too
    df_copy = copy.deepcopy(df)
    pl_df = pl.DataFrame(
        {
            "id": ["b", "a"],
            "values": vectors(2),
            "sparse_values": [{"indices": [3, 1], "values": [0.3, 0.1]}] * 2,
        }
    )
    pl_copy = pl_df.clone()
    table = pl_df.to_arrow()
    table_copy = copy.deepcopy(table)
    pp.write(df, tmp_path / "a", on_invalid="skip")
    pp.write(pl_df, tmp_path / "b", on_invalid="skip")
    pp.write(table, tmp_path / "c", on_invalid="skip")
    pd.testing.assert_frame_equal(df, df_copy)
    for before, after in zip(df_copy["values"], df["values"], strict=True):
        np.testing.assert_array_equal(before, after)
    assert pl_df.equals(pl_copy)
    assert table.equals(table_copy)
