"""The writer: conversions, the rules before any byte is published, each on_invalid policy,
duplicates across a stream, layout and sizing, the manifest, atomic publishing and resuming
after a crash, object stores, and misuse."""

from __future__ import annotations

import copy
import datetime
import hashlib
import signal
import subprocess
import sys
import textwrap
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
from pinecone_prep._manifest import Manifest, ManifestFile
from pinecone_prep._rules.files import manifest_issues, manifest_records_issue
from pinecone_prep._spec import MANIFEST_KEY
from pinecone_prep._storage import Store
from pinecone_prep._types import StoredObject
from tests.support.endpoints import StoragePrefix
from tests.support.writing import clean, frame, parquet_files, read_back, vectors

# --- conversions -------------------------------------------------------------------------


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


# --- the rules, and each on_invalid policy -----------------------------------------------


def bad_frame() -> pd.DataFrame:
    df = frame(10)
    df.at[1, "values"] = np.zeros(4, np.float32)  # R013
    df.at[2, "id"] = ""  # R002
    df.at[4, "id"] = "doc-3"  # R005 (the later one)
    df.at[6, "values"] = np.ones(5, np.float32)  # R011
    df.at[7, "metadata"] = {"$op": 1}  # R036
    df.at[8, "values"] = df.at[0, "values"]  # R014 (a warning: still not written)
    return df


EXPECTED = [(1, "R013"), (2, "R002"), (4, "R005"), (6, "R011"), (7, "R036"), (8, "R014")]


def test_on_invalid_error_raises_and_publishes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "out"
    with pytest.raises(pp.ValidationError) as info:
        pp.write(bad_frame(), root)
    report = info.value.report
    assert [(f.location.row, f.code) for f in report.findings] == EXPECTED
    assert report.summary.rows_rejected == 6
    assert "6 row(s) rejected" in str(info.value) and "R014 x1" in str(info.value)
    dup = next(f for f in report.findings if f.code == "R005")
    assert dup.related is not None and dup.related.row == 3 and dup.location.id == "doc-3"
    assert parquet_files(tmp_path) == []
    assert not root.exists()  # not even an empty folder: the write created it
    assert not Path(f"{root}.quarantine").exists()
    root.mkdir()
    with pytest.raises(pp.ValidationError):
        pp.write(bad_frame(), root)
    assert root.is_dir()  # the user's own folder stays


def test_on_invalid_skip_reports_and_leaves_out(tmp_path: Path) -> None:
    result = pp.write(bad_frame(), tmp_path / "out", on_invalid="skip")
    assert [(r.row, r.codes[0]) for r in result.rejected] == EXPECTED
    assert result.records == 4 and result.quarantine is None
    clean(tmp_path / "out")
    assert result.report().summary.by_code == {c: 1 for _, c in EXPECTED}
    orjson.dumps(result.to_dict())  # plain data


def test_on_invalid_quarantine_writes_outside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "out"
    result = pp.write(bad_frame(), root, on_invalid="quarantine")
    assert result.quarantine == f"{root}.quarantine"
    # Rows rejected while converting, then the duplicates found at publishing (R005, R014).
    names = sorted(p.name for p in Path(result.quarantine).iterdir())
    assert names == ["rejected-00000.parquet", "rejected-00001.parquet"]
    rejected = [r for n in names for r in pq.read_table(f"{result.quarantine}/{n}").to_pylist()]
    assert sorted((r["row"], r["codes"]) for r in rejected) == [(row, [c]) for row, c in EXPECTED]
    assert {r["source"] for r in rejected} == {"input"}
    assert all(r["messages"] and r["namespace"] == "__default__" for r in rejected)
    zero = next(r for r in rejected if r["codes"] == ["R013"])
    assert zero["values"] == [0.0] * 4 and zero["id"] == "doc-1"
    clean(root)
    # A later write with nothing to reject removes the stale quarantine file.
    pp.write(frame(3), root, on_invalid="quarantine", overwrite=True)
    assert list(Path(f"{root}.quarantine").iterdir()) == []  # the stale file is gone


