"""The quick check reads footers and the first rows of every file: still right on kind,
dimension and metric, fast, and never a stand-in for duplicates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import pinecone_prep as pp
from pinecone_prep._check.rows import QUICK_ROWS


def prefix(root: Path, dims: list[int], rows: int = 5_000) -> Path:
    """One namespace, one file per dimension given, row groups of 1,000 rows."""
    rng = np.random.default_rng(1)
    (root / "ns").mkdir(parents=True)
    for n, dim in enumerate(dims):
        table = pa.table(
            {
                "id": [f"{n}-{i}" for i in range(rows)],
                "values": pa.FixedSizeListArray.from_arrays(
                    pa.array(rng.random(rows * dim, dtype=np.float32) + 0.5), dim
                ).cast(pa.list_(pa.float32())),
            }
        )
        pq.write_table(table, root / "ns" / f"part-{n}.parquet", row_group_size=1_000)
    return root


def test_quick_sees_the_dimension_of_real_vectors(tmp_path: Path) -> None:
    root = prefix(tmp_path, [384, 384])
    report = pp.check(root, quick=True, dimension=1536)  # a 1536-d index
    assert not report.valid
    assert report.summary.by_code["R011"] == 2 * QUICK_ROWS  # the first rows of each file
    assert "384 numbers; dimension 1536 expected" in report.describe_errors()
    full = pp.check(root, dimension=1536)
    assert full.summary.by_code["R011"] == 2 * 5000


def test_quick_covers_every_file(tmp_path: Path) -> None:
    root = prefix(tmp_path, [8, 8, 16])  # the third file disagrees
    report = pp.check(root, quick=True, max_examples=None)
    where = {(f.code, Path(f.location.uri).name) for f in report.errors()}
    assert where == {("F003", "part-2.parquet"), ("R011", "part-2.parquet")}


def test_quick_reads_few_rows_and_compares_none(tmp_path: Path) -> None:
    root = prefix(tmp_path, [8])
    (tmp_path / "ns" / "part-0.parquet").rename(tmp_path / "ns" / "a.parquet")
    pq.write_table(pq.read_table(tmp_path / "ns" / "a.parquet"), tmp_path / "ns" / "b.parquet")
    assert pp.check(root).summary.by_code["R005"] == 5000  # every id twice
    assert "R005" not in pp.check(root, quick=True).summary.by_code
