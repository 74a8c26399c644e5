"""Benchmark: `pinecone_prep.write` against the fastest bare writer of the same data, same run.

    python bench/bench_write.py [--rows 100000] [--dim 1536] [--repeat 3] [--out DIR]

The baseline is polars `write_parquet` of the finished, compliant frame (ids, float32 vectors,
metadata already JSON text), with snappy (the fastest; `write` uses snappy too) and with
polars' default zstd. The contenders write the same records from a polars frame (vectors as
Array(Float32), metadata as JSON text), from pandas (a numpy array per row, metadata as JSON
text), and from pandas with metadata as dicts (orjson per row: the one allowed per-row path).
Every contender runs in this process, interleaved, and each time is a median. The output goes
to DIR, by default /dev/shm when it exists: on a disk, writeback makes single runs of the same
writer vary by 2-4x, which hides what the writers themselves cost.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import polars as pl

import pinecone_prep as pp

SHM = Path("/dev/shm")
DEFAULT_OUT = SHM / "pinecone-prep-bench-write" if SHM.is_dir() else Path(__file__).parent / "out"
OUT = DEFAULT_OUT


def make_data(rows: int, dim: int) -> tuple[pl.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((rows, dim), dtype=np.float32)
    ids = [f"doc-{i:012d}-{'x' * 16}" for i in range(rows)]
    docs = [
        {"title": f"title {i}", "year": 1990 + i % 30, "tags": ["a", "b"], "text": "lorem " * 20}
        for i in range(rows)
    ]
    texts = [orjson.dumps(d).decode() for d in docs]
    polars_frame = pl.DataFrame(
        {"id": ids, "values": vectors, "metadata": texts},
        schema={"id": pl.String, "values": pl.Array(pl.Float32, dim), "metadata": pl.String},
    )
    per_row = list(vectors)  # a numpy array per row, as pandas users hold embeddings
    pandas_json = pd.DataFrame({"id": ids, "values": per_row, "metadata": texts})
    pandas_dicts = pd.DataFrame({"id": ids, "values": per_row, "metadata": docs})
    return polars_frame, pandas_json, pandas_dicts


def timed(fn: Callable[[], object]) -> float:
    """Wall time of `fn` from a clean slate: earlier outputs deleted and flushed to disk first,
    so no contender pays for another's writeback (or for replacing an existing file)."""
    for path in OUT.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    os.sync()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=1536)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--before", type=Path, help="a folder holding pinecone_prep_old")
    args = parser.parse_args()
    global OUT
    OUT = args.out / "write"
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    polars_frame, pandas_json, pandas_dicts = make_data(args.rows, args.dim)
    # The finished data a bare writer gets: what `write` publishes, as a polars frame.
    compliant = polars_frame.with_columns(pl.col("values").cast(pl.List(pl.Float32)))
    bare = OUT / "bare.parquet"

    def write(frame: object, name: str) -> Callable[[], object]:
        return lambda: pp.write(frame, str(OUT / name))

    contenders: dict[str, Callable[[], object]] = {
        "polars write_parquet snappy (baseline)": lambda: compliant.write_parquet(
            bare, compression="snappy"
        ),
        "polars write_parquet zstd (default)": lambda: compliant.write_parquet(bare),
        "pp.write from polars": write(polars_frame, "from-polars"),
        "pp.write from pandas (arrays, JSON text)": write(pandas_json, "from-pandas"),
        "pp.write from pandas (arrays, dicts)": write(pandas_dicts, "from-pandas-dicts"),
    }
    if args.before:  # an older copy of the package, as pinecone_prep_old (see bench_check.py)
        sys.path.insert(0, str(args.before))
        import pinecone_prep_old as old

        contenders["before: write from polars"] = lambda: old.write(
            polars_frame, str(OUT / "old-polars")
        )
        contenders["before: write from pandas (arrays, JSON)"] = lambda: old.write(
            pandas_json, str(OUT / "old-pandas")
        )
    for fn in contenders.values():  # warm up: page cache, allocator, imports
        timed(fn)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.repeat):
        for name, fn in contenders.items():
            times[name].append(timed(fn))
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    base = times["polars write_parquet snappy (baseline)"]
    ratios = {name: [t / b for t, b in zip(ts, base, strict=True)] for name, ts in times.items()}
    result = pp.write(polars_frame, str(OUT / "from-polars"), overwrite=True)
    report = pp.check(str(OUT / "from-polars"))
    print(
        json.dumps(
            {
                "rows": args.rows,
                "dim": args.dim,
                "parquet_bytes": result.bytes,
                "files": len(result.files),
                "check_errors": report.summary.by_severity["error"],
                "out": str(OUT),
                "seconds": {name: round(t, 3) for name, t in medians.items()},
                "ratio_to_baseline": {
                    name: f"{statistics.median(r):.2f} ({min(r):.2f}-{max(r):.2f})"
                    for name, r in ratios.items()
                },
                "all_runs": {name: [round(t, 3) for t in ts] for name, ts in times.items()},
            },
            indent=2,
        )
    )

    shutil.rmtree(OUT, ignore_errors=True)


if __name__ == "__main__":
    main()