def test_quarantine_is_sized_and_replaced(tmp_path: Path) -> None:
    root, quarantine = tmp_path / "out", tmp_path / "out.quarantine"
    df = frame(60)
    df["id"] = [""] * 50 + [f"ok-{i}" for i in range(10)]  # 50 rows of R002
    sizes = {"row_group_bytes": 400, "target_file_bytes": 2_000}
    pp.write(
        [df.iloc[i : i + 10] for i in range(0, 60, 10)], root, on_invalid="quarantine", **sizes
    )
    files = sorted(quarantine.iterdir())
    assert len(files) > 1 and files[0].name == "rejected-00000.parquet"
    assert sum(pq.ParquetFile(f).metadata.num_rows for f in files) == 50
    pp.write(df.iloc[45:], root, on_invalid="quarantine", overwrite=True, **sizes)
    [left] = quarantine.iterdir()  # the earlier write's files are replaced
    assert pq.read_table(left).column("row").to_pylist() == [0, 1, 2, 3, 4]


def test_namespaces_from_a_column(tmp_path: Path) -> None:
    df = frame(8)
    df["ns"] = ["a", "b", "a", "b", None, "x/y", "_pinecone_prep_tmp", "é"]
    result = pp.write(df, tmp_path / "out", namespace_column="ns", on_invalid="skip")
    assert result.namespaces == {"a": 2, "b": 2}
    assert [(r.row, r.codes) for r in result.rejected] == [(i, ("L005",)) for i in range(4, 8)]
    assert sorted(p.parent.name for p in parquet_files(tmp_path / "out")) == ["a", "b"]
    clean(tmp_path / "out")


def test_interleaved_namespaces_hold_one_file_of_memory(tmp_path: Path) -> None:
    """Files being filled together hold at most target_file_bytes: three interleaved
    namespaces, each smaller than the target but together larger, get more than one file
    each rather than three full buffers."""
    df = frame(300)
    df["ns"] = ["a", "b", "c"] * 100
    each = pp.write(df, tmp_path / "alone", namespace_column="ns", row_group_bytes=10**6)
    total = sum(f.bytes for f in each.files)
    assert len(each.files) == 3  # the default target holds a namespace in one file
    chunks = [df.iloc[i : i + 30] for i in range(0, 300, 30)]
    result = pp.write(
        chunks,
        tmp_path / "out",
        namespace_column="ns",
        target_file_bytes=total // 2,
        row_group_bytes=10**6,
    )
    assert result.namespaces == {"a": 100, "b": 100, "c": 100}
    assert len(result.files) > 3
    clean(tmp_path / "out")


def test_duplicates_across_a_stream_are_confirmed_exactly(tmp_path: Path) -> None:
    m = vectors(9)
    m[7] = m[1]  # identical vector in another namespace: R014 is per import
    df = pl.DataFrame(
        {
            "id": ["a", "b", "c", "d", "a", "e", "f", "g", "a"],
            "values": m,
            "ns": ["x", "x", "x", "y", "y", "y", "x", "y", "x"],
        }
    )

    def stream() -> Iterator[pl.DataFrame]:  # one frame at a time, like a generator would
        for start in range(0, 9, 2):
            yield df.slice(start, 2)

    result = pp.write(stream(), tmp_path / "out", namespace_column="ns", on_invalid="skip")
    assert [(r.source, r.row, r.codes) for r in result.rejected] == [
        ("input[3]", 1, ("R014",)),
        ("input[4]", 0, ("R005",)),  # "a" repeats in x; the "a" in y is fine
    ]
    assert result.namespaces == {"x": 4, "y": 3}
    clean(tmp_path / "out")


def test_hash_collisions_are_never_reported(tmp_path: Path) -> None:
    # Every id and every vector hashes alike: only the exact comparison may decide.
    df = frame(20)
    df.at[13, "id"] = "doc-4"  # one real duplicate among the collisions
    part = pp.stage(df, tmp_path / "out", job="j", part="0", row_group_bytes=200)
    zeros = pa.array(np.zeros(part.hashes.num_rows, np.uint64))
    for name in ("id_hash", "vector_hash"):
        at = part.hashes.schema.get_field_index(name)
        part.hashes = part.hashes.set_column(at, name, zeros)
    result = pp.publish(tmp_path / "out", [part], on_invalid="skip")
    assert result.records == 19
    assert [(r.row, r.codes) for r in result.rejected] == [(13, ("R005",))]


