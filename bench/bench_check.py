"""Benchmark: `pinecone_prep.check` against bare `pq.read_table` on the same files, same run.

    python bench/bench_check.py [--rows 100000] [--dim 1536] [--files 2] [--repeat 3]

Writes a dense prefix with metadata (row groups of 10k rows) under bench/out/, then times each
contender in a fresh subprocess (so peak RSS is its own; each times its work after its imports)
and prints medians and the ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
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


# Each child times its own work, after its imports (pinecone_prep imports polars and more than
# bare pyarrow does: subtracting one startup time from both would flatter neither), and prints
# its wall time and peak RSS.
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
        work="r = pp.check(sys.argv[1])\n"
        "assert r.summary['by_severity']['error'] == 0, r.summary['by_code']",
    ),
}


def run(code: str, root: Path) -> tuple[float, float]:
    """Wall time (s) of the work and peak RSS (MB) of one fresh interpreter running `code`."""
    out = subprocess.run(
        [sys.executable, "-c", code, str(root)], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[-2]), int(out[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=1536)
    parser.add_argument("--files", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = make_prefix(args.rows, args.dim, args.files)
    size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
    results: dict[str, dict[str, float]] = {}
    # Interleave the contenders so machine noise hits both alike.
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in CONTENDERS}
    for _ in range(args.repeat):
        for name, code in CONTENDERS.items():
            runs[name].append(run(code, root))
    for name, measured in runs.items():
        results[name] = {
            "seconds": statistics.median(t for t, _ in measured),
            "peak_rss_mb": max(rss for _, rss in measured),
            "all_seconds": [round(t, 3) for t, _ in measured],
        }
    ratio = results["check"]["seconds"] / results["read_table"]["seconds"]
    print(
        json.dumps(
            {
                "rows": args.rows,
                "dim": args.dim,
                "parquet_bytes": size,
                **results,
                "ratio_check_over_read_table": round(ratio, 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
