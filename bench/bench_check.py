"""Benchmark: `pinecone_prep.check` against bare `pq.read_table` of the same files, whole
processes (start-up included), interleaved runs, medians and the range of the ratios.

    python bench/bench_check.py [--rows 100000] [--dim 1536] [--files 2] [--repeat 5]
    python bench/bench_check.py --small-files 2000
    python bench/bench_check.py --before /tmp/oldpkg   # and an older copy of the package

Writes a dense prefix with metadata (row groups of 10k rows) under bench/out/ (or many small
files), then times each contender in a fresh interpreter (so peak RSS is its own).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).parent / "out" / "check"


def make_prefix(rows: int, dim: int, files: int) -> Path:
    root = OUT / f"{rows}x{dim}x{files}"
    if root.exists():
        return root
    rng = np.random.default_rng(0)
    per_file = rows // files
    for f in range(files):
        ns = root / f"ns-{f % 2}"
        ns.mkdir(parents=True, exist_ok=True)
        vectors = rng.standard_normal((per_file, dim), dtype=np.float32)
        ids = [f"doc-{f}-{i:012d}-{'x' * 16}" for i in range(per_file)]
        meta = [
            orjson.dumps(
                {
                    "title": f"title {i}",
                    "year": 1990 + i % 30,
                    "tags": ["a", "b"],
                    "text": "lorem ipsum " * 12,
                }
            ).decode()
            for i in range(per_file)
        ]
        table = pa.table(
            {
                "id": ids,
                "values": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), dim).cast(
                    pa.list_(pa.float32())
                ),
                "metadata": meta,
            }
        )
        pq.write_table(
            table,
            ns / f"part-{f:05d}.parquet",
            row_group_size=10_000,
            use_dictionary=["id", "metadata"],
            write_statistics=["id"],
        )
    return root


# Each contender is a fresh interpreter, timed whole (start-up included: what a user waits
# for) by the parent; the child prints its own work time (after its imports) and peak RSS.
TIMED = """
import resource, sys, time
{imports}
start = time.perf_counter()
{work}
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
CONTENDERS = {
    "read_table": TIMED.format(
        imports="import pyarrow.parquet as pq\nfrom pathlib import Path",
        work="for p in sorted(Path(sys.argv[1]).rglob('*.parquet')): pq.read_table(p)",
    ),
    "check": TIMED.format(
        imports="import pinecone_prep as pp",
        work="r = pp.check(sys.argv[1])\nassert r.valid, r.summary.by_code",
    ),
}
# `--before DIR`: also time the package as it was, copied to DIR/pinecone_prep_old (a copy of an
# older checkout's pinecone_prep folder; its relative imports work under the new name).
BEFORE = TIMED.format(
    imports="sys.path.insert(0, sys.argv[2])\nimport pinecone_prep_old as pp",
    work="r = pp.check(sys.argv[1])\nassert r.valid, r.summary.by_code",
)


def small_files(files: int) -> Path:
    """A prefix of many small files (five 10-row groups each, 8-d): per-file costs dominate."""
    root = OUT / f"small-{files}"
    if root.exists():
        return root
    rng = np.random.default_rng(1)
    for f in range(files):
        ns = root / f"ns-{f % 4}"
        ns.mkdir(parents=True, exist_ok=True)
        vectors = rng.random((50, 8), dtype=np.float32) + 0.5
        table = pa.table(
            {
                "id": [f"{f}-{i}" for i in range(50)],
                "values": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), 8).cast(
                    pa.list_(pa.float32())
                ),
            }
        )
        pq.write_table(table, ns / f"part-{f:05d}.parquet", row_group_size=10)
    return root


def run(code: str, root: Path, extra: list[str]) -> tuple[float, float, float]:
    """(whole process s, work s, peak RSS MB) of one fresh interpreter running `code`."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, str(root), *extra], check=True, capture_output=True, text=True
    ).stdout.split()
    return time.perf_counter() - start, float(out[-2]), int(out[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=1536)
    parser.add_argument("--files", type=int, default=2)
    parser.add_argument("--small-files", type=int, default=0, help="instead: N small files")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", metavar="DIR", help="also time DIR/pinecone_prep_old")
    args = parser.parse_args()
    if args.small_files:
        root = small_files(args.small_files)
    else:
        root = make_prefix(args.rows, args.dim, args.files)
    contenders = dict(CONTENDERS)
    if args.before:
        contenders["check (before)"] = BEFORE
    extra = [args.before] if args.before else []
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in contenders}
    for code in contenders.values():  # warm the page cache
        run(code, root, extra)
    for _ in range(args.repeat):  # interleaved, so machine noise hits all alike
        for name, code in contenders.items():
            runs[name].append(run(code, root, extra))
    base = runs["read_table"]
    size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
    print(f"{root.name}: {size / 1e6:,.0f} MB of Parquet, {args.repeat} interleaved runs")
    print(f"{'contender':16} {'whole s':>8} {'ratio':>6} {'range':>11} {'work s':>7} {'rss MB':>7}")
    for name, measured in runs.items():
        ratios = [m[0] / b[0] for m, b in zip(measured, base, strict=True)]
        print(
            f"{name:16} {statistics.median(m[0] for m in measured):8.2f}"
            f" {statistics.median(ratios):6.2f} {min(ratios):5.2f}-{max(ratios):<5.2f}"
            f" {statistics.median(m[1] for m in measured):7.2f}"
            f" {max(m[2] for m in measured):7.0f}"
        )


if __name__ == "__main__":
    main()