def test_duplicate_rows_are_rewritten_out_of_their_file(tmp_path: Path) -> None:
    df = frame(40)
    df.at[37, "id"] = "doc-2"
    result = pp.write(
        df, tmp_path / "out", on_invalid="quarantine", row_group_bytes=300, target_file_bytes=900
    )
    assert [r.row for r in result.rejected] == [37]
    assert result.records == 39 and len(result.files) > 2
    clean(tmp_path / "out")
    for f in result.files:
        data = Path(f.uri).read_bytes()
        assert len(data) == f.bytes and hashlib.sha256(data).hexdigest() == f.sha256
        assert pq.ParquetFile(f.uri).metadata.num_rows == f.records


# --- layout, sizing, Parquet settings ----------------------------------------------------


def test_files_and_row_groups_are_sized_by_bytes(tmp_path: Path) -> None:
    dim = 64
    df = pl.DataFrame({"id": [f"{i:06d}" for i in range(3000)], "values": vectors(3000, dim)})
    result = pp.write(df, tmp_path / "out", target_file_bytes=200_000, row_group_bytes=40_000)
    names = [Path(f.uri).name for f in result.files]
    assert names == [f"part-{i:05d}.parquet" for i in range(len(names))]
    assert len(names) >= 4
    for f in result.files:
        assert f.bytes <= 200_000 + 40_000
        meta = pq.ParquetFile(f.uri).metadata
        assert meta.num_row_groups > 1 or f is result.files[-1]  # the last holds the rest
        for i in range(meta.num_row_groups):
            group = meta.row_group(i)
            assert group.num_rows * dim * 4 <= 2 * 40_000
            for c in range(group.num_columns):
                column = group.column(c)
                assert column.compression == "SNAPPY"
                if column.path_in_schema.startswith("values"):
                    assert not column.is_stats_set
                    assert "RLE_DICTIONARY" not in column.encodings
    schema = pq.read_schema(result.files[0].uri)
    assert all(field.nullable for field in schema)
    assert read_back(tmp_path / "out").column("id").to_pylist() == list(df["id"])


def test_non_empty_namespace_needs_overwrite(tmp_path: Path) -> None:
    root = tmp_path / "out"
    pp.write(frame(4), root, namespace="a")
    pp.write(frame(3), root, namespace="b")  # another namespace: fine
    (root / "a" / "notes.txt").write_text("mine")
    with pytest.raises(pp.UsageError, match=r"not empty.*overwrite"):
        pp.write(frame(2), root, namespace="a")
    result = pp.write(frame(2), root, namespace="a", overwrite=True)
    assert sorted(p.name for p in (root / "a").iterdir()) == ["part-00000.parquet"]
    manifest = Manifest.from_json((root / MANIFEST_KEY).read_text())
    assert manifest.complete
    assert sorted((f.namespace, f.records) for f in manifest.files) == [("a", 2), ("b", 3)]
    assert result.manifest == str(root / MANIFEST_KEY)
    assert manifest_issues(Store(str(root)).list(), manifest) == []
    clean(root)


def test_manifest_comparison_is_pure() -> None:
    manifest = Manifest(
        (
            ManifestFile("a/part-00000.parquet", "a", 3, 100, "x"),
            ManifestFile("a/part-00001.parquet", "a", 3, 100, "y"),
            ManifestFile("b/part-00000.parquet", "b", 3, 100, "z"),
        )
    )
    listing = [
        StoredObject("a/part-00000.parquet", 100),
        StoredObject("b/part-00000.parquet", 99),
        StoredObject("c/extra.parquet", 5),
        StoredObject(MANIFEST_KEY, 10),  # not .parquet: never "extra"
    ]
    issues = {(i.key, i.severity or "error"): i.message for i in manifest_issues(listing, manifest)}
    assert sorted(issues) == [
        ("a/part-00001.parquet", "error"),
        ("b/part-00000.parquet", "error"),
        ("c/extra.parquet", "warning"),
    ]
    assert "missing" in issues[("a/part-00001.parquet", "error")]
    assert "99 bytes, the manifest says 100" in issues[("b/part-00000.parquet", "error")]
    assert manifest_records_issue(manifest, "a/part-00000.parquet", 3) is None
    assert (
        manifest_records_issue(manifest, "c/extra.parquet", 9) is None
    )  # not the manifest's business
    changed = manifest_records_issue(manifest, "a/part-00000.parquet", 4)
    assert changed is not None and "4 records, the manifest says 3" in changed.message
    pending = manifest_issues(listing, Manifest(manifest.files, ("a/part-00001.parquet",)))
    assert any(i.key == MANIFEST_KEY and "re-run" in i.message for i in pending)
    assert Manifest.from_json(manifest.to_json()) == manifest
    with pytest.raises(ValueError):
        Manifest.from_json('{"format": "something else"}')


