"""Benchmark: reading every row against a 100-rows-per-file sample, on planted defects.

    python bench/bench_sample.py [--rows 1000000] [--files 10] [--defects 1000] [--dim 16]

Writes a dense prefix of `--rows` records in `--files` files under bench/out/sample/, plants
`--defects` defects at random rows (ids, vectors and metadata: R002, R005, R012, R013, R030,
R033, in turn), then runs the same rules twice: `check` on every row, and `check` on a copy
that holds only the first 100 rows of each file (what a footer-plus-first-rows validator such
as the Pinecone SDK's proposed `validate_bulk_import` reads). Prints how many planted defects
each one finds.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

import pinecone_prep as pp

OUT = Path(__file__).parent / "out" / "sample"
SAMPLE_ROWS = 100
KINDS = ["R002", "R005", "R012", "R013", "R030", "R033"]


def plant_rows(rng: np.random.Generator, rows: int, files: int, defects: int) -> np.ndarray:
    """Distinct rows, none the first of its file or next to another (R005 copies row - 1)."""
    per_file = rows // files
    chosen: set[int] = set()
    while len(chosen) < defects:
        row = int(rng.integers(0, rows))
        near = {row - 1, row, row + 1}
        if row % per_file and not near & chosen:
            chosen.add(row)
    return np.array(sorted(chosen))


def make_prefix(root: Path, rows: int, files: int, dim: int, planted: dict[int, str]) -> None:
    rng = np.random.default_rng(1)
    per_file = rows // files
    for f in range(files):
        start = f * per_file
        vectors = rng.standard_normal((per_file, dim), dtype=np.float32)
        ids = [f"doc-{start + i:08d}" for i in range(per_file)]
        metadata = [orjson.dumps({"n": start + i, "tag": "a"}).decode() for i in range(per_file)]
        for row, code in planted.items():
            i = row - start
            if not 0 <= i < per_file:
                continue
            if code == "R002":
                ids[i] = ""
            elif code == "R005":
                ids[i] = ids[i - 1]
            elif code == "R012":
                vectors[i, dim // 2] = np.nan
            elif code == "R013":
                vectors[i] = 0.0
            elif code == "R030":
                metadata[i] = '{"n": '
            else:
                metadata[i] = '{"n": {"nested": 1}}'
        values = pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), dim)
        table = pa.table(
            {"id": ids, "values": values.cast(pa.list_(pa.float32())), "metadata": metadata}
        )
        path = root / "ns" / f"part-{f:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, row_group_size=50_000)


def first_rows_copy(root: Path, sample: Path) -> None:
    for path in sorted(root.rglob("*.parquet")):
        target = sample / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pq.ParquetFile(path).read().slice(0, SAMPLE_ROWS), target)


def found(root: Path, expected: set[tuple[str, int, str]]) -> tuple[int, float]:
    """How many of the expected (file, row, code) findings `check` reports, and its time."""
    start = time.perf_counter()
    report = pp.check(str(root), max_examples=None)
    elapsed = time.perf_counter() - start
    seen = {
        (Path(str(f.location.uri)).name, f.location.row, f.code)
        for f in report.findings
        if f.location.row is not None
    }
    return len(expected & seen), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--defects", type=int, default=1_000)
    parser.add_argument("--dim", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    per_file = args.rows // args.files
    rows = plant_rows(np.random.default_rng(args.seed), args.rows, args.files, args.defects)
    planted = {int(row): KINDS[k % len(KINDS)] for k, row in enumerate(rows)}
    expected = {(f"part-{r // per_file:05d}.parquet", r % per_file, c) for r, c in planted.items()}

    root, sample = OUT / "full", OUT / "first-rows"
    shutil.rmtree(OUT, ignore_errors=True)
    make_prefix(root, args.rows, args.files, args.dim, planted)
    first_rows_copy(root, sample)
    full_hits, full_s = found(root, expected)
    sample_hits, sample_s = found(sample, expected)
    sampled = args.files * SAMPLE_ROWS
    print(
        f"{args.rows:,} records in {args.files} files, {len(planted):,} defects planted at"
        f" random rows ({', '.join(KINDS)})"
    )
    print(f"every row (check):          {full_hits:,} of {len(planted):,} found in {full_s:.2f} s")
    print(
        f"first {SAMPLE_ROWS} rows of each file: {sample_hits:,} of {len(planted):,} found"
        f" in {sample_s:.2f} s ({sampled:,} rows read, {sampled / args.rows:.2%} of the data)"
    )


if __name__ == "__main__":
    main()
