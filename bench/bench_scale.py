"""Benchmark: the same write and check in one process, on Dask and on Spark, same run.

    python bench/bench_scale.py [--rows 1000000] [--dim 128] [--files 8] [--repeat 3] [--out DIR]

Input: `--rows` x `--dim` float32 vectors, 4 namespaces, small JSON metadata, in `--files`
Parquet files. Contenders, interleaved round by round (each round runs every contender once):

- write: `pp.write(files)` in this process; `pinecone_prep.dask.write(dd.read_parquet(...))`
  and `dask.convert(files)` on a LocalCluster of 2 worker processes of 1 thread;
  `pinecone_prep.spark.write(spark.read.parquet(...))` and `spark.convert(spark, files)` on
  `local[2]`;
- check of the single-process output: `pp.check`, `dask.check`, `spark.check`.

Each line gives the median, the range, and the ratio to the single-process time of the same
round (median and range). The engines start once, before the rounds (their start-up is printed
apart). On 2 cores an engine cannot win: the point is the same code on 200. Output goes to
DIR (default /dev/shm, else bench/out): on a disk, writeback makes single runs vary 2-4x.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import pinecone_prep as pp
from pinecone_prep import dask as ppd
from pinecone_prep import spark as pps

SHM = Path("/dev/shm")
DEFAULT_OUT = SHM / "pinecone-prep-bench-scale" if SHM.is_dir() else Path(__file__).parent / "out"


def make_input(folder: Path, rows: int, dim: int, files: int) -> None:
    rng = np.random.default_rng(0)
    per_file = -(-rows // files)
    for f in range(files):
        start, stop = f * per_file, min(rows, (f + 1) * per_file)
        n = stop - start
        flat = rng.standard_normal(n * dim, dtype=np.float32)
        values = pa.FixedSizeListArray.from_arrays(flat, dim).cast(pa.list_(pa.float32()))
        table = pa.table(
            {
                "id": [f"doc-{i:09d}" for i in range(start, stop)],
                "values": values,
                "metadata": [json.dumps({"n": i, "tag": f"t{i % 7}"}) for i in range(start, stop)],
                "ns": [f"ns-{i % 4}" for i in range(start, stop)],
            }
        )
        pq.write_table(table, folder / f"part-{f:03d}.parquet")


def start_dask() -> tuple[Any, Any, float]:
    from distributed import Client, LocalCluster

    began = time.perf_counter()
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        worker_dashboard_address="127.0.0.1:0",
    )
    return cluster, Client(cluster), time.perf_counter() - began


def start_spark() -> tuple[Any, float]:
    from pyspark.sql import SparkSession

    began = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.pyspark.driver.python", sys.executable)
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.range(1).collect()  # the first job: part of starting, not of the first contender
    return spark, time.perf_counter() - began


def timed(fn: Callable[[], object], out: Path | None) -> float:
    """Wall time of `fn`, into an empty `out` (a write's root)."""
    if out is not None:
        shutil.rmtree(out, ignore_errors=True)
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def contenders(inputs: Path, work: Path, client: Any, spark: Any) -> dict[str, Callable[[], Any]]:
    import dask.dataframe as dd

    files = [str(p) for p in sorted(inputs.glob("*.parquet"))]
    single = str(work / "single")
    opts: dict[str, Any] = {"namespace_column": "ns"}
    return {
        "write: one process": lambda: pp.write(files, single, **opts),
        "write: dask.write(read_parquet)": lambda: ppd.write(
            dd.read_parquet(files), str(work / "out"), client=client, **opts
        ),
        "write: dask.convert(files)": lambda: ppd.convert(
            files, str(work / "out"), client=client, **opts
        ),
        "write: spark.write(read.parquet)": lambda: pps.write(
            spark.read.parquet(*files), str(work / "out"), **opts
        ),
        "write: spark.convert(files)": lambda: pps.convert(spark, files, str(work / "out"), **opts),
        "check: one process": lambda: pp.check(single),
        "check: dask.check": lambda: ppd.check(single, client=client),
        "check: spark.check": lambda: pps.check(spark, single),
    }


def table(times: dict[str, list[float]]) -> str:
    lines = [
        "| contender | median s | range s | x one process (median, range) |",
        "|---|---|---|---|",
    ]
    for name, runs in times.items():
        base = times[f"{name.split(':')[0]}: one process"]
        ratios = [t / b for t, b in zip(runs, base, strict=True)]
        lines.append(
            f"| {name} | {statistics.median(runs):.1f} | {min(runs):.1f}-{max(runs):.1f} |"
            f" {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    inputs, work = args.out / "in", args.out / "work"
    shutil.rmtree(args.out, ignore_errors=True)
    inputs.mkdir(parents=True)
    work.mkdir()
    make_input(inputs, args.rows, args.dim, args.files)
    size = sum(p.stat().st_size for p in inputs.iterdir()) / 2**20
    print(f"input: {args.rows:,} x {args.dim} float32, {args.files} files, {size:,.0f} MiB")
    cluster, client, dask_start = start_dask()
    spark, spark_start = start_spark()
    print(
        f"start-up: dask cluster {dask_start:.1f} s, spark session + first job {spark_start:.1f} s"
    )
    jobs = contenders(inputs, work, client, spark)
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for round_ in range(args.repeat):
        for name, job in jobs.items():
            out = work / ("single" if name.endswith("one process") else "out")
            times[name].append(timed(job, out if name.startswith("write") else None))
            print(f"round {round_ + 1}: {name}: {times[name][-1]:.1f} s", flush=True)
    print(table(times))
    spark.stop()
    client.close()
    cluster.close()
    shutil.rmtree(args.out, ignore_errors=True)


if __name__ == "__main__":
    main()
