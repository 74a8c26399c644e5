"""The rules before any byte is published, each on_invalid policy, namespaces, duplicates."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import orjson
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import pinecone_prep as pp
from tests.support.writing import EXPECTED, bad_frame, clean, frame, parquet_files, vectors


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