def test_checker_compares_the_root_with_its_manifest(tmp_path: Path) -> None:
    root = tmp_path / "out"
    pp.write(frame(12), root, namespace="a", row_group_bytes=200, target_file_bytes=400)
    assert "F004" not in clean(root).summary.by_code
    first, second, *_ = parquet_files(root)
    second.unlink()
    pq.write_table(pq.read_table(first).slice(1), first)  # one record fewer, another size
    pq.write_table(pq.read_table(first), root / "a" / "stray.parquet")
    found = [f for f in pp.check(str(root)).findings if f.code == "F004"]
    where = {(Path(f.location.uri).name, f.severity) for f in found}
    assert where == {
        (first.name, "error"),  # size, and records (from its footer)
        (second.name, "error"),  # missing
        ("stray.parquet", "warning"),  # not written by pinecone-prep
    }
    assert len([f for f in found if Path(f.location.uri).name == first.name]) == 2
    (root / MANIFEST_KEY).write_text("{not json")
    unreadable = [f for f in pp.check(str(root)).findings if f.code == "F004"]
    assert [(f.severity, "cannot be read" in f.message) for f in unreadable] == [("warning", True)]


# --- atomicity and resuming ----------------------------------------------------------------


def test_failure_inside_the_data_leaves_no_parquet(tmp_path: Path) -> None:
    df = frame(40)
    root = tmp_path / "out"

    def failing() -> Iterator[pd.DataFrame]:
        yield df.iloc[:20]
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError, match="the source broke"):
        pp.write(failing(), root, row_group_bytes=200, target_file_bytes=600)
    assert parquet_files(tmp_path) == []
    result = pp.write(df, root, row_group_bytes=200, target_file_bytes=600)
    assert result.records == 40
    clean(root)


def test_crash_while_publishing_resumes_without_overwrite(tmp_path: Path) -> None:
    df = frame(30)
    df["ns"] = ["a"] * 20 + ["b"] * 10
    root = tmp_path / "out"
    root.mkdir()
    (root / "b").write_text("a file where the folder b must go: moves into b/ fail")
    with pytest.raises(pp.StorageError):
        pp.write(df, root, namespace_column="ns", row_group_bytes=200, target_file_bytes=600)
    published = parquet_files(root)
    assert published and all(p.parent.name == "a" for p in published)
    assert all(pq.ParquetFile(p).metadata.num_rows for p in published)  # complete files only
    assert not Manifest.from_json((root / MANIFEST_KEY).read_text()).complete
    (root / "b").unlink()
    # the same arguments: the pending files are replaced, the write completes
    result = pp.write(df, root, namespace_column="ns", row_group_bytes=200, target_file_bytes=600)
    assert result.records == 30
    assert sorted(read_back(root).column("id").to_pylist()) == sorted(df["id"])
    clean(root)


KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np, pandas as pd
    import pinecone_prep as pp

    def frames():
        rng = np.random.default_rng(0)
        for k in range(40):
            yield pd.DataFrame({
                "id": [f"{k}-{i}" for i in range(50)],
                "values": list(rng.random((50, 16), dtype=np.float32) + 0.5),
            })
            if k == 20 and sys.argv[2] == "die":
                print("halfway", flush=True)
                time.sleep(60)

    result = pp.write(frames(), sys.argv[1], row_group_bytes=2000, target_file_bytes=8000)
    print(result.records, flush=True)
    """
)


def test_sigkill_mid_write_then_rerun(tmp_path: Path) -> None:
    root = tmp_path / "out"
    script = tmp_path / "writer.py"
    script.write_text(KILLED_WRITER)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(root), "die"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "halfway"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list((root / "_pinecone_prep_tmp").rglob("*.tmp"))  # it was writing
    assert parquet_files(root) == []  # nothing published, nothing partial
    done = subprocess.run(
        [sys.executable, str(script), str(root), "live"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "2000"
    assert not (root / "_pinecone_prep_tmp").exists()
    assert clean(root).summary.records == 2000


# --- object stores -------------------------------------------------------------------------


def test_round_trip_on_s3(s3_prefix: StoragePrefix) -> None:
    df = bad_frame()
    df["ns"] = ["a", "a", "b", "b", "b", "a", "a", "b", "a", "b"]  # rows 3 and 4 share "b"
    options = s3_prefix.storage_options
    result = pp.write(
        df,
        s3_prefix.url,
        namespace_column="ns",
        on_invalid="quarantine",
        quarantine_uri=f"{s3_prefix.url}-rejected",
        row_group_bytes=200,
        target_file_bytes=500,
        storage_options=options,
    )
    assert sorted(r.codes[0] for r in result.rejected) == sorted(c for _, c in EXPECTED)
    report = pp.check(s3_prefix.url, storage_options=options, max_examples=None)
    assert report.summary.by_severity == {"error": 0, "warning": 0, "info": 1}  # manifest
    assert report.summary.records == 4
    s3_prefix.fs.invalidate_cache()
    listed = s3_prefix.fs.find(s3_prefix.bucket)
    assert f"{s3_prefix.bucket}/imports-rejected/rejected-00000.parquet" in listed
    assert not any("_pinecone_prep_tmp" in key for key in listed)
    manifest = Manifest.from_json(s3_prefix.fs.cat_file(s3_prefix.join(MANIFEST_KEY)).decode())
    for f in manifest.files:
        assert hashlib.sha256(s3_prefix.fs.cat_file(s3_prefix.join(f.key))).hexdigest() == f.sha256
    assert manifest_issues(Store(s3_prefix.url, options).list(), manifest) == []


# --- misuse ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"on_invalid": "ignore"}, "on_invalid"),
        ({"kind": "vector"}, "kind"),
        ({"dimension": 0}, "dimension"),
        ({"dimension": 30_000}, "20,000"),
        ({"namespace": "a", "namespace_column": "ns"}, "not both"),
        ({"namespace": "a/b"}, "single folder"),
        ({"namespace": ""}, "empty"),
        ({"id_column": "nope"}, "no id column"),
        ({"namespace_column": "nope"}, "no namespace column"),
        ({"values_column": None}, "no vector column"),
        ({"kind": "sparse"}, "sparse"),
        ({"metadata_columns": ["id"]}, "metadata_column=None"),
        ({"metadata_columns": "tag"}, "list of names"),
        ({"quarantine_uri": "/tmp/q"}, "on_invalid='quarantine'"),
        ({"target_file_bytes": 10**10}, "file size limit"),
        ({"row_group_bytes": -1}, "positive"),
        ({"progress": 3}, "callable"),
    ],
)
def test_misuse_is_a_usage_error(tmp_path: Path, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(pp.UsageError, match=match):
        pp.write(frame(3), tmp_path / "out", **kwargs)
    assert parquet_files(tmp_path) == []


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"id": ["a"]}, id="dict"),
        pytest.param(42, id="number"),
        pytest.param([42], id="list-of-numbers"),
        pytest.param(pd.DataFrame({"id": [1.5], "values": [[1.0]]}), id="float-ids"),
        pytest.param(pd.DataFrame({"id": ["a"], "values": ["x"]}).astype(object), id="text"),
        pytest.param(pd.DataFrame({"id": ["a"], "values": [{"a": 1}]}), id="dict-vectors"),
        pytest.param(pa.table({"id": ["a"], "values": [[True]]}), id="bool-vectors"),
        pytest.param(pa.table({"id": ["a"], "sparse_values": [[1]]}), id="sparse-not-struct"),
        pytest.param(pd.DataFrame({"id": ["a", 1], "values": [[1.0], [2.0]]}), id="mixed-ids"),
    ],
)
def test_malformed_data_is_a_usage_error_or_rejected(tmp_path: Path, data: Any) -> None:
    try:
        result = pp.write(data, tmp_path / "out", on_invalid="skip")
    except pp.UsageError:
        return
    assert result.records == 0 and result.rejected


def test_root_must_be_a_prefix(tmp_path: Path) -> None:
    (tmp_path / "file.parquet").write_bytes(b"x")
    with pytest.raises(pp.UsageError, match="names an object"):
        pp.write(frame(2), tmp_path / "file.parquet")


def test_progress_reports_bytes(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    result = pp.write(
        frame(50), tmp_path / "out", row_group_bytes=300, progress=lambda d, t: calls.append((d, t))
    )
    assert calls and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1][0] == calls[-1][1] > 0  # the total is known for a DataFrame
    assert result.bytes > 0
