"""Benchmark the storage path on a local S3 endpoint (moto's server on 127.0.0.1).

    python bench/bench_storage.py [--files 10000] [--check-mb 1000]

1. Plans a prefix of FILES small Parquet files (100 namespaces) from footers alone: prints the
   wall time and the S3 requests made, by operation.
2. Checks the same ~CHECK_MB MB dense prefix from local disk and from the S3 endpoint, and
   prints both times and their ratio. moto is a Python server: its throughput, not the
   checker's, bounds the S3 figure.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import socket
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import s3fs
from moto.server import ThreadedMotoServer

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
import bench_check  # the same dense prefix as the check benchmark

import pinecone_prep as pp
from tests.support.fault_proxy import running_proxy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def small_file(n: int) -> bytes:
    table = pa.table(
        {
            "id": [f"{n}-{i}" for i in range(10)],
            "values": pa.array(
                [[float(n + 1), float(i + 1)] for i in range(10)], pa.list_(pa.float32())
            ),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--check-mb", type=int, default=1000)
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    options = {"endpoint_url": f"http://127.0.0.1:{port}", "key": "bench", "secret": "bench"}
    fs = s3fs.S3FileSystem(**options)
    results: dict[str, Any] = {}
    try:
        fs.mkdir("plan-bench")
        blobs = {
            f"plan-bench/p/ns-{n % 100:03d}/part-{n:05d}.parquet": small_file(n)
            for n in range(args.files)
        }
        start = time.perf_counter()
        fs.pipe(blobs)
        results["upload_small_files_seconds"] = round(time.perf_counter() - start, 2)

        # The requests are counted by a proxy in front of moto (the tests' fault proxy, with
        # no fault programmed): it sees every request, whatever options the store adds.
        with running_proxy(options["endpoint_url"]) as proxy:
            start = time.perf_counter()
            planned = pp.plan(
                "s3://plan-bench/p", storage_options={**options, "endpoint_url": proxy.url}
            )
            elapsed = time.perf_counter() - start
            counts = Counter(hit.method for hit in proxy.hits)
        results["plan"] = {
            "files": args.files,
            "seconds": round(elapsed, 2),
            "records": planned.records,
            "requests_by_method": dict(counts),
            "requests_per_file": round(sum(counts.values()) / args.files, 2),
        }

        rows = max(1000, args.check_mb * 10**6 // (1536 * 4))
        local = bench_check.make_prefix(rows, 1536, 4)
        size = sum(p.stat().st_size for p in local.rglob("*.parquet"))
        fs.mkdir("check-bench")
        fs.put(str(local), "check-bench/p", recursive=True)
        timings = {}
        for name, uri, opts in (("local", str(local), None), ("s3", "s3://check-bench/p", options)):
            start = time.perf_counter()
            report = pp.check(uri, storage_options=opts)
            timings[name] = round(time.perf_counter() - start, 2)
            assert report.summary.records == rows, report.summary
        results["check"] = {
            "parquet_bytes": size,
            "seconds": timings,
            "ratio_s3_over_local": round(timings["s3"] / timings["local"], 2),
        }
    finally:
        server.stop()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
